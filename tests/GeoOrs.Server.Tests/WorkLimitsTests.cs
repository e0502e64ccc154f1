using GeoOrs.Data.Entities;
using GeoOrs.Data;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GeoOrs.Data.Access;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The real server on a real socket, against work that would run for minutes: a client that goes
/// away stops its analysis's computing and its planner's PostgreSQL statement, and SIGTERM ends the
/// server within five seconds while an analysis runs.
/// </summary>
public sealed class WorkLimitsTests
{
    /// <summary>
    /// 5,000 points with their 200 nearest neighbours and 9,999 permutations of local Moran's I: some
    /// 10¹⁰ steps, minutes of one core (the caps that would refuse it are lifted for these servers).
    /// </summary>
    private static string LongAnalysis()
    {
        var random = new Random(5);
        var features = new JsonArray();
        for (var i = 0; i < 5000; i++)
        {
            features.Add(new JsonObject
            {
                ["type"] = "Feature",
                ["geometry"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(Math.Round(-80 + random.NextDouble(), 5), Math.Round(40 + random.NextDouble(), 5)) },
                ["properties"] = new JsonObject { ["n"] = random.Next(20) },
            });
        }

        return new JsonObject
        {
            ["method"] = "local_moran", ["field"] = "n", ["permutations"] = 9999,
            ["weights"] = new JsonObject { ["type"] = "knn", ["k"] = 200 },
            ["features"] = new JsonObject { ["type"] = "FeatureCollection", ["features"] = features },
        }.ToJsonString();
    }

    private static readonly Dictionary<string, string> LiftedCaps = new()
    {
        ["Limits__MaxAnalysisWork"] = "1000000000000",
        ["Limits__ComputeTimeout"] = "00:10:00",
        ["Limits__MaxGridCells"] = "1000000000",
        ["Limits__MaxPlannerAreaKm2"] = "100000000",
        ["Database__StatementTimeouts__Planning"] = "00:10:00",

        // No collection after the expensive requests: its CPU would be counted as the analysis's.
        ["Limits__TrimAfter"] = "00:00:00",
    };

    private static async Task<string> AnalystKeyAsync()
    {
        await PostGis.DataSourceAsync();
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var db = GeoOrsDbContext.Create(dataSource);
        return (await ApiKeys.CreateAsync(db, "analyst", "GeoOrs Tests")).Key;
    }

    private static HttpClient Client(ServerProcess server, string key)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    /// <summary>Waits until the server has computed for a second (its CPU time grew by one second), so the work is surely under way.</summary>
    private static async Task WaitComputingAsync(ServerProcess server, Task request)
    {
        var start = Cpu(server.Process);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Cpu(server.Process) - start < TimeSpan.FromSeconds(1))
        {
            Assert.False(request.IsCompleted, "the request ended before the work began");
            Assert.True(DateTime.UtcNow < deadline, $"the server did not start computing:\n{server.Log}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(100);
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_client_that_leaves_stops_its_analysis_computing()
    {
        var key = await AnalystKeyAsync();
        using var server = await ServerProcess.StartAsync(settings: LiftedCaps);
        using var client = Client(server, key);
        using var leave = new CancellationTokenSource();
        var request = client.PostAsync(new Uri("/api/analysis/hotspots", UriKind.Relative), Json(LongAnalysis()), leave.Token);
        await WaitComputingAsync(server, request);

        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        // The handler sees the client go and says so, and the CPU work stops.
        await WaitUntilAsync(() => Task.FromResult(server.Log.Contains("the analysis stopped after", StringComparison.Ordinal)), TimeSpan.FromSeconds(15),
            $"the server did not log that the analysis stopped:\n{server.Log}");
        // An analysis still computing keeps a core busy in every window; the cancelled one's last
        // chunk and the collection of its memory may take a moment, so five windows are allowed.
        var windows = new List<double>();
        for (var window = 0; window < 5; window++)
        {
            var before = Cpu(server.Process);
            await Task.Delay(TimeSpan.FromSeconds(3));
            windows.Add((Cpu(server.Process) - before).TotalSeconds);
            if (windows[^1] < 0.75)
            {
                break;
            }
        }

        Assert.True(windows[^1] < 0.75,
            $"the server kept computing after the client left: {string.Join(", ", windows.Select(w => w.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s of CPU in successive 3 s windows");

        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_client_that_leaves_cancels_its_planners_statement_in_postgresql()
    {
        var key = await AnalystKeyAsync();
        var application = "geoors-cancel-" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string>(LiftedCaps)
        {
            ["Database__ConnectionString"] = new NpgsqlConnectionStringBuilder(PostGis.ConnectionString) { ApplicationName = application }.ConnectionString,
        };
        using var server = await ServerProcess.StartAsync(settings: settings);
        using var client = Client(server, key);
        await using var db = GeoOrsDataSource.Create(PostGis.ConnectionString);
        async Task<long> RunningAsync()
        {
            await using var command = db.CreateCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%ST_SquareGrid%'");
            command.Parameters.AddWithValue(application + ":planning");
            return (long)(await command.ExecuteScalarAsync())!;
        }

        // A 100 m grid over five degrees by four: some 20 million cells, minutes of PostgreSQL's time.
        var plan = """
            {"area": {"geometry": {"type": "Polygon", "coordinates": [[[-100, 35], [-95, 35], [-95, 39], [-100, 39], [-100, 35]]]}},
             "candidates": {"grid": 100}, "k": 5, "radiusMeters": 800}
            """;
        using var leave = new CancellationTokenSource();
        var request = client.PostAsync(new Uri("/api/planning/naloxone", UriKind.Relative), Json(plan), leave.Token);
        await WaitUntilAsync(async () =>
        {
            Assert.False(request.IsCompleted, "the plan ended before its grid query ran");
            return await RunningAsync() == 1;
        }, TimeSpan.FromSeconds(60), $"the planner's grid query never ran:\n{server.Log}");

        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await WaitUntilAsync(async () => await RunningAsync() == 0, TimeSpan.FromSeconds(45), "the grid query kept running after the client left");
    }

    [Fact]
    public async Task Sigterm_stops_the_server_within_five_seconds_while_an_analysis_runs()
    {
        var key = await AnalystKeyAsync();
        using var server = await ServerProcess.StartAsync(settings: LiftedCaps);
        using var client = Client(server, key);
        var request = client.PostAsync(new Uri("/api/analysis/hotspots", UriKind.Relative), Json(LongAnalysis()));
        await WaitComputingAsync(server, request);

        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", server.Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await server.Process.WaitForExitAsync(limit.Token);
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the server took {clock.Elapsed.TotalSeconds:0.0} s to stop:\n{server.Log}");

        // The analysis was told the server is stopping (or its connection closed with the server): never a 500.
        try
        {
            using var response = await request;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
        catch (HttpRequestException)
        {
        }
    }
}
