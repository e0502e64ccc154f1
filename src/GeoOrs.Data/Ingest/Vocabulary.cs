using System.Collections.Frozen;
using System.Globalization;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// The controlled vocabularies of an event and the synonym table that maps the names real systems
/// send ("Oxycodone", "Fentanyl/Acetylfentanyl", "Narcan") onto them. The synonym table is the
/// documented contract; docs/INGEST.md lists it.
/// </summary>
public static class Vocabulary
{
    /// <summary>The drugs an overdose event may name.</summary>
    public static readonly FrozenSet<string> OverdoseDrugs = FrozenSet.Create(StringComparer.Ordinal,
        "fentanyl", "heroin", "prescription_opioid", "other_opioid", "cocaine", "methamphetamine",
        "xylazine", "benzodiazepine", "other", "unknown", "nitazene");

    /// <summary>The drugs a seizure may name: the overdose vocabulary plus marijuana.</summary>
    public static readonly FrozenSet<string> SeizureDrugs = FrozenSet.Create(StringComparer.Ordinal, [.. OverdoseDrugs, "marijuana"]);

    /// <summary>How exactly an event's point is known.</summary>
    public static readonly FrozenSet<string> LocationPrecisions = FrozenSet.Create(StringComparer.Ordinal,
        "exact", "randomized", "block", "city_centroid", "zip_centroid", "county_centroid");

    /// <summary>Seizure units: mass, dosage units and volume.</summary>
    public static readonly FrozenSet<string> Units = FrozenSet.Create(StringComparer.Ordinal,
        "g", "kg", "oz", "lb", "pills", "dosage_units", "ml");

    /// <summary>Names real systems send, lower-cased, mapped to the vocabulary.</summary>
    /// <remarks>
    /// Fentanyl analogues (acetyl-, furanyl-, para-fluoro-, carfentanil…) are <c>fentanyl</c>; opioids
    /// dispensed on prescription (oxycodone, hydrocodone, morphine, methadone, buprenorphine, tramadol…)
    /// are <c>prescription_opioid</c>; the 2-benzylbenzimidazole opioids (isotonitazene, metonitazene,
    /// protonitazene, N-pyrrolidino etonitazene…) are <c>nitazene</c>, so their arrival in an area can be
    /// seen (UNODC Early Warning Advisory, "Nitazenes", 2024); other novel synthetic opioids (U-47700)
    /// and unspecified "opiates" are <c>other_opioid</c>.
    /// </remarks>
    public static readonly FrozenDictionary<string, string> DrugSynonyms = BuildSynonyms();

