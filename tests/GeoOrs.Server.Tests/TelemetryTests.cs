using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>/metrics</c> and the logs' trace ids: the public and partners are refused, an admin reads every
/// GeoOrs meter in Prometheus text and sees the values move as the test ingests, fetches tiles, runs
/// a job, streams alerts and has a webhook delivered; a log record written during a request carries
/// its trace id, which its SQL's span shares. Meters are process-wide and other tests' servers run
/// beside this one, so the test asserts that values grew by at least what it did.
/// </summary>
[Collection(TelemetryTests.Alone)]
public class TelemetryTests
{
    /// <summary>
    /// Run with no other test: ASP.NET Core's meters come from each host's meter factory under one name,
    /// and the OpenTelemetry SDK stops a name's stream in every provider when one such meter is disposed
    /// (open-telemetry/opentelemetry-dotnet#6412), as another test's server does when it stops. One
    /// server a process, as in production, is not affected.
    /// </summary>
    public const string Alone = "telemetry, alone";

    /// <summary>A month no other test ingests into, in Crook County, Wyoming.</summary>
    private const string Day = "1991-04-1";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Metrics_refuse_the_public_and_partners_and_show_an_admin_every_meter_moving()
    {
        await using var factory = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Http:PublicPermitsPerMinute"] = "5",
            ["Analysis:AsOf"] = "1991-04-30",
            ["Analysis:SpikeDays"] = "30",
        });
        using var open = factory.CreateClient();
        using var partner = factory.CreateClient("partner");
        using var admin = factory.CreateClient("admin");

        using (var refused = await open.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("geoors_", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var refused = await partner.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var before = await ScrapeAsync(admin);

        // Ingest: three new events, one invalid row left out, one repeat.
        var run = Guid.NewGuid().ToString("N")[..8];
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
        for (var i = 0; i < 3; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"tel-{run}-{i},{Day}{i}T10:00:00Z,44.59,-104.57,false\n");
        }

        csv.Append(CultureInfo.InvariantCulture, $"tel-{run}-bad,not-a-date,44.59,-104.57,false\n");
        csv.Append(CultureInfo.InvariantCulture, $"tel-{run}-0,{Day}0T10:00:00Z,44.59,-104.57,false\n");
        using (var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses?mode=skip-invalid", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
            using var batch = JsonDocument.Parse(await ingest.Content.ReadAsStringAsync());
            Assert.Equal(3, batch.RootElement.GetProperty("accepted").GetInt32());
            Assert.Equal(1, batch.RootElement.GetProperty("rejected").GetInt32());
            Assert.Equal(1, batch.RootElement.GetProperty("duplicates").GetInt32());
        }

        // Tiles: the county tile over Crook County at z5, made (a miss) and then taken from the cache
        // (a hit; another test's commit may empty the cache in between, so it is asked again then).
        var tile = new Uri("/tiles/counties/5/6/11.mvt", UriKind.Relative);
        var tiles = Labels(("layer", "counties"), ("zoom_band", "5-9"), ("format", "mvt"));
        var hits = before.Sum("geoors_tiles_requests_total", [.. tiles, ("cache", "hit")]);
        var missesBefore = before.Sum("geoors_tiles_requests_total", [.. tiles, ("cache", "miss")]);
        Metrics scraped = before;
        for (var attempt = 0; attempt < 5 && scraped.Sum("geoors_tiles_requests_total", [.. tiles, ("cache", "hit")]) <= hits; attempt++)
        {
            for (var i = 0; i < 2; i++)
            {
                using var response = await admin.GetAsync(tile);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            scraped = await ScrapeAsync(admin);
        }

        // OGC items, an alert stream held open, a job run to its end, a webhook delivered on its second attempt.
        using (var items = await admin.GetAsync(new Uri("/ogc/collections/counties/items?limit=3", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        }

        await ActivatorUtilities.CreateInstance<SpikesJob>(factory.Services).RunAsync("manual", null, null, CancellationToken.None);

        using var receiver = new WebhookReceiver(n => n == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        var area = TestAlerts.NewArea();
        using var analyst = await factory.ClientForAsync("analyst", "Telemetry Test " + area);
        using (var created = await analyst.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url.ToString(), area = $"county:{area}" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await TestAlerts.AddAsync(TestAlerts.Alert(area, "1991-04-15"));

        using var stream = await partner.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        var events = await stream.Content.ReadAsStreamAsync(); // read once, then held open until the stream is closed below
        Assert.True(await events.ReadAsync(new byte[64]) > 0);

        // The rate limiter: the public has 5 requests a minute here, 2 of them spent above.
        var limited = false;
        for (var i = 0; i < 10 && !limited; i++)
        {
            using var response = await open.GetAsync(new Uri("/tiles", UriKind.Relative));
            limited = response.StatusCode == HttpStatusCode.TooManyRequests;
        }

        Assert.True(limited, "the public's sixth request in a minute was not refused");

        var clock = Stopwatch.StartNew();
        var after = await ScrapeAsync(admin);
        while (after.Sum("geoors_webhooks_deliveries_total", ("outcome", "delivered")) <= before.Sum("geoors_webhooks_deliveries_total", ("outcome", "delivered"))
            && clock.Elapsed < Patience)
        {
            await Task.Delay(100);
            after = await ScrapeAsync(admin);
        }

        // The admin key's agency, or "other" once the process has seen Telemetry:MaxAgencyTags agencies.
        var overdoses = Labels(("kind", "overdoses"));
        Assert.True(after.Has("geoors_ingest_rows_total", ("kind", "overdoses"), ("agency", "GeoOrs Tests"))
            || after.Has("geoors_ingest_rows_total", ("kind", "overdoses"), ("agency", "other")), "rows by agency");
        Assert.True(after.Sum("geoors_ingest_rows_total", overdoses) >= before.Sum("geoors_ingest_rows_total", overdoses) + 3, "rows");
        Assert.True(after.Sum("geoors_ingest_rejects_total", overdoses) >= before.Sum("geoors_ingest_rejects_total", overdoses) + 1, "rejects");
        Assert.True(after.Sum("geoors_ingest_duplicates_total", overdoses) >= before.Sum("geoors_ingest_duplicates_total", overdoses) + 1, "duplicates");
        Assert.True(after.Sum("geoors_ingest_batches_total", ("source", "http"), ("outcome", "committed")) > before.Sum("geoors_ingest_batches_total", ("source", "http"), ("outcome", "committed")));
        Assert.True(after.Sum("geoors_ingest_batch_duration_milliseconds_count", ("kind", "overdoses")) > before.Sum("geoors_ingest_batch_duration_milliseconds_count", ("kind", "overdoses")));

        Assert.True(after.Sum("geoors_tiles_requests_total", [.. tiles, ("cache", "miss")]) > missesBefore, "tile misses");
        Assert.True(after.Sum("geoors_tiles_requests_total", [.. tiles, ("cache", "hit")]) > hits, "tile hits");
        Assert.True(after.Sum("geoors_tiles_bytes_total", tiles) > before.Sum("geoors_tiles_bytes_total", tiles), "tile bytes");
        Assert.True(after.Sum("geoors_tiles_duration_milliseconds_count", tiles) >= before.Sum("geoors_tiles_duration_milliseconds_count", tiles) + 2, "tile latency");

        Assert.True(after.Sum("geoors_ogc_items_total", ("collection", "counties"), ("role", "admin")) >= before.Sum("geoors_ogc_items_total", ("collection", "counties"), ("role", "admin")) + 3, "OGC items");

        var spikes = Labels(("job", "spikes"));
        Assert.True(after.Sum("geoors_jobs_runs_total", [.. spikes, ("outcome", "succeeded")]) > before.Sum("geoors_jobs_runs_total", [.. spikes, ("outcome", "succeeded")]), "job runs");
        Assert.True(after.Sum("geoors_jobs_duration_milliseconds_count", spikes) > before.Sum("geoors_jobs_duration_milliseconds_count", spikes), "job durations");
        Assert.True(after.Has("geoors_jobs_failures_total", ("job", "spikes")), "job failures");

        Assert.True(after.Has("geoors_alerts_stored_total", ("kind", "spikes")), "alerts stored");
        Assert.True(after.Sum("geoors_alerts_streams") >= 1, "open alert streams");
        Assert.True(after.Sum("geoors_webhooks_deliveries_total", ("outcome", "retrying")) > before.Sum("geoors_webhooks_deliveries_total", ("outcome", "retrying")), "webhook retries");
        Assert.True(after.Sum("geoors_webhooks_failures_total", ("final", "false")) > before.Sum("geoors_webhooks_failures_total", ("final", "false")), "webhook failures");
        Assert.True(after.Sum("geoors_webhooks_deliveries_total", ("outcome", "delivered")) > before.Sum("geoors_webhooks_deliveries_total", ("outcome", "delivered")), "webhook deliveries");

        Assert.True(after.Sum("geoors_ratelimit_refusals_total", ("caller", "address"), ("role", "public")) > before.Sum("geoors_ratelimit_refusals_total", ("caller", "address"), ("role", "public")), "rate limit");
        Assert.True(after.Has("geoors_auth_failures_total", ("reason", "unauthenticated"), ("role", "public")), "auth failures");
        Assert.True(after.Has("geoors_auth_failures_total", ("reason", "forbidden"), ("role", "partner")), "auth failures");

        // ASP.NET Core's and Npgsql's own meters are there too.
        Assert.True(after.Has("http_server_request_duration_seconds_count"), "ASP.NET Core");
        Assert.Contains(after.Names, n => n.StartsWith("db_client_", StringComparison.Ordinal));

        // Once closed, the stream is no longer counted.
        await events.DisposeAsync();
        stream.Dispose();
        clock.Restart();
        var streams = after.Sum("geoors_alerts_streams");
        while ((await ScrapeAsync(admin)).Sum("geoors_alerts_streams") >= streams && clock.Elapsed < Patience)
        {
            await Task.Delay(100);
        }

        Assert.True((await ScrapeAsync(admin)).Sum("geoors_alerts_streams") < streams, "the closed stream is still counted");
    }

    /// <param name="otlp">No collector (the request's activity is ASP.NET Core's own), or one (nothing listens there: spans are recorded and their export fails quietly).</param>
    [Theory]
    [InlineData("")]
    [InlineData("http://127.0.0.1:9")]
    public async Task A_log_record_written_during_a_tile_request_carries_the_request_trace_id_which_its_SQL_shares(string otlp)
    {
        var logs = new CapturingLoggerProvider();
        await using var factory = new GeoOrsFactory(
            new Dictionary<string, string?> { ["Telemetry:SlowTileMilliseconds"] = "0", ["Telemetry:OtlpEndpoint"] = otlp },
            services => services.AddSingleton<ILoggerProvider>(logs));
        using var admin = factory.CreateClient("admin");

        var sql = new System.Collections.Concurrent.ConcurrentBag<ActivityTraceId>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => sql.Add(activity.TraceId),
        };
        ActivitySource.AddActivityListener(listener);

        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tiles/states/4/3/5.mvt?from=1991-04-01&to=1991-04-30");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using (var response = await admin.SendAsync(request))
        {
            Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}");
        }

        var slow = Assert.Single(logs.Records, r => r.Category == "GeoOrs.Tiles" && r.Message.Contains("/tiles/states/4/3/5.mvt", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, slow.Level);
        Assert.Equal(traceId.ToHexString(), slow.Scope.GetValueOrDefault("TraceId"));
        Assert.Contains(traceId, sql);
    }

    /// <param name="level">The EF Core statements' log level set over appsettings.json, or none.</param>
    /// <param name="logged">Whether a statement's SQL is then logged.</param>
    [Theory]
    [InlineData(null, false)]
    [InlineData("Information", true)]
    public async Task EF_Core_statements_are_not_logged_in_production_unless_their_category_is_turned_up(string? level, bool logged)
    {
        const string Category = "Microsoft.EntityFrameworkCore.Database.Command";
        var logs = new CapturingLoggerProvider();
        var settings = new Dictionary<string, string?>();
        if (level is not null)
        {
            settings[$"Logging:LogLevel:{Category}"] = level;
        }

        await using var factory = new GeoOrsFactory(settings, services => services.AddSingleton<ILoggerProvider>(logs));
        using var admin = factory.CreateClient("admin");
        using (var response = await admin.GetAsync(new Uri("/api/admin/thresholds", UriKind.Relative))) // read through GeoOrsDbContext
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(logged, logs.Records.Any(r => r.Category == Category && r.Message.Contains("FROM alert_thresholds", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Loopback_callers_read_the_metrics_without_a_key_only_when_configured_and_not_through_a_proxy()
    {
        static GeoOrsFactory Server(string allowed) => new(
            new Dictionary<string, string?> { ["Telemetry:MetricsFromLoopback"] = allowed },
            services => services.AddSingleton<IStartupFilter, FromAddress>());

        await using (var off = Server("false"))
        {
            using var local = off.CreateClient();
            using var refused = await local.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await using var on = Server("true");
        using var client = on.CreateClient();
        (await client.GetAsync(new Uri("/health", UriKind.Relative))).Dispose(); // a request for the request meters to count
        using (var scraped = await client.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            Assert.Contains("http_server_request_duration_seconds", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var remote = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            remote.Headers.Add(FromAddress.Header, "203.0.113.9");
            using var refused = await client.SendAsync(remote);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var proxied = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            proxied.Headers.Add("X-Forwarded-For", "203.0.113.9");
            using var refused = await client.SendAsync(proxied);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
    }

    /// <summary>Gives each in-memory request a client address (the test server sets none): 127.0.0.1, or the test header's.</summary>
    private sealed class FromAddress : IStartupFilter
    {
        public const string Header = "Test-Remote-Address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, following) =>
            {
                http.Connection.RemoteIpAddress = IPAddress.Parse(http.Request.Headers[Header].FirstOrDefault() ?? "127.0.0.1");
                return following(http);
            });
            next(app);
        };
    }

    private static IEnumerable<(string, string)> Labels(params (string, string)[] labels) => labels;

    private static async Task<Metrics> ScrapeAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return Metrics.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The samples of a Prometheus text exposition: name, labels, value.</summary>
    private sealed class Metrics(List<(string Name, Dictionary<string, string> Labels, double Value)> samples)
    {
        public IEnumerable<string> Names => samples.Select(s => s.Name).Distinct();

        public static Metrics Parse(string text)
        {
            var samples = new List<(string, Dictionary<string, string>, double)>();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var brace = line.IndexOf('{', StringComparison.Ordinal);
                var space = line.LastIndexOf('}') is var close and >= 0 ? close + 1 : line.IndexOf(' ', StringComparison.Ordinal);
                var name = brace >= 0 ? line[..brace] : line[..space];
                var labels = new Dictionary<string, string>();
                if (brace >= 0)
                {
                    foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(line[(brace + 1)..(space - 1)], "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\""))
                    {
                        labels[m.Groups[1].Value] = m.Groups[2].Value;
                    }
                }

                var value = line[space..].Trim().Split(' ')[0];
                samples.Add((name, labels, double.Parse(value, CultureInfo.InvariantCulture)));
            }

            return new Metrics(samples);
        }

        public double Sum(string name, params (string Key, string Value)[] labels) => Sum(name, (IEnumerable<(string, string)>)labels);

        public double Sum(string name, IEnumerable<(string Key, string Value)> labels) =>
            samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Sum(s => s.Value);

        public bool Has(string name, params (string Key, string Value)[] labels) =>
            samples.Any(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value));
    }

    /// <summary>Keeps every log record with the values of its scopes (the request's trace id among them).</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message, Dictionary<string, string?> Scope)> Records { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, string?>();
                provider._scopes.ForEachScope((value, values) =>
                {
                    if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, item) in pairs)
                        {
                            values[key] = item?.ToString();
                        }
                    }
                }, scope);
                provider.Records.Enqueue((category, logLevel, formatter(state, exception), scope));
            }
        }
    }
}

/// <summary>The collection of <see cref="TelemetryTests"/>, run after the others, alone.</summary>
[CollectionDefinition(TelemetryTests.Alone, DisableParallelization = true)]
public sealed class TelemetryCollection;
