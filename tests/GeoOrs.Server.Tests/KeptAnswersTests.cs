using System.Net;
using System.Text;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Data.Tiles;
using GeoOrs.Server.Hosting;
using GeoOrs.Server.Tiles;
using Microsoft.Extensions.DependencyInjection;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Area panels and OGC pages of areas are kept until their data changes (ADR 0022). Run alone: a
/// change made by another test anywhere in the database would drop them while the test shows they are kept.
/// </summary>
[Collection(TelemetryTests.Alone)]
public sealed class KeptAnswersTests : IClassFixture<GeoOrsFactory>
{
    public KeptAnswersTests(GeoOrsFactory factory) => Factory = factory;

    private GeoOrsFactory Factory { get; }

    [Fact]
    public async Task Panels_and_pages_of_areas_are_kept_until_their_data_changes()
    {
        // Crook County, Wyoming, in March 1993 (a window no other test uses).
        const string crook = "56011";
        const string window = "from=1993-03-01&to=1993-03-31";
        using var admin = Factory.CreateClient("admin");
        using var analyst = Factory.CreateClient("analyst");
        using (var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/boundaries/lookup?lon=-104.38&lat=44.41", UriKind.Relative))))
        {
            Assert.Equal(crook, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
        }

        var run = Guid.NewGuid().ToString("N")[..8];
        async Task IngestAsync(int count)
        {
            var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
            for (var i = 0; i < count; i++)
            {
                csv.Append($"kept-{run}-{count}-{i},1993-03-1{i}T12:00:00Z,44.41,-104.38,false\n");
            }

            using var response = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // The county's panel, and its feature in a page of the county-aggregates collection.
        async Task<((string? Name, long Overdoses) Panel, (string? Name, long Overdoses) Page)> BothAsync()
        {
            using var response = await analyst.GetAsync(new Uri($"/api/areas/county/{crook}?{window}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var measures = json.RootElement.GetProperty("measures");
            var panel = (measures.GetProperty("name").GetString(), measures.GetProperty("overdoses").GetInt64());

            using var page = await analyst.GetAsync(new Uri($"/ogc/collections/county-aggregates/items?bbox=-104.5,44.3,-104.2,44.5&{window}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            using var features = JsonDocument.Parse(await page.Content.ReadAsStringAsync());
            var properties = features.RootElement.GetProperty("features").EnumerateArray()
                .Single(f => f.GetProperty("id").ToString() == crook).GetProperty("properties");
            return (panel, (properties.GetProperty("name").GetString(), properties.GetProperty("overdoses").GetInt64()));
        }

        // Both, when no change is on its way: the same figures.
        async Task<(string? Name, long Overdoses)> PanelAsync()
        {
            var (panel, page) = await BothAsync();
            Assert.Equal(panel, page);
            return panel;
        }

        await IngestAsync(2);
        Assert.Equal(("Crook", 2L), await PanelAsync());

        // A change written behind the server's back (no data version moves: 100 more overdoses in the
        // month's "all drugs" slot of the monthly aggregate) is not seen: the panel and the page are
        // kept. A change that moves the version (an ingest) drops them, and both are read anew.
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        async Task AddBehindAsync(int count, string then)
        {
            await using var command = dataSource.CreateCommand(
                $"UPDATE overdose_monthly SET events[1] = events[1] + {count} WHERE county_fips = '{crook}' AND month = '1993-03-01'; {then}");
            await command.ExecuteNonQueryAsync();
        }

        await AddBehindAsync(100, "");
        try
        {
            Assert.Equal(("Crook", 2L), await PanelAsync());
            await IngestAsync(3);
            Assert.Equal(("Crook", 105L), await PanelAsync());
        }
        finally
        {
            await AddBehindAsync(-100, "SELECT geoors_bump('overdoses')");
        }

        // A change made by another process is seen once its notification has come.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await BothAsync() != (("Crook", 5L), ("Crook", 5L)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(("Crook", 5L), await PanelAsync());
    }
    [Fact]
    public async Task Requests_that_miss_while_an_answer_is_made_wait_for_that_making()
    {
        var cache = Factory.Services.GetRequiredService<TileCache>();
        var versions = Factory.Services.GetRequiredService<DataVersions>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!versions.Live && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(versions.Live);
        var made = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<string> MakeAsync()
        {
            Interlocked.Increment(ref made);
            await gate.Task;
            return new string('x', 3);
        }

        var key = $"test/one-making/{Guid.NewGuid():N}";
        var layer = VectorTileLayers.All["counties"];
        var asks = Enumerable.Range(0, 8).Select(_ => cache.GetOrAddAsync(key, layer, MakeAsync)).ToArray();
        await Task.Delay(100);
        gate.SetResult();
        var answers = await Task.WhenAll(asks);
        Assert.Equal(1, made);
        Assert.All(answers, a => Assert.Same(answers[0], a));

        // Kept: asked again, it is not made again.
        Assert.Same(answers[0], await cache.GetOrAddAsync(key, layer, MakeAsync));
        Assert.Equal(1, made);
    }
}
