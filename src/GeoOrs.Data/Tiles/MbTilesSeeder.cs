using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GeoOrs.Data.Tiles;

/// <summary>What <c>geoors tiles seed</c> was asked for.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="MinZoom">The first zoom seeded.</param>
/// <param name="MaxZoom">The last zoom seeded.</param>
/// <param name="Query">The window and filters every tile is made for.</param>
/// <param name="Output">The archive to write (replaced atomically when it exists).</param>
public sealed record SeedRequest(VectorTileLayer Layer, int MinZoom, int MaxZoom, LayerQuery Query, string Output);

/// <summary>What a seed wrote.</summary>
/// <param name="Made">The tiles that were made (empty or not).</param>
/// <param name="Tiles">The non-empty tiles written.</param>
/// <param name="Bytes">Their gzip-compressed bytes.</param>
/// <param name="Elapsed">The time it took.</param>
/// <param name="Features">The features in the tiles written.</param>
public sealed record SeedResult(long Made, long Tiles, long Bytes, TimeSpan Elapsed, long Features);

/// <summary>
/// Writes a layer's vector tiles into an MBTiles 1.3 archive
/// (https://github.com/mapbox/mbtiles-spec/blob/master/1.3/spec.md): the <c>metadata</c> table
/// (name, format=pbf, bounds, center, zooms, <c>json</c> with the TileJSON <c>vector_layers</c>, a
/// description of the query) and the <c>tiles</c> table in TMS rows with gzip-compressed MVT. Every
/// tile over the layer's bounds (widened by the tile buffer) from the first zoom to the last is made
/// (for event layers, below the first zoom only the children of non-empty tiles); empty ones are left out. The archive is built in a temporary file beside the output and moved over
/// it at the end, so a reader never sees a half-written archive.
/// </summary>
public static class MbTilesSeeder
{
    /// <summary>The tiles made at once.</summary>
    public const int Parallelism = 4;

    /// <summary>The SQLite application id of MBTiles 1.3: "MPBX".</summary>
    public const int ApplicationId = 0x4d504258;

    private const string Schema = """
        CREATE TABLE metadata (name text, value text);
        CREATE UNIQUE INDEX metadata_name ON metadata (name);
        CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);
        CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
        """;

    /// <summary>The tile rectangle of one zoom: columns and rows (XYZ), both inclusive.</summary>
    public readonly record struct TileRange(int Z, int MinX, int MinY, int MaxX, int MaxY)
    {
        /// <summary>How many tiles the range holds.</summary>
        public long Count => (long)(MaxX - MinX + 1) * (MaxY - MinY + 1);

        /// <summary>Whether the tile is in the range.</summary>
        /// <param name="tile">A tile.</param>
        /// <returns>Whether it is.</returns>
        public bool Contains(TileId tile) => tile.Z == Z && tile.X >= MinX && tile.X <= MaxX && tile.Y >= MinY && tile.Y <= MaxY;

        /// <summary>The range's tiles, row by row.</summary>
        /// <returns>The tiles.</returns>
        public IEnumerable<TileId> Tiles()
        {
            for (var x = MinX; x <= MaxX; x++)
            {
                for (var y = MinY; y <= MaxY; y++)
                {
                    yield return new TileId(Z, x, y);
                }
            }
        }
    }

    /// <summary>
    /// The tiles of zoom <paramref name="z"/> that can hold a feature inside <paramref name="bounds"/>:
    /// the bounds are widened by the 64/4096 buffer every tile's SQL reaches into its neighbours.
    /// </summary>
    /// <param name="bounds">West, south, east, north in degrees.</param>
    /// <param name="z">The zoom.</param>
    /// <returns>The range.</returns>
    public static TileRange Cover(double[] bounds, int z)
    {
        var n = 1 << z;
        var size = 2 * TileMath.OriginShift / n;
        var margin = size * 64 / 4096;
        double X(double lon) => lon * TileMath.OriginShift / 180;
        double Y(double lat)
        {
            var phi = Math.Clamp(lat, -TileMath.MaxLatitude, TileMath.MaxLatitude) * Math.PI / 180;
            return Math.Log(Math.Tan((Math.PI / 4) + (phi / 2))) * TileMath.OriginShift / Math.PI;
        }

        int Column(double x) => Math.Clamp((int)Math.Floor((x + TileMath.OriginShift) / size), 0, n - 1);
        int Row(double y) => Math.Clamp((int)Math.Floor((TileMath.OriginShift - y) / size), 0, n - 1);
        return new TileRange(z,
            Column(X(bounds[0]) - margin), Row(Y(bounds[3]) + margin),
            Column(X(bounds[2]) + margin), Row(Y(bounds[1]) - margin));
    }

