using GeoOrs.Data;
using System.Diagnostics;
using System.Globalization;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary><c>serve --demo</c> loads the real Tempe and Allegheny files and a synthetic set, once.</summary>
public class DemoLoaderTests
{
    private static async Task<List<(string Sender, int Accepted, int Rejected)>> DemoBatchesAsync(string connectionString)
    {
        await using var dataSource = GeoOrsDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT sender, accepted, rejected FROM ingest_batches WHERE sender LIKE 'demo:%' AND status = 'committed' ORDER BY id");
        var batches = new List<(string, int, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            batches.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
        }

        return batches;
    }

    private static GeoOrsFactory DemoServer(string connectionString) => new(new Dictionary<string, string?>
    {
        ["Database:ConnectionString"] = connectionString,
        ["Demo:Enabled"] = "true",
        ["Demo:SyntheticOverdoses"] = "3000",
        ["Demo:SyntheticSeizures"] = "300",
    });

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Demo_loads_real_and_synthetic_files_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        List<(string Sender, int Accepted, int Rejected)> batches = [];
        await using (var first = DemoServer(scratch.ConnectionString))
        {
            using var client = first.CreateClient("admin");
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (batches.Count < 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                batches = await DemoBatchesAsync(scratch.ConnectionString);
            }
        }

        Assert.Equal(["demo:tempe", "demo:allegheny", "demo:synthetic-overdoses", "demo:synthetic-seizures"], batches.Select(b => b.Sender));
        Assert.Equal(2743, batches[0].Accepted + batches[0].Rejected);
        Assert.Equal(7176, batches[1].Accepted);
        Assert.Equal(3000, batches[2].Accepted);
        Assert.Equal(300, batches[3].Accepted);

        await using (var second = DemoServer(scratch.ConnectionString))
        {
            using var client = second.CreateClient("admin");
            await Task.Delay(3000);
        }

        Assert.Equal(4, (await DemoBatchesAsync(scratch.ConnectionString)).Count);
    }

    /// <param name="phase">
    /// <c>generating</c>: SIGTERM while the synthetic set is being generated; <c>ingesting</c>: while
    /// its overdoses are being copied into the database.
    /// </param>
    [Trait("Category", "Slow")]
    [Theory]
    [InlineData("generating")]
    [InlineData("ingesting")]
    public async Task Sigterm_while_the_demo_loads_stops_quietly_and_leaves_nothing_half_done(string phase)
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        using var server = await ServerProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Database__ConnectionString"] = scratch.ConnectionString,
            ["Scheduling__Enabled"] = "true", // as ./geoors serve --demo runs: Hangfire's server stops with it
            ["Demo__Enabled"] = "true",
        });

        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (!(phase == "generating"
            ? server.Log.Contains("Demo: generating", StringComparison.Ordinal)
            : await CountAsync(dataSource, "SELECT count(*) FROM ingest_batches WHERE sender = 'demo:synthetic-overdoses' AND status = 'running'") > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the demo never reached {phase}:\n{server.Log}");
            await Task.Delay(50);
        }

        var before = server.Log.Length;
        using (var kill = Process.Start("kill", ["-TERM", server.Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await server.Process.WaitForExitAsync(limit.Token);
        }

        // Quiet: a clean exit, and nothing logged from the stop on but information.
        var stop = server.Log[before..];
        Assert.True(server.Process.ExitCode == 0, $"exit code {server.Process.ExitCode}:\n{stop}");
        Assert.Contains("Demo: loading stopped with the server", stop, StringComparison.Ordinal);
        foreach (var level in new[] { "warn:", "fail:", "crit:", "Exception" })
        {
            Assert.False(stop.Contains(level, StringComparison.Ordinal), $"the stop logged '{level}':\n{stop}");
        }

        // Clean: no batch or job left running, the demo's synthetic set not committed (it loads again at
        // the next start), and Hangfire's server gone from the cluster rather than left to time out.
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM ingest_batches WHERE status = 'running'"));
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM ingest_batches WHERE sender = 'demo:synthetic-overdoses' AND status = 'committed'"));
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM job_runs WHERE status = 'running'"));
        Assert.Equal(0, await CountAsync(dataSource, "SELECT count(*) FROM hangfire.server"));
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
