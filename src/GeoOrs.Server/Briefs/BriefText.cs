using System.Globalization;
using GeoOrs.Data.Access;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// The words and figures both templates print, so the PDF and the HTML say the same. Counts print as
/// the area panel gives them (withheld counts as "withheld"); changes as percentages, with the
/// difference too for keyed audiences; the public's seizure quantities under 10 as "under 10" (a
/// quantity is not a count, but the public brief prints no figure from 1 to 9).
/// </summary>
internal static class BriefText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>What a count withheld from the public prints as.</summary>
    public const string Withheld = "withheld";

    /// <summary>The figures table's rows: label and how to read the figure.</summary>
    public static IReadOnlyList<(string Label, Func<BriefFigures, double?> Value, bool IsRate)> Rows { get; } =
    [
        ("Overdoses", f => f.Overdoses, false),
        ("Fatal", f => f.Fatal, false),
        ("Non-fatal", f => f.Nonfatal, false),
        ("Naloxone administered", f => f.Naloxone, false),
        ("Overdose rate per 100,000", f => f.Rate, true),
        ("Fatal rate per 100,000", f => f.FatalRate, true),
        ("Seizures", f => f.Seizures, false),
    ];

    /// <summary>A count, or <see cref="Withheld"/>.</summary>
    public static string Count(double? value) => value is { } v ? v.ToString("#,0", Invariant) : Withheld;

    /// <summary>A rate to two decimals, or <see cref="Withheld"/>.</summary>
    public static string Rate(double? value) => value is { } v ? v.ToString("#,0.00", Invariant) : Withheld;

    /// <summary>A figure of a row.</summary>
    public static string Figure(double? value, bool isRate) => isRate ? Rate(value) : Count(value);

    /// <summary>A seizure quantity (grams, dosage units): one decimal; the public's under 10 as "under 10".</summary>
    public static string Quantity(double? value, bool suppressed) => value switch
    {
        null => Withheld,
        0 => "0",
        > 0 and < 10 when suppressed => "under 10",
        { } v => v.ToString(v >= 100 ? "#,0" : "#,0.0", Invariant),
    };

    /// <summary>
    /// The change from <paramref name="before"/> to <paramref name="now"/>: a percentage (signed, whole),
    /// with the difference first for keyed audiences; "n/a" when either is withheld or missing, "new"
    /// from zero.
    /// </summary>
    public static string Change(double? now, double? before, bool isRate, bool suppressed)
    {
        if (now is not { } n || before is not { } b)
        {
            return "n/a";
        }

        if (b == 0)
        {
            return n == 0 ? "no change" : "new";
        }

        var percent = Math.Round((n - b) * 100 / b, MidpointRounding.AwayFromZero);
        var share = $"{(percent > 0 ? "+" : percent < 0 ? "\u2212" : "")}{Math.Abs(percent).ToString("#,0", Invariant)}%";
        if (suppressed)
        {
            return share;
        }

        var d = n - b;
        var difference = $"{(d > 0 ? "+" : d < 0 ? "\u2212" : "")}{Math.Abs(d).ToString(isRate ? "#,0.00" : "#,0", Invariant)}";
        return $"{difference} ({share})";
    }

    /// <summary>A drug of the vocabulary in words.</summary>
    public static string Drug(string drug) => drug switch
    {
        "prescription_opioid" => "Prescription opioid",
        "other_opioid" => "Other opioid",
        _ => char.ToUpperInvariant(drug[0]) + drug[1..].Replace('_', ' '),
    };

    /// <summary>A Gi* confidence bin in words.</summary>
    public static string Bin(int? bin) => bin switch
    {
        3 => "Hot spot, 99% confidence",
        2 => "Hot spot, 95% confidence",
        1 => "Hot spot, 90% confidence",
        -1 => "Cold spot, 90% confidence",
        -2 => "Cold spot, 95% confidence",
        -3 => "Cold spot, 99% confidence",
        _ => "Not significant",
    };

    /// <summary>An emerging hot spot category in words.</summary>
    public static string Category(string category) =>
        char.ToUpperInvariant(category[0]) + category[1..].Replace('_', ' ');

    /// <summary>The audience as printed.</summary>
    public static string Audience(Brief brief) => brief.Audience == BriefAudience.Public
        ? "Public: protected figures, no alerts"
        : "Partners and up: full counts and alerts, not for public release";

    /// <summary>The title.</summary>
    public static string Title(Brief brief) => $"Overdose data brief: {brief.Name} ({brief.KindName} {brief.Id})";

    /// <summary>The window line.</summary>
    public static string Window(Brief brief) =>
        $"Window: {brief.Window.From:yyyy-MM-dd} to {brief.Window.To:yyyy-MM-dd} ({brief.Period})";

    /// <summary>The comparison windows line.</summary>
    public static string Comparisons(Brief brief) =>
        $"Previous period: {brief.PreviousWindow}. Same period last year: {brief.LastYearWindow}.";

    /// <summary>The line of when and from which data versions it was made.</summary>
    public static string Made(Brief brief) =>
        $"Made {brief.MadeAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC from data versions {string.Join(", ", brief.DataVersions.Select(v => $"{v.Key} {v.Value}"))}.";

    /// <summary>The hot spot finding as a sentence.</summary>
    public static string Hotspot(Brief brief)
    {
        if (brief.Kind != "county")
        {
            return "Hot spots are found per county and per hexagon: see the map of the counties and the emerging hot spot categories below.";
        }

        if (brief.Hotspot is not { } h)
        {
            return "No hot spot run has analysed this county yet.";
        }

        var statistics = h.Z is { } z && h.P is { } p
            ? $" (Gi* z {z.ToString("0.00", Invariant)}, p {p.ToString("0.0000", Invariant)})" : "";
        return $"Getis-Ord Gi* over the latest hot spot run: {Bin(h.Bin)}{statistics}.";
    }

    /// <summary>The emerging hot spot categories as a sentence.</summary>
    public static string Emerging(Brief brief)
    {
        if (brief.Emerging is not { } e)
        {
            return "No emerging hot spot run yet.";
        }

        var window = $"emerging hot spot analysis of {e.From:yyyy-MM-dd} to {e.To:yyyy-MM-dd}";
        if (e.Categories.Count == 0)
        {
            return $"No hexagon of the area falls in a hot or cold spot pattern in the {window}.";
        }

        // The public is told the categories present; keyed audiences how many hexagons each.
        var found = brief.Audience == BriefAudience.Public
            ? string.Join("; ", e.Categories.Select(c => Category(c.Category)))
            : string.Join("; ", e.Categories.Select(c => $"{Category(c.Category)}: {c.Hexagons.ToString("#,0", Invariant)} hexagons"));
        return $"Patterns among the area's hexagons in the {window}: {found}.";
    }

    /// <summary>The seizure–overdose links, one line a drug, with the caveat last; the public is told they are for partners.</summary>
    public static IReadOnlyList<string> DrugLinks(Brief brief)
    {
        if (brief.DrugLinks is not { } links)
        {
            return ["The association of seizures and overdoses is computed from exact weekly counts: it is in the briefs of partners and up."];
        }

        if (links.Count == 0)
        {
            return ["No drug was seized in the area in these periods: there is nothing to relate.", DrugLinksEndpoints.Caveat];
        }

        var lines = new List<string>
        {
            $"Lagged cross-correlation of weekly overdoses with weekly seizures of the same drug, {links[0].From:yyyy-MM-dd} to {links[0].To:yyyy-MM-dd}, " +
            "lags 0 to 8 weeks, judged on prewhitened series (Bonferroni over the lags):",
        };
        foreach (var link in links)
        {
            lines.Add(link.Note is { } note ? $"{Drug(link.Drug)}: not computed ({note})."
                : link.Significant.Count == 0 ? $"{Drug(link.Drug)}: no significant lag."
                : $"{Drug(link.Drug)}: overdoses move with seizures " + string.Join("; ", link.Significant.Select(l =>
                    $"{l.Lag.ToString(Invariant)} weeks later (r {l.Raw.ToString("0.00", Invariant)}, prewhitened {l.Prewhitened.ToString("0.00", Invariant)}, p {l.P.ToString("0.0000", Invariant)})")) + ".");
        }

        lines.Add(DrugLinksEndpoints.Caveat);
        return lines;
    }

    /// <summary>The data notes: sources, the days, rates and the disclosure control.</summary>
    public static IReadOnlyList<string> Notes(Brief brief)
    {
        var notes = new List<string>
        {
            "Sources: overdose events (fatal and non-fatal, with naloxone and suspected drugs) and drug seizures reported to GeoOrs by partner agencies; " +
            "population from the boundaries' census counts. Figures are those of the GeoOrs area panel (/api/areas) for the same window and view.",
            "Days are each county's local dates; weeks run Monday to Sunday. Rates are per 100,000 residents; a rate from fewer than twenty events is unstable.",
            "Hot spots: Getis-Ord Gi* on county rates; emerging hot spots: the space-time pattern of hexagon hot spots (Mann-Kendall trend).",
        };
        notes.Add(brief.Audience == BriefAudience.Public
            ? $"Disclosure control ({Disclosure.Method}): {Disclosure.Text} Changes are shown as percentages of the published figures. Alerts and case details are shared with partners only."
            : "Full counts for partners and up, as the partner's own agency may see them: not for public release. Alerts are the spike alerts of the window's days.");
        notes.Add(Made(brief));
        return notes;
    }
}
