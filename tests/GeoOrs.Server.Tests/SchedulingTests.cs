using GeoOrs.Data;
using System.Net;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

public class SchedulingTests
{
    private static async Task<List<(string Instance, DateTime? ScheduledFor, string Status)>> RunsSinceAsync(DateTime since)
    {
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT instance_id, scheduled_for, status FROM job_runs WHERE job = 'refresh-aggregates' AND started_at >= $1 ORDER BY started_at");
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
    public async Task Recurring_aggregate_job_runs_and_is_recorded()
    {
        await using var factory = new GeoOrsFactory();
        using var client = factory.CreateClient("admin");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement runs;
        do
        {
            await Task.Delay(500);
            using var response = await client.GetAsync(new Uri("/api/jobs/runs?job=refresh-aggregates&limit=5", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            runs = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        while (!runs.EnumerateArray().Any(r => r.GetProperty("status").GetString() == "succeeded") && DateTime.UtcNow < deadline);

        var done = runs.EnumerateArray().First(r => r.GetProperty("status").GetString() == "succeeded");
        Assert.Equal(3220, done.GetProperty("detail").GetProperty("counties").GetInt64());
        Assert.False(string.IsNullOrEmpty(done.GetProperty("instance_id").GetString()));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Two_servers_on_one_database_run_each_firing_once()
    {
        var since = DateTime.UtcNow;
        await using var a = new GeoOrsFactory(new Dictionary<string, string?> { ["Scheduling:InstanceId"] = "node-a-" + Guid.NewGuid().ToString("N")[..6] });
        await using var b = new GeoOrsFactory(new Dictionary<string, string?> { ["Scheduling:InstanceId"] = "node-b-" + Guid.NewGuid().ToString("N")[..6] });
        using var clientA = a.CreateClient("admin");
        using var clientB = b.CreateClient("admin");

        await Task.Delay(TimeSpan.FromSeconds(20));
        var runs = await RunsSinceAsync(since);

        Assert.True(runs.Count >= 3, $"only {runs.Count} runs in 20 s at a 2 s interval");
        var firings = runs.Where(r => r.ScheduledFor is not null).GroupBy(r => r.ScheduledFor!.Value.Ticks / TimeSpan.FromSeconds(2).Ticks).ToList();
        Assert.All(firings, f => Assert.Single(f));
    }

    [Fact]
    public async Task Jobs_runs_limit_out_of_range_is_400()
    {
        await using var factory = new GeoOrsFactory(new Dictionary<string, string?> { ["Scheduling:Enabled"] = "false" });
        using var client = factory.CreateClient("admin");
        using var response = await client.GetAsync(new Uri("/api/jobs/runs?limit=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