    /// <summary>The four tiles of the next zoom inside a tile.</summary>
    /// <param name="tile">The tile.</param>
    /// <returns>Its children.</returns>
    public static IEnumerable<TileId> Children(TileId tile)
    {
        for (var dx = 0; dx < 2; dx++)
        {
            for (var dy = 0; dy < 2; dy++)
            {
                yield return new TileId(tile.Z + 1, (2 * tile.X) + dx, (2 * tile.Y) + dy);
            }
        }
    }

    /// <summary>A human description of a query, for the archive's metadata.</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="query">The query.</param>
    /// <param name="minZoom">The first zoom.</param>
    /// <param name="maxZoom">The last zoom.</param>
    /// <returns>The text.</returns>
    internal static string Describe(VectorTileLayer layer, LayerQuery query, int minZoom, int maxZoom)
    {
        var window = (query.From, query.To) switch
        {
            (null, null) => "all dates",
            ({ } f, null) => $"from {f:yyyy-MM-dd}",
            (null, { } t) => $"up to {t:yyyy-MM-dd}",
            ({ } f, { } t) => $"{f:yyyy-MM-dd} to {t:yyyy-MM-dd}",
        };
        var parts = new List<string> { window, query.Drug is null ? "every drug" : $"drug {query.Drug}" };
        if (query.View.Suppressed && layer is AreaTileLayer)
        {
            parts.Add("public figures protected by cell-key perturbation (docs/ACCESS.md)");
        }

        if (layer.Parameters.Contains("fatal"))
        {
            parts.Add(query.Fatal switch { true => "fatal overdoses only", false => "non-fatal overdoses only", null => "fatal and non-fatal overdoses" });
        }

        return $"GeoOrs {layer.Id} vector tiles, zoom {minZoom}-{maxZoom}: {string.Join(", ", parts)} (local days of each county, both inclusive)";
    }

