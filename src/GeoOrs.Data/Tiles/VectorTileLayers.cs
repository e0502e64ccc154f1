using System.Collections.Frozen;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using Npgsql;

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
/// Overdose or seizure events as points from zoom <see cref="PointTileLayer.PointZoom"/> up; below it,
/// the points of each cell of a 16 × 16 grid over the tile (cells aligned across tiles) drawn as one
/// cluster at their mean position with their counts. What the caller sees is the view's
/// (<see cref="Access.AccessView"/>): nothing for the public (<c>@points</c>), geomasked points for
/// partners (<c>@masked</c>: the displaced point decides the tile and the cell, so neither gives the
/// true place away), never the events of agencies hidden from the caller (<c>@hidden</c>).
/// </summary>
/// <param name="Id">overdoses or seizures.</param>
/// <param name="Table">The event table.</param>
/// <param name="TimeColumn">The event's time.</param>
/// <param name="AgencyColumn">The reporting agency's column, for the sharing rules.</param>
/// <param name="PointFields">Field → (SQL over <c>e</c>, TileJSON type) of a single point.</param>
/// <param name="ClusterFields">Field → (SQL aggregate over <c>p</c>, type) of a cluster; <c>p</c> has <c>e</c>'s columns.</param>
/// <param name="Filter">The drug and fatal filter over <c>e</c>.</param>
/// <param name="Kind">The data it is built from.</param>
public sealed record PointTileLayer(
    string Id, string Table, string TimeColumn, string AgencyColumn, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> PointFields,
    IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> ClusterFields, string Filter, DataKind Kind)
    : VectorTileLayer(Id, 0, 16,
        [.. PointFields.Concat(ClusterFields).Select(f => new KeyValuePair<string, string>(f.Key, f.Value.Type)).DistinctBy(f => f.Key)],
        Kind == DataKind.Overdoses ? LayerQuery.Names : ["from", "to", "drug"], [Kind])
{
    /// <summary>The zoom from which events are single points.</summary>
    public const int PointZoom = 10;

    /// <summary>Cluster cells across a tile.</summary>
    public const int GridCells = 16;

    private readonly string _points = BuildPoints(Id, Table, TimeColumn, AgencyColumn, PointFields, Filter);
    private readonly string _clusters = BuildClusters(Id, Table, TimeColumn, AgencyColumn, ClusterFields, Filter);

    /// <inheritdoc/>
    public override string SqlFor(int z, AccessView view) => z >= PointZoom ? _points : _clusters;

    /// <inheritdoc/>
    public override Task<double[]?> BoundsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        LayerExtent.OfAsync(dataSource, Table, "geom", cancellationToken);

    /// <summary>
    /// The events the caller may see near the tile, each with the point shown (<c>g</c>, EPSG:4326):
    /// found by <c>&amp;&amp;</c> on the GiST index (widened by the mask's reach when masked), then
    /// kept when the shown point is in the tile's query envelope.
    /// </summary>
    private static string Events(string table, string time, string agency, string filter) => $"""
        ev AS (
            SELECT e.*, {AccessView.ShownPoint("e")} AS g
            FROM {table} e
            CROSS JOIN bounds b
            {AccessView.DensityJoin("e")}
            WHERE @points
              AND e.geom && CASE WHEN @masked THEN ST_Expand(b.query4326, {AccessView.MaskReach}) ELSE b.query4326 END
              AND e.{time} >= @t_from AND e.{time} < @t_to AND {filter}
              AND NOT (e.{agency} = ANY (@hidden))
        ),
        shown AS (
            SELECT ev.* FROM ev, bounds b WHERE NOT @masked OR ev.g && b.query4326
        )
        """;

    private static string BuildPoints(
        string id, string table, string time, string agency, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> fields, string filter) => $"""
        WITH {Bounds},
        {Events(table, time, agency, filter)}
        SELECT ST_AsMVT(mvt, '{id}', 4096, 'geom'), count(*) FROM (
            SELECT ST_AsMVTGeom(ST_Transform(e.g, 3857), b.tile, 4096, 64, true) AS geom,
                   {string.Join(", ", fields.Select(f => $"{f.Value.Sql} AS \"{f.Key}\""))}
            FROM shown e, bounds b
            LIMIT {VectorTileLayers.FeatureLimit}
        ) mvt WHERE geom IS NOT NULL
        """;

    private static string BuildClusters(
        string id, string table, string time, string agency, IReadOnlyList<KeyValuePair<string, (string Sql, string Type)>> fields, string filter) => $"""
        WITH {Bounds},
        {Events(table, time, agency, filter)},
        grid AS (SELECT ST_XMin(b.tile) AS x0, ST_YMax(b.tile) AS y0, (ST_XMax(b.tile) - ST_XMin(b.tile)) / {GridCells} AS cell FROM bounds b),
        p AS (SELECT s.*, ST_Transform(s.g, 3857) AS g3857 FROM shown s),
        cells AS (
            SELECT avg(ST_X(p.g3857)) AS mx, avg(ST_Y(p.g3857)) AS my, {string.Join(", ", fields.Select(f => $"{f.Value.Sql} AS \"{f.Key}\""))}
            FROM p, grid
            GROUP BY floor((ST_X(p.g3857) - grid.x0) / grid.cell), floor((grid.y0 - ST_Y(p.g3857)) / grid.cell)
        )
        SELECT ST_AsMVT(mvt, '{id}', 4096, 'geom'), count(*) FROM (
            SELECT ST_AsMVTGeom(ST_Point(c.mx, c.my, 3857), b.tile, 4096, 64, true) AS geom,
                   {string.Join(", ", fields.Select(f => $"c.\"{f.Key}\""))}
            FROM cells c, bounds b
        ) mvt WHERE geom IS NOT NULL
        """;
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
            [
                new("count", ("count(*)", "Number")),
                new("fatal", ("count(*) FILTER (WHERE p.fatal)", "Number")),
                new("naloxone", ("count(*) FILTER (WHERE p.naloxone_administered)", "Number")),
            ],
            "(@drug::text IS NULL OR @drug = ANY (e.suspected_drugs)) AND (@fatal::boolean IS NULL OR e.fatal = @fatal)",
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
            [
                new("count", ("count(*)", "Number")),
                new("grams", ("round(coalesce(sum(p.quantity_grams), 0)::numeric, 3)::double precision", "Number")),
            ],
            "(@drug::text IS NULL OR e.drug = @drug)",
            DataKind.Seizures),
        Hotspots.CellTileLayer.Hotspots,
        Hotspots.CellTileLayer.Heat,
    }.ToFrozenDictionary(l => l.Id, StringComparer.Ordinal);
}
