using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Data.Entities;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A database restart under load, as two real server processes see it: both reach the database
/// through a loopback relay that the test cuts (every open connection reset, new ones refused) and
/// resumes. During the outage data routes and <c>/health</c> answer 503 with <c>Retry-After</c> and
/// nothing else fails with a 5xx; after it both serve again within 5 s without a restart; an ingest
/// cut by the outage leaves no row, its batch is failed, and the same body sent again is stored once.
/// </summary>
public sealed class DatabaseRestartTests
{
    private static readonly string[] Urls =
    [
        "/tiles/counties/4/4/6.mvt?from=1936-01-01&to=1936-12-31", "/tiles/states/3/2/3.mvt?from=1936-01-01&to=1936-12-31", "/tiles/counties.json?from=1936-01-01&to=1936-12-31",
        "/ogc/collections/counties/items?limit=2&offset=1936", "/ogc/collections/county-aggregates/items?from=1936-01-01&to=1936-12-31&limit=5",
        "/api/areas/county/42003?from=1936-01-01&to=1936-12-31", "/api/areas/state/42?from=1936-01-01&to=1936-12-31", "/api/boundaries/counties/24510",
    ];

    // Each URL but the boundary names a year: the routes asked before the outage ask another year,
    // so that what they keep (tiles, area panels, OGC pages of areas) is not what is asked during it.

    /// <summary>A tile both servers cache before the outage: served from the cache at most until a server sees its notifications are gone.</summary>
    private const string Cached = "/tiles/states/2/1/1.mvt";

