using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Tiles;
using GeoOrs.Server.Cli;
using GeoOrs.Tests;
using Microsoft.Data.Sqlite;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>geoors tiles seed</c>: MBTiles 1.3 archives read back with SQLite, compared tile by tile with
/// what the server serves, and opened by GDAL's MBTiles driver as an independent client.
/// </summary>
public class TilesSeedTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Seeding_counties_to_z3_writes_every_non_empty_tile_as_gzipped_mvt_in_tms_rows()
    {
        await PostGis.DataSourceAsync();
        var dir = Directory.CreateTempSubdirectory("geoors-seed-");
        try
        {
            var archive = Path.Combine(dir.FullName, "counties.mbtiles");
            await File.WriteAllTextAsync(archive, "an older file, replaced whole"); // overwritten through a temporary file

            Assert.Equal(0, await CommandLine.RunAsync(["tiles", "seed", "--layer", "counties", "--maxzoom", "3", "--out", archive]));
            Assert.Equal([archive], Directory.GetFiles(dir.FullName)); // no temporary or journal file left

            await using var sqlite = Open(archive);

            // metadata
            var metadata = new Dictionary<string, string>();
            await using (var command = sqlite.CreateCommand())
            {
                command.CommandText = "SELECT name, value FROM metadata";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    metadata.Add(reader.GetString(0), reader.GetString(1));
                }
            }

            Assert.Equal("pbf", metadata["format"]);
            Assert.Equal("geoors-counties", metadata["name"]);
            Assert.Equal("0", metadata["minzoom"]);
            Assert.Equal("3", metadata["maxzoom"]);
            var bounds = metadata["bounds"].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(4, bounds.Length);
            Assert.InRange(bounds[0], -180, -150); // the Aleutians
            Assert.InRange(bounds[1], 17, 20);     // Puerto Rico
            Assert.InRange(bounds[2], 150, 180);   // the Aleutians past 180°
            Assert.InRange(bounds[3], 70, 72);     // Alaska's north slope
            var center = metadata["center"].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.InRange(center[0], -125, -66); // among the counties, not mid-ocean
            Assert.InRange(center[1], 24, 50);
            Assert.InRange(center[2], 0, 3);
            Assert.Contains("counties", metadata["description"], StringComparison.Ordinal);
            // Seeded for the public: its default window, the twelve complete months before this one.
            var latest = Data.Layers.LayerQuery.PublicDefault(Data.Layers.LayerQuery.PublicToday(DateTimeOffset.UtcNow));
            Assert.Contains($"{latest.From:yyyy-MM-dd}", metadata["description"], StringComparison.Ordinal);
            Assert.Contains($"{latest.To:yyyy-MM-dd}", metadata["description"], StringComparison.Ordinal);
            using (var json = JsonDocument.Parse(metadata["json"]))
            {
                var layer = Assert.Single(json.RootElement.GetProperty("vector_layers").EnumerateArray());
                Assert.Equal("counties", layer.GetProperty("id").GetString());
                Assert.Equal("Number", layer.GetProperty("fields").GetProperty("rate").GetString());
                Assert.Equal("String", layer.GetProperty("fields").GetProperty("geoid").GetString());
                Assert.Equal(0, layer.GetProperty("minzoom").GetInt32());
                Assert.Equal(3, layer.GetProperty("maxzoom").GetInt32());
            }

            Assert.Equal(0x4d504258L, await ScalarAsync<long>(sqlite, "PRAGMA application_id"));

            // The unique index the spec asks for, on exactly (zoom_level, tile_column, tile_row).
            var index = await ScalarAsync<string>(sqlite, "SELECT name FROM pragma_index_list('tiles') WHERE \"unique\" = 1");
            Assert.Equal("zoom_level,tile_column,tile_row", await ScalarAsync<string>(sqlite,
                $"SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info('{index}') ORDER BY seqno)"));

            // The tiles: every non-empty tile of z0..3 that the server serves, and no other.
            var archived = new Dictionary<TileId, byte[]>();
            await using (var command = sqlite.CreateCommand())
            {
                command.CommandText = "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    var z = reader.GetInt32(0);
                    archived.Add(new TileId(z, reader.GetInt32(1), (1 << z) - 1 - reader.GetInt32(2)), (byte[])reader.GetValue(3));
                }
            }

            using var client = factory.CreateClient(); // seeded for the public by default: the same tiles the public is served
            var served = new Dictionary<TileId, byte[]>();
            for (var z = 0; z <= 3; z++)
            {
                for (var x = 0; x < 1 << z; x++)
                {
                    for (var y = 0; y < 1 << z; y++)
                    {
                        using var response = await client.GetAsync(new Uri($"/tiles/counties/{z}/{x}/{y}.mvt", UriKind.Relative));
                        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{z}/{x}/{y}: {response.StatusCode}");
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            served.Add(new TileId(z, x, y), await response.Content.ReadAsByteArrayAsync());
                        }
                    }
                }
            }

            Assert.NotEmpty(served);
            Assert.Equal(served.Keys.OrderBy(t => t.ToString()), archived.Keys.OrderBy(t => t.ToString()));

            // A tile is gzip (1f 8b) around the server's MVT: same layer, same counties.
            var baltimore = TileMath.TileOf(-76.6122, 39.2904, 3);
            Assert.Equal([0x1f, 0x8b], archived[baltimore][..2]);
            var decoded = Assert.Single(MvtDecoder.Decode(Gunzip(archived[baltimore])));
            var expected = Assert.Single(MvtDecoder.Decode(served[baltimore]));
            Assert.Equal("counties", decoded.Name);
            Assert.Equal(4096u, decoded.Extent);
            Assert.Equal(expected.Features, decoded.Features);
            Assert.True(decoded.Features > 100, $"{decoded.Features} counties in {baltimore}");
            Assert.Contains("rate", decoded.Keys);

            // GDAL's MBTiles driver, an independent reader, sees a vector layer named counties and reads its
            // features (those of the zoom 1 tiles: every zoom would take GDAL seconds).
            var (code, listing) = await RunAsync("ogrinfo", "-ro", "-so", "-al", "-oo", "ZOOM_LEVEL=1", archive);
            Assert.True(code == 0, listing);
            Assert.Contains("using driver `MBTiles'", listing, StringComparison.Ordinal);
            Assert.Contains("Layer name: counties", listing, StringComparison.Ordinal);
            Assert.Contains("format=pbf", listing, StringComparison.Ordinal);
            var count = listing.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("Feature Count:", StringComparison.Ordinal));
            Assert.True(int.Parse(count["Feature Count:".Length..], CultureInfo.InvariantCulture) > 3000, count);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Seeding_overdoses_for_a_window_writes_the_tiles_the_server_serves_for_it_clusters_and_points()
    {
        await PostGis.DataSourceAsync();
        var dir = Directory.CreateTempSubdirectory("geoors-seed-");
        try
        {
            // Events of our own in a month nobody else uses, some close together, across the point zoom (10).
            var tag = Guid.NewGuid().ToString("N")[..10];
            (double Lon, double Lat, bool Fatal)[] events =
            [
                (-76.6122, 39.2904, true), (-76.6100, 39.2950, false), (-76.6000, 39.3000, false), // Baltimore
                (-79.9959, 40.4406, true), (-79.9900, 40.4410, true),                             // Pittsburgh
                (-111.9400, 33.4255, false),                                                      // Tempe
                (-149.9003, 61.2181, false),                                                      // Anchorage
                (-157.8583, 21.3069, true),                                                       // Honolulu
            ];
            var csv = Path.Combine(dir.FullName, "overdoses.csv");
            await File.WriteAllLinesAsync(csv, [
                "external_id,occurred_at,lat,lon,fatal",
                .. events.Select((e, i) => string.Create(CultureInfo.InvariantCulture, $"seed-{tag}-{i},1951-03-{i + 1:00}T12:00:00Z,{e.Lat},{e.Lon},{(e.Fatal ? "true" : "false")}")),
            ]);
            Assert.Equal(0, await CommandLine.RunAsync(["ingest", "overdoses", csv]));

            var archive = Path.Combine(dir.FullName, "overdoses.mbtiles");
            Assert.Equal(0, await CommandLine.RunAsync(["tiles", "seed", "--layer", "overdoses", "--minzoom", "6", "--maxzoom", "11",
                "--from", "1951-03-01", "--to", "1951-03-31", "--role", "admin", "--out", archive]));

            await using var sqlite = Open(archive);
            var archived = new Dictionary<TileId, byte[]>();
            await using (var command = sqlite.CreateCommand())
            {
                command.CommandText = "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    var z = reader.GetInt32(0);
                    archived.Add(new TileId(z, reader.GetInt32(1), (1 << z) - 1 - reader.GetInt32(2)), (byte[])reader.GetValue(3));
                }
            }

            Assert.Contains("1951-03-01 to 1951-03-31", await ScalarAsync<string>(sqlite, "SELECT value FROM metadata WHERE name = 'description'"), StringComparison.Ordinal);

            // Only a tile holding an event, or next to one (the 64/4096 buffer), can be non-empty: ask the server for all of those.
            var candidates = new HashSet<TileId>();
            for (var z = 6; z <= 11; z++)
            {
                foreach (var (lon, lat, _) in events)
                {
                    var t = TileMath.TileOf(lon, lat, z);
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        for (var dy = -1; dy <= 1; dy++)
                        {
                            candidates.Add(new TileId(z, t.X + dx, t.Y + dy));
                        }
                    }
                }
            }

            Assert.Subset(candidates, archived.Keys.ToHashSet());
            using var client = factory.CreateClient("admin");
            var served = new Dictionary<TileId, byte[]>();
            foreach (var tile in candidates)
            {
                using var response = await client.GetAsync(new Uri($"/tiles/overdoses/{tile}.mvt?from=1951-03-01&to=1951-03-31", UriKind.Relative));
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{tile}: {response.StatusCode}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    served.Add(tile, await response.Content.ReadAsByteArrayAsync());
                }
            }

            Assert.Equal(served.Keys.OrderBy(t => t.ToString()), archived.Keys.OrderBy(t => t.ToString()));
            foreach (var (tile, data) in archived)
            {
                var layer = Assert.Single(MvtDecoder.Decode(Gunzip(data)));
                Assert.Equal("overdoses", layer.Name);
                Assert.Equal(Assert.Single(MvtDecoder.Decode(served[tile])).Features, layer.Features);
                Assert.Contains(tile.Z >= 10 ? "occurred_at" : "count", layer.Keys); // points from z10, clusters below
            }

            // Three Baltimore events: one cluster at z8, three points at z11.
            Assert.Equal(1, MvtDecoder.Decode(Gunzip(archived[TileMath.TileOf(-76.6122, 39.2904, 8)]))[0].Features);
            Assert.Equal(3, MvtDecoder.Decode(Gunzip(archived[TileMath.TileOf(-76.6122, 39.2904, 11)]))[0].Features);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--maxzoom", "3", "--out", "OUT")]                                      // no layer
    [InlineData("--layer", "counties", "--out", "OUT")]                                 // no maxzoom
    [InlineData("--layer", "counties", "--maxzoom", "3")]                               // no out
    [InlineData("--layer", "overdose_events", "--maxzoom", "3", "--out", "OUT")]        // no such layer
    [InlineData("--layer", "counties", "--maxzoom", "15", "--out", "OUT")]              // past the layer's zooms
    [InlineData("--layer", "counties", "--maxzoom", "-1", "--out", "OUT")]
    [InlineData("--layer", "counties", "--maxzoom", "three", "--out", "OUT")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--minzoom", "4", "--out", "OUT")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "OUT", "--layer", "states")] // twice
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "OUT", "--fatal", "maybe")]
    [InlineData("--layer", "seizures", "--maxzoom", "3", "--out", "OUT", "--fatal", "true")] // seizures take no fatal
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "OUT", "--from", "2024-02-01", "--to", "2024-01-01")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "OUT", "--colour", "red")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "OUT", "--drug")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "NOFOLDER")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "NOTMBTILES")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--out", "DIR")]
    [InlineData("--layer", "overdoses", "--maxzoom", "3", "--out", "OUT")]
    [InlineData("--layer", "overdoses", "--maxzoom", "3", "--role", "public", "--out", "OUT")]
    [InlineData("--layer", "counties", "--maxzoom", "3", "--role", "superuser", "--out", "OUT")]
    public async Task Bad_seed_arguments_exit_2_and_leave_the_output_alone(params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("geoors-seed-");
        try
        {
            var existing = Path.Combine(dir.FullName, "old.mbtiles");
            await File.WriteAllTextAsync(existing, "untouched");
            string[] line = ["tiles", "seed", .. args.Select(a => a switch
            {
                "OUT" => existing,
                "NOFOLDER" => Path.Combine(dir.FullName, "missing", "x.mbtiles"),
                "NOTMBTILES" => Path.Combine(dir.FullName, "x.zip"),
                "DIR" => Directory.CreateDirectory(Path.Combine(dir.FullName, "d.mbtiles")).FullName,
                _ => a,
            })];
            Assert.Equal(2, await CommandLine.RunAsync(line));
            Assert.Equal("untouched", await File.ReadAllTextAsync(existing));
            Assert.Equal([existing], Directory.GetFiles(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Cover_widens_the_bounds_by_the_tile_buffer_and_children_nest()
    {
        // A point just west of the 0° meridian reaches into tile 1/1/0 through its buffer, but not one a tile away.
        var near = MbTilesSeeder.Cover([-0.5, 10, -0.5, 10], 1);
        Assert.Equal((0, 1), (near.MinX, near.MaxX));
        var far = MbTilesSeeder.Cover([-100, 10, -100, 10], 1);
        Assert.Equal((0, 0), (far.MinX, far.MaxX));
        var world = MbTilesSeeder.Cover([-180, -90, 180, 90], 3);
        Assert.Equal(64, world.Count);

        var parent = new TileId(5, 9, 12);
        var (w, s, e, n) = TileMath.BoundsLonLat(parent);
        Assert.All(MbTilesSeeder.Children(parent), c =>
        {
            var (cw, cs, ce, cn) = TileMath.BoundsLonLat(c);
            Assert.True(cw >= w && ce <= e && cs >= s && cn <= n, $"{c} in {parent}");
        });
        Assert.Equal(4, MbTilesSeeder.Children(parent).Distinct().Count());
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection sqlite, string sql)
    {
        await using var command = sqlite.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start: apt-get install gdal-bin");
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + errors);
    }
}
