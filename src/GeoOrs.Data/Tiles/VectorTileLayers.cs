using System.Collections.Frozen;
using System.Globalization;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using Npgsql;

using GeoOrs.Data.Ingest;

namespace GeoOrs.Data.Tiles;

/// <summary>A kind of data a layer is built from; its version changes when the data does.</summary>
public enum DataKind
{
    /// <summary>States, counties, population and HIDTA regions.</summary>
    Boundaries,

    /// <summary>Overdose events.</summary>
    Overdoses,

    /// <summary>Seizure events.</summary>
    Seizures,

    /// <summary>The results of hot spot, emerging hot spot and density runs.</summary>
    Hotspots,
}

/// <summary>A vector tile layer: its name, zooms, fields, parameters, the data it is built from and its tile SQL.</summary>
/// <param name="Id">The layer's name in URLs and in the tile.</param>
/// <param name="MinZoom">The lowest zoom the layer is served at.</param>
/// <param name="MaxZoom">The highest zoom the layer is served at.</param>
/// <param name="Fields">Field name → TileJSON type ("String", "Number", "Boolean").</param>
/// <param name="Parameters">The query parameters the layer takes, from <see cref="LayerQuery.Names"/>.</param>
/// <param name="Sources">The data the layer is built from.</param>
public abstract record VectorTileLayer(
    string Id, int MinZoom, int MaxZoom, IReadOnlyList<KeyValuePair<string, string>> Fields, IReadOnlyList<string> Parameters, IReadOnlyList<DataKind> Sources)
{
    /// <summary>The layer's tile SQL for a zoom and a view, built once; it takes <c>@z</c>, <c>@x</c>, <c>@y</c> and the query's parameters.</summary>
    /// <param name="z">The zoom.</param>
    /// <param name="view">Whose view (only whether it hides agencies changes the statement).</param>
    /// <returns>The SQL.</returns>
    public abstract string SqlFor(int z, AccessView view);

    /// <summary>The layer's bounds (west, south, east, north) in degrees, or null when it has no feature.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The bounds.</returns>
    public abstract Task<double[]?> BoundsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default);

    /// <summary>The layer's Mapbox Vector Tile (empty when no feature falls in it) and how many features it holds.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="tile">A valid tile.</param>
    /// <param name="query">The window, the filters and the caller's view.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The tile's bytes and feature count.</returns>
    public async Task<(byte[] Tile, int Features)> TileAsync(NpgsqlDataSource dataSource, TileId tile, LayerQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand(SqlFor(tile.Z, query.View));
        Bind(command.Parameters, tile, query);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.IsDBNull(0) ? [] : reader.GetFieldValue<byte[]>(0), checked((int)reader.GetInt64(1)));
    }

    /// <summary>The layer's entry in a TileJSON or MBTiles <c>vector_layers</c> list.</summary>
    /// <param name="minZoom">The lowest zoom described (the layer's own by default).</param>
    /// <param name="maxZoom">The highest zoom described (the layer's own by default).</param>
    /// <returns>id, fields, minzoom and maxzoom.</returns>
    public IReadOnlyDictionary<string, object> VectorLayer(int? minZoom = null, int? maxZoom = null) => new Dictionary<string, object>
    {
        ["id"] = Id,
        ["fields"] = Fields.ToDictionary(f => f.Key, f => f.Value),
        ["minzoom"] = minZoom ?? MinZoom,
        ["maxzoom"] = maxZoom ?? MaxZoom,
    };

    /// <summary>Binds a tile and a query to the layer's SQL.</summary>
    /// <param name="parameters">The command's parameters.</param>
    /// <param name="tile">The tile.</param>
    /// <param name="query">The query.</param>
    public static void Bind(NpgsqlParameterCollection parameters, TileId tile, LayerQuery query)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(query);
        parameters.Add(new NpgsqlParameter<int>("z", tile.Z));
        parameters.Add(new NpgsqlParameter<int>("x", tile.X));
        parameters.Add(new NpgsqlParameter<int>("y", tile.Y));
        query.Bind(parameters);
    }

    /// <summary>
    /// The tile envelope in EPSG:3857 (<c>tile</c>), with the 64/4096 margin (<c>query</c>), and the
    /// margin envelope clipped to the world and in EPSG:4326 (<c>query4326</c>).
    /// </summary>
    protected const string Bounds = """
        bounds AS (
            SELECT ST_TileEnvelope(@z, @x, @y) AS tile,
                   ST_TileEnvelope(@z, @x, @y, margin => 64.0 / 4096) AS query,
                   -- clipped to the world first: beyond ±180° the margin would wrap around to the far side
                   ST_Transform(ST_ClipByBox2D(ST_TileEnvelope(@z, @x, @y, margin => 64.0 / 4096),
                                               ST_TileEnvelope(0, 0, 0)), 4326) AS query4326
        )
        """;
}