    [Fact]
    [Trait("Category", "Slow")]
    public async Task During_a_restart_data_routes_answer_503_and_every_server_serves_again_within_5_s_and_a_cut_ingest_can_be_resent()
    {
        await using var proxy = Relay();
        var settings = ThroughRelay(proxy);
        using var first = await ServerProcess.StartAsync(settings: settings);
        using var second = await ServerProcess.StartAsync(settings: settings);
        ServerProcess[] servers = [first, second];
        var clients = servers.Select(s => new HttpClient { BaseAddress = s.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        try
        {
            // Every pool holds connections (of another year: the routes asked during the outage are not cached), and one tile is cached.
            foreach (var client in clients)
            {
                foreach (var url in Urls.Select(u => u.Replace("1936", "1937", StringComparison.Ordinal)).Append(Cached))
                {
                    Assert.True((await GetAsync(client, url)).Status is HttpStatusCode.OK or HttpStatusCode.NoContent, url);
                }
            }

            var key = await AdminKeyAsync();
            var agency = "restart-" + Guid.NewGuid().ToString("N")[..10];
            using var ingestClient = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            ingestClient.DefaultRequestHeaders.Add("X-Api-Key", key);
            var upload = ingestClient.PostAsync(new Uri($"/api/ingest/overdoses?agency={agency}", UriKind.Relative), new SlowCsv(slow: true));
            var running = await Batches.WaitForAsync(ingestClient, agency, b => b.GetProperty("rows_read").GetInt32() > 0, TimeSpan.FromSeconds(30));
            Assert.Equal("running", running.GetProperty("status").GetString());

            // The database goes away: every open connection is reset, new ones are refused.
            proxy.Cut();
            var outage = Stopwatch.StartNew();
            var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async worker =>
            {
                var seen = new List<(string Url, HttpStatusCode Status, string? RetryAfter)>();
                var client = clients[worker % clients.Length];
                for (var round = 0; outage.Elapsed < TimeSpan.FromSeconds(4); round++)
                {
                    var url = round % 4 == 3 ? Cached : Urls[(worker + round) % Urls.Length];
                    var at = outage.Elapsed;
                    var (status, retryAfter) = await GetAsync(client, url);
                    if (url == Cached && status == HttpStatusCode.OK && at < TimeSpan.FromSeconds(1))
                    {
                        continue; // served from the cache in the moment before the server sees its notifications are gone
                    }

                    seen.Add((url, status, retryAfter));
                    await Task.Delay(20);
                }

                var (healthStatus, _) = await GetAsync(client, "/health");
                seen.Add(("/health", healthStatus, "health"));
                return seen;
            }));
            foreach (var (url, status, retryAfter) in answers.SelectMany(a => a))
            {
                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{url}: {(int)status} during the outage");
                Assert.True(retryAfter is not null, $"{url}: no Retry-After");
            }

            // The upload was cut: an error answer or a broken connection, never a stored batch.
            try
            {
                using var cut = await upload.WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(cut.StatusCode == HttpStatusCode.ServiceUnavailable, $"the cut upload answered {(int)cut.StatusCode}: {await cut.Content.ReadAsStringAsync()}");
            }
            catch (HttpRequestException)
            {
            }

            // The database is back: each server serves every route again within 5 s, without a restart.
            proxy.Resume();
            var back = Stopwatch.StartNew();
            foreach (var client in clients)
            {
                foreach (var url in Urls.Append(Cached).Append("/health"))
                {
                    var (status, _) = await GetAsync(client, url);
                    while (status is not (HttpStatusCode.OK or HttpStatusCode.NoContent) && back.Elapsed < TimeSpan.FromSeconds(5))
                    {
                        await Task.Delay(100);
                        (status, _) = await GetAsync(client, url);
                    }

                    Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{client.BaseAddress}{url}: {(int)status} {back.Elapsed} after the database came back");
                }
            }

            // The cut batch is failed (by the ingest, or as an orphan whose session is gone) and stored nothing.
            var failed = await Batches.WaitForAsync(ingestClient, agency, b => b.GetProperty("status").GetString() != "running", TimeSpan.FromSeconds(30));
            Assert.Equal("failed", failed.GetProperty("status").GetString());
            Assert.Equal(0L, await CountAsync(agency));

            // The client sends the same body again, to the other server: it is stored, each event once.
            using var resendClient = new HttpClient { BaseAddress = second.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            resendClient.DefaultRequestHeaders.Add("X-Api-Key", key);
            using var resent = await resendClient.PostAsync(new Uri($"/api/ingest/overdoses?agency={agency}", UriKind.Relative), new SlowCsv(slow: false));
            var text = await resent.Content.ReadAsStringAsync();
            Assert.True(resent.StatusCode == HttpStatusCode.Created, $"{(int)resent.StatusCode} {text}\n{second.Log[^Math.Min(6000, second.Log.Length)..]}");
            using var batch = JsonDocument.Parse(text);
            Assert.Equal(SlowCsv.Rows, batch.RootElement.GetProperty("accepted").GetInt32());
            Assert.Equal(0, batch.RootElement.GetProperty("duplicates").GetInt32());
            Assert.Equal((long)SlowCsv.Rows, await CountAsync(agency));
            Assert.Equal((long)SlowCsv.Rows, await CountAsync(agency, distinct: true));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task An_idle_server_answers_its_first_requests_after_a_restart_without_a_503()
    {
        // Every pool holds idle connections when the database goes away and comes back while no
        // request is made: the server drops them when its listening connection is lost, so the first
        // request of each kind after the restart opens a new connection rather than meeting a dead one.
        await using var proxy = Relay();
        using var server = await ServerProcess.StartAsync(settings: ThroughRelay(proxy));
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var urls = Urls.Select(u => u.Replace("1936", "1938", StringComparison.Ordinal)).ToArray();
        foreach (var url in urls)
        {
            Assert.True((await GetAsync(client, url)).Status is HttpStatusCode.OK or HttpStatusCode.NoContent, url);
        }

        proxy.Cut();
        await Task.Delay(TimeSpan.FromSeconds(2));
        proxy.Resume();
        await Task.Delay(TimeSpan.FromSeconds(4)); // the listener tries again every 2 s

        foreach (var url in urls.Select(u => u.Replace("1938", "1939", StringComparison.Ordinal)))
        {
            var (status, _) = await GetAsync(client, url);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{url}: {(int)status} after the restart\n{server.Log[^Math.Min(4000, server.Log.Length)..]}");
        }
    }

    /// <summary>A loopback relay to the test database, which the test cuts and resumes.</summary>
    private static TcpProxy Relay()
    {
        var target = new NpgsqlConnectionStringBuilder(PostGis.ConnectionString);
        return TcpProxy.Start(target.Host!, target.Port);
    }

    /// <summary>A server's settings to reach the database through <paramref name="proxy"/>.</summary>
    private static Dictionary<string, string> ThroughRelay(TcpProxy proxy) => new()
    {
        ["Database__ConnectionString"] = new NpgsqlConnectionStringBuilder(PostGis.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 2 }.ConnectionString,
        ["Http__PublicPermitsPerMinute"] = "100000", // every client of the test shares one address
    };

    private static async Task<(HttpStatusCode Status, string? RetryAfter)> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        _ = await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<long> CountAsync(string agency, bool distinct = false)
    {
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand(distinct
            ? "SELECT count(DISTINCT external_id) FROM overdose_events WHERE source_agency = $1"
            : "SELECT count(*) FROM overdose_events WHERE source_agency = $1");
        command.Parameters.AddWithValue(agency);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> AdminKeyAsync()
    {
        await using var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync());
        return (await GeoOrs.Data.Access.ApiKeys.CreateAsync(db, "admin", "restart tests")).Key;
    }

    /// <summary>The same CSV of <see cref="Rows"/> events each time; sent slowly (a chunk every 50 ms, about 6 s) or at once.</summary>
    private sealed class SlowCsv : HttpContent
    {
        public const int Rows = 12_000;

        private readonly bool _slow;

        public SlowCsv(bool slow)
        {
            _slow = slow;
            Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("external_id,occurred_at,lat,lon,fatal\n"));
            for (var chunk = 0; chunk < Rows / 100; chunk++)
            {
                var rows = new StringBuilder();
                for (var i = 0; i < 100; i++)
                {
                    rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"r{chunk}-{i},1936-03-01T12:00:00Z,39.29,-76.61,false\n");
                }

                await stream.WriteAsync(Encoding.UTF8.GetBytes(rows.ToString()));
                await stream.FlushAsync();
                if (_slow)
                {
                    await Task.Delay(50);
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