    /// <summary>Seeds the archive.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="request">What to seed.</param>
    /// <param name="progress">Where progress lines go (standard error).</param>
    /// <param name="reportEvery">How often a progress line is written while a zoom is made.</param>
    /// <param name="cancellationToken">Stops the seed; the output is then left as it was.</param>
    /// <returns>What was written.</returns>
    public static async Task<SeedResult> SeedAsync(
        NpgsqlDataSource dataSource, SeedRequest request, TextWriter progress, TimeSpan reportEvery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        var clock = Stopwatch.StartNew();
        var layer = request.Layer;
        var layerBounds = await layer.BoundsAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var ranges = layerBounds is null
            ? []
            : Enumerable.Range(request.MinZoom, request.MaxZoom - request.MinZoom + 1).Select(z => Cover(layerBounds, z)).ToArray();

        // An event layer's tile is empty when no matching event lies in it (with its buffer), and a
        // child's buffered square lies inside its parent's: below the first zoom, only the children of
        // written tiles can hold anything. Area tiles are all made: a small polygon can vanish at a
        // low zoom and reappear deeper.
        var prune = layer is PointTileLayer;
        progress.WriteLine(layerBounds is null
            ? $"geoors: layer {layer.Id} has no feature; writing an archive with no tile"
            : $"geoors: seeding {layer.Id} z{request.MinZoom}-{request.MaxZoom}: {(prune ? "at most " : "")}{ranges.Sum(r => r.Count):N0} tiles over its bounds");

        var output = Path.GetFullPath(request.Output);
        var temp = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        long written = 0, bytes = 0, done = 0, features = 0;
        try
        {
            var connectionString = new SqliteConnectionStringBuilder { DataSource = temp, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
            await using (var sqlite = new SqliteConnection(connectionString))
            {
                await sqlite.OpenAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(sqlite, $"PRAGMA application_id = {ApplicationId}; PRAGMA journal_mode = DELETE; PRAGMA synchronous = NORMAL;" + Schema, cancellationToken).ConfigureAwait(false);
                await using var transaction = (SqliteTransaction)await sqlite.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

                using var insert = sqlite.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES ($z, $x, $y, $data)";
                var pz = insert.Parameters.Add("$z", SqliteType.Integer);
                var px = insert.Parameters.Add("$x", SqliteType.Integer);
                var py = insert.Parameters.Add("$y", SqliteType.Integer);
                var pdata = insert.Parameters.Add("$data", SqliteType.Blob);
                var gate = new Lock();
                var lastReport = clock.Elapsed;
                List<TileId>? parents = null;

                foreach (var range in ranges)
                {
                    var tiles = parents is null ? range.Tiles() : parents.SelectMany(Children).Where(range.Contains);
                    var level = new List<TileId>();
                    await Parallel.ForEachAsync(tiles, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                        async (tile, ct) =>
                        {
                            var (mvt, count) = await layer.TileAsync(dataSource, tile, request.Query, ct).ConfigureAwait(false);
                            var data = mvt.Length == 0 ? null : Gzip(mvt);
                            lock (gate)
                            {
                                done++;
                                features += count;
                                if (data is not null)
                                {
                                    pz.Value = tile.Z;
                                    px.Value = tile.X;
                                    py.Value = (1 << tile.Z) - 1 - tile.Y; // TMS: row 0 at the south
                                    pdata.Value = data;
                                    insert.ExecuteNonQuery();
                                    written++;
                                    bytes += data.Length;
                                    level.Add(tile);
                                }

                                if (clock.Elapsed - lastReport >= reportEvery)
                                {
                                    lastReport = clock.Elapsed;
                                    progress.WriteLine($"geoors: z{tile.Z}: {done:N0} tiles made, {written:N0} written ({clock.Elapsed.TotalSeconds:0} s)");
                                }
                            }
                        }).ConfigureAwait(false);
                    progress.WriteLine($"geoors: z{range.Z} done: {level.Count:N0} tiles written; {done:N0} made, {written:N0} written in all ({clock.Elapsed.TotalSeconds:0} s)");
                    parents = prune ? level : null;
                }

                await WriteMetadataAsync(sqlite, transaction, request, layerBounds, await CenterAsync(dataSource, request, layerBounds, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, output, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // gone already when moved
            File.Delete(temp + "-journal");
        }

        return new SeedResult(done, written, bytes, clock.Elapsed, features);
    }

    /// <summary>
    /// The default view: the mean of the layer's features' points on surface, so that each county,
    /// state or event counts once (a layer whose bounds span the antimeridian, as counties with the
    /// Aleutians do, has its center where its features are, not mid-ocean); else the middle of the
    /// bounds. The zoom is 3 (a whole country), kept within the seeded zooms.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="request">The seed.</param>
    /// <param name="bounds">The layer's bounds, or null.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Longitude, latitude and zoom.</returns>
    internal static async Task<(double Lon, double Lat, int Zoom)> CenterAsync(
        NpgsqlDataSource dataSource, SeedRequest request, double[]? bounds, CancellationToken cancellationToken)
    {
        var zoom = Math.Max(request.MinZoom, Math.Min(3, request.MaxZoom));
        var table = request.Layer switch
        {
            AreaTileLayer area => area.Area.Table,
            PointTileLayer points => points.Table,
            _ => null,
        };
        if (table is not null && bounds is not null)
        {
            await using var command = dataSource.CreateCommand(
                $"SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(ST_PointOnSurface(t.geom))) AS c FROM {table} t) x");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
            {
                return (reader.GetDouble(0), reader.GetDouble(1), zoom);
            }
        }

        return bounds is null ? (0, 0, zoom) : ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, zoom);
    }

    private static async Task WriteMetadataAsync(
        SqliteConnection sqlite, SqliteTransaction transaction, SeedRequest request, double[]? layerBounds, (double Lon, double Lat, int Zoom) center,
        CancellationToken cancellationToken)
    {
        var layer = request.Layer;
        var b = layerBounds is null
            ? [-180, -TileMath.MaxLatitude, 180, TileMath.MaxLatitude]
            : new[] { layerBounds[0], Math.Max(layerBounds[1], -TileMath.MaxLatitude), layerBounds[2], Math.Min(layerBounds[3], TileMath.MaxLatitude) };
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["vector_layers"] = new[] { layer.VectorLayer(request.MinZoom, request.MaxZoom) },
        });
        var query = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["from"] = request.Query.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["to"] = request.Query.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["drug"] = request.Query.Drug,
            ["fatal"] = request.Query.Fatal,
        });
        var rows = new (string Name, string Value)[]
        {
            ("name", $"geoors-{layer.Id}"),
            ("format", "pbf"),
            ("type", "overlay"),
            ("bounds", string.Join(',', b.Select(Number))),
            ("center", $"{Number(center.Lon)},{Number(center.Lat)},{center.Zoom}"),
            ("minzoom", request.MinZoom.ToString(CultureInfo.InvariantCulture)),
            ("maxzoom", request.MaxZoom.ToString(CultureInfo.InvariantCulture)),
            ("description", Describe(layer, request.Query, request.MinZoom, request.MaxZoom)),
            ("json", json),
            ("geoors:query", query),
            ("geoors:generated", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        };
        using var command = sqlite.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO metadata (name, value) VALUES ($name, $value)";
        var name = command.Parameters.Add("$name", SqliteType.Text);
        var value = command.Parameters.Add("$value", SqliteType.Text);
        foreach (var row in rows)
        {
            name.Value = row.Name;
            value.Value = row.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Number(double value) => Math.Round(value, 6).ToString("0.######", CultureInfo.InvariantCulture);

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private static async Task ExecuteAsync(SqliteConnection sqlite, string sql, CancellationToken cancellationToken)
    {
        using var command = sqlite.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
