using GeoOrs.Data.Entities;
using GeoOrs.Data;
using System.Net;
using System.Text.Json;
using GeoOrs.Data.Access;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A database that cannot answer is the server's fault of availability, not a bug: data routes
/// answer 503 with <c>Retry-After</c> while it is unreachable (tiles, a tile cached before included,
/// OGC, areas, boundaries, planning, a keyed request whose key must be looked up) and recover when
/// it is back; a statement that runs past its request class's timeout answers 503 too, and only
/// that class is affected.
/// </summary>
public sealed class DatabaseFaultsTests
{
    private static GeoOrsFactory Server(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>();
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new GeoOrsFactory(all);
    }

    private static async Task<(HttpStatusCode Status, string? RetryAfter, JsonElement Body)> GetAsync(HttpClient client, string url, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true && text.Length > 0
            ? JsonDocument.Parse(text).RootElement.Clone()
            : default;
        return (response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), body);
    }

    [Fact]
    public async Task While_the_database_is_unreachable_data_routes_answer_503_with_retry_after_and_recover_after()
    {
        var target = new NpgsqlConnectionStringBuilder(PostGis.ConnectionString);
        await using var proxy = TcpProxy.Start(target.Host!, target.Port);
        var through = new NpgsqlConnectionStringBuilder(PostGis.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 5 }.ConnectionString;
        await using var server = Server(("Database:ConnectionString", through));
        using var client = server.CreateClient();

        // A public tile made (and cached) while the database answers, and a key the server has not looked up yet.
        const string Cached = "/tiles/states/2/1/1.mvt";
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, Cached)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, Cached)).Status);
        await using (var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString))
        await using (var db = GeoOrsDbContext.Create(dataSource))
        {
            var key = (await ApiKeys.CreateAsync(db, "partner", "GeoOrs Tests")).Key;

            proxy.Cut();
            string[] urls =
            [
                "/tiles/counties/3/2/3.mvt?from=1931-01-01&to=1931-12-31", "/tiles/counties/3/2/3.png?from=1931-01-01&to=1931-12-31",
                "/tiles/counties.json?from=1931-01-01&to=1931-12-31", "/tiles/counties/legend.png?from=1931-01-01&to=1931-12-31",
                "/ogc/collections", "/ogc/collections/counties", "/ogc/collections/counties/items?limit=1",
                "/ogc/collections/county-aggregates/items?from=1931-01-01&to=1931-12-31&limit=5", "/ogc/collections/states/items/42",
                "/api/areas/county/42003?from=1931-01-01&to=1931-12-31", "/api/areas/state/42", "/api/boundaries/counties/24510",
                "/api/boundaries/lookup?lon=-76.6&lat=39.3", "/api/planning/sites", "/api/planning/targets", "/api/hotspots/runs",
                Cached, // served from the cache only until the server sees that its notifications are gone
            ];
            foreach (var url in urls)
            {
                var (status, retryAfter, body) = await GetAsync(client, url);
                for (var waited = 0; status == HttpStatusCode.OK && url == Cached && waited < 40; waited++)
                {
                    await Task.Delay(250);
                    (status, retryAfter, body) = await GetAsync(client, url);
                }

                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{url}: {(int)status} {body}");
                Assert.True(retryAfter is not null, $"{url}: no Retry-After");
                Assert.Equal(503, body.GetProperty("status").GetInt32());
                Assert.Equal("The database is unavailable", body.GetProperty("title").GetString());
            }

            // The key is looked up in the database before anything else: that fails the same way.
            var (keyed, keyedRetry, _) = await GetAsync(client, "/api/alerts?limit=1", key);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, keyed);
            Assert.NotNull(keyedRetry);

            proxy.Resume();
            var back = HttpStatusCode.ServiceUnavailable;
            for (var attempt = 0; attempt < 60 && back != HttpStatusCode.OK; attempt++)
            {
                await Task.Delay(500);
                back = (await GetAsync(client, "/api/areas/state/42")).Status;
            }

            Assert.Equal(HttpStatusCode.OK, back);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, Cached)).Status);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/alerts?limit=1", key)).Status);
        }
    }

    [Fact]
    public async Task A_statement_past_its_class_timeout_answers_503_and_other_classes_are_not_affected()
    {
        await using var server = Server(("Database:StatementTimeouts:Tiles", "00:00:00.001"), ("Database:StatementTimeouts:Ogc", "00:00:00.001"));
        using var client = server.CreateClient();

        // A whole-world county tile and a page of every county's measures take far more than a millisecond.
        foreach (var url in new[] { "/tiles/counties/0/0/0.mvt?from=1932-01-01&to=1932-12-31", "/ogc/collections/county-aggregates/items?limit=5000&from=1932-01-01&to=1932-12-31" })
        {
            var (status, retryAfter, body) = await GetAsync(client, url);
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{url}: {(int)status} {body}");
            Assert.Equal("10", retryAfter);
            Assert.Equal("The database timed out", body.GetProperty("title").GetString());
            Assert.Contains("Database:StatementTimeouts", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Areas read through their own pool, with their own (default) timeout.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/areas/state/42?from=1932-01-01&to=1932-12-31")).Status);
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("57014", "TimedOut")] // query_canceled: the statement timeout
    [InlineData("57P01", "Unavailable")] // admin_shutdown
    [InlineData("57P03", "Unavailable")] // cannot_connect_now: starting up
    [InlineData("08006", "Unavailable")] // connection_failure
    [InlineData("53300", "Unavailable")] // too_many_connections
    [InlineData("3D000", "Unavailable")] // invalid_catalog_name: the database is gone
    [InlineData("42P01", "None")] // undefined_table: a fault of the server
    [InlineData("23505", "None")] // unique_violation
    public void Postgres_errors_that_say_the_database_cannot_work_now_are_503_and_others_stay_faults(string sqlState, string expected)
    {
        var fault = Enum.Parse<DatabaseFaultHandler.Fault>(expected);
        var error = new PostgresException("message", "ERROR", "ERROR", sqlState);
        Assert.Equal(fault, DatabaseFaultHandler.Classify(error));
        Assert.Equal(fault, DatabaseFaultHandler.Classify(new InvalidOperationException("wrapped", error)));
    }

    [Fact]
    public void Socket_stream_and_timeout_failures_are_503_and_other_exceptions_are_not()
    {
        Assert.Equal(DatabaseFaultHandler.Fault.Unavailable, DatabaseFaultHandler.Classify(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))));
        Assert.Equal(DatabaseFaultHandler.Fault.Unavailable, DatabaseFaultHandler.Classify(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.Equal(DatabaseFaultHandler.Fault.TimedOut, DatabaseFaultHandler.Classify(new NpgsqlException("The operation has timed out", new TimeoutException())));
        Assert.Equal(DatabaseFaultHandler.Fault.Exhausted, DatabaseFaultHandler.Classify(new NpgsqlException(
            "The connection pool has been exhausted, either raise 'Max Pool Size' (currently 2) or 'Timeout' (currently 1 seconds) in your connection string.", new TimeoutException())));
        Assert.Equal(DatabaseFaultHandler.Fault.None, DatabaseFaultHandler.Classify(new InvalidOperationException("a bug")));
        Assert.Equal(DatabaseFaultHandler.Fault.None, DatabaseFaultHandler.Classify(new ArgumentOutOfRangeException("day")));
    }
}
