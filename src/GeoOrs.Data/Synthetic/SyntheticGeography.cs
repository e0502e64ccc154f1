using System.Globalization;
using System.Text;
using GeoOrs.Analysis.Projections;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Csv;
using NetTopologySuite.Features;

namespace GeoOrs.Data.Synthetic;

/// <summary>
/// The counties the synthetic events are placed in: the Census county polygons (reprojected to
/// WGS 84 from the shapefile's <c>.prj</c>) joined to the latest population estimate of the Census
/// <c>co-est</c> file. Load it once and pass it to several
/// <see cref="SyntheticEvents.Generate(SyntheticOptions, SyntheticGeography, TextWriter, TextWriter, Action{SyntheticOverdoseInfo}?, CancellationToken)"/>
/// calls to save reading the files again.
/// </summary>
/// <remarks>
/// Counties without a population estimate (Puerto Rico's municipios, which the vintage 2019 county
/// file does not cover) or with a population of zero are left out: no event is placed there.
/// An instance is immutable and may be shared between threads: its point-in-polygon tests use
/// NetTopologySuite's <c>IndexedPointInAreaLocator</c>, documented as thread-safe (its index is
/// built lazily on first use).
/// </remarks>
public sealed class SyntheticGeography
{
    private readonly Dictionary<string, SyntheticCounty> _byGeoid;

    private SyntheticGeography(IReadOnlyList<SyntheticCounty> counties, int skipped, string countyFile, string populationFile, int populationYear)
    {
        Counties = counties;
        SkippedCounties = skipped;
        CountyFile = countyFile;
        PopulationFile = populationFile;
        PopulationYear = populationYear;
        _byGeoid = counties.ToDictionary(c => c.Geoid, StringComparer.Ordinal);
    }

    /// <summary>The counties with a population, in shapefile order.</summary>
    public IReadOnlyList<SyntheticCounty> Counties { get; }

    /// <summary>Counties of the shapefile left out for want of a population.</summary>
    public int SkippedCounties { get; }

    /// <summary>The county shapefile's file name.</summary>
    public string CountyFile { get; }

    /// <summary>The population file's name.</summary>
    public string PopulationFile { get; }

    /// <summary>The year of the population estimates used (the file's latest <c>POPESTIMATEyyyy</c> column).</summary>
    public int PopulationYear { get; }

    /// <summary>The total population of <see cref="Counties"/>.</summary>
    public long TotalPopulation => Counties.Sum(c => c.Population);

    /// <summary>Finds a county by its 5-digit GEOID.</summary>
    /// <param name="geoid">The county FIPS code, e.g. <c>06037</c>.</param>
    /// <returns>The county, or <see langword="null"/> when it is not in <see cref="Counties"/>.</returns>
    public SyntheticCounty? Find(string geoid) => _byGeoid.GetValueOrDefault(geoid);

