using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A database that answers slowly, made so by a lock the test holds on <c>tile_shapes</c> (every area
/// tile reads it): tile requests end at their statement timeout or, when their pool has no connection
/// free, at the connection timeout, with 503 and <c>Retry-After</c>; no more tile statements run than
/// the pool has connections; routes that read other tables through other pools stay responsive; and
/// once the lock goes, tiles are served again. The lock would stall other tests' tiles, so these run
/// alone.
/// </summary>
[Collection(Alone)]
public sealed class SlowDatabaseTests
{
    /// <summary>The collection of tests that lock tables other tests read.</summary>
    public const string Alone = "slow database, alone";

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>A connection string whose pools (one per request class) hold at most <paramref name="pool"/> connections and wait <paramref name="wait"/> s for one.</summary>
    private static string Pooled(string application, int pool, int wait) => new NpgsqlConnectionStringBuilder(PostGis.ConnectionString)
    {
        ApplicationName = application,
        MaxPoolSize = pool,
        Timeout = wait,
    }.ConnectionString;

    private static async Task<(HttpStatusCode Status, string? RetryAfter, string? Title, TimeSpan Took)> GetAsync(HttpClient client, string url)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        string? title = null;
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true && text.Length > 0)
        {
            using var body = JsonDocument.Parse(text);
            title = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
        }

        return (response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), title, clock.Elapsed);
    }

    /// <summary>A transaction on a connection of its own that holds <c>tile_shapes</c> in ACCESS EXCLUSIVE mode until disposed.</summary>
    private static async Task<NpgsqlConnection> LockTileShapesAsync()
    {
        var connection = new NpgsqlConnection(PostGis.ConnectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("BEGIN; LOCK TABLE tile_shapes IN ACCESS EXCLUSIVE MODE", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        return connection;
    }

    /// <summary>The most tile statements of <paramref name="application"/> seen running at once while <paramref name="until"/> runs.</summary>
    private static async Task<long> MostRunningAsync(string application, Task until)
    {
        await using var connection = new NpgsqlConnection(PostGis.ConnectionString);
        await connection.OpenAsync();
        long most = 0;
        while (!until.IsCompleted)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = @name AND state = 'active'", connection);
            command.Parameters.AddWithValue("name", $"{application}:tiles");
            most = Math.Max(most, (long)(await command.ExecuteScalarAsync())!);
            await Task.Delay(50);
        }

        return most;
    }

    /// <summary>Distinct county tiles of a year no other test asks for, so that none comes from the cache.</summary>
    private static string[] Tiles(int count, int year) =>
        [.. Enumerable.Range(0, count).Select(i => $"/tiles/counties/4/{i % 16}/{5 + i / 16}.mvt?from={year}-01-01&to={year}-12-31")];

    [Fact]
    public async Task Tiles_blocked_by_a_lock_answer_503_at_their_statement_timeout_without_piling_up_and_other_routes_stay_responsive()
    {
        const string Application = "geoors-slow";
        await using var server = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = Pooled(Application, pool: 4, wait: 5),
            ["Database:StatementTimeouts:Tiles"] = "00:00:01",
        });
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/areas/state/42")).Status); // the pools are warm

        var tiles = Tiles(10, 1934);
        await using (var locked = await LockTileShapesAsync())
        {
            var requests = Task.WhenAll(tiles.Select(url => GetAsync(client, url)));
            var running = MostRunningAsync(Application, requests);

            // While the tile requests wait on the lock, other routes answer at once.
            foreach (var url in new[] { "/api/areas/state/42?from=1934-01-01&to=1934-12-31", "/ogc/collections", "/api/boundaries/counties/24510", "/health" })
            {
                var other = await GetAsync(client, url);
                Assert.True(other.Status == HttpStatusCode.OK, $"{url}: {(int)other.Status} {other.Title}");
                Assert.True(other.Took < TimeSpan.FromSeconds(2), $"{url} took {other.Took}");
            }

            var answers = await requests;
            for (var i = 0; i < tiles.Length; i++)
            {
                var (status, retryAfter, title, took) = answers[i];
                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{tiles[i]}: {(int)status} {title}");
                Assert.Equal("10", retryAfter);
                Assert.Equal("The database timed out", title);
                Assert.True(took < Bound, $"{tiles[i]} took {took}");
            }

            // No more statements ran than the tile pool has connections.
            var most = await running;
            Assert.InRange(most, 1, 4);
        }

        // The lock is gone (its connection closed): the same tiles are made.
        foreach (var url in tiles.Take(3))
        {
            var (status, _, title, _) = await GetAsync(client, url);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{url}: {(int)status} {title}"); // made, with counties or empty
        }
    }

    [Fact]
    public async Task A_tile_pool_at_its_limit_queues_requests_briefly_then_answers_503_and_never_hangs()
    {
        const string Application = "geoors-exhausted";
        await using var server = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = Pooled(Application, pool: 2, wait: 1),
            ["Database:StatementTimeouts:Tiles"] = "00:00:20",
        });
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/ogc/collections")).Status);

        var tiles = Tiles(8, 1935);
        Task<(HttpStatusCode Status, string? RetryAfter, string? Title, TimeSpan Took)>[] holders;
        (HttpStatusCode Status, string? RetryAfter, string? Title, TimeSpan Took)[] waiters;
        await using (var locked = await LockTileShapesAsync())
        {
            // Two requests take the pool's two connections and wait on the lock.
            holders = [.. tiles.Take(2).Select(url => GetAsync(client, url))];
            var deadline = Stopwatch.StartNew();
            while (await RunningAsync(Application) < 2)
            {
                Assert.True(deadline.Elapsed < Bound, "the first two tile requests never reached the database");
                await Task.Delay(50);
            }

            // The others wait for a connection for the pool's timeout, then are told to come back.
            waiters = await Task.WhenAll(tiles.Skip(2).Select(url => GetAsync(client, url)));
            for (var i = 0; i < waiters.Length; i++)
            {
                var (status, retryAfter, title, took) = waiters[i];
                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{tiles[i + 2]}: {(int)status} {title}");
                Assert.Equal("The database has no connection free", title);
                Assert.Equal(DatabaseFaultHandler.ExhaustedRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), retryAfter);
                Assert.True(took >= TimeSpan.FromSeconds(0.9) && took < Bound, $"{tiles[i + 2]} took {took}");
            }

            Assert.False(holders.Any(h => h.IsCompleted), "a request holding a connection ended while the lock was held");
        }

        // The lock goes: the two requests that held connections finish with their tiles, and the pool serves the rest.
        foreach (var holder in holders)
        {
            var (status, _, title, _) = await holder.WaitAsync(Bound);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{(int)status} {title}");
        }

        foreach (var url in tiles.Skip(2))
        {
            var (status, _, title, _) = await GetAsync(client, url);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{url}: {(int)status} {title}"); // made, with counties or empty
        }
    }

    private static async Task<long> RunningAsync(string application)
    {
        await using var connection = new NpgsqlConnection(PostGis.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = @name AND state = 'active' AND wait_event_type = 'Lock'", connection);
        command.Parameters.AddWithValue("name", $"{application}:tiles");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The collection of <see cref="SlowDatabaseTests"/>, run after the others, alone.</summary>
[CollectionDefinition(SlowDatabaseTests.Alone, DisableParallelization = true)]
public sealed class SlowDatabaseCollection;
