using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoOrs.Analysis.Tests.Raster;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The aggregate and point layers over events this class ingests itself, in 2002 (a year no other
/// test or data set uses), in Baltimore city (24510). Every expected number is counted by SQL over
/// the event table, independently of the aggregate tables the layers are summed from.
/// </summary>
public class LayerTilesTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string Header = "external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex\r\n";
    private const double Lat = 39.2904, Lon = -76.6122;
    private static readonly SemaphoreSlim Seeded = new(1, 1);
    private static bool _seeded;

    private static string Row(string id, string when, bool fatal, bool naloxone, string drugs, double lat = Lat, double lon = Lon) =>
        FormattableString.Invariant($"{id},{when},{lat},{lon},exact,{(fatal ? "true" : "false")},{(naloxone ? "true" : "false")},,{drugs},,\r\n");

    /// <summary>Events on both sides of a month's end, with every combination the filters split.</summary>
    private async Task SeedAsync()
    {
        await Seeded.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            var csv = new StringBuilder(Header)
                .Append(Row("e1", "2002-03-30T12:00:00Z", fatal: true, naloxone: true, "fentanyl"))
                .Append(Row("e2", "2002-03-31T23:30:00Z", fatal: false, naloxone: true, "heroin"))
                .Append(Row("e3", "2002-04-01T00:30:00Z", fatal: false, naloxone: false, "fentanyl;cocaine"))
                .Append(Row("e4", "2002-04-02T08:00:00Z", fatal: true, naloxone: false, "fentanyl"))
                .Append(Row("e5", "2002-04-02T09:00:00Z", fatal: true, naloxone: true, "fentanyl;xylazine"))
                .Append(Row("e6", "2002-05-15T12:00:00Z", fatal: false, naloxone: true, "cocaine"))
                .Append(Row("e7", "2002-05-31T23:59:00Z", fatal: false, naloxone: false, "methamphetamine"))
                .Append(Row("e8", "2002-04-10T10:00:00Z", fatal: false, naloxone: true, "fentanyl", lat: 39.30, lon: -76.60))
                .Append(Row("honolulu", "2002-04-10T10:00:00Z", fatal: false, naloxone: true, "fentanyl", lat: 21.3069, lon: -157.8583));
            await IngestAsync(factory, csv.ToString(), "layer-tests");
            _seeded = true;
        }
        finally
        {
            Seeded.Release();
        }
    }

    private static async Task IngestAsync(GeoOrsFactory server, string csv, string agency)
    {
        using var client = server.CreateClient("admin");
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync(new Uri($"/api/ingest/overdoses?agency={agency}", UriKind.Relative), content);
        Assert.True(response.StatusCode is HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Counts Baltimore city's overdoses for a window and filters straight from the event table.</summary>
    private static async Task<(long Overdoses, long Fatal, long Naloxone)> CountAsync(string from, string to, string? drug, bool? fatal)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT count(*), count(*) FILTER (WHERE fatal), count(*) FILTER (WHERE naloxone_administered)
            FROM overdose_events
            WHERE county_fips = '24510'
              AND geoors_local_day(occurred_at, county_fips) BETWEEN $1::date AND $2::date
              AND ($3::text IS NULL OR $3 = ANY (suspected_drugs))
              AND ($4::boolean IS NULL OR fatal = $4)
            """);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)drug ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Boolean, (object?)fatal ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task<long> PopulationAsync(string fips)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT population FROM county_population WHERE geoid = $1 ORDER BY year DESC LIMIT 1");
        command.Parameters.AddWithValue(fips);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<MvtDecoder.Layer> TileAsync(HttpClient client, string layer, TileId tile, string query)
    {
        using var response = await client.GetAsync(new Uri($"/tiles/{layer}/{tile.Z}/{tile.X}/{tile.Y}.mvt?{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync()));
    }

    private static IReadOnlyDictionary<string, object> Baltimore(MvtDecoder.Layer layer) =>
        Assert.Single(layer.Items, f => (string)f.Properties["geoid"] == "24510").Properties;

    [Theory]
    [InlineData("2002-03-31", "2002-04-30", null, null)] // days at both ends of a month, and a whole month
    [InlineData("2002-03-01", "2002-05-31", null, null)] // whole months only
    [InlineData("2002-03-31", "2002-04-30", "fentanyl", null)]
    [InlineData("2002-03-31", "2002-04-30", "fentanyl", true)]
    [InlineData("2002-03-01", "2002-05-31", "cocaine", false)]
    [InlineData("2002-04-02", "2002-04-02", null, true)] // one day
    [InlineData("2002-01-01", "2002-02-28", null, null)] // nothing
    public async Task County_measures_equal_counts_over_the_events(string from, string to, string? drug, bool? fatal)
    {
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        var query = $"from={from}&to={to}" + (drug is null ? "" : $"&drug={drug}") + (fatal is null ? "" : $"&fatal={(fatal.Value ? "true" : "false")}");
        var layer = await TileAsync(client, "counties", TileMath.TileOf(Lon, Lat, 9), query);
        Assert.Equal("counties", layer.Name);
        var county = Baltimore(layer);

        var (overdoses, fatalCount, naloxone) = await CountAsync(from, to, drug, fatal);
        Assert.Equal((double)overdoses, county["overdoses"]);
        Assert.Equal((double)fatalCount, county["fatal"]);
        Assert.Equal((double)(overdoses - fatalCount), county["nonfatal"]);
        Assert.Equal((double)naloxone, county["naloxone"]);
        var population = await PopulationAsync("24510");
        Assert.Equal((double)population, county["population"]);
        Assert.Equal(Math.Round(overdoses * 100000.0 / population, 2), (double)county["rate"], 6);
        if (from == "2002-03-31" && drug is null && fatal is null)
        {
            Assert.True(overdoses >= 5, "the seeded events are in the window");
        }
    }

    [Fact]
    public async Task State_and_hidta_layers_sum_their_counties()
    {
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        const string Query = "from=2002-03-01&to=2002-05-31";
        var states = await TileAsync(client, "states", TileMath.TileOf(Lon, Lat, 5), Query);
        var maryland = Assert.Single(states.Items, f => (string)f.Properties["statefp"] == "24").Properties;

        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FROM overdose_events
            WHERE left(county_fips, 2) = '24' AND geoors_local_day(occurred_at, county_fips) BETWEEN '2002-03-01' AND '2002-05-31'
            """);
        Assert.Equal((double)(long)(await command.ExecuteScalarAsync())!, maryland["overdoses"]);

        var hidta = await TileAsync(client, "hidta", TileMath.TileOf(Lon, Lat, 5), Query);
        await using var member = dataSource.CreateCommand("""
            SELECT h.hidta_id, count(e.id) FROM hidta_counties h
            LEFT JOIN overdose_events e ON e.county_fips = h.geoid AND geoors_local_day(e.occurred_at, e.county_fips) BETWEEN '2002-03-01' AND '2002-05-31'
            WHERE h.hidta_id = (SELECT hidta_id FROM hidta_counties WHERE geoid = '24510' LIMIT 1)
            GROUP BY h.hidta_id
            """);
        await using var reader = await member.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "Baltimore city is in a HIDTA");
        var region = Assert.Single(hidta.Items, f => (string)f.Properties["id"] == reader.GetString(0)).Properties;
        Assert.Equal((double)reader.GetInt64(1), region["overdoses"]);
    }

    [Fact]
    public async Task Tile_changes_right_after_an_ingest_that_touches_it()
    {
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        var tile = TileMath.TileOf(Lon, Lat, 8);
        var url = new Uri($"/tiles/counties/{tile.Z}/{tile.X}/{tile.Y}.mvt?from=2002-06-01&to=2002-06-30", UriKind.Relative);
        using var before = await client.GetAsync(url);
        var etag = before.Headers.ETag!;
        var count = (double)Baltimore(Assert.Single(MvtDecoder.Decode(await before.Content.ReadAsByteArrayAsync())))["overdoses"];

        using (var again = new HttpRequestMessage(HttpMethod.Get, url))
        {
            again.Headers.IfNoneMatch.Add(etag);
            using var notModified = await client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        await IngestAsync(factory, Header + Row("june-" + Guid.NewGuid().ToString("N")[..8], "2002-06-10T10:00:00Z", false, true, "heroin"), "layer-tests-june");

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(etag);
        using var after = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(etag, after.Headers.ETag);
        Assert.Equal(count + 1, (double)Baltimore(Assert.Single(MvtDecoder.Decode(await after.Content.ReadAsByteArrayAsync())))["overdoses"]);
    }

    [Fact]
    public async Task Another_server_drops_its_cached_tile_when_a_batch_commits()
    {
        await SeedAsync();
        await using var other = new GeoOrsFactory();
        using var client = factory.CreateClient("admin");
        using var otherClient = other.CreateClient("admin");
        var tile = TileMath.TileOf(Lon, Lat, 7);
        var url = new Uri($"/tiles/counties/{tile.Z}/{tile.X}/{tile.Y}.mvt?from=2002-07-01&to=2002-07-31", UriKind.Relative);
        async Task<double> BaltimoreOn(HttpClient c)
        {
            using var response = await c.GetAsync(url);
            return (double)Baltimore(Assert.Single(MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync())))["overdoses"];
        }

        var before = await BaltimoreOn(client);
        Assert.Equal(before, await BaltimoreOn(client)); // now cached here

        await IngestAsync(other, Header + Row("july-" + Guid.NewGuid().ToString("N")[..8], "2002-07-04T10:00:00Z", true, false, "fentanyl"), "layer-tests-july");

        // The commit is announced by NOTIFY; this server hears it within milliseconds.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        double now;
        while ((now = await BaltimoreOn(client)) == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(before + 1, now);
    }

    [Fact]
    public async Task Tiles_come_gzip_or_brotli_by_accept_encoding_with_their_own_etags()
    {
        using var client = factory.CreateClient("admin");
        var url = new Uri("/tiles/states/4/4/6.mvt", UriKind.Relative);
        using var plain = await client.GetAsync(url);
        var raw = await plain.Content.ReadAsByteArrayAsync();
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", plain.Headers.Vary);

        var etags = new HashSet<string> { plain.Headers.ETag!.Tag };
        foreach (var (coding, open) in new (string, Func<Stream, Stream>)[]
        {
            ("br", s => new BrotliStream(s, CompressionMode.Decompress)),
            ("gzip", s => new GZipStream(s, CompressionMode.Decompress)),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(coding));
            using var response = await client.SendAsync(request);
            Assert.Equal(coding, Assert.Single(response.Content.Headers.ContentEncoding));
            var compressed = await response.Content.ReadAsByteArrayAsync();
            Assert.True(compressed.Length < raw.Length);
            using var decompressed = new MemoryStream();
            await using (var stream = open(new MemoryStream(compressed)))
            {
                await stream.CopyToAsync(decompressed);
            }

            Assert.Equal(raw, decompressed.ToArray());
            Assert.True(etags.Add(response.Headers.ETag!.Tag), "each encoding has its own strong ETag");
        }

        using var refused = new HttpRequestMessage(HttpMethod.Get, url);
        refused.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip;q=0, br;q=0");
        using var identity = await client.SendAsync(refused);
        Assert.Empty(identity.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Overdose_points_from_z10_and_clusters_below_count_the_events_in_the_tile()
    {
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        const string Query = "from=2002-03-01&to=2002-05-31";
        var pointsTile = TileMath.TileOf(Lon, Lat, 12);
        var points = await TileAsync(client, "overdoses", pointsTile, Query);
        Assert.All(points.Items, f => Assert.Equal(1, f.GeometryType));
        Assert.Equal(await EventsInTileAsync(pointsTile), points.Features);
        Assert.Contains("drugs", points.Keys);
        Assert.Contains(points.Items, f => ((string)f.Properties["drugs"]).Split(',').Order().SequenceEqual(["cocaine", "fentanyl"]));

        var clusterTile = TileMath.TileOf(Lon, Lat, 6);
        var clusters = await TileAsync(client, "overdoses", clusterTile, Query);
        Assert.Equal(await EventsInTileAsync(clusterTile, margin: false), clusters.Items.Sum(f => (double)f.Properties["count"]));
        Assert.True(clusters.Features < await EventsInTileAsync(clusterTile, margin: false), "nearby events share a cluster");

        var fentanyl = await TileAsync(client, "overdoses", pointsTile, Query + "&drug=fentanyl&fatal=true");
        Assert.All(fentanyl.Items, f =>
        {
            Assert.Contains("fentanyl", ((string)f.Properties["drugs"]).Split(','));
            Assert.True((bool)f.Properties["fatal"]);
        });
        Assert.Equal(3, fentanyl.Features);

        // Points are drawn with the tile's buffer (64 of 4096 units around it), clusters count the tile's own events.
        static async Task<long> EventsInTileAsync(TileId tile, bool margin = true)
        {
            var dataSource = await PostGis.DataSourceAsync();
            await using var command = dataSource.CreateCommand("""
                SELECT count(*) FROM overdose_events
                WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3, margin => $4))
                  AND geoors_local_day(occurred_at, county_fips) BETWEEN '2002-03-01' AND '2002-05-31'
                """);
            command.Parameters.AddWithValue(tile.Z);
            command.Parameters.AddWithValue(tile.X);
            command.Parameters.AddWithValue(tile.Y);
            command.Parameters.AddWithValue(margin ? 64.0 / 4096 : 0.0);
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    public static TheoryData<string, string, string?, bool?> ClusterQueries => new()
    {
        { "2002-03-01", "2002-05-31", null, null },       // whole months: from the cells
        { "2002-03-31", "2002-04-30", null, null },       // a day at one end, a whole month
        { "2002-03-30", "2002-04-02", null, true },       // days only, fatal
        { "2002-03-01", "2002-05-31", null, false },      // whole months, non-fatal
        { "2002-03-01", "2002-05-31", "fentanyl", null }, // a drug: the events one by one
        { "2002-03-31", "2002-05-15", "fentanyl", true },
    };

    [Theory]
    [MemberData(nameof(ClusterQueries))]
    public async Task Clusters_at_every_zoom_below_10_add_up_to_the_events_of_the_tile(string from, string to, string? drug, bool? fatal)
    {
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        var query = $"from={from}&to={to}" + (drug is null ? "" : $"&drug={drug}") + (fatal is null ? "" : $"&fatal={(fatal.Value ? "true" : "false")}");
        var dataSource = await PostGis.DataSourceAsync();
        for (var z = 0; z < 10; z++)
        {
            foreach (var tile in new[] { TileMath.TileOf(Lon, Lat, z), TileMath.TileOf(-157.8583, 21.3069, z) })
            {
                // Counted straight from the events whose point is in the tile (not its buffer).
                await using var command = dataSource.CreateCommand("""
                    SELECT count(*), count(*) FILTER (WHERE fatal), count(*) FILTER (WHERE naloxone_administered)
                    FROM overdose_events
                    WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3))
                      AND geoors_local_day(occurred_at, county_fips) BETWEEN $4::date AND $5::date
                      AND ($6::text IS NULL OR $6 = ANY (suspected_drugs)) AND ($7::boolean IS NULL OR fatal = $7)
                    """);
                command.Parameters.AddWithValue(tile.Z);
                command.Parameters.AddWithValue(tile.X);
                command.Parameters.AddWithValue(tile.Y);
                command.Parameters.AddWithValue(from);
                command.Parameters.AddWithValue(to);
                command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)drug ?? DBNull.Value);
                command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Boolean, (object?)fatal ?? DBNull.Value);
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                var (events, fatalEvents, naloxone) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));

                using var response = await client.GetAsync(new Uri($"/tiles/overdoses/{tile}.mvt?{query}", UriKind.Relative));
                if (events == 0)
                {
                    Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
                    continue;
                }

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var clusters = Assert.Single(MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync())).Items;
                Assert.Equal(events, clusters.Sum(f => (double)f.Properties["count"]));
                Assert.Equal(fatalEvents, clusters.Sum(f => (double)f.Properties["fatal"]));
                Assert.Equal(naloxone, clusters.Sum(f => (double)f.Properties["naloxone"]));
                Assert.All(clusters, f => Assert.True(f.Points[0] is { X: >= 0 and <= 4096, Y: >= 0 and <= 4096 }, $"z{z} {tile}: a cluster outside its tile"));
            }
        }
    }

    [Fact]
    public async Task Tiles_at_the_antimeridian_find_their_events()
    {
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        var tile = TileMath.TileOf(-157.8583, 21.3069, 3);
        Assert.Equal(0, tile.X); // the margin of a tile at x = 0 reaches past -180°
        var clusters = await TileAsync(client, "overdoses", tile, "from=2002-04-10&to=2002-04-10");
        Assert.Equal(1, clusters.Items.Sum(f => (double)f.Properties["count"]) - await OthersAsync());

        static async Task<long> OthersAsync()
        {
            var dataSource = await PostGis.DataSourceAsync();
            await using var command = dataSource.CreateCommand("""
                SELECT count(*) FROM overdose_events
                WHERE external_id <> 'honolulu' AND geoors_local_day(occurred_at, county_fips) = '2002-04-10'
                  AND ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(3, 0, 3))
                """);
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    [Fact]
    public async Task Png_tiles_are_256_square_coloured_over_data_and_clear_over_the_ocean()
    {
        using var client = factory.CreateClient("admin");
        var land = TileMath.TileOf(Lon, Lat, 6);
        using var response = await client.GetAsync(new Uri($"/tiles/counties/{land.Z}/{land.X}/{land.Y}.png?metric=overdoses", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.ETag);
        var png = MiniPngDecoder.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((256, 256), (png.Width, png.Height));
        var opaque = Enumerable.Range(0, 256 * 256).Count(i => png.Pixels[(i * 4) + 3] > 0);
        Assert.True(opaque > 256 * 256 / 4, $"{opaque} pixels drawn over Maryland");
        Assert.True(Enumerable.Range(0, 256 * 256).Select(i => (png.Pixels[i * 4], png.Pixels[(i * 4) + 1], png.Pixels[(i * 4) + 2])).Distinct().Count() > 3,
            "several classes' colours");

        var ocean = TileMath.TileOf(-40, 30, 6);
        using var empty = await client.GetAsync(new Uri($"/tiles/states/{ocean.Z}/{ocean.X}/{ocean.Y}.png", UriKind.Relative));
        var clear = MiniPngDecoder.Decode(await empty.Content.ReadAsByteArrayAsync());
        Assert.All(Enumerable.Range(0, 256 * 256), i => Assert.Equal(0, clear.Pixels[(i * 4) + 3]));

        using var legend = await client.GetAsync(new Uri("/tiles/counties/legend.png?metric=fatal_rate", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, legend.StatusCode);
        var image = MiniPngDecoder.Decode(await legend.Content.ReadAsByteArrayAsync());
        Assert.True(image.Width > 60 && image.Height > 60);
    }

    [Fact]
    public async Task With_the_tile_cache_off_a_windows_classification_is_made_once_per_data_version()
    {
        // A server of its own with no tile cache, over events of its own in 1987 (a year no other test
        // uses): one in Baltimore city, one in Baltimore County (Towson), so the classes are 0 and 1.
        using var server = new GeoOrsFactory(new Dictionary<string, string?> { ["Tiles:CacheMegabytes"] = "0" });
        using var client = server.CreateClient("admin");
        var versions = server.Services.GetRequiredService<DataVersions>();
        const double TowsonLat = 39.4015, TowsonLon = -76.6019;
        await IngestAsync(server, Header + Row("c1987-city", "1987-06-10T12:00:00Z", fatal: false, naloxone: true, "fentanyl")
            + Row("c1987-towson-1", "1987-06-10T13:00:00Z", fatal: false, naloxone: true, "fentanyl", TowsonLat, TowsonLon), "breaks-cache-tests");
        for (var waited = 0; !versions.Live; waited++)
        {
            Assert.True(waited < 600, "the server follows the data versions within a minute");
            await Task.Delay(100);
        }

        const string Query = "from=1987-01-01&to=1987-12-31&metric=overdoses";
        var tile = TileMath.TileOf(Lon, Lat, 6);
        async Task<(double[] Breaks, byte[] Png)> ReadAsync()
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/tiles/counties.json?{Query}", UriKind.Relative)));
            var png = await client.GetByteArrayAsync(new Uri($"/tiles/counties/{tile.Z}/{tile.X}/{tile.Y}.png?{Query}", UriKind.Relative));
            return ([.. doc.RootElement.GetProperty("raster").GetProperty("breaks").EnumerateArray().Select(b => b.GetDouble())], png);
        }

        var dataSource = await PostGis.DataSourceAsync();
        async Task ChangeTheCityBehindTheServersBackAsync(int events)
        {
            // The aggregate changes without a new data version: only a server that reclassified would see it.
            await using var command = dataSource.CreateCommand(
                "UPDATE overdose_monthly SET events[1] = events[1] + $1 WHERE county_fips = '24510' AND month = '1987-06-01'");
            command.Parameters.AddWithValue(events);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var before = await ReadAsync();
        Assert.Equal([0, 1], before.Breaks);
        try
        {
            // The city drops to 0 overdoses, out of the top class, were it reclassified.
            await ChangeTheCityBehindTheServersBackAsync(-1);
            var same = await ReadAsync();
            Assert.Equal(before.Breaks, same.Breaks);
            Assert.Equal(before.Png, same.Png); // the city still drawn in the top class: the values were kept

            // A new data version (an ingest) retires the classification: the next request reads the data as it is.
            await IngestAsync(server, Header + Row("c1987-towson-2", "1987-06-11T12:00:00Z", fatal: false, naloxone: false, "heroin", TowsonLat, TowsonLon), "breaks-cache-tests");
            var after = await ReadAsync();
            Assert.Equal([0, 2], after.Breaks);
            Assert.NotEqual(before.Png, after.Png); // the city now in the lowest class
        }
        finally
        {
            await ChangeTheCityBehindTheServersBackAsync(1);
            await IngestAsync(server, Header + Row("c1987-towson-3", "1987-06-12T12:00:00Z", fatal: false, naloxone: false, "heroin", TowsonLat, TowsonLon), "breaks-cache-tests");
        }
    }

    [Fact]
    public async Task Tilejson_states_the_class_breaks_and_carries_the_query()
    {
        using var client = factory.CreateClient("admin");
        using var response = await client.GetAsync(new Uri("/tiles/counties.json?from=2002-01-01&to=2002-12-31&metric=overdoses", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        Assert.EndsWith(".mvt?from=2002-01-01&to=2002-12-31&metric=overdoses", root.GetProperty("tiles")[0].GetString(), StringComparison.Ordinal);
        var fields = root.GetProperty("vector_layers")[0].GetProperty("fields");
        Assert.Equal("Number", fields.GetProperty("rate").GetString());
        var raster = root.GetProperty("raster");
        Assert.Equal("overdoses", raster.GetProperty("metric").GetString());
        var breaks = raster.GetProperty("breaks").EnumerateArray().Select(b => b.GetDouble()).ToList();
        Assert.NotEmpty(breaks);
        Assert.Equal(breaks.Order(), breaks);
        Assert.Equal(breaks.Count, raster.GetProperty("colors").GetArrayLength());
        Assert.EndsWith(".png?from=2002-01-01&to=2002-12-31&metric=overdoses", raster.GetProperty("tiles")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/tiles/counties/5/9/12.mvt?color=red")]
    [InlineData("/tiles/counties/5/9/12.mvt?from=2024-13-01")]
    [InlineData("/tiles/counties/5/9/12.mvt?from=yesterday")]
    [InlineData("/tiles/counties/5/9/12.mvt?from=2024-05-01&to=2024-04-01")]
    [InlineData("/tiles/counties/5/9/12.mvt?drug=unobtainium")]
    [InlineData("/tiles/counties/5/9/12.mvt?drug=fentanyl&drug=heroin")]
    [InlineData("/tiles/counties/5/9/12.mvt?fatal=maybe")]
    [InlineData("/tiles/counties/5/9/12.mvt?drug=fentanyl'%20OR%201=1--")]
    [InlineData("/tiles/seizures/5/9/12.mvt?fatal=true")]
    [InlineData("/tiles/counties/5/9/12.png?metric=population;DROP%20TABLE%20counties")]
    [InlineData("/tiles/counties/legend.png?metric=nothing")]
    [InlineData("/tiles/counties.json?to=2024-02-30")]
    [InlineData("/tiles/counties/5/9/99.png")]
    public async Task Bad_parameters_are_400(string path)
    {
        using var client = factory.CreateClient("admin");
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/tiles/overdoses/5/9/12.png")]
    [InlineData("/tiles/overdoses/legend.png")]
    [InlineData("/tiles/nothing/legend.png")]
    public async Task Png_of_a_point_or_unknown_layer_is_404(string path)
    {
        using var client = factory.CreateClient("admin");
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
