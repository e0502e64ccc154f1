using System.Collections.Concurrent;
using System.Collections.Frozen;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Tiles;
using Npgsql;

namespace GeoOrs.Data.Layers;

/// <summary>One measure of an area layer, read for drawing: every area's value for a window, and the polygons of a tile.</summary>
public static class AreaValues
{
    /// <summary>The measures a choropleth can show, with their legend titles.</summary>
    public static readonly FrozenDictionary<string, string> Metrics = new Dictionary<string, string>
    {
        ["rate"] = "Overdoses per 100,000",
        ["fatal_rate"] = "Fatal overdoses per 100,000",
        ["overdoses"] = "Overdoses",
        ["fatal"] = "Fatal overdoses",
        ["nonfatal"] = "Non-fatal overdoses",
        ["naloxone"] = "Naloxone administered",
        ["seizures"] = "Drug seizures",
        ["seizure_grams"] = "Seized grams",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<(string, int), string> ShapeSql = new();
    private static readonly ConcurrentDictionary<(string, string, bool), string> ValueSql = new();

    /// <summary>
    /// The areas of a tile, without their measures: each area's id and polygon as WKB in pixel
    /// coordinates of a 256-pixel tile (y down, from <c>ST_AsMVTGeom</c> at extent 4096 scaled by
    /// 1/16, so sub-pixel detail survives for anti-aliasing). The values come from
    /// <see cref="ByAreaAsync"/>, made once for every tile of a window.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="area">The area layer.</param>
    /// <param name="tile">The tile.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The areas.</returns>
    public static async Task<IReadOnlyList<(string Id, NetTopologySuite.Geometries.Geometry Shape)>> ShapesInTileAsync(
        NpgsqlDataSource dataSource, AreaLayer area, TileId tile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(area);
        var sql = ShapeSql.GetOrAdd((area.Id, AreaTileLayer.Band(tile.Z)), k => $"""
            SELECT area_id, ST_Scale(g, 0.0625, 0.0625) FROM (
                SELECT a.area_id, ST_AsMVTGeom(a.geom, a.tile, 4096, 64, true) AS g
                FROM ({AreaTileLayer.AreasInTile(area, k.Item2)}) a
            ) s WHERE g IS NOT NULL
            """);
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<int>("z", tile.Z));
        command.Parameters.Add(new NpgsqlParameter<int>("x", tile.X));
        command.Parameters.Add(new NpgsqlParameter<int>("y", tile.Y));
        var areas = new List<(string, NetTopologySuite.Geometries.Geometry)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            areas.Add((reader.GetString(0), reader.GetFieldValue<NetTopologySuite.Geometries.Geometry>(1)));
        }

        return areas;
    }

    /// <summary>
    /// The metric's value, as the query's view may see it, for every area of the layer that has one
    /// (an area the view may not see a figure of is left out): for class breaks and for drawing tiles.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="area">The area layer.</param>
    /// <param name="query">The window and filters.</param>
    /// <param name="metric">A key of <see cref="Metrics"/>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Area id → value.</returns>
    public static async Task<FrozenDictionary<string, double>> ByAreaAsync(
        NpgsqlDataSource dataSource, AreaLayer area, LayerQuery query, string metric, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(area);
        ArgumentNullException.ThrowIfNull(query);
        var sql = ValueSql.GetOrAdd((area.Id, Column(metric), query.View.HiddenAgencies.Count > 0), k => area.WithMeasures(
            $"SELECT t0.{area.Key}::text AS area_id FROM {area.Table} t0",
            $"""SELECT r.area_id, r."{k.Item2}"::double precision FROM rows r WHERE r."{k.Item2}" IS NOT NULL""", k.Item3));
        await using var command = dataSource.CreateCommand(sql);
        query.Bind(command.Parameters);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values[reader.GetString(0)] = reader.GetDouble(1);
        }

        return values.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string Column(string metric) =>
        Metrics.ContainsKey(metric) ? metric : throw new ArgumentException($"'{metric}' is not a metric", nameof(metric));
}
