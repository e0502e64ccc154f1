using GeoOrs.Analysis.Privacy;
using GeoOrs.Data.Access;
using Npgsql;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// The geomasked position ingest stores with each event (<c>masked_geom</c>): the donut mask of
/// <see cref="DonutGeomask"/> with the database's key (<see cref="GeomaskSecret"/>) and the density of
/// the event's county, as SQL's <c>geoors_geomask</c> computes it (a test holds the two equal). It is
/// computed once, when the event is stored, and never again, so a partner sees one masked point per
/// event for good.
/// </summary>
internal sealed class EventMask
{
    private readonly byte[] _secret;
    private readonly Dictionary<string, double> _density;

    private EventMask(byte[] secret, Dictionary<string, double> density) => (_secret, _density) = (secret, density);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NpgsqlDataSource, VersionedCache<NpgsqlDataSource, EventMask>> Caches = [];

    /// <summary>
    /// The mask for the database's current boundaries, read once per boundary load (the densities
    /// change only with one): for the live path, which stores a few events at a time.
    /// </summary>
    public static Task<EventMask> CurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        Caches.GetValue(dataSource, static _ => new(Boundaries.BoundaryLoader.LatestLoadAsync, static (source, _, token) => LoadAsync(source, token)))
            .GetAsync(dataSource, cancellationToken);

    /// <summary>Reads the key and every county's density.</summary>
    public static async Task<EventMask> LoadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var secret = await GeomaskSecret.GetAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var density = new Dictionary<string, double>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT geoid::text, people_per_km2 FROM county_density");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            density[reader.GetString(0)] = reader.GetDouble(1);
        }

        return new EventMask(secret, density);
    }

    /// <summary>The masked position of an event; outside every county (or without a density) the widest mask.</summary>
    public (double Lon, double Lat) Of(double lon, double lat, long id, string? county) =>
        DonutGeomask.Displace(lon, lat, id, _secret, county is not null && _density.TryGetValue(county, out var d) ? d : 0);
}
