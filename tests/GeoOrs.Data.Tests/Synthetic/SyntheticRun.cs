using System.Globalization;
using GeoOrs.Data.Csv;
using GeoOrs.Data.Synthetic;

namespace GeoOrs.Data.Tests.Synthetic;

/// <summary>One generator run held in memory: the CSV text, its parsed rows, the manifest and the ground truth.</summary>
internal sealed class SyntheticRun
{
    private static readonly Lazy<SyntheticGeography> SharedGeography = new(() => SyntheticGeography.Load(Path.Combine(TestData.RepoRoot, "shapefiles")));

    private SyntheticRun(SyntheticOptions options, string overdoses, string seizures, SyntheticManifest manifest, List<SyntheticOverdoseInfo> truth)
    {
        Options = options;
        OverdoseText = overdoses;
        SeizureText = seizures;
        Manifest = manifest;
        Truth = truth;
        OverdoseRows = Parse(overdoses);
        SeizureRows = Parse(seizures);
    }

    /// <summary>The counties of the repository's shapefiles/, loaded once for all tests.</summary>
    public static SyntheticGeography Geography => SharedGeography.Value;

    public SyntheticOptions Options { get; }

    public string OverdoseText { get; }

    public string SeizureText { get; }

    public SyntheticManifest Manifest { get; }

    /// <summary>The ground truth per overdose row, in file order.</summary>
    public List<SyntheticOverdoseInfo> Truth { get; }

    /// <summary>The overdose CSV parsed with our RFC 4180 reader: the header, then the rows.</summary>
    public List<string[]> OverdoseRows { get; }

    /// <summary>The seizure CSV parsed the same way.</summary>
    public List<string[]> SeizureRows { get; }

    public static SyntheticOptions Options2023To2024(int overdoses, int seizures, long seed) => new()
    {
        Overdoses = overdoses,
        Seizures = seizures,
        Seed = seed,
        Start = new DateOnly(2023, 1, 1),
        End = new DateOnly(2024, 12, 31),
    };

    public static SyntheticRun Generate(SyntheticOptions options)
    {
        // A CRLF NewLine on the writers must not leak into the files.
        using var overdoses = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\r\n" };
        using var seizures = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\r\n" };
        var truth = new List<SyntheticOverdoseInfo>();
        var manifest = SyntheticEvents.Generate(options, Geography, overdoses, seizures, truth.Add);
        return new SyntheticRun(options, overdoses.ToString(), seizures.ToString(), manifest, truth);
    }

    public static double Number(string text) => double.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public static DateTime Timestamp(string text) =>
        DateTime.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    /// <summary>Great-circle distance in km (haversine, mean Earth radius).</summary>
    public static double DistanceKm(double lon1, double lat1, double lon2, double lat2)
    {
        const double r = Math.PI / 180;
        double dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r;
        double a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) + (Math.Cos(lat1 * r) * Math.Cos(lat2 * r) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * 6371.0088 * Math.Asin(Math.Sqrt(a));
    }

    private static List<string[]> Parse(string text)
    {
        using var csv = new CsvReader(new StringReader(text));
        var rows = new List<string[]>();
        while (csv.Read() is { } row)
        {
            rows.Add(row);
        }

        return rows;
    }
}
