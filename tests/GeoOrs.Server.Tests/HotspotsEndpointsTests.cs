using GeoOrs.Data;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Hotspots;
using GeoOrs.Tests;
using NetTopologySuite.Geometries;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A hot spot run stored in the test database, with cells over Baltimore that hold fewer and more
/// than 10 events, read through the runs API, the hotspots and heat tile layers (MVT and PNG) and
/// OGC API – Features, as the public and as an analyst.
/// </summary>
public sealed class HotspotRunFixture : IAsyncLifetime
{
    public const double Lon = -76.6122, Lat = 39.2904;

    public GeoOrsFactory Factory { get; } = new();

    public long RunId { get; private set; }

    public async Task InitializeAsync()
    {
        _ = Factory.Services; // migrated, boundaries loaded
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        var grid = new HexGrid(2000);
        var (x, y) = EqualArea.Project(Lon, Lat);
        var (q, r) = grid.CellOf(x, y);
        var albers = new GeometryFactory(new PrecisionModel(), 5070);
        ResultCell[] cells =
        [
            new("hex", $"24:{q},{r}", grid.Polygon(q, r, albers), 12, 3.2, 0.0014, 3, Clip: "24"),
            new("hex", $"24:{q + 1},{r}", grid.Polygon(q + 1, r, albers), 3, 1.1, 0.27, 0, Clip: "24"),
            new("county", "24510", null, 5, 2.1, 0.036, 2),
            new("heat", $"24:{q},{r}", grid.Polygon(q, r, albers), 15, Density: 0.8, Clip: "24"),
            new("heat", $"24:{q + 1},{r}", grid.Polygon(q + 1, r, albers), 4, Density: 0.1, Clip: "24"),
        ];
        var day = new DateOnly(2024, 1, 31);
        RunId = await AnalysisRuns.StartAsync(dataSource, "hotspots", "manual", null, "{}", day.AddDays(-30), day);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AnalysisRuns.SucceedAsync(connection, transaction, RunId, cells, """{"fdr": true}""", """{"events": 20, "hex_hot": 1}""", 5);
        await transaction.CommitAsync();
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

public class HotspotsEndpointsTests(HotspotRunFixture fixture) : IClassFixture<HotspotRunFixture>
{
    private static readonly TileId Tile = TileMath.TileOf(HotspotRunFixture.Lon, HotspotRunFixture.Lat, 10);

    private HttpClient Client(string? role = null) => role is null ? fixture.Factory.CreateClient() : fixture.Factory.CreateClient(role);

    private async Task<IReadOnlyList<MvtDecoder.Feature>> FeaturesAsync(string layer, string? role)
    {
        using var client = Client(role);
        using var response = await client.GetAsync(new Uri($"/tiles/{layer}/{Tile.Z}/{Tile.X}/{Tile.Y}.mvt", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync())).Items;
    }

    private static double? Number(MvtDecoder.Feature feature, string name) =>
        feature.Properties.TryGetValue(name, out var value) ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : null;

    [Fact]
    public async Task Public_hotspot_tiles_hold_counties_and_hexagons_of_ten_or_more_events_only()
    {
        var shown = await FeaturesAsync("hotspots", null);
        // The public sees the 12-event hexagon and the county with their bins: no counts, z or p.
        var hex = Assert.Single(shown, f => (string)f.Properties["scale"] == "hex");
        Assert.Equal(((double?)null, (double?)null, 3.0), (Number(hex, "events"), Number(hex, "z"), Number(hex, "bin")));
        var county = Assert.Single(shown, f => (string)f.Properties["scale"] == "county" && (string)f.Properties["id"] == "24510");
        Assert.Equal(((double?)null, (double?)null, (double?)null, 2.0), (Number(county, "events"), Number(county, "z"), Number(county, "p"), Number(county, "bin")));
        Assert.All(shown, f => Assert.Equal(3, f.GeometryType));

        var analyst = await FeaturesAsync("hotspots", "analyst");
        Assert.Equal([3.0, 12.0], analyst.Where(f => (string)f.Properties["scale"] == "hex").Select(f => Number(f, "events")!.Value).Order());
        Assert.Equal(5.0, Number(Assert.Single(analyst, f => (string)f.Properties["id"] == "24510"), "events"));
    }

    [Fact]
    public async Task Heat_tiles_and_features_hide_cells_summarising_fewer_than_ten_events_from_the_public()
    {
        // The public sees the cell summarising 15 events, not the one of 4, without its count and with
        // its density to two significant figures.
        var open15 = Assert.Single(await FeaturesAsync("heat", null));
        Assert.Null(Number(open15, "events"));
        var partnerCells = await FeaturesAsync("heat", "partner");
        Assert.Equal([4.0, 15.0], partnerCells.Select(f => Number(f, "events")!.Value).Order());
        var density = Number(partnerCells.Single(f => Number(f, "events") == 15), "density")!.Value;
        var digits = 1 - (int)Math.Floor(Math.Log10(density));
        Assert.Equal(Math.Round(density / Math.Pow(10, -digits)) * Math.Pow(10, -digits), Number(open15, "density")!.Value, 1e-9);

        using var open = Client();
        using var items = JsonDocument.Parse(await open.GetStringAsync(new Uri("/ogc/collections/heat/items", UriKind.Relative)));
        var features = items.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.All(features, f => Assert.Equal(JsonValueKind.Null, f.GetProperty("properties").GetProperty("events").ValueKind));
        Assert.Contains(features, f => f.GetProperty("properties").GetProperty("run_id").GetInt64() == fixture.RunId);
        using var partner = Client("partner");
        using var partnerItems = JsonDocument.Parse(await partner.GetStringAsync(new Uri("/ogc/collections/heat/items", UriKind.Relative)));
        Assert.Equal(partnerItems.RootElement.GetProperty("features").EnumerateArray().Count(f => f.GetProperty("properties").GetProperty("events").GetInt32() >= 10), features.Count);
    }

    [Fact]
    public async Task Ogc_hotspot_items_follow_the_same_rules_and_filter_by_scale()
    {
        using var open = Client();
        using var hexes = JsonDocument.Parse(await open.GetStringAsync(new Uri("/ogc/collections/hotspots/items?scale=hex&limit=1000", UriKind.Relative)));
        var publicHexes = hexes.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.NotEmpty(publicHexes);
        Assert.All(publicHexes, f =>
        {
            Assert.Equal("hex", f.GetProperty("properties").GetProperty("scale").GetString());
            Assert.Equal(JsonValueKind.Null, f.GetProperty("properties").GetProperty("events").ValueKind);
            Assert.Equal(JsonValueKind.Null, f.GetProperty("properties").GetProperty("z").ValueKind);
            Assert.Equal(JsonValueKind.Number, f.GetProperty("properties").GetProperty("bin").ValueKind);
        });

        using var county = JsonDocument.Parse(await open.GetStringAsync(new Uri("/ogc/collections/hotspots/items/county:24510", UriKind.Relative)));
        Assert.Equal(JsonValueKind.Null, county.RootElement.GetProperty("properties").GetProperty("events").ValueKind);
        Assert.Equal("MultiPolygon", county.RootElement.GetProperty("geometry").GetProperty("type").GetString());

        using var analyst = Client("analyst");
        using var all = JsonDocument.Parse(await analyst.GetStringAsync(new Uri("/ogc/collections/hotspots/items?scale=hex&limit=1000", UriKind.Relative)));
        var analystHexes = all.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Contains(analystHexes, f => f.GetProperty("properties").GetProperty("events").GetInt32() == 3);
        Assert.Equal(analystHexes.Count(f => f.GetProperty("properties").GetProperty("events").GetInt32() >= 10), publicHexes.Count);

        using var small = await open.GetAsync(new Uri($"/ogc/collections/hotspots/items/hex:{publicHexes[0].GetProperty("properties").GetProperty("cell").GetString()![..3]}nothing", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, small.StatusCode);
    }

    [Theory]
    [InlineData("hotspots", "hex_bin")]
    [InlineData("hotspots", "county_bin")]
    [InlineData("heat", "density")]
    public async Task Png_tiles_and_legends_draw_the_cells(string layer, string metric)
    {
        using var client = Client();
        using var png = await client.GetAsync(new Uri($"/tiles/{layer}/{Tile.Z}/{Tile.X}/{Tile.Y}.png?metric={metric}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], bytes[..4]);

        using var legend = await client.GetAsync(new Uri($"/tiles/{layer}/legend.png?metric={metric}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, legend.StatusCode);

        using var bad = await client.GetAsync(new Uri($"/tiles/{layer}/{Tile.Z}/{Tile.X}/{Tile.Y}.png?metric=rate", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Runs_are_listed_for_everyone_with_summaries_for_keyed_callers()
    {
        using var open = Client();
        var runs = await open.GetFromJsonAsync<JsonElement>(new Uri("/api/hotspots/runs?kind=hotspots&limit=50", UriKind.Relative));
        var run = Assert.Single(runs.EnumerateArray(), r => r.GetProperty("id").GetInt64() == fixture.RunId);
        Assert.Equal(JsonValueKind.Null, run.GetProperty("summary").ValueKind);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("2024-01-31", run.GetProperty("window_to").GetString());

        using var analyst = Client("analyst");
        var detail = await analyst.GetFromJsonAsync<JsonElement>(new Uri($"/api/hotspots/runs/{fixture.RunId}", UriKind.Relative));
        Assert.Equal(20, detail.GetProperty("run").GetProperty("summary").GetProperty("events").GetInt32());
        Assert.Equal(5, detail.GetProperty("cells").GetArrayLength());
        Assert.Equal(3.2, detail.GetProperty("cells")[0].GetProperty("z").GetDouble()); // strongest first

        var publicDetail = await open.GetFromJsonAsync<JsonElement>(new Uri($"/api/hotspots/runs/{fixture.RunId}?scale=county", UriKind.Relative));
        var county = Assert.Single(publicDetail.GetProperty("cells").EnumerateArray());
        Assert.True(county.GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, county.GetProperty("events").ValueKind);
        Assert.Equal(JsonValueKind.Null, county.GetProperty("z").ValueKind); // statistics of small areas could be solved back to counts
        Assert.Equal(JsonValueKind.Null, county.GetProperty("p").ValueKind);
        Assert.Equal(2, county.GetProperty("bin").GetInt32());
        var publicHexes = await open.GetFromJsonAsync<JsonElement>(new Uri($"/api/hotspots/runs/{fixture.RunId}?scale=hex", UriKind.Relative));
        var publicHex = Assert.Single(publicHexes.GetProperty("cells").EnumerateArray()); // the 12-event hexagon, not the 3-event one
        Assert.Equal((JsonValueKind.Null, 3), (publicHex.GetProperty("events").ValueKind, publicHex.GetProperty("bin").GetInt32()));
    }

    [Theory]
    [InlineData("/api/hotspots/runs?kind=weekly", HttpStatusCode.BadRequest)]
    [InlineData("/api/hotspots/runs?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/hotspots/runs/abc", HttpStatusCode.NotFound)]
    [InlineData("/api/hotspots/runs/999999999", HttpStatusCode.NotFound)]
    [InlineData("/api/hotspots/runs/1?scale=state", HttpStatusCode.BadRequest)]
    [InlineData("/api/hotspots/runs/1?limit=100001", HttpStatusCode.BadRequest)]
    [InlineData("/tiles/hotspots/10/0/0.mvt?from=2024-01-01", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_are_refused(string path, HttpStatusCode expected)
    {
        using var client = Client("analyst");
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Only_admins_start_runs_and_a_server_with_the_scheduler_runs_them()
    {
        using var analyst = Client("analyst");
        using var refused = await analyst.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "spikes" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // The fixture's server runs no jobs: it enqueues the run, and a server with the scheduler on the
        // same database takes it (with the settings of the server that enqueued it).
        await using var scheduler = GeoOrsFactory.WithScheduler();
        _ = scheduler.Services;
        using var admin = Client("admin");
        using var unknown = await admin.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "weekly" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        var since = DateTime.UtcNow;
        using var started = await admin.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "spikes" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        // Its run reads up to today (the factory's default), the latest local date of the counties: the
        // date in Puerto Rico (UTC−4, the easternmost zone); another test's manual run reads 1995.
        var today = GeoOrs.Analysis.Calendar.LocalDays.Of(DateTimeOffset.UtcNow, GeoOrs.Analysis.Calendar.LocalDays.Zone("America/Puerto_Rico"));
        var run = await AnalysisJobsTests.SucceededRunAfterAsync(dataSource, "spikes", since, 60,
            lastDay: today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), reason: "manual");
        Assert.True(run > 0);
    }
}
