using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Migrations;
using GeoOrs.Data.Status;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A small embedded cluster of its own and a hot standby of it, made by the script
/// (<c>./geoors db start</c>, <c>./geoors db replica start</c>) in a temporary GEOORS_STATE: migrated,
/// with the repository's boundaries, and an analyst key of agency <see cref="Agency"/>. Stopped and
/// deleted at the end.
/// </summary>
public sealed class ReplicaCluster : IAsyncLifetime
{
    public const string Agency = "replica-tests";

    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("geoors-replica-");

    public string Primary { get; private set; } = "";

    public string Replica { get; private set; } = "";

    public string Key { get; private set; } = "";

    public string ReplicaData => Path.Combine(_state.FullName, "replica", "data");

    public async Task InitializeAsync()
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_state.FullName, (UnixFileMode)0b111_101_101); // reachable by the cluster's owner
        }

        await ScriptAsync("db", "start");
        await ScriptAsync("db", "replica", "start");
        Primary = (await ScriptAsync("db", "url")).Trim();
        Replica = (await ScriptAsync("db", "replica", "url")).Trim();
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(Primary).Port, new NpgsqlConnectionStringBuilder(Replica).Port);

        await using var dataSource = GeoOrsDataSource.Create(Primary);
        await Migrator.MigrateAsync(dataSource);
        await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);
        await using var db = GeoOrsDbContext.Create(dataSource);
        Key = (await ApiKeys.CreateAsync(db, "analyst", Agency, "replica tests")).Key;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await ScriptAsync("db", "stop"); // the replica, then the primary
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            _state.Delete(recursive: true);
        }
    }

    /// <summary>The settings of a server on the primary that reads from the standby.</summary>
    public Dictionary<string, string> ServerSettings() => new()
    {
        ["GEOORS_DB"] = Primary,
        ["Database__ReadConnectionString"] = Replica,
        ["Database__ReplicaMaxLag"] = "00:00:01",
        ["Http__PublicPermitsPerMinute"] = "100000", // every client of the test shares one address
    };

    /// <summary>Runs <c>./geoors ARGS</c> on this cluster; its standard output.</summary>
    public async Task<string> ScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(PostGis.RepoRoot, "geoors"), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["GEOORS_STATE"] = _state.FullName;
        info.Environment.Remove("GEOORS_DB");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"./geoors {string.Join(' ', args)} exited with {process.ExitCode}: {await errors}");
        return await output;
    }

    /// <summary>One value from the standby.</summary>
    public async Task<T> OnReplicaAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Replica) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() is T value ? value : default!;
    }

    /// <summary>Stops the standby at once, as a crash would (<c>pg_ctl stop -m immediate</c>), as the cluster's owner.</summary>
    public async Task CrashReplicaAsync()
    {
        var pgCtl = Directory.GetFiles("/usr/lib/postgresql", "pg_ctl", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Last();
        ProcessStartInfo info = Environment.UserName == "root"
            ? new("runuser", ["-u", "geoors", "--", pgCtl, "-D", ReplicaData, "-m", "immediate", "stop"])
            : new(pgCtl, ["-D", ReplicaData, "-m", "immediate", "stop"]);
        info.WorkingDirectory = "/";
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_ctl stop -m immediate failed: {await errors}");
    }
}

