using GeoOrs.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GeoOrs.Tests;
using Hangfire.Common;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The recurring jobs, on databases of their own (every server on a database shares one schedule):
/// the spike job fired every 2 seconds, each firing run once by one of the servers and recorded.
/// </summary>
public class SchedulingTests
{
    /// <summary>A server with the scheduler on, on <paramref name="connectionString"/>, firing the spike job every 2 seconds.</summary>
    private static GeoOrsFactory Node(string connectionString, string instanceId) => GeoOrsFactory.WithScheduler(new Dictionary<string, string?>
    {
        ["Database:ConnectionString"] = connectionString,
        ["Boundaries:LoadOnStart"] = "false", // the runs need no counties to be fired, run and recorded
        ["Scheduling:InstanceId"] = instanceId,
        ["Scheduling:SpikesCron"] = "*/2 * * * * *",
    });

    private static async Task<List<(string Instance, DateTime? ScheduledFor, string Status)>> RunsSinceAsync(string connectionString, DateTime since)
    {
        await using var dataSource = GeoOrsDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT instance_id, scheduled_for, status FROM job_runs WHERE job = 'spikes' AND started_at >= $1 ORDER BY started_at");
        command.Parameters.AddWithValue(since);
        var runs = new List<(string, DateTime?, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1), reader.GetString(2)));
        }

        return runs;
    }

    [Fact]
    public async Task Recurring_spike_job_runs_and_is_recorded()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        var instance = "node-" + Guid.NewGuid().ToString("N")[..6];
        await using var factory = Node(scratch.ConnectionString, instance);
        using var client = factory.CreateClient("admin");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement runs;
        do
        {
            await Task.Delay(500);
            using var response = await client.GetAsync(new Uri("/api/jobs/runs?job=spikes&limit=5", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            runs = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        while (!runs.EnumerateArray().Any(r => r.GetProperty("status").GetString() == "succeeded") && DateTime.UtcNow < deadline);

        var done = runs.EnumerateArray().First(r => r.GetProperty("status").GetString() == "succeeded");
        Assert.Equal(instance, done.GetProperty("instance_id").GetString());
        Assert.Equal(JsonValueKind.String, done.GetProperty("scheduled_for").ValueKind);

        // The firing's analysis run is the schedule's, and succeeded with it.
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT kind, reason, status FROM analysis_runs WHERE id = $1");
        command.Parameters.AddWithValue(done.GetProperty("detail").GetProperty("run_id").GetInt64());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("spikes", "schedule", "succeeded"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Two_servers_on_one_database_run_each_firing_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var a = Node(scratch.ConnectionString, "node-a-" + Guid.NewGuid().ToString("N")[..6]);
        await using var b = Node(scratch.ConnectionString, "node-b-" + Guid.NewGuid().ToString("N")[..6]);
        using var clientA = a.CreateClient("admin");
        using var clientB = b.CreateClient("admin");

        var since = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(20));
        var runs = await RunsSinceAsync(scratch.ConnectionString, since);

        Assert.True(runs.Count >= 3, $"only {runs.Count} runs in 20 s at a 2 s interval");
        var firings = runs.Where(r => r.ScheduledFor is not null).GroupBy(r => r.ScheduledFor!.Value.Ticks / TimeSpan.FromSeconds(2).Ticks).ToList();
        Assert.All(firings, f => Assert.Single(f));
    }

    [Fact]
    public async Task A_server_without_the_scheduler_runs_no_job_and_writes_no_schedule()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var factory = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = scratch.ConnectionString,
            ["Boundaries:LoadOnStart"] = "false",
            ["Scheduling:SpikesCron"] = "*/2 * * * * *",
        });
        using var admin = factory.CreateClient("admin");
        using (var health = await admin.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            using var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.Equal("disabled", report.RootElement.GetProperty("scheduler").GetProperty("status").GetString());
        }

        // It may enqueue (an admin's run), but no Hangfire server of its own takes the job.
        using (var started = await admin.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "spikes" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(3)); // three times the poll interval a server would take it within
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM job_runs), (SELECT count(*) FROM hangfire.server), (SELECT count(*) FROM hangfire.set WHERE key = 'recurring-jobs'),
                   (SELECT count(*) FROM hangfire.job WHERE statename = 'Enqueued')
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((0L, 0L, 0L, 1L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
    }

    [Fact]
    public async Task The_retired_aggregate_job_is_removed_from_the_schedule_at_start()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();

        // A database an earlier version scheduled refresh-aggregates on (at its 5-minute interval).
        var storage = SchedulingSetup.Storage(scratch.ConnectionString, new SchedulingOptions());
        using (var connection = storage.GetConnection())
        using (var write = connection.CreateWriteTransaction())
        {
            write.SetRangeInHash("recurring-job:refresh-aggregates", new Dictionary<string, string>
            {
                ["Job"] = """{"t":"GeoOrs.Server.Analysis.RefreshAggregatesJob, GeoOrs.Server","m":"RunAsync","p":["Hangfire.Server.PerformContext, Hangfire.Core","System.Threading.CancellationToken, System.Private.CoreLib"],"a":[null,null]}""",
                ["Cron"] = "0 */5 * * * *",
                ["TimeZoneId"] = "UTC",
                ["Queue"] = "default",
                ["CreatedAt"] = JobHelper.SerializeDateTime(DateTime.UtcNow),
                ["V"] = "2",
            });
            write.AddToSet("recurring-jobs", "refresh-aggregates", JobHelper.ToTimestamp(DateTime.UtcNow.AddMinutes(5)));
            write.Commit();
        }

        using (var connection = storage.GetConnection())
        {
            Assert.Contains("refresh-aggregates", connection.GetAllItemsFromSet("recurring-jobs"));
        }

        await using var factory = Node(scratch.ConnectionString, "node-" + Guid.NewGuid().ToString("N")[..6]);
        _ = factory.Services;
        using (var connection = storage.GetConnection())
        {
            Assert.DoesNotContain("refresh-aggregates", connection.GetAllItemsFromSet("recurring-jobs"));
            Assert.Null(connection.GetAllEntriesFromHash("recurring-job:refresh-aggregates"));
            Assert.Contains("spikes", connection.GetAllItemsFromSet("recurring-jobs"));
        }

        // The view it refreshed is gone too (migration 0020).
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await using var view = dataSource.CreateCommand("SELECT to_regclass('county_event_totals') IS NULL");
        Assert.True((bool)(await view.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Jobs_runs_limit_out_of_range_is_400()
    {
        await using var factory = new GeoOrsFactory();
        using var client = factory.CreateClient("admin");
        using var response = await client.GetAsync(new Uri("/api/jobs/runs?limit=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
