using GeoOrs.Analysis.Calendar;
using GeoOrs.Analysis.Spatial;
using Npgsql;

namespace GeoOrs.Data.Boundaries;

/// <summary>
/// The counties in memory, to place each ingested point in its county and HIDTA and give it its local
/// day (the date in its county's time zone) without a database round trip per row. Reloaded when a
/// new boundary load has happened.
/// </summary>
public sealed class CountyIndex
{
    // One cache per database: a load's id numbers the loads of one database only, and two databases
    // at the same load (tests' scratch databases) may hold other zones.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NpgsqlDataSource, VersionedCache<NpgsqlDataSource, CountyIndex>> Caches = [];

    private readonly PolygonIndex _counties;
    private readonly Dictionary<string, string> _hidtaOfCounty;
    private readonly Dictionary<string, TimeZoneInfo> _zoneOfCounty;

    private CountyIndex(long version, PolygonIndex counties, Dictionary<string, string> hidtaOfCounty, Dictionary<string, TimeZoneInfo> zoneOfCounty)
    {
        Version = version;
        _counties = counties;
        _hidtaOfCounty = hidtaOfCounty;
        _zoneOfCounty = zoneOfCounty;
    }

    /// <summary>The boundary load this index was built from.</summary>
    public long Version { get; }

    /// <summary>How many counties are indexed.</summary>
    public int Count => _counties.Count;

    /// <summary>The county (lowest GEOID on a shared boundary) holding a lon/lat point, or null.</summary>
    /// <param name="lon">Longitude.</param>
    /// <param name="lat">Latitude.</param>
    /// <returns>The county's GEOID.</returns>
    public string? County(double lon, double lat) => _counties.Locate(lon, lat);

    /// <summary>The HIDTA region of a county (the first by id where a county is listed in several), or null.</summary>
    /// <param name="geoid">The county's GEOID.</param>
    /// <returns>The HIDTA id.</returns>
    public string? Hidta(string? geoid) => geoid is not null && _hidtaOfCounty.TryGetValue(geoid, out var id) ? id : null;

    /// <summary>The time zone of a county, or null (no county, or a county whose zone is not loaded yet).</summary>
    /// <param name="geoid">The county's GEOID.</param>
    /// <returns>The zone, one instance per zone id.</returns>
    public TimeZoneInfo? Zone(string? geoid) => geoid is not null && _zoneOfCounty.TryGetValue(geoid, out var zone) ? zone : null;

    /// <summary>
    /// The local day of an event: the date of its instant in its county's time zone, or its UTC date
    /// when it has no county or the county no zone (docs/adr/0021-local-days.md). The same date as
    /// <c>geoors_local_day</c> in SQL.
    /// </summary>
    /// <param name="geoid">The event's county's GEOID, or null.</param>
    /// <param name="at">When it happened.</param>
    /// <returns>Its day.</returns>
    public DateOnly LocalDay(string? geoid, DateTimeOffset at) =>
        Zone(geoid) is { } zone ? LocalDays.Of(at, zone) : DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>The index for the database's current boundaries, built once per boundary load.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index.</returns>
    public static Task<CountyIndex> CurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return Caches.GetValue(dataSource, static _ => new(BoundaryLoader.LatestLoadAsync, LoadAsync)).GetAsync(dataSource, cancellationToken);
    }

    private static async Task<CountyIndex> LoadAsync(NpgsqlDataSource dataSource, long version, CancellationToken cancellationToken)
    {
        // One TimeZoneInfo per zone, shared by its counties: a row's day is a dictionary lookup and a conversion.
        var polygons = new List<(string, NetTopologySuite.Geometries.Geometry)>();
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        var byId = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("SELECT geoid, geom, time_zone FROM counties"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var geoid = reader.GetString(0);
                polygons.Add((geoid, reader.GetFieldValue<NetTopologySuite.Geometries.Geometry>(1)));
                if (reader.IsDBNull(2))
                {
                    continue;
                }

                var id = reader.GetString(2);
                if (!byId.TryGetValue(id, out var zone))
                {
                    try
                    {
                        zone = LocalDays.Zone(id);
                    }
                    catch (TimeZoneNotFoundException e)
                    {
                        throw new InvalidDataException(
                            $"county {geoid} keeps the time zone '{id}', which this machine's time zone database does not have " +
                            "(install the operating system's tzdata): its events' days cannot be counted", e);
                    }

                    byId[id] = zone;
                }

                zones[geoid] = zone;
            }
        }

        var hidta = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("SELECT geoid, min(hidta_id) FROM hidta_counties GROUP BY geoid"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hidta[reader.GetString(0)] = reader.GetString(1);
            }
        }

        return new CountyIndex(version, new PolygonIndex(polygons), hidta, zones);
    }
}