/// <summary>
/// Counties, states or HIDTA regions with their measures. Polygons come from <c>tile_shapes</c>,
/// already in EPSG:3857 and simplified for the zoom band, found by <c>&amp;&amp;</c> on its GiST index.
/// </summary>
/// <param name="Area">The area layer.</param>
public sealed record AreaTileLayer(AreaLayer Area) : VectorTileLayer(
    Area.Id, 0, 14,
    [.. Area.Attributes.Select(a => new KeyValuePair<string, string>(a.Key, "String")), .. AreaLayer.Measures],
    LayerQuery.Names, [DataKind.Boundaries, DataKind.Overdoses, DataKind.Seizures])
{
    private readonly string[] _sql = [.. Enumerable.Range(0, 4).Select(band => BuildSql(Area, band, hiding: false))];
    private readonly string[] _hidingSql = [.. Enumerable.Range(0, 4).Select(band => BuildSql(Area, band, hiding: true))];

    /// <summary>The zoom band whose simplified polygons serve zoom <paramref name="z"/> (as SQL's <c>geoors_tile_band</c>).</summary>
    /// <param name="z">The zoom.</param>
    /// <returns>The band.</returns>
    public static int Band(int z) => z <= 4 ? 0 : z <= 7 ? 1 : z <= 10 ? 2 : 3;

    /// <inheritdoc/>
    public override string SqlFor(int z, AccessView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.HiddenAgencies.Count > 0 ? _hidingSql[Band(z)] : _sql[Band(z)];
    }

    /// <inheritdoc/>
    public override Task<double[]?> BoundsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        LayerExtent.OfAsync(dataSource, Area.Table, "geom", cancellationToken);

    /// <summary>The SELECT of a tile's areas with their simplified polygon (<c>geom</c>, EPSG:3857), for <see cref="AreaLayer.WithMeasures"/>.</summary>
    /// <param name="area">The area layer.</param>
    /// <param name="band">The zoom band.</param>
    /// <returns>The SQL (it needs the <c>bounds</c> CTE's parameters).</returns>
    public static string AreasInTile(AreaLayer area, int band)
    {
        ArgumentNullException.ThrowIfNull(area);
        return $"""
            WITH {Bounds}
            SELECT s.id AS area_id, s.geom, b.tile FROM tile_shapes s, bounds b
            WHERE s.layer = '{area.Id}' AND s.band = {band} AND s.geom && b.query
            LIMIT {VectorTileLayers.FeatureLimit}
            """;
    }

    private static string BuildSql(AreaLayer area, int band, bool hiding) => area.WithMeasures(AreasInTile(area, band), $"""
        SELECT ST_AsMVT(mvt, '{area.Id}', 4096, 'geom'), count(*) FROM (
            SELECT ST_AsMVTGeom(r.geom, r.tile, 4096, 64, true) AS geom, {string.Join(", ", area.Columns.Select(c => $"r.\"{c}\""))}
            FROM rows r
        ) mvt WHERE geom IS NOT NULL
        """, hiding);
}