/// <summary>
/// Reads from a streaming hot standby (docs/adr/0026-read-replica.md), with a real primary and
/// standby: reads go to the standby while it holds every change the server knows of, and to the
/// primary when it does not (a new figure or tile is never served from a standby that has not
/// replayed it); a client that sends back the commit position of its write reads it on another
/// server at once; a lagging or lost standby leaves <c>/health</c> at 200 and says so; and a standby
/// stopped under load costs no request a 5xx.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ReadReplicaTests(ReplicaCluster cluster) : IClassFixture<ReplicaCluster>
{
    private const string Window = "from=2020-01-01&to=2020-12-31";

    /// <summary>Baltimore City, and the z6 tile of the county layer that holds it.</summary>
    private const string County = "24510";
    private const string Tile = "/tiles/counties/6/18/24.mvt?" + Window;
    private const string Area = "/api/areas/county/" + County + "?" + Window;

    private static int _events;

    [Fact]
    public async Task A_new_figure_and_tile_come_from_the_primary_while_the_standby_has_not_replayed_them_and_from_the_standby_once_it_has()
    {
        using var server = await ServerProcess.StartAsync(settings: cluster.ServerSettings());
        using var client = Client(server);
        await WaitReplicaAsync(client, "ok");

        // The standby takes the reads: the areas pool has a session there.
        var before = await OverdosesAsync(client, Area);
        Assert.True(await ReplicaSessionsAsync("areas") > 0, "no area read went to the replica");
        var (_, oldTag) = await TileAsync(client, Tile);

        await cluster.OnReplicaAsync<int>("SELECT 1 FROM pg_wal_replay_pause()");
        try
        {
            var commit = await PostEventAsync(client);
            Assert.True(await ReplayedAsync() < commit, "the standby replayed the write while paused");
            Assert.Equal(before, await cluster.OnReplicaAsync<long>($"SELECT count(*) FROM overdose_events WHERE county_fips = '{County}'"));

            // The server knows the new version; the standby has not replayed it: the primary answers.
            Assert.Equal(before + 1, await OverdosesAsync(client, Area));
            var (status, newTag) = await TileAsync(client, Tile, oldTag);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.NotEqual(oldTag, newTag);
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(before + 1, await OverdosesAsync(client, Area));
                Assert.Equal(newTag, (await TileAsync(client, Tile)).ETag);
            }

            // More than Database:ReplicaMaxLag (1 s) behind: lagging, and the server is still healthy.
            var health = await WaitReplicaAsync(client, "lagging");
            Assert.Equal("healthy", health.GetProperty("status").GetString());
            Assert.True(health.GetProperty("replica").GetProperty("lag_milliseconds").GetInt64() >= 1000); // more than 1 s, in whole milliseconds
        }
        finally
        {
            await cluster.OnReplicaAsync<int>("SELECT 1 FROM pg_wal_replay_resume()");
        }

        // Caught up: the standby answers again, with the new figure.
        await WaitReplicaAsync(client, "ok");
        var last = await LastReplicaReadAsync("areas");
        Assert.Equal(before + 1, await OverdosesAsync(client, Area));
        Assert.True(await LastReplicaReadAsync("areas") > last, "the area read did not go to the replica once it had caught up");
    }

    [Fact]
    public async Task A_client_that_sends_back_its_commit_position_reads_its_write_on_another_server_at_once()
    {
        // The second server reaches the primary through a relay that can hold back what the primary
        // sends: its notifications of the first server's writes then come late, as over a slow network.
        var primary = new NpgsqlConnectionStringBuilder(cluster.Primary);
        await using var relay = TcpProxy.Start(primary.Host!, primary.Port);
        var slow = cluster.ServerSettings();
        slow["GEOORS_DB"] = new NpgsqlConnectionStringBuilder(cluster.Primary) { Host = "127.0.0.1", Port = relay.Port }.ConnectionString;
        using var first = await ServerProcess.StartAsync(settings: cluster.ServerSettings());
        using var second = await ServerProcess.StartAsync(settings: slow);
        using var writer = Client(first);
        using var reader = Client(second);
        await WaitReplicaAsync(reader, "ok");

        // The second server has the tile in its cache, and the standby stops replaying: neither may
        // answer a read that carries the position of a later write.
        var count = await OverdosesAsync(reader, Area);
        var (_, tag) = await TileAsync(reader, Tile);
        Assert.Equal(tag, (await TileAsync(reader, Tile)).ETag);
        await cluster.OnReplicaAsync<int>("SELECT 1 FROM pg_wal_replay_pause()");
        try
        {
            for (var round = 0; round < 2; round++)
            {
                relay.Hold(); // the second server hears nothing from the primary for now
                using var posted = await PostEventResponseAsync(writer);
                var token = posted.Headers.GetValues(ReadDatabase.CommitHeader).Single();
                count++;

                // On the other server: neither its cache nor the standby has the write, so the
                // answers wait for the primary.
                var area = OverdosesAsync(reader, Area, (ReadDatabase.ReadAfterHeader, token));
                var tile = TileAsync(reader, Tile, tag, (ReadDatabase.ReadAfterHeader, token));
                await Task.Delay(TimeSpan.FromSeconds(1));
                relay.Release();
                Assert.Equal(count, await area);
                var (status, newTag) = await tile;
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.NotEqual(tag, newTag);
                tag = newTag;
            }

            // A position from the public counts for nothing (it writes nothing), and one that is not a position is ignored.
            using var anonymous = new HttpClient { BaseAddress = second.BaseAddress };
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Tile, UriKind.Relative));
            request.Headers.Add(ReadDatabase.ReadAfterHeader, "not-a-position");
            using var response = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            relay.Release();
            await cluster.OnReplicaAsync<int>("SELECT 1 FROM pg_wal_replay_resume()");
        }
    }

    [Fact]
    public async Task A_standby_stopped_mid_load_moves_reads_to_the_primary_without_a_5xx_and_is_used_again_once_restarted()
    {
        using var server = await ServerProcess.StartAsync(settings: cluster.ServerSettings());
        using var client = Client(server);
        await WaitReplicaAsync(client, "ok");
        string[] urls =
        [
            "/tiles/counties/6/18/24.mvt?from=2020-01-{0:00}&to=2020-12-31", "/tiles/states/4/4/6.mvt?from=2020-02-{0:00}&to=2020-12-31",
            "/tiles/counties/6/18/24.png?from=2020-03-{0:00}&to=2020-12-31", "/ogc/collections/counties/items?limit=3&offset={0}",
            "/ogc/collections/county-aggregates/items?from=2020-01-{0:00}&to=2020-12-31&limit=5", "/api/areas/county/24510?from=2020-04-{0:00}&to=2020-12-31",
            "/api/alerts?limit={0}",
        ];

        var clock = Stopwatch.StartNew();
        var stopped = TimeSpan.MaxValue;
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
        {
            var seen = new List<(string Url, HttpStatusCode Status, TimeSpan At, string Body)>();
            for (var round = 0; clock.Elapsed < TimeSpan.FromSeconds(6); round++)
            {
                // A new window each time: answers are made, not taken from the cache.
                var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, urls[(worker + round) % urls.Length], 1 + ((round * 4) + worker) % 28);
                using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
                seen.Add((url, response.StatusCode, clock.Elapsed, (int)response.StatusCode >= 500 ? await response.Content.ReadAsStringAsync() : ""));
            }

            return seen;
        }));

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(await ReplicaSessionsAsync("tiles") > 0, "no tile read went to the replica before it stopped");
        await cluster.CrashReplicaAsync();
        stopped = clock.Elapsed;
        var answers = (await load).SelectMany(a => a).ToList();

        var failures = answers.Where(a => (int)a.Status >= 500).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10).Select(f => $"{(int)f.Status} {f.Url} at {f.At}: {f.Body}")) + "\n" + server.Log);
        Assert.True(answers.Count(a => a.At > stopped) >= 20, $"only {answers.Count(a => a.At > stopped)} answers after the replica stopped");
        var health = await WaitReplicaAsync(client, "lost");
        Assert.Equal("healthy", health.GetProperty("status").GetString());

        // Started again by the script: it catches up through its slot and takes reads again.
        await cluster.ScriptAsync("db", "replica", "start");
        await WaitReplicaAsync(client, "ok");
        var last = await LastReplicaReadAsync("areas");
        await OverdosesAsync(client, Area);
        Assert.True(await LastReplicaReadAsync("areas") > last, "the area read did not go to the replica once it was back");
    }

    private HttpClient Client(ServerProcess server)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", cluster.Key);
        return client;
    }

    /// <summary>Waits until <c>/health</c> (200) says the replica is <paramref name="status"/>; the report.</summary>
    private static async Task<JsonElement> WaitReplicaAsync(HttpClient client, string status)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
            last = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, last);
            var report = JsonDocument.Parse(last).RootElement.Clone();
            if (report.GetProperty("replica").GetProperty("status").GetString() == status)
            {
                return report;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the replica never became {status}: {last}");
        return default;
    }

    private static async Task<long> OverdosesAsync(HttpClient client, string url, (string Name, string Value)? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (header is { } h)
        {
            request.Headers.Add(h.Name, h.Value);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("measures").GetProperty("overdoses").GetInt64();
    }

    private static async Task<(HttpStatusCode Status, string ETag)> TileAsync(HttpClient client, string url, string? ifNoneMatch = null, (string Name, string Value)? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(ifNoneMatch));
        }

        if (header is { } h)
        {
            request.Headers.Add(h.Name, h.Value);
        }

        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotModified, $"{(int)response.StatusCode} {url}");
        return (response.StatusCode, response.Headers.ETag!.Tag);
    }

    /// <summary>Stores one fatal overdose in Baltimore City on a day of the window; the commit position the answer carries.</summary>
    private static async Task<ulong> PostEventAsync(HttpClient client)
    {
        using var response = await PostEventResponseAsync(client);
        Assert.True(WalPositions.TryParse(response.Headers.GetValues(ReadDatabase.CommitHeader).Single(), out var lsn));
        return lsn;
    }

    private static async Task<HttpResponseMessage> PostEventResponseAsync(HttpClient client)
    {
        var id = $"replica-{Interlocked.Increment(ref _events)}-{Guid.NewGuid():N}";
        var body = $$"""{"external_id": "{{id}}", "occurred_at": "2020-06-15T17:30:00Z", "lat": 39.2904, "lon": -76.6122, "location_precision": "exact", "fatal": true}""";
        var response = await client.PostAsync(new Uri("/api/ingest/overdoses/event", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response;
    }

    private async Task<ulong> ReplayedAsync() =>
        WalPositions.TryParse(await cluster.OnReplicaAsync<string>("SELECT pg_last_wal_replay_lsn()::text"), out var lsn) ? lsn : 0;

    /// <summary>The server's sessions on the standby for a request class (its pool keeps them open).</summary>
    private Task<long> ReplicaSessionsAsync(string requestClass) =>
        cluster.OnReplicaAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'geoors@replica:{requestClass}'");

    /// <summary>When a session of the class last changed state on the standby: it moves on with each read there.</summary>
    private async Task<DateTime> LastReplicaReadAsync(string requestClass) =>
        await cluster.OnReplicaAsync<DateTime>($"SELECT coalesce(max(state_change), '-infinity') FROM pg_stat_activity WHERE application_name = 'geoors@replica:{requestClass}'");
}