    private static FrozenDictionary<string, string> BuildSynonyms()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string drug, params string[] names)
        {
            foreach (var name in names)
            {
                map[name] = drug;
            }
        }

        Add("fentanyl", "fentanyl", "fentanyls", "acetyl fentanyl", "acetylfentanyl", "acetyl-fentanyl", "fentanyl/acetylfentanyl",
            "para-fluorofentanyl", "p-fluorofentanyl", "fluorofentanyl", "furanyl fentanyl", "furanylfentanyl", "carfentanil",
            "carfentanyl", "cyclopropyl fentanyl", "butyryl fentanyl", "para-fluorobutyryl fentanyl/fibf", "fibf",
            "despropionyl fentanyl 4-anpp", "4-anpp", "methoxyacetyl fentanyl", "acryl fentanyl", "acrylfentanyl",
            "valeryl fentanyl", "fentanyl analog", "fentanyl analogue", "illicitly manufactured fentanyl", "imf", "norfentanyl");
        Add("heroin", "heroin", "6-mam", "6-monoacetylmorphine", "diacetylmorphine", "black tar heroin");
        Add("prescription_opioid", "prescription opioid", "prescription opioids", "oxycodone", "oxycontin", "percocet",
            "hydrocodone", "vicodin", "morphine", "codeine", "methadone", "buprenorphine", "suboxone", "tramadol",
            "oxymorphone", "hydromorphone", "dilaudid", "tapentadol", "meperidine", "propoxyphene", "dihydrocodeine",
            "levorphanol", "pentazocine");
        Add("other_opioid", "other opioid", "opioid", "opioids", "opiate", "opiates", "u-47700", "u-47700 synthetic opioid",
            "mitragynine", "kratom", "loperamide");
        Add("nitazene", "nitazene", "nitazenes", "isotonitazene", "metonitazene", "protonitazene", "etonitazene",
            "etonitazepyne", "n-pyrrolidino etonitazene", "etazene", "etodesnitazene", "flunitazene", "butonitazene",
            "isotonitazepyne", "n-pyrrolidino isotonitazene", "metonitazepyne", "n-pyrrolidino metonitazene",
            "protonitazepyne", "n-pyrrolidino protonitazene", "n-desethyl isotonitazene", "clonitazene", "etonitazene analog",
            "benzimidazole opioid", "benzimidazole-opioid", "2-benzylbenzimidazole opioid");
        Add("cocaine", "cocaine", "crack", "crack cocaine", "benzoylecgonine", "cocaethylene");
        Add("methamphetamine", "methamphetamine", "meth", "crystal meth", "amphetamine", "amphetamines", "mdma", "ecstasy");
        Add("xylazine", "xylazine", "tranq");
        Add("benzodiazepine", "benzodiazepine", "benzodiazepines", "benzo", "benzos", "alprazolam", "xanax", "diazepam", "valium",
            "clonazepam", "klonopin", "lorazepam", "ativan", "temazepam", "oxazepam", "chlordiazepoxide", "nordiazepam",
            "etizolam", "bromazolam", "flualprazolam", "clonazolam", "midazolam", "flubromazolam");
        Add("marijuana", "marijuana", "cannabis", "thc", "hashish", "marihuana");
        Add("other", "other", "alcohol", "ethanol", "gabapentin", "diphenhydramine", "phencyclidine", "pcp", "ketamine");
        Add("unknown", "unknown", "unk", "not known", "undetermined");
        foreach (var drug in SeizureDrugs)
        {
            map[drug] = drug;
            map[drug.Replace('_', ' ')] = drug;
        }

        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Maps a sender's drug name to the vocabulary; case, surrounding space and inner runs of space do not matter.</summary>
    /// <param name="name">The name as sent.</param>
    /// <param name="drug">The vocabulary term.</param>
    /// <returns>False when the name is not known.</returns>
    public static bool TryMapDrug(string name, out string drug)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = string.Join(' ', name.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return DrugSynonyms.TryGetValue(key, out drug!);
    }

    /// <summary>Parses a yes/no value: true, false, yes, no, y, n, 1, 0 (any case).</summary>
    /// <param name="text">The value.</param>
    /// <param name="value">The parsed value.</param>
    /// <returns>False when the text is none of those.</returns>
    public static bool TryParseBoolean(string text, out bool value)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "y" or "1" or "t":
                value = true;
                return true;
            case "false" or "no" or "n" or "0" or "f":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>Normalises sex to female, male or unknown.</summary>
    /// <param name="text">The value as sent.</param>
    /// <param name="sex">The normalised value.</param>
    /// <returns>False when the text is none of the known spellings.</returns>
    public static bool TryParseSex(string text, out string sex)
    {
        ArgumentNullException.ThrowIfNull(text);
        sex = text.Trim().ToLowerInvariant() switch
        {
            "f" or "female" or "woman" => "female",
            "m" or "male" or "man" => "male",
            "u" or "unknown" or "other" or "x" or "not recorded" or "null" => "unknown",
            _ => "",
        };
        return sex.Length > 0;
    }

    /// <summary>
    /// Normalises an age band to <c>25-29</c> style five-year bands: accepts <c>25-29</c>,
    /// <c>25 to 29</c>, <c>85+</c> and a whole age (<c>27</c> → <c>25-29</c>).
    /// </summary>
    /// <param name="text">The value as sent.</param>
    /// <param name="band">The normalised band.</param>
    /// <returns>False when the text is not an age or a band.</returns>
    public static bool TryParseAgeBand(string text, out string band)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant().Replace(" to ", "-", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        band = "";
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var age))
        {
            if (age > 120)
            {
                return false;
            }

            band = age >= 85 ? "85+" : $"{age / 5 * 5}-{(age / 5 * 5) + 4}";
            return true;
        }

        if (t.EndsWith('+') && int.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var from) && from <= 120)
        {
            band = $"{from}+";
            return true;
        }

        var dash = t.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0
            && int.TryParse(t[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
            && int.TryParse(t[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
            && low <= high && high <= 120)
        {
            band = $"{low}-{high}";
            return true;
        }

        return false;
    }

    /// <summary>
    /// Normalises a seizure quantity: mass to grams, pills and dosage units to dosage units, and
    /// millilitres to grams at 1 g/ml.
    /// </summary>
    /// <param name="quantity">The quantity as sent.</param>
    /// <param name="unit">A unit of <see cref="Units"/>.</param>
    /// <returns>Grams, or dosage units; the other is null.</returns>
    public static (double? Grams, double? DosageUnits) NormaliseQuantity(double quantity, string unit) => unit switch
    {
        "g" => (quantity, null),
        "kg" => (quantity * 1000.0, null),
        "oz" => (quantity * 28.349523125, null),
        "lb" => (quantity * 453.59237, null),
        "ml" => (quantity, null),
        "pills" or "dosage_units" => (null, quantity),
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "not a seizure unit"),
    };

    /// <summary>Maps unit spellings (grams, kilograms, pounds, lbs, tablets, du…) to <see cref="Units"/>.</summary>
    /// <param name="text">The unit as sent.</param>
    /// <param name="unit">The unit.</param>
    /// <returns>False when the spelling is not known.</returns>
    public static bool TryParseUnit(string text, out string unit)
    {
        ArgumentNullException.ThrowIfNull(text);
        unit = text.Trim().ToLowerInvariant() switch
        {
            "g" or "gram" or "grams" or "gm" or "gms" => "g",
            "kg" or "kgs" or "kilogram" or "kilograms" or "kilo" or "kilos" => "kg",
            "oz" or "ounce" or "ounces" => "oz",
            "lb" or "lbs" or "pound" or "pounds" => "lb",
            "pills" or "pill" or "tablets" or "tablet" or "tabs" => "pills",
            "dosage_units" or "dosage units" or "du" or "doses" => "dosage_units",
            "ml" or "milliliter" or "milliliters" or "millilitre" or "millilitres" => "ml",
            _ => "",
        };
        return unit.Length > 0;
    }
}
