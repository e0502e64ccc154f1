using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using GeoOrs.Analysis.Tiles;
using Npgsql;

namespace GeoOrs.Data.Tiles;

/// <summary>A vector tile layer: a table, its geometry, and the allow-listed attributes it carries.</summary>
/// <param name="Id">The layer's name in URLs and in the tile.</param>
/// <param name="Table">The table (from this list, never from a request).</param>
/// <param name="GeometryColumn">The EPSG:4326 geometry column with a GiST index.</param>
/// <param name="Attributes">Attribute name → SQL expression over the table (alias <c>t</c>).</param>
/// <param name="MinZoom">The lowest zoom the layer is served at.</param>
/// <param name="MaxZoom">The highest zoom the layer is served at.</param>
public sealed record VectorTileLayer(string Id, string Table, string GeometryColumn, IReadOnlyDictionary<string, string> Attributes, int MinZoom, int MaxZoom)
{
    /// <summary>
    /// The layer's tile SQL, built once, in the shape Martin uses: z/x/y bound as parameters, the
    /// tile envelope with a 64/4096 margin transformed once into the table's SRID so the GiST index
    /// answers <c>&amp;&amp;</c>, <c>ST_AsMVTGeom</c> with extent 4096 and buffer 64, and a feature limit.
    /// </summary>
    public string Sql { get; } = BuildSql(Id, Table, GeometryColumn, Attributes);

    private static string BuildSql(string id, string table, string geometry, IReadOnlyDictionary<string, string> attributes)
    {
        var columns = new StringBuilder();
        foreach (var (name, expression) in attributes)
        {
            columns.Append(CultureInfo.InvariantCulture, $", {expression} AS \"{name}\"");
        }

        return $"""
            WITH bounds AS (
                SELECT ST_TileEnvelope($1, $2, $3) AS tile,
                       ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS query
            ), mvt AS (
                SELECT ST_AsMVTGeom(ST_Transform(t.{geometry}, 3857), bounds.tile, 4096, 64, true) AS geom{columns}
                FROM {table} t, bounds
                WHERE t.{geometry} && bounds.query
                LIMIT {VectorTileLayers.FeatureLimit}
            )
            SELECT ST_AsMVT(mvt, '{id}', 4096, 'geom') FROM mvt WHERE geom IS NOT NULL
            """;
    }
}

/// <summary>The vector tile layers GeoOrs serves, registered one by one, and the query that makes a tile.</summary>
public static class VectorTileLayers
{
    /// <summary>The most features one layer puts in one tile.</summary>
    public const int FeatureLimit = 20_000;

    /// <summary>The layers, by id.</summary>
    public static readonly FrozenDictionary<string, VectorTileLayer> All = new VectorTileLayer[]
    {
        new("counties", "counties", "geom", new Dictionary<string, string>
        {
            ["geoid"] = "t.geoid",
            ["name"] = "t.name",
            ["statefp"] = "t.statefp",
        }, 0, 14),
        new("states", "states", "geom", new Dictionary<string, string>
        {
            ["statefp"] = "t.statefp",
            ["stusps"] = "t.stusps",
            ["name"] = "t.name",
        }, 0, 14),
        new("hidta", "hidta_regions", "geom", new Dictionary<string, string>
        {
            ["id"] = "t.id",
            ["name"] = "t.name",
        }, 0, 14),
    }.ToFrozenDictionary(l => l.Id, StringComparer.Ordinal);

    /// <summary>The layer's bounds (west, south, east, north) in degrees, or null when it has no feature.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The layer.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The bounds.</returns>
    public static Task<double[]?> BoundsAsync(NpgsqlDataSource dataSource, VectorTileLayer layer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return LayerExtent.OfAsync(dataSource, layer.Table, layer.GeometryColumn, cancellationToken);
    }

    /// <summary>The boundary data's version (the latest boundary load), for ETags.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The version.</returns>
    public static async Task<long> BoundaryVersionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(id), 0) FROM boundary_loads");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The layer's Mapbox Vector Tile for a tile of the pyramid; empty when no feature falls in it.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The layer.</param>
    /// <param name="tile">A valid tile.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The tile's bytes.</returns>
    public static async Task<byte[]> TileAsync(NpgsqlDataSource dataSource, VectorTileLayer layer, TileId tile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        await using var command = dataSource.CreateCommand(layer.Sql);
        command.Parameters.AddWithValue(tile.Z);
        command.Parameters.AddWithValue(tile.X);
        command.Parameters.AddWithValue(tile.Y);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[] ?? [];
    }
}
