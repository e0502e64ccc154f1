using GeoOrs.Data;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>Two real server processes on one database share the analysis schedule: each firing runs once, and a crashed run is recovered.</summary>
public class ClusteredJobsTests
{
    private static Dictionary<string, string> Node(string connectionString, string id, string hotspotsCron, string spikesCron) => new()
    {
        ["Database__ConnectionString"] = connectionString,
        ["Scheduling__Enabled"] = "true",
        ["Scheduling__InstanceId"] = id,
        ["Scheduling__AggregateRefreshInterval"] = "1.00:00:00",
        ["Scheduling__HotspotsCron"] = hotspotsCron,
        ["Scheduling__EmergingCron"] = "0 0 0 1 1 ? 2099",
        ["Scheduling__SpikesCron"] = spikesCron,
    };

    private const string Never = "0 0 0 1 1 ? 2099";

    [Fact]
    public async Task Two_server_processes_run_each_spike_firing_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        using var a = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-a", Never, "0/2 * * * * ?"));
        using var b = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-b", Never, "0/2 * * * * ?"));
        var since = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(18));

        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT j.scheduled_for, count(*), count(r.id), string_agg(j.instance_id, ',')
            FROM job_runs j LEFT JOIN analysis_runs r ON r.job_run_id = j.id
            WHERE j.job = 'spikes' AND j.started_at >= $1 AND j.scheduled_for IS NOT NULL
              AND j.scheduled_for < now() - interval '3 seconds' -- a firing still starting has no analysis run yet
            GROUP BY j.scheduled_for ORDER BY 1
            """);
        command.Parameters.AddWithValue(since);
        var firings = new List<(DateTime At, long Runs, long AnalysisRuns, string Instances)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                firings.Add((reader.GetDateTime(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
            }
        }

        Assert.True(firings.Count >= 5, $"only {firings.Count} firings in 15 s at a 2 s interval\n{a.Log}\n{b.Log}");
        Assert.All(firings, f => Assert.Equal((1L, 1L), (f.Runs, f.AnalysisRuns)));
        await using var status = dataSource.CreateCommand("SELECT count(*) FILTER (WHERE status <> 'succeeded') FROM analysis_runs WHERE kind = 'spikes' AND status <> 'running'");
        Assert.Equal(0L, (long)(await status.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_hotspot_run_cut_short_by_a_crash_is_recovered_by_the_other_node()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        using var a = await ServerProcess.StartAsync(settings: Node(scratch.ConnectionString, "node-a", "0/3 * * * * ?", Never));

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
            seconds: 120, log: b);

        await using var check = dataSource.CreateCommand("SELECT status, summary->>'error' FROM analysis_runs WHERE id = $1");
        check.Parameters.AddWithValue(interrupted);
        await using var reader = await check.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("failed", reader.GetString(0));
        Assert.StartsWith("interrupted", reader.GetString(1), StringComparison.Ordinal);
        Assert.True(recovered > interrupted);
        await reader.DisposeAsync();

        // The crashed firing's job run is failed too; none is left running (the recovery's own job run
        // is closed just after its analysis run, so give it a moment).
        await WaitForAsync(dataSource, "SELECT count(*) FROM job_runs WHERE job = 'hotspots' AND status = 'running' HAVING count(*) = 0", seconds: 30, log: b);
        await using var firings = dataSource.CreateCommand("""
            SELECT (SELECT j.status FROM analysis_runs r JOIN job_runs j ON j.id = r.job_run_id WHERE r.id = $1),
                   (SELECT count(*) FROM job_runs WHERE job = 'hotspots' AND status = 'running')
            """);
        firings.Parameters.AddWithValue(interrupted);
        await using var states = await firings.ExecuteReaderAsync();
        Assert.True(await states.ReadAsync());
        Assert.Equal(("failed", 0L), (states.GetString(0), states.GetInt64(1)));
    }

    private static async Task<long> WaitForAsync(NpgsqlDataSource dataSource, string sql, int seconds = 60, ServerProcess? log = null)
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

        Assert.Fail($"nothing matched within {seconds} s: {sql}\n{log?.Log}");
        return 0;
    }
}