/// <summary>
/// How a point layer's clusters are counted: the cell table ingest keeps (<c>overdose_cells</c>,
/// <c>seizure_cells</c>), the measures it holds, what one event adds to each, and the cluster fields
/// made from the summed measures.
/// </summary>
/// <param name="Table">The cell table.</param>
/// <param name="Measures">Measure column → what one event adds (SQL over the event <c>e</c> and its position <c>r.px</c>, <c>r.py</c> in EPSG:3857).</param>
/// <param name="Fields">Cluster field → (SQL over the summed measures <c>c</c> that reads the query's parameters, TileJSON type).</param>
/// <param name="Count">SQL over <c>c</c>: the events the cluster stands for under the query (a cluster of none is left out).</param>
/// <param name="SumX">SQL over <c>c</c>: the sum of those events' x (the cluster is drawn at the mean).</param>
/// <param name="SumY">SQL over <c>c</c>: the sum of their y.</param>
public sealed record ClusterMeasures(
    string Table, IReadOnlyList<KeyValuePair<string, string>> Measures, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> Fields,
    string Count, string SumX, string SumY);

/// <summary>
/// Overdose or seizure events as points from zoom <see cref="PointZoom"/> up; below it, the events of
/// each cell of a 16 × 16 grid over the tile (<see cref="ClusterGrid"/>: cells aligned across tiles)
/// drawn as one cluster at their mean position with their counts. What the caller sees is the view's
/// (<see cref="Access.AccessView"/>): nothing for the public (<c>@points</c>), geomasked points and
/// clusters of geomasked points for partners (the stored <c>masked_geom</c> decides the tile, the cell
/// and the cluster's position, so none gives the true place away), never the events of agencies hidden
/// from the caller (<c>@hidden</c>).
/// </summary>
/// <remarks>
/// A cluster tile sums the window's whole months from the cell table ingest keeps (one index range of
/// at most 256 cells × months); the days at the window's two ends are read from the events, and so
/// is the whole window when a drug is asked for (the cells do not split by drug); the events of hidden
/// agencies in the whole months are read and taken off. Each statement is built once per zoom, per
/// kind of position (true or masked: each has its own GiST index) and per whether agencies are hidden.
/// docs/adr/0010-cluster-grids.md.
/// </remarks>
/// <param name="Id">overdoses or seizures.</param>
/// <param name="Table">The event table.</param>
/// <param name="TimeColumn">The event's time (a window compares the event's local day, <c>local_day</c>, instead).</param>
/// <param name="AgencyColumn">The reporting agency's column, for the sharing rules.</param>
/// <param name="PointFields">Field → (SQL over <c>e</c>, TileJSON type) of a single point.</param>
/// <param name="Clusters">How clusters are counted.</param>
/// <param name="Filter">The drug and fatal filter over <c>e</c>, for points.</param>
/// <param name="DrugFilter">The drug filter alone over <c>e</c> (the cluster measures split fatal and non-fatal themselves).</param>
/// <param name="Kind">The data it is built from.</param>
public sealed record PointTileLayer(
    string Id, string Table, string TimeColumn, string AgencyColumn, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> PointFields,
    ClusterMeasures Clusters, string Filter, string DrugFilter, DataKind Kind)
    : VectorTileLayer(Id, 0, 16,
        [.. PointFields.Concat(Clusters.Fields).Select(f => new KeyValuePair<string, string>(f.Key, f.Value.Type)).DistinctBy(f => f.Key)],
        Kind == DataKind.Overdoses ? LayerQuery.Names : ["from", "to", "drug"], [Kind])
{
    /// <summary>The zoom from which events are single points.</summary>
    public const int PointZoom = ClusterGrid.PointZoom;

    /// <summary>Cluster cells across a tile.</summary>
    public const int GridCells = ClusterGrid.CellsAcross;

    // [masked ? 1 : 0, hiding ? 1 : 0] for points; [zoom, masked, hiding] for clusters.
    private readonly string[,] _points = Variants((masked, hiding) => BuildPoints(Id, Table, TimeColumn, AgencyColumn, PointFields, Filter, masked, hiding));
    private readonly string[][,] _clusters = [.. Enumerable.Range(0, ClusterGrid.PointZoom).Select(z =>
        Variants((masked, hiding) => BuildClusters(Id, Table, TimeColumn, AgencyColumn, Clusters, DrugFilter, z, masked, hiding)))];

    /// <inheritdoc/>
    public override string SqlFor(int z, AccessView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        int masked = view.Points == PointAccess.Geomasked ? 1 : 0, hiding = view.HiddenAgencies.Count > 0 ? 1 : 0;
        return z >= PointZoom ? _points[masked, hiding] : _clusters[z][masked, hiding];
    }

    /// <inheritdoc/>
    public override Task<double[]?> BoundsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        LayerExtent.OfAsync(dataSource, Table, "geom", cancellationToken);

    private static string[,] Variants(Func<bool, bool, string> build)
    {
        var sql = new string[2, 2];
        for (var m = 0; m < 2; m++)
        {
            for (var h = 0; h < 2; h++)
            {
                sql[m, h] = build(m == 1, h == 1);
            }
        }

        return sql;
    }

    /// <summary>The column of the position the view sees: each has its own GiST index, which <c>&amp;&amp;</c> uses.</summary>
    private static string Position(bool masked) => masked ? "masked_geom" : "geom";

    /// <summary>
    /// The tile in EPSG:4326, a hair wider (the cell arithmetic decides which events are in it), for
    /// <c>&amp;&amp;</c> on the events' index. Written out in the condition rather than read from a CTE,
    /// so that the planner sees the box and can weigh it against the local day index for the days at the
    /// ends of a window. (A point tile reads its box from a materialized CTE instead: seeing it, the
    /// planner weighs the PostGIS functions over the tile's points and may spread a sequential scan over
    /// parallel workers, ten times slower than the index; not seeing it, it reads the index.)
    /// </summary>
    private const string ClusterBox = "ST_Expand(ST_Transform(ST_TileEnvelope(@z, @x, @y), 4326), 1e-9)";

    private static string BuildPoints(
        string id, string table, string time, string agency, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> fields, string filter,
        bool masked, bool hiding) => $"""
        WITH {Bounds.Replace("bounds AS (", "bounds AS MATERIALIZED (", StringComparison.Ordinal)}
        SELECT ST_AsMVT(mvt, '{id}', 4096, 'geom'), count(*) FROM (
            SELECT ST_AsMVTGeom(ST_Transform(e.{Position(masked)}, 3857), b.tile, 4096, 64, true) AS geom,
                   {string.Join(", ", fields.Select(f => $"{f.Value.Sql} AS \"{f.Key}\""))}
            FROM {table} e, bounds b
            WHERE @points AND e.{Position(masked)} && b.query4326
              AND e.local_day >= @day_from AND e.local_day < @day_end AND {filter}
              AND {EventPartitions.TimeBound($"e.{time}", "@day_from", "@day_end")}
              {(hiding ? $"AND NOT (e.{agency} = ANY (@hidden))" : "")}
            LIMIT {VectorTileLayers.FeatureLimit}
        ) mvt WHERE geom IS NOT NULL
        """;

    private static string BuildClusters(
        string id, string table, string time, string agency, ClusterMeasures clusters, string drugFilter, int z, bool masked, bool hiding)
    {
        var level = ClusterGrid.LevelFor(z);
        var measures = clusters.Measures.Select(m => m.Key).ToList();
        // The tile's cells are one range of keys (ClusterGrid.Key): from the key of its first cell, 256
        // of them at an odd zoom (its own quadrant of the level's tile of zoom level − 1), 1,024 at an
        // even one (all four quadrants, each 2 × 2 block of the level's cells added into one of its own).
        var head = $"{(masked ? 1 : 0) << 29} | {((level - 1) / 2) << 26}";
        var (first, cx, cy) = z == level
            ? ($"{head} | ((@x >> 1) << 18) | ((@y >> 1) << 10) | (((@y & 1) * 2 + (@x & 1)) << 8)", "c.cell & 15", "(c.cell >> 4) & 15")
            : ($"{head} | (@x << 18) | (@y << 10)", "((((c.cell >> 8) & 1) * 16) + (c.cell & 15)) >> 1", "((((c.cell >> 9) & 1) * 16) + ((c.cell >> 4) & 15)) >> 1");
        var where = $"c.cell >= ({first}) AND c.cell < ({first}) + {ClusterGrid.KeysInTile(z)}";
        var inTile = $"r.cx BETWEEN 0 AND {ClusterGrid.CellsAcross - 1} AND r.cy BETWEEN 0 AND {ClusterGrid.CellsAcross - 1}";
        // Each range of local days with its bound on the event's time, which the planner prunes the monthly partitions by.
        string Days(string from, string to) => $"e.local_day >= {from} AND e.local_day < {to} AND {EventPartitions.TimeBound($"e.{time}", from, to)}";
        var ends = $"({Days("@d1_from", "@d1_to")}) OR ({Days("@d2_from", "@d2_to")})";
        var read = $"""
            (
              -- the days at the ends of the window, when the whole months come from the cells
              (@drug::text IS NULL AND ({ends}))
              -- or, with a drug (the cells do not split by drug), the whole window
              OR (@drug::text IS NOT NULL AND {Days("@day_from", "@day_end")} AND {drugFilter})
            ){(hiding ? $"\nAND NOT (e.{agency} = ANY (@hidden))" : "")}
            """;
        var hidden = $"@drug::text IS NULL AND e.{agency} = ANY (@hidden) AND {Days("@m_from", "@m_to")}";
        var hiddenCte = hiding
            ? $"""

              -- the events of the whole months of the agencies hidden from the caller, taken off the cells
              hidden AS (
                  {Indent(EventRows(hidden, "-"), 4)}
              ),
              """
            : "";
        return $"""
            WITH kept AS (
                -- the whole months of the window, from the cells that ingest keeps
                SELECT {cx} AS cx, {cy} AS cy, {string.Join(", ", measures.Select(m => $"c.{m}"))}
                FROM {clusters.Table} c
                WHERE @points AND @drug::text IS NULL
                  AND {where} AND c.month >= @m_from AND c.month < @m_to
            ),
            read AS (
                {Indent(EventRows(read, ""), 4)}
            ),{hiddenCte}
            cells AS (
                SELECT a.cx, a.cy, {string.Join(", ", measures.Select(m => $"sum(a.{m}) AS {m}"))}
                FROM (SELECT * FROM kept UNION ALL SELECT * FROM read{(hiding ? " UNION ALL SELECT * FROM hidden" : "")}) a
                GROUP BY a.cx, a.cy
            ),
            shown AS (
                SELECT c.cx, c.cy, {clusters.Count} AS k,
                       {clusters.SumX} AS sx,
                       {clusters.SumY} AS sy,
                       {string.Join(",\n           ", clusters.Fields.Select(f => $"{f.Value.Sql} AS \"{f.Key}\""))}
                FROM cells c
            )
            SELECT ST_AsMVT(mvt, '{id}', 4096, 'geom'), count(*) FROM (
                SELECT ST_AsMVTGeom(ST_Point(s.sx / s.k, s.sy / s.k, 3857), ST_TileEnvelope(@z, @x, @y), 4096, 64, true) AS geom,
                       {string.Join(", ", clusters.Fields.Select(f => $"s.\"{f.Key}\""))}
                FROM shown s
                WHERE s.k > 0
                ORDER BY s.cy, s.cx
            ) mvt WHERE geom IS NOT NULL
            """;

        // Events read one by one (condition over e): those whose position is in the tile, with their
        // cell in it (cx, cy), their position in EPSG:3857 (px, py) and what each adds to the measures
        // (over r), times sign.
        string EventRows(string condition, string sign) => $"""
            SELECT r.cx, r.cy, {string.Join(", ", clusters.Measures.Select(x => $"{sign}({x.Value}) AS {x.Key}"))}
            FROM (
                SELECT e.*, geoors_grid_cell(r0.u, @z + {ClusterGrid.CellBits}) - {ClusterGrid.CellsAcross} * @x AS cx,
                       geoors_grid_cell(r0.v, @z + {ClusterGrid.CellBits}) - {ClusterGrid.CellsAcross} * @y AS cy,
                       (r0.u - 0.5) * {World} AS px, (0.5 - r0.v) * {World} AS py
                FROM {table} e
                CROSS JOIN LATERAL (SELECT geoors_grid_u(ST_X(e.{Position(masked)})) AS u, geoors_grid_v(ST_Y(e.{Position(masked)})) AS v) r0
                WHERE @points AND e.{Position(masked)} && {ClusterBox}
                  AND {Indent(condition, 6)}
            ) r
            WHERE {inTile}
            """;
    }

    private static string Indent(string text, int spaces) => text.Replace("\n", "\n" + new string(' ', spaces), StringComparison.Ordinal);

    private static readonly string World = ClusterGrid.WorldMeters.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The vector tile layers GeoOrs serves.</summary>
public static class VectorTileLayers
{
    /// <summary>The most features one layer puts in one tile.</summary>
    public const int FeatureLimit = 20_000;

    /// <summary>The layers, by id.</summary>
    public static readonly FrozenDictionary<string, VectorTileLayer> All = new VectorTileLayer[]
    {
        new AreaTileLayer(AreaLayer.All["counties"]),
        new AreaTileLayer(AreaLayer.All["states"]),
        new AreaTileLayer(AreaLayer.All["hidta"]),
        new PointTileLayer("overdoses", "overdose_events", "occurred_at", "source_agency",
            [
                new("id", ("e.id", "Number")),
                new("occurred_at", ("(to_json(e.occurred_at AT TIME ZONE 'UTC') #>> '{}') || 'Z'", "String")),
                new("fatal", ("e.fatal", "Boolean")),
                new("naloxone", ("e.naloxone_administered", "Boolean")),
                new("drugs", ("array_to_string(e.suspected_drugs, ',')", "String")),
                new("precision", ("CASE WHEN @masked THEN 'geomasked' ELSE e.location_precision END", "String")),
            ],
            new ClusterMeasures("overdose_cells",
                [
                    new("n", "1"),
                    new("f", "r.fatal::integer"),
                    new("x", "(r.naloxone_administered IS TRUE)::integer"),
                    new("fx", "(r.fatal AND r.naloxone_administered IS TRUE)::integer"),
                    new("sx", "r.px"),
                    new("sy", "r.py"),
                    new("fsx", "CASE WHEN r.fatal THEN r.px ELSE 0 END"),
                    new("fsy", "CASE WHEN r.fatal THEN r.py ELSE 0 END"),
                ],
                [
                    new("count", ("CASE WHEN @fatal IS NULL THEN c.n WHEN @fatal THEN c.f ELSE c.n - c.f END", "Number")),
                    new("fatal", ("CASE WHEN @fatal IS FALSE THEN 0 ELSE c.f END", "Number")),
                    new("naloxone", ("CASE WHEN @fatal IS NULL THEN c.x WHEN @fatal THEN c.fx ELSE c.x - c.fx END", "Number")),
                ],
                Count: "CASE WHEN @fatal IS NULL THEN c.n WHEN @fatal THEN c.f ELSE c.n - c.f END",
                SumX: "CASE WHEN @fatal IS NULL THEN c.sx WHEN @fatal THEN c.fsx ELSE c.sx - c.fsx END",
                SumY: "CASE WHEN @fatal IS NULL THEN c.sy WHEN @fatal THEN c.fsy ELSE c.sy - c.fsy END"),
            "(@drug::text IS NULL OR @drug = ANY (e.suspected_drugs)) AND (@fatal::boolean IS NULL OR e.fatal = @fatal)",
            "@drug = ANY (e.suspected_drugs)",
            DataKind.Overdoses),
        new PointTileLayer("seizures", "seizure_events", "seized_at", "agency",
            [
                new("id", ("e.id", "Number")),
                new("seized_at", ("(to_json(e.seized_at AT TIME ZONE 'UTC') #>> '{}') || 'Z'", "String")),
                new("drug", ("e.drug", "String")),
                new("quantity", ("e.quantity", "Number")),
                new("unit", ("e.unit", "String")),
                new("grams", ("e.quantity_grams", "Number")),
                new("case_reference", ("CASE WHEN @cases THEN e.case_reference END", "String")),
            ],
            new ClusterMeasures("seizure_cells",
                [
                    new("n", "1"),
                    new("g", "coalesce(r.quantity_grams, 0)"),
                    new("sx", "r.px"),
                    new("sy", "r.py"),
                ],
                [
                    new("count", ("c.n", "Number")),
                    new("grams", ("round(c.g::numeric, 3)::double precision", "Number")),
                ],
                Count: "c.n", SumX: "c.sx", SumY: "c.sy"),
            "(@drug::text IS NULL OR e.drug = @drug)",
            "e.drug = @drug",
            DataKind.Seizures),
        Hotspots.CellTileLayer.Hotspots,
        Hotspots.CellTileLayer.Heat,
    }.ToFrozenDictionary(l => l.Id, StringComparer.Ordinal);
}
