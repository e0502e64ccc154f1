using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using GeoOrs.Data.Entities;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Synthetic;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Real server processes on one database share Hangfire's schedule and queue: each firing runs once,
/// a run cut short by SIGKILL is finished by another node, a job never runs twice at once, and a large
/// ingest from the command line enqueues a hot spot run that a server takes.
/// </summary>
public class ClusteredJobsTests
{
    /// <summary>February 31st: never.</summary>
    private const string Never = "0 0 31 2 *";

    private static Dictionary<string, string> Node(string connectionString, string id, string hotspotsCron, string spikesCron) => new()
    {
        ["Database__ConnectionString"] = connectionString,
        ["Scheduling__Enabled"] = "true",
        ["Scheduling__InstanceId"] = id,
        ["Scheduling__HotspotsCron"] = hotspotsCron,
        ["Scheduling__EmergingCron"] = Never,
        ["Scheduling__SpikesCron"] = spikesCron,
        ["Scheduling__PollInterval"] = "00:00:01",

        // Shortened so that a crashed node's job comes back within the test; the shipped 5 minutes
        // (renewed every minute while its node lives) are in docs/adr/0013-hangfire-jobs.md.
        ["Scheduling__InvisibilityTimeout"] = "00:00:15",
    };

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Two_server_processes_run_each_spike_firing_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        using var a = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-a", Never, "*/2 * * * * *"));
        using var b = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-b", Never, "*/2 * * * * *"));
        var since = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(20));

        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);

        // One background job per 2-second firing, and one attempt (with one analysis run) per job.
        await using var command = dataSource.CreateCommand("""
            SELECT floor(extract(epoch FROM j.scheduled_for) / 2), count(*), count(DISTINCT split_part(j.fire_id, '#', 1)), count(r.id), string_agg(j.instance_id, ',')
            FROM job_runs j LEFT JOIN analysis_runs r ON r.job_run_id = j.id
            WHERE j.job = 'spikes' AND j.started_at >= $1 AND j.scheduled_for IS NOT NULL
              AND j.scheduled_for < now() - interval '4 seconds' -- a firing still starting has no analysis run yet
            GROUP BY 1 ORDER BY 1
            """);
        command.Parameters.AddWithValue(since);
        var firings = new List<(double Slot, long Runs, long Jobs, long AnalysisRuns, string Instances)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                firings.Add((reader.GetDouble(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
            }
        }

        Assert.True(firings.Count >= 4, $"only {firings.Count} firings in 16 s at a 2 s interval\n{a.Log}\n{b.Log}");
        Assert.All(firings, f => Assert.Equal((1L, 1L, 1L), (f.Runs, f.Jobs, f.AnalysisRuns)));
        await using var status = dataSource.CreateCommand("SELECT count(*) FILTER (WHERE status <> 'succeeded') FROM analysis_runs WHERE kind = 'spikes' AND status <> 'running'");
        Assert.Equal(0L, (long)(await status.ExecuteScalarAsync())!);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_hotspot_run_cut_short_by_a_crash_is_recovered_by_the_other_node()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        using var a = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-a", "*/3 * * * * *", Never));

        // Hold the results table so node A's run stops where it writes its cells, then kill A there.
        await using var holder = await dataSource.OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE hotspot_cells IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var interrupted = await WaitForAsync(dataSource,
            "SELECT r.id FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.kind = 'hotspots' AND r.status = 'running' AND j.instance_id = 'node-a'");
        await Task.Delay(1000); // A is now waiting for the lock inside its run
        a.Crash();
        await transaction.RollbackAsync();

        using var b = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-b", Never, Never));
        var recovered = await WaitForAsync(dataSource,
            "SELECT r.id FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.kind = 'hotspots' AND r.status = 'succeeded' AND r.reason = 'recovery' AND j.instance_id = 'node-b'",
            seconds: 180, log: b);

        await using var check = dataSource.CreateCommand("SELECT status, summary->>'error' FROM analysis_runs WHERE id = $1");
        check.Parameters.AddWithValue(interrupted);
        await using var reader = await check.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("failed", reader.GetString(0));
        Assert.StartsWith("interrupted", reader.GetString(1), StringComparison.Ordinal);
        Assert.True(recovered > interrupted);
        await reader.DisposeAsync();

        // The recovery is a second attempt of the very background job A was running.
        await using var same = dataSource.CreateCommand("""
            SELECT (SELECT split_part(j.fire_id, '#', 1) FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.id = $1)
                 = (SELECT split_part(j.fire_id, '#', 1) FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.id = $2)
            """);
        same.Parameters.AddWithValue(interrupted);
        same.Parameters.AddWithValue(recovered);
        Assert.True((bool)(await same.ExecuteScalarAsync())!);

        // The crashed attempt's job run is failed too; none is left running (the recovery's own job run
        // is closed just after its analysis run, and B may still run A's queued firings: give them time).
        await WaitForAsync(dataSource, "SELECT count(*) FROM job_runs WHERE job = 'hotspots' AND status = 'running' HAVING count(*) = 0", seconds: 180, log: b);
        await using var firings = dataSource.CreateCommand("""
            SELECT (SELECT j.status FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.id = $1),
                   (SELECT j.detail->>'error' FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.id = $1)
            """);
        firings.Parameters.AddWithValue(interrupted);
        await using var states = await firings.ExecuteReaderAsync();
        Assert.True(await states.ReadAsync());
        Assert.Equal("failed", states.GetString(0));
        Assert.StartsWith("interrupted", states.GetString(1), StringComparison.Ordinal);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_job_enqueued_on_two_nodes_never_runs_twice_at_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        using var a = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-a", Never, Never));
        using var b = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-b", Never, Never));
        await using var db = GeoOrsDbContext.Create(dataSource);
        var key = (await ApiKeys.CreateAsync(db, "admin", "GeoOrs Tests")).Key;

        // The first run waits where it writes its cells; meanwhile the second is enqueued on the other node.
        await using var holder = await dataSource.OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE hotspot_cells IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        foreach (var node in new[] { a, b })
        {
            using var client = new HttpClient { BaseAddress = node.BaseAddress };
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            using var started = await client.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "hotspots" });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        await WaitForAsync(dataSource, "SELECT id FROM analysis_runs WHERE kind = 'hotspots' AND status = 'running'", log: a);

        // Both jobs are taken (each node has idle workers); only one has started its run.
        await WaitForAsync(dataSource, "SELECT count(*) FROM hangfire.job WHERE statename = 'Processing' HAVING count(*) = 2", log: b);
        await Task.Delay(TimeSpan.FromSeconds(5));
        await using (var running = dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM analysis_runs WHERE kind = 'hotspots'), (SELECT count(*) FROM job_runs WHERE job = 'hotspots' AND status = 'running')"))
        await using (var counts = await running.ExecuteReaderAsync())
        {
            Assert.True(await counts.ReadAsync());
            Assert.Equal((1L, 1L), (counts.GetInt64(0), counts.GetInt64(1)));
        }

        await transaction.RollbackAsync();
        await WaitForAsync(dataSource, "SELECT count(*) FROM analysis_runs WHERE kind = 'hotspots' AND status = 'succeeded' HAVING count(*) = 2", seconds: 180, log: b);

        // The second started after the first had finished; both finished as themselves.
        await using var order = dataSource.CreateCommand("""
            SELECT bool_and(status = 'succeeded'), (array_agg(finished_at ORDER BY id))[1] <= (array_agg(started_at ORDER BY id))[2]
            FROM analysis_runs WHERE kind = 'hotspots'
            """);
        await using var result = await order.ExecuteReaderAsync();
        Assert.True(await result.ReadAsync());
        Assert.True(result.GetBoolean(0));
        Assert.True(result.GetBoolean(1), "the second hot spot run started before the first finished");
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_large_ingest_from_the_command_line_enqueues_a_hotspot_run_that_a_server_takes()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        using var server = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-a", Never, Never));
        var dir = Directory.CreateTempSubdirectory("jobs-cli-ingest-");
        try
        {
            var end = new DateOnly(2025, 3, 31);
            await using (var overdoses = new StreamWriter(Path.Combine(dir.FullName, "overdoses.csv")))
            await using (var seizures = new StreamWriter(Path.Combine(dir.FullName, "seizures.csv")))
            {
                SyntheticEvents.Generate(new SyntheticOptions
                {
                    Overdoses = 400, Seizures = 0, Seed = 11, Start = end.AddDays(-60), End = end, Spikes = 0, Hotspots = 0,
                    ShapefilesDirectory = PostGis.Shapefiles,
                }, overdoses, seizures);
            }

            var (exit, output) = await ServerProcess.RunCommandAsync(["ingest", "overdoses", Path.Combine(dir.FullName, "overdoses.csv")], new Dictionary<string, string>
            {
                ["GEOORS_DB"] = scratch.ConnectionString,
                ["Analysis__LargeIngestEvents"] = "100",
            });
            Assert.True(exit == 0, output);
            Assert.Contains("hot spot run enqueued", output, StringComparison.Ordinal);

            var run = await WaitForAsync(dataSource,
                "SELECT r.id FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.kind = 'hotspots' AND r.reason = 'ingest' AND r.status = 'succeeded' AND j.instance_id = 'node-a'",
                seconds: 180, log: server);
            Assert.True(run > 0);

            // A small one does not.
            var (smallExit, smallOutput) = await ServerProcess.RunCommandAsync(["ingest", "overdoses", Path.Combine(dir.FullName, "overdoses.csv"), "--agency", "Other"], new Dictionary<string, string>
            {
                ["GEOORS_DB"] = scratch.ConnectionString,
                ["Analysis__LargeIngestEvents"] = "1000",
            });
            Assert.True(smallExit == 0, smallOutput);
            Assert.DoesNotContain("enqueued", smallOutput, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<long> WaitForAsync(NpgsqlDataSource dataSource, string sql, int seconds = 90, ServerProcess? log = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = dataSource.CreateCommand(sql);
            if (await command.ExecuteScalarAsync() is long id)
            {
                return id;
            }

            await Task.Delay(250);
        }

        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"nothing matched within {seconds} s: {sql}\n{log?.Log}"));
        return 0;
    }
}
