using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using Npgsql;

namespace GeoOrs.Data.Hotspots;

/// <summary>
/// The cells of the latest succeeded analysis runs as a tile layer: <c>hotspots</c> (hexagons and
/// counties of the latest hot spot run with Gi* z, p and bin; hexagons of the latest emerging hot
/// spot run with their category and trend) or <c>heat</c> (the latest run's kernel density
/// hexagons). The public sees counties, and hexagons only when they hold at least
/// <see cref="AccessView.SuppressBelow"/> events, with their bins and categories but no counts or
/// statistics (<see cref="PublicStatistics"/>); other roles see every cell and all its figures. Below zoom 8, hexagons neither significant nor in an emerging category are
/// left out. Cells are found by <c>&amp;&amp;</c> on their GiST index, counties through the
/// simplified <c>tile_shapes</c> of the zoom band.
/// </summary>
/// <param name="Id">hotspots or heat.</param>
/// <param name="HexScales">The hexagon scales shown, with the run kind each comes from.</param>
/// <param name="Counties">Whether the hot spot run's counties are shown.</param>
/// <param name="CellFields">Field → (SQL over <c>c</c>, the cell, TileJSON type).</param>
public sealed record CellTileLayer(
    string Id, IReadOnlyList<(string Scale, string Kind)> HexScales, bool Counties, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> CellFields)
    : VectorTileLayer(Id, 0, 14,
        [new("scale", "String"), new("id", "String"), .. CellFields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.Type))],
        [], [DataKind.Hotspots, DataKind.Boundaries])
{
    /// <summary>The hot spot layer.</summary>
    public static CellTileLayer Hotspots { get; } = new("hotspots", [("hex", "hotspots"), ("emerging", "emerging")], true,
    [
        new("events", (PublicStatistics.Hidden("c.events"), "Number")),
        new("z", (PublicStatistics.Hidden("round(c.z::numeric, 4)::float8"), "Number")),
        new("p", (PublicStatistics.Hidden("round(c.p::numeric, 6)::float8"), "Number")),
        new("bin", ("c.bin", "Number")),
        new("category", ("c.category", "String")),
        new("trend_z", (PublicStatistics.Hidden("round(c.trend_z::numeric, 4)::float8"), "Number")),
        new("trend_p", (PublicStatistics.Hidden("round(c.trend_p::numeric, 6)::float8"), "Number")),
    ]);

    /// <summary>The kernel density layer.</summary>
    public static CellTileLayer Heat { get; } = new("heat", [("heat", "hotspots")], false,
    [
        new("events", (PublicStatistics.Hidden("c.events"), "Number")),
        new("density", (PublicStatistics.Density("c.density"), "Number")),
    ]);

    /// <summary>The values a PNG tile of the layer can draw, with their titles.</summary>
    public IReadOnlyDictionary<string, string> Metrics => Id == "heat"
        ? new Dictionary<string, string> { ["density"] = "Overdoses per km2" }
        : new Dictionary<string, string> { ["hex_bin"] = "Hot spot confidence, hexagons", ["county_bin"] = "Hot spot confidence, counties" };

    /// <summary>The cells of a PNG tile with the metric's value of each (null where the view hides it).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="metric">A key of <see cref="Metrics"/>.</param>
    /// <param name="tile">The tile.</param>
    /// <param name="query">The caller's query and view.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The cells' shapes and values.</returns>
    public async Task<IReadOnlyList<(NetTopologySuite.Geometries.Geometry Shape, double? Value)>> PngCellsAsync(
        NpgsqlDataSource dataSource, string metric, GeoOrs.Analysis.Tiles.TileId tile, LayerQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand(PngSql(metric, tile.Z));
        Bind(command.Parameters, tile, query);
        var cells = new List<(NetTopologySuite.Geometries.Geometry, double?)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            cells.Add((reader.GetFieldValue<NetTopologySuite.Geometries.Geometry>(0), reader.IsDBNull(1) ? null : reader.GetDouble(1)));
        }

        return cells;
    }

    /// <summary>The SQL of a PNG tile's cells: (EWKB in 256-pixel tile space, value); bins of 0 (not significant) are left out.</summary>
    /// <param name="metric">A key of <see cref="Metrics"/>.</param>
    /// <param name="z">The zoom.</param>
    /// <returns>The SQL (it takes the tile's and the view's parameters).</returns>
    public string PngSql(string metric, int z)
    {
        var (value, condition) = metric switch
        {
            "hex_bin" => ("c.bin", "c.scale = 'hex' AND c.bin <> 0"),
            "county_bin" => ("c.bin", "c.scale = 'county' AND c.bin <> 0"),
            "density" => (PublicStatistics.Density("c.density"), "true"),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not a metric of the layer"),
        };
        return $"""
            {Rows(HexScales, Counties, AreaTileLayer.Band(z))}
            SELECT ST_Scale(g, 0.0625, 0.0625), v FROM (
                SELECT ST_AsMVTGeom(c.g, c.tile, 4096, 64, true) AS g, {value}::double precision AS v FROM r c WHERE {condition}
            ) s WHERE g IS NOT NULL
            """;
    }

    /// <summary>Every density the view may see in the latest run, for class breaks.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="view">The caller's view.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The values.</returns>
    public static async Task<double[]> DensitiesAsync(NpgsqlDataSource dataSource, AccessView view, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(view);
        await using var command = dataSource.CreateCommand(
            $"SELECT coalesce(array_agg(t.density), '{{}}') FROM heat_features t WHERE t.density IS NOT NULL AND (NOT @suppress OR t.events >= {AccessView.SuppressBelow})");
        view.Bind(command.Parameters);
        return (double[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private readonly string[] _sql = [.. Enumerable.Range(0, 4).Select(band => BuildMvt(Id, HexScales, Counties, CellFields, band))];

    /// <inheritdoc/>
    public override string SqlFor(int z, AccessView view) => _sql[AreaTileLayer.Band(z)];

    /// <inheritdoc/>
    public override Task<double[]?> BoundsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        LayerExtent.OfAsync(dataSource, "counties", "geom", cancellationToken);

    /// <summary>Below zoom 8 (bands 0 and 1) hexagons without a finding are left out: an overview shows where something is.</summary>
    private const string Overview = "\n      AND (c.bin IS DISTINCT FROM 0 OR c.category NOT IN ('no_pattern'))";

    /// <summary>
    /// The SQL of the tile's cells as rows <c>r</c> (scale, id, geom in EPSG:3857, tile, and the
    /// cell columns <c>c.*</c>), for the MVT and the PNG statements; it takes <c>@z</c>, <c>@x</c>,
    /// <c>@y</c> and <c>@suppress</c>.
    /// </summary>
    /// <param name="hexScales">The hexagon scales.</param>
    /// <param name="counties">Whether counties are included.</param>
    /// <param name="band">The zoom band.</param>
    /// <returns>The CTEs, ending with <c>r</c>.</returns>
    public static string Rows(IReadOnlyList<(string Scale, string Kind)> hexScales, bool counties, int band)
    {
        ArgumentNullException.ThrowIfNull(hexScales);
        var latest = string.Join(",\n", hexScales.Select(s => s.Kind).Append("hotspots").Distinct().Select(kind =>
            $"(SELECT max(id) FROM analysis_runs WHERE kind = '{kind}' AND status = 'succeeded') AS {kind}"));
        var hexes = string.Join("\n    UNION ALL\n", hexScales.Select(s => $"""
                SELECT c.*, ST_Transform(c.geom, 3857) AS g, b.tile FROM hotspot_cells c, latest l, bounds b
                WHERE c.run_id = l.{s.Kind} AND c.scale = '{s.Scale}' AND c.geom && b.query4326
                  AND (NOT @suppress OR c.events >= {AccessView.SuppressBelow}){(band < 2 ? Overview : "")}
            """));
        var countyRows = counties ? $"""

                UNION ALL
                SELECT c.*, s.geom AS g, b.tile FROM hotspot_cells c
                JOIN tile_shapes s ON s.layer = 'counties' AND s.band = {band} AND s.id = c.cell_id, latest l, bounds b
                WHERE c.run_id = l.hotspots AND c.scale = 'county' AND s.geom && b.query
            """ : "";
        return $"""
            WITH {Bounds},
            latest AS (SELECT {latest}),
            r AS (
            {hexes}{countyRows}
                LIMIT {VectorTileLayers.FeatureLimit}
            )
            """;
    }

    private static string BuildMvt(
        string id, IReadOnlyList<(string Scale, string Kind)> hexScales, bool counties, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> fields, int band) => $"""
        {Rows(hexScales, counties, band)}
        SELECT ST_AsMVT(mvt, '{id}', 4096, 'geom'), count(*) FROM (
            SELECT ST_AsMVTGeom(c.g, c.tile, 4096, 64, true) AS geom, c.scale, c.cell_id AS id,
                   {string.Join(", ", fields.Select(f => $"{f.Value.Sql} AS \"{f.Key}\""))}
            FROM r c
        ) mvt WHERE geom IS NOT NULL
        """;
}