    /// <summary>
    /// Reads the folder's county shapefile (<c>*county*.shp</c>), population estimates (<c>co-est*.csv</c>)
    /// and, when there is one, county time zone table (<c>*timezones*.csv</c>, columns <c>geoid</c> and
    /// <c>tz</c>), laid out as the repository's <c>shapefiles/</c>.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <returns>The counties with a population.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A required file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, more than one file matches, or no county has a population.</exception>
    public static SyntheticGeography Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var countyShp = CensusFiles.FindOne(directory, "*county*.shp");
        var populationCsv = CensusFiles.FindOne(directory, "co-est*.csv");
        var (population, year) = ReadPopulation(populationCsv);
        var zones = Directory.GetFiles(directory, "*timezones*.csv").Length == 0
            ? new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal)
            : ReadTimeZones(CensusFiles.FindOne(directory, "*timezones*.csv"));

        var counties = new List<SyntheticCounty>(population.Count);
        int skipped = 0;
        using (var reader = CensusFiles.OpenShapefile(countyShp))
        {
            var toWgs84 = Reprojection.ToWgs84(string.IsNullOrWhiteSpace(reader.Projection)
                ? throw new InvalidDataException($"{Path.GetFileName(countyShp)}: the .prj file is missing, so its coordinates cannot be placed")
                : reader.Projection);
            var record = 0;
            foreach (var feature in CensusFiles.Features(reader, countyShp))
            {
                record++;
                var geoid = Text(feature, "GEOID") ?? throw new InvalidDataException($"{Path.GetFileName(countyShp)}: feature {record} has no GEOID");
                if (!population.TryGetValue(geoid, out long people) || people <= 0 || feature.Geometry.IsEmpty)
                {
                    skipped++;
                    continue;
                }

                var geometry = toWgs84(feature.Geometry);
                counties.Add(new SyntheticCounty(
                    counties.Count, geoid, Text(feature, "NAME") ?? geoid, Text(feature, "STATEFP") ?? geoid[..2], people, geometry,
                    zones.GetValueOrDefault(geoid) ?? FixedZone(EventCalendar.UtcOffsetHours(geometry.EnvelopeInternal.Centre.X))));
            }
        }

        if (counties.Count == 0)
        {
            throw new InvalidDataException($"no county of {Path.GetFileName(countyShp)} has a population in {Path.GetFileName(populationCsv)}");
        }

        return new SyntheticGeography(counties, skipped, Path.GetFileName(countyShp), Path.GetFileName(populationCsv), year);
    }

    /// <summary>GEOID → IANA zone of a county time zone table (the boundary loader's format); a zone the system does not know is an error.</summary>
    private static Dictionary<string, TimeZoneInfo> ReadTimeZones(string path)
    {
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        var known = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        using var csv = new CsvReader(new StreamReader(path, Utf8OrLatin1.Encoding));
        var header = (csv.Read() ?? []).Select(h => h.Trim()).ToList();
        int geoidAt = header.FindIndex(h => h.Equals("geoid", StringComparison.OrdinalIgnoreCase));
        int zoneAt = header.FindIndex(h => h.Equals("tz", StringComparison.OrdinalIgnoreCase));
        if (geoidAt < 0 || zoneAt < 0)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)}: a county time zone table needs the columns geoid and tz");
        }

        while (csv.Read() is { } row)
        {
            if (row.Length <= Math.Max(geoidAt, zoneAt))
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} line {csv.RecordLine}: {row.Length} fields where the header has {header.Count}");
            }

            var zone = row[zoneAt].Trim();
            if (!known.TryGetValue(zone, out var info))
            {
                try
                {
                    known[zone] = info = Analysis.Calendar.LocalDays.Zone(zone);
                }
                catch (TimeZoneNotFoundException e)
                {
                    throw new InvalidDataException($"{Path.GetFileName(path)} line {csv.RecordLine}: '{zone}' is not a time zone this system knows", e);
                }
            }

            zones[row[geoidAt].Trim().PadLeft(5, '0')] = info;
        }

        return zones;
    }

    /// <summary>A zone of a fixed offset in whole hours (no daylight saving time).</summary>
    private static TimeZoneInfo FixedZone(int hours) =>
        TimeZoneInfo.CreateCustomTimeZone(FormattableString.Invariant($"UTC{hours:+0;-0}"), TimeSpan.FromHours(hours), FormattableString.Invariant($"UTC{hours:+0;-0}"), FormattableString.Invariant($"UTC{hours:+0;-0}"));

    /// <summary>GEOID → the latest estimate of a Census <c>co-est</c> file, and that estimate's year.</summary>
    private static (Dictionary<string, long> Population, int Year) ReadPopulation(string path)
    {
        var estimates = CensusFiles.ReadPopulation(path).ToList();
        var year = estimates.Count == 0 ? 0 : estimates.Max(e => e.Year);
        var population = estimates.Where(e => e.Year == year).ToDictionary(e => e.Geoid, e => (long)e.Population, StringComparer.Ordinal);
        return (population, year);
    }

    private static string? Text(IFeature feature, string field) =>
        feature.Attributes.Exists(field) ? feature.Attributes[field]?.ToString()?.Trim() : null;
}
