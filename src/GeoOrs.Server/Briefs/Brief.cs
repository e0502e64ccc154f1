using System.Text.Json;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Briefs;
using GeoOrs.Data.Layers;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// Who a brief is for. The public's brief follows the public view's rules exactly as <c>/api/areas</c>
/// applies them to an anonymous caller (protected counts, whole-month windows, no alerts, the hot spot
/// bin without statistics); partners and up get full counts and the window's alerts.
/// </summary>
internal enum BriefAudience
{
    /// <summary>Anyone: the public view.</summary>
    Public,

    /// <summary>Keyed callers from partner up, each with their own agency's view.</summary>
    Partner,
}

/// <summary>One period's figures of an area, as the area panel's measures carry them (null where withheld).</summary>
internal sealed record BriefFigures(
    long? Overdoses, long? Fatal, long? Nonfatal, long? Naloxone, double? Rate, double? FatalRate,
    long? Seizures, double? SeizureGrams, double? SeizureDosageUnits)
{
    /// <summary>The figures of an area panel's <c>measures</c> object.</summary>
    public static BriefFigures Of(JsonElement measures)
    {
        long? Count(string name) => measures.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        double? Number(string name) => measures.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        return new(Count("overdoses"), Count("fatal"), Count("nonfatal"), Count("naloxone"), Number("rate"), Number("fatal_rate"),
            Count("seizures"), Number("seizure_grams"), Number("seizure_dosage_units"));
    }
}

/// <summary>A window of local days, both inclusive.</summary>
internal sealed record BriefWindow(DateOnly From, DateOnly To)
{
    /// <summary>Its days.</summary>
    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>Whether it is whole calendar months.</summary>
    public bool WholeMonths => From.Day == 1 && To.Day == DateTime.DaysInMonth(To.Year, To.Month);

    /// <summary>The window of the same length just before it (the months before, for whole months).</summary>
    public BriefWindow Previous()
    {
        if (WholeMonths)
        {
            var months = ((To.Year - From.Year) * 12) + To.Month - From.Month + 1;
            return new(From.AddMonths(-months), From.AddDays(-1));
        }

        return new(From.AddDays(-Days), From.AddDays(-1));
    }

    /// <summary>The same period a year before: the same months, or the same weekdays 52 weeks before.</summary>
    public BriefWindow LastYear()
    {
        if (WholeMonths)
        {
            var to = To.AddMonths(-12);
            return new(From.AddMonths(-12), new DateOnly(to.Year, to.Month, DateTime.DaysInMonth(to.Year, to.Month)));
        }

        return new(From.AddDays(-364), To.AddDays(-364));
    }

    public override string ToString() => $"{From:yyyy-MM-dd} to {To:yyyy-MM-dd}";
}

/// <summary>A drug's figures in the window, the previous period and the same period last year.</summary>
internal sealed record BriefDrug(string Drug, BriefFigures Now, BriefFigures Previous, BriefFigures LastYear);

/// <summary>One point of the trend: a week's Monday (keyed audiences) or a month's first day (the public), and its counts.</summary>
internal sealed record BriefTrendPoint(DateOnly Start, long? Overdoses, long? Seizures);

/// <summary>
/// A drug's lagged association of weekly seizures and overdoses over the weeks ending with the window
/// (<c>/api/areas/{kind}/{id}/drug-links</c>'s computation): its significant lags, or why there are none.
/// </summary>
internal sealed record BriefDrugLink(string Drug, DateOnly From, DateOnly To, IReadOnlyList<GeoOrs.Analysis.Signals.LagCorrelation> Significant, string? Note);

/// <summary>The map: the PNG of the area's layer around it and its legend's PNG.</summary>
internal sealed record BriefMap(byte[] Png, byte[] Legend, string Metric);

/// <summary>
/// Everything a brief shows, made once (<see cref="BriefMaker"/>) and drawn by both templates
/// (<see cref="BriefHtml"/>, <see cref="BriefPdf"/>).
/// </summary>
internal sealed record Brief(
    string Kind, string Id, string Name, long? Population, BriefAudience Audience, string Period,
    BriefWindow Window, BriefWindow PreviousWindow, BriefWindow LastYearWindow,
    BriefFigures Now, BriefFigures Previous, BriefFigures LastYear,
    IReadOnlyList<BriefDrug> Drugs, string TrendUnit, IReadOnlyList<BriefTrendPoint> Trend,
    AreaHotspot? Hotspot, AreaEmerging? Emerging, IReadOnlyList<StoredAlert>? Alerts, IReadOnlyList<BriefDrugLink>? DrugLinks, BriefMap? Map,
    DateTimeOffset MadeAt, IReadOnlyDictionary<string, long> DataVersions)
{
    /// <summary>The audience as printed and stored: <c>public</c> or <c>partner</c>.</summary>
    public string AudienceName => Audience == BriefAudience.Public ? "public" : "partner";

    /// <summary>The kind of area in words.</summary>
    public string KindName => Kind switch { "county" => "County", "hidta" => "HIDTA region", _ => "State" };
}
