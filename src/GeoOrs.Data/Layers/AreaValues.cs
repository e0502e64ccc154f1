using System.Collections.Concurrent;
using System.Collections.Frozen;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Tiles;
using Npgsql;

namespace GeoOrs.Data.Layers;

/// <summary>One measure of an area layer, read for drawing: the areas of a tile with their polygons, or every area's value.</summary>
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

    private static readonly ConcurrentDictionary<(string, int, string, bool), string> TileSql = new();
    private static readonly ConcurrentDictionary<(string, string, bool), string> AllSql = new();

    /// <summary>
    /// The areas of a tile: each polygon as WKB in pixel coordinates of a 256-pixel tile (y down,
    /// from <c>ST_AsMVTGeom</c> at extent 4096 scaled by 1/16, so sub-pixel detail survives for
    /// anti-aliasing) with the metric's value.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="area">The area layer.</param>
    /// <param name="tile">The tile.</param>
    /// <param name="query">The window and filters.</param>
    /// <param name="metric">A key of <see cref="Metrics"/>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The areas.</returns>
    public static async Task<IReadOnlyList<(byte[] Wkb, double? Value)>> InTileAsync(
        NpgsqlDataSource dataSource, AreaLayer area, TileId tile, LayerQuery query, string metric, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(area);
        var column = Column(metric);
        var band = AreaTileLayer.Band(tile.Z);
        var sql = TileSql.GetOrAdd((area.Id, band, column, query.View.HiddenAgencies.Count > 0), k => area.WithMeasures(AreaTileLayer.AreasInTile(area, k.Item2), $"""
            SELECT ST_AsBinary(ST_Scale(g, 0.0625, 0.0625)), v FROM (
                SELECT ST_AsMVTGeom(r.geom, r.tile, 4096, 64, true) AS g, r."{k.Item3}"::double precision AS v FROM rows r
            ) s WHERE g IS NOT NULL
            """, k.Item4));
        await using var command = dataSource.CreateCommand(sql);
        VectorTileLayer.Bind(command.Parameters, tile, query);
        var areas = new List<(byte[], double?)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            areas.Add((reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetDouble(1)));
        }

        return areas;
    }

    /// <summary>The metric's value for every area of the layer that has one, for class breaks.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="area">The area layer.</param>
    /// <param name="query">The window and filters.</param>
    /// <param name="metric">A key of <see cref="Metrics"/>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The values.</returns>
    public static async Task<double[]> AllAsync(NpgsqlDataSource dataSource, AreaLayer area, LayerQuery query, string metric, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(area);
        ArgumentNullException.ThrowIfNull(query);
        var sql = AllSql.GetOrAdd((area.Id, Column(metric), query.View.HiddenAgencies.Count > 0), k => area.WithMeasures(
            $"SELECT t0.{area.Key}::text AS area_id FROM {area.Table} t0",
            $"""SELECT r."{k.Item2}"::double precision FROM rows r WHERE r."{k.Item2}" IS NOT NULL""", k.Item3));
        await using var command = dataSource.CreateCommand(sql);
        query.Bind(command.Parameters);
        var values = new List<double>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values.Add(reader.GetDouble(0));
        }

        return [.. values];
    }

    private static string Column(string metric) =>
        Metrics.ContainsKey(metric) ? metric : throw new ArgumentException($"'{metric}' is not a metric", nameof(metric));
}
