using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Two real server processes on one database, both running the schedule with the weekly brief job
/// firing every three seconds: the subscribed area's brief of the week is made once and its link
/// delivered once, whichever server runs each firing and delivers.
/// </summary>
public class ClusteredBriefsTests
{
    private const string Never = "0 0 31 2 *";

    private static Dictionary<string, string> Node(string connectionString, string id) => new()
    {
        ["Database__ConnectionString"] = connectionString,
        ["Scheduling__Enabled"] = "true",
        ["Scheduling__InstanceId"] = id,
        ["Scheduling__HotspotsCron"] = Never,
        ["Scheduling__EmergingCron"] = Never,
        ["Scheduling__SpikesCron"] = Never,
        ["Scheduling__BriefsCron"] = "*/3 * * * * *",
        ["Scheduling__PollInterval"] = "00:00:01",
        ["Webhooks__Deliver"] = "true",
        ["Webhooks__PollInterval"] = "00:00:01",
        ["Http__PublicBaseUrl"] = "https://briefs.example.org",
    };

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Two_server_processes_make_and_deliver_the_weekly_brief_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        using var receiver = new WebhookReceiver(_ => HttpStatusCode.OK);
        using var a = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-a"));
        using var b = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-b"));
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        string key;
        await using (var db = GeoOrsDbContext.Create(dataSource))
        {
            key = (await ApiKeys.CreateAsync(db, "analyst", "Clustered Briefs")).Key;
        }

        using var client = new HttpClient { BaseAddress = a.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var subscription = await client.PostAsJsonAsync(new Uri("/api/briefs/subscriptions", UriKind.Relative), new { area = "county:42003", url = receiver.Url.ToString() });
        Assert.Equal(HttpStatusCode.Created, subscription.StatusCode);

        // Wait for the first delivery, then for several more firings of the job.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (receiver.Requests.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no brief was delivered\n--- a ---\n{a.Log}\n--- b ---\n{b.Log}");
            await Task.Delay(200);
        }

        var firstDelivered = DateTime.UtcNow;
        async Task<long> CountAsync(string sql)
        {
            await using var command = dataSource.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        while (await CountAsync($"SELECT count(*) FROM job_runs WHERE job = 'weekly-briefs' AND status = 'succeeded' AND started_at > '{firstDelivered:O}'") < 3)
        {
            Assert.True(DateTime.UtcNow < deadline.AddSeconds(60), $"the job did not run again\n--- a ---\n{a.Log}\n--- b ---\n{b.Log}");
            await Task.Delay(500);
        }

        await Task.Delay(2000);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM briefs"));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM brief_deliveries WHERE delivered_at IS NOT NULL"));
        using var notice = JsonDocument.Parse(request.Body);
        Assert.StartsWith("https://briefs.example.org/api/briefs/archive/", notice.RootElement.GetProperty("links").GetProperty("pdf").GetString(), StringComparison.Ordinal);

        // The link opens on either server.
        var path = new Uri(notice.RootElement.GetProperty("links").GetProperty("pdf").GetString()!).PathAndQuery;
        foreach (var server in new[] { a, b })
        {
            using var reader = new HttpClient { BaseAddress = server.BaseAddress };
            reader.DefaultRequestHeaders.Add("X-Api-Key", key);
            using var pdf = await reader.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        }
    }
}
