using System.Collections.Frozen;
using GeoOrs.Data.Status;
using Npgsql;

namespace GeoOrs.Data.Layers;

/// <summary>
/// For each area layer and county, the boxes (EPSG:4326) of the layer's areas that hold the county:
/// the county's own, its state's, its HIDTA regions'. A change of a county's events changes the
/// values of those areas only, and so the area tiles that those boxes reach. Read once per boundary
/// load (a few thousand rows).
/// </summary>
public sealed class AreaEnvelopes
{
    private const string Sql = """
        SELECT 'counties', c.geoid::text, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
        FROM counties c, LATERAL (SELECT c.geom::box2d AS b) x
        UNION ALL
        SELECT 'states', c.geoid::text, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
        FROM counties c JOIN states s ON s.statefp = c.statefp, LATERAL (SELECT s.geom::box2d AS b) x
        UNION ALL
        SELECT 'hidta', h.geoid::text, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
        FROM hidta_counties h JOIN hidta_regions r ON r.id = h.hidta_id, LATERAL (SELECT r.geom::box2d AS b) x
        WHERE r.geom IS NOT NULL
        """;

    private readonly FrozenDictionary<string, FrozenDictionary<string, LonLatBox[]>> _byLayer;

    private AreaEnvelopes(FrozenDictionary<string, FrozenDictionary<string, LonLatBox[]>> byLayer) => _byLayer = byLayer;

    /// <summary>Reads the boxes of every area layer.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The boxes.</returns>
    public static async Task<AreaEnvelopes> LoadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var rows = new Dictionary<string, Dictionary<string, List<LonLatBox>>>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var layer = rows.TryGetValue(reader.GetString(0), out var found) ? found : rows[reader.GetString(0)] = new(StringComparer.Ordinal);
            var county = reader.GetString(1);
            (layer.TryGetValue(county, out var boxes) ? boxes : layer[county] = [])
                .Add(new LonLatBox(reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5)));
        }

        return new AreaEnvelopes(rows.ToFrozenDictionary(
            l => l.Key, l => l.Value.ToFrozenDictionary(c => c.Key, c => c.Value.ToArray(), StringComparer.Ordinal), StringComparer.Ordinal));
    }

    /// <summary>
    /// The boxes of a layer's areas that hold any of <paramref name="counties"/>, or null when one of
    /// them is not known here (loaded before the county was): then any area of the layer may hold it.
    /// </summary>
    /// <param name="layer">The area layer (counties, states, hidta).</param>
    /// <param name="counties">The counties' FIPS.</param>
    /// <returns>The distinct boxes, or null.</returns>
    public IReadOnlyList<LonLatBox>? Of(string layer, IEnumerable<string> counties)
    {
        ArgumentNullException.ThrowIfNull(counties);
        if (!_byLayer.TryGetValue(layer, out var byCounty))
        {
            return null;
        }

        var boxes = new HashSet<LonLatBox>();
        foreach (var county in counties)
        {
            if (byCounty.TryGetValue(county, out var held))
            {
                boxes.UnionWith(held);
            }
            else if (layer != "hidta")
            {
                return null; // every county is in the counties and states layers: this one is new
            }
        }

        return [.. boxes];
    }
}
