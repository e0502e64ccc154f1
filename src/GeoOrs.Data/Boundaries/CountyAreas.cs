using GeoOrs.Analysis.Calendar;
using GeoOrs.Analysis.Spatial;
using Npgsql;

namespace GeoOrs.Data.Boundaries;

/// <summary>
/// The counties as the analysis jobs use them: FIPS codes, names, latest population, time zones,
/// queen contiguity (binary, without self), and the counties of each HIDTA region. Built once per
/// boundary load and kept.
/// </summary>
public sealed class CountyAreas
{
    // One cache per database, as CountyIndex keeps: a load's id numbers the loads of one database only,
    // and two databases at the same load (tests' scratch databases) may hold other counties or zones.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NpgsqlDataSource, VersionedCache<NpgsqlDataSource, CountyAreas>> Caches = [];

    private CountyAreas(long version, string[] geoids, string[] names, double[] population, TimeZoneInfo[] zones, SpatialWeights queen, IReadOnlyList<Hidta> hidtas)
    {
        Version = version;
        Geoids = geoids;
        Names = names;
        Population = population;
        Zones = zones;
        Queen = queen;
        Hidtas = hidtas;
        IndexOf = geoids.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>A HIDTA region and its counties' indexes.</summary>
    /// <param name="Id">The region's id.</param>
    /// <param name="Name">Its name.</param>
    /// <param name="Counties">Indexes into <see cref="Geoids"/>.</param>
    public sealed record Hidta(string Id, string Name, IReadOnlyList<int> Counties);

    /// <summary>The boundary load these areas come from.</summary>
    public long Version { get; }

    /// <summary>The counties' FIPS codes, ordered.</summary>
    public IReadOnlyList<string> Geoids { get; }

    /// <summary>The counties' names with their state's postal code ("Allegheny County, PA").</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Each county's latest population (0 when unknown).</summary>
    public IReadOnlyList<double> Population { get; }

    /// <summary>
    /// Each county's time zone (<c>counties.time_zone</c>), on whose calendar its events' days are
    /// counted; UTC for a county loaded without one (docs/adr/0021-local-days.md).
    /// </summary>
    public IReadOnlyList<TimeZoneInfo> Zones { get; }

    /// <summary>Queen contiguity between the counties (binary, without self).</summary>
    public SpatialWeights Queen { get; }

    /// <summary>The HIDTA regions with counties.</summary>
    public IReadOnlyList<Hidta> Hidtas { get; }

    /// <summary>FIPS code → index.</summary>
    public IReadOnlyDictionary<string, int> IndexOf { get; }

    /// <summary>The areas for the database's current boundaries.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The areas.</returns>
    public static Task<CountyAreas> CurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return Caches.GetValue(dataSource, static _ => new(BoundaryLoader.LatestLoadAsync, LoadAsync)).GetAsync(dataSource, cancellationToken);
    }

    private static async Task<CountyAreas> LoadAsync(NpgsqlDataSource dataSource, long version, CancellationToken cancellationToken)
    {
        var geoids = new List<string>();
        var names = new List<string>();
        var population = new List<double>();
        var zones = new List<TimeZoneInfo>();
        var known = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        var polygons = new List<NetTopologySuite.Geometries.Geometry>();
        await using (var command = dataSource.CreateCommand("""
            SELECT c.geoid, c.name || ', ' || s.stusps, coalesce(p.population, 0), c.geom, c.time_zone
            FROM counties c JOIN states s USING (statefp)
            LEFT JOIN LATERAL (SELECT population FROM county_population cp WHERE cp.geoid = c.geoid ORDER BY year DESC LIMIT 1) p ON true
            ORDER BY c.geoid
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                geoids.Add(reader.GetString(0));
                names.Add(reader.GetString(1));
                population.Add(reader.GetInt32(2));
                polygons.Add(reader.GetFieldValue<NetTopologySuite.Geometries.Geometry>(3));
                var zone = reader.IsDBNull(4) ? "Etc/UTC" : reader.GetString(4);
                if (!known.TryGetValue(zone, out var info))
                {
                    known[zone] = info = LocalDays.Zone(zone);
                }

                zones.Add(info);
            }
        }

        var index = geoids.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i, StringComparer.Ordinal);
        var hidtas = new List<Hidta>();
        await using (var command = dataSource.CreateCommand("""
            SELECT h.id, h.name, array_agg(DISTINCT hc.geoid::text ORDER BY hc.geoid::text)
            FROM hidta_regions h JOIN hidta_counties hc ON hc.hidta_id = h.id GROUP BY h.id, h.name ORDER BY h.id
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var members = reader.GetFieldValue<string[]>(2).Where(index.ContainsKey).Select(g => index[g]).ToList();
                hidtas.Add(new Hidta(reader.GetString(0), reader.GetString(1), members));
            }
        }

        return new CountyAreas(version, [.. geoids], [.. names], [.. population], [.. zones], ContiguityWeights.Queen(polygons), hidtas);
    }
}
