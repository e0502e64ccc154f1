using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The HTTP hardening (section <c>Http</c>): security headers on every kind of response, CORS for the
/// listed origins only, the rate limit per client address and per API key, body limits through a real
/// Kestrel, and settings that stop the server at start when they are wrong.
/// </summary>
public sealed class HttpHardeningTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string Dashboard = "https://dashboard.example.org";

    /// <summary>A server of its own with these settings, without the scheduler.</summary>
    private static GeoOrsFactory Server(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>();
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new GeoOrsFactory(all);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    private static void AssertDataHeaders(HttpResponseMessage response, bool framingPolicy = true)
    {
        var what = $"{response.RequestMessage?.RequestUri} ({(int)response.StatusCode})";
        Assert.True(Header(response, "X-Content-Type-Options") == "nosniff", what);
        Assert.True(Header(response, "Referrer-Policy") == "no-referrer", what);
        Assert.True(Header(response, "Cross-Origin-Opener-Policy") == "same-origin", what);
        Assert.True(Header(response, "Permissions-Policy") == "geolocation=(), camera=(), microphone=()", what);
        Assert.True(Header(response, "Strict-Transport-Security") is null, what + ": HSTS over plain HTTP");
        if (framingPolicy)
        {
            Assert.True(Header(response, "X-Frame-Options") == "DENY", what);
            Assert.True(Header(response, "Content-Security-Policy") == "frame-ancestors 'none'", what);
        }
    }

    [Fact]
    public async Task Security_headers_are_on_json_problems_png_tiles_and_304s()
    {
        using var client = factory.CreateClient();

        using (var json = await client.GetAsync(new Uri("/tiles", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
            Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
            AssertDataHeaders(json);
        }

        foreach (var missing in new[] { "/api/boundaries/counties/99999", "/no/such/thing" })
        {
            using var problem = await client.GetAsync(new Uri(missing, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, problem.StatusCode);
            Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
            AssertDataHeaders(problem);
        }

        using (var png = await client.GetAsync(new Uri("/tiles/counties/legend.png?metric=fatal_rate", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, png.StatusCode);
            Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
            AssertDataHeaders(png);
        }

        // Other tests ingest meanwhile: a new data version between the two requests makes a new ETag, so try again.
        var url = new Uri("/tiles/states/0/0/0.mvt", UriKind.Relative);
        HttpResponseMessage? notModified = null;
        for (var attempt = 0; attempt < 5 && notModified?.StatusCode != HttpStatusCode.NotModified; attempt++)
        {
            notModified?.Dispose();
            using var tile = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, tile.StatusCode);
            AssertDataHeaders(tile);
            using var again = new HttpRequestMessage(HttpMethod.Get, url);
            again.Headers.IfNoneMatch.Add(tile.Headers.ETag!);
            notModified = await client.SendAsync(again);
        }

        Assert.Equal(HttpStatusCode.NotModified, notModified!.StatusCode);
        AssertDataHeaders(notModified, framingPolicy: false); // the framing policy stored with the tile stays
        notModified.Dispose();
    }

    [Fact]
    public void Html_gets_the_web_map_policy_https_gets_hsts_and_an_endpoints_own_header_is_kept()
    {
        var page = new DefaultHttpContext();
        page.Request.Scheme = "https";
        page.Response.ContentType = "text/html; charset=utf-8";
        HttpHardening.AddSecurityHeaders(page);
        Assert.Equal(
            "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; child-src blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self'",
            page.Response.Headers.ContentSecurityPolicy.ToString());
        Assert.Equal("SAMEORIGIN", page.Response.Headers.XFrameOptions.ToString());
        Assert.Equal("nosniff", page.Response.Headers.XContentTypeOptions.ToString());
        Assert.StartsWith("max-age=", page.Response.Headers.StrictTransportSecurity.ToString(), StringComparison.Ordinal);

        var own = new DefaultHttpContext();
        own.Response.ContentType = "text/html";
        own.Response.Headers.ContentSecurityPolicy = "default-src 'none'";
        HttpHardening.AddSecurityHeaders(own);
        Assert.Equal("default-src 'none'", own.Response.Headers.ContentSecurityPolicy.ToString());
        Assert.Equal(0, own.Response.Headers.StrictTransportSecurity.Count);
    }

    [Fact]
    public async Task Cors_preflight_is_answered_for_a_listed_origin_only()
    {
        await using var server = Server(("Http:CorsOrigins:0", Dashboard), ("Http:CorsOrigins:1", "http://localhost:5173"));
        using var client = server.CreateClient();

        using (var allowed = await client.SendAsync(Preflight(Dashboard)))
        {
            Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
            Assert.Equal(Dashboard, Header(allowed, "Access-Control-Allow-Origin"));
            Assert.Equal("true", Header(allowed, "Access-Control-Allow-Credentials"));
            Assert.Contains("GET", Header(allowed, "Access-Control-Allow-Methods") ?? "", StringComparison.Ordinal);
            var headers = Header(allowed, "Access-Control-Allow-Headers") ?? "";
            Assert.Contains("x-api-key", headers, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("if-none-match", headers, StringComparison.OrdinalIgnoreCase);
        }

        using (var other = await client.SendAsync(Preflight("https://evil.example.net")))
        {
            Assert.Null(Header(other, "Access-Control-Allow-Origin"));
            Assert.Null(Header(other, "Access-Control-Allow-Headers"));
        }

        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri("/tiles/counties.json", UriKind.Relative));
        get.Headers.Add("Origin", Dashboard);
        using var tileJson = await client.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, tileJson.StatusCode);
        Assert.Equal(Dashboard, Header(tileJson, "Access-Control-Allow-Origin"));
        Assert.Contains("ETag", Header(tileJson, "Access-Control-Expose-Headers") ?? "", StringComparison.Ordinal);
        Assert.Contains("Origin", Header(tileJson, "Vary") ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cors_off_by_default_and_star_allows_any_origin_without_credentials()
    {
        using (var client = factory.CreateClient())
        {
            using var none = await client.SendAsync(Preflight(Dashboard));
            Assert.Null(Header(none, "Access-Control-Allow-Origin"));
        }

        await using var server = Server(("Http:CorsOrigins:0", "*"));
        using var open = server.CreateClient();
        using var any = await open.SendAsync(Preflight("https://anyone.example.com"));
        Assert.Equal("*", Header(any, "Access-Control-Allow-Origin"));
        Assert.Null(Header(any, "Access-Control-Allow-Credentials"));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri("/tiles/counties/5/9/12.mvt", UriKind.Relative));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "x-api-key,if-none-match");
        return request;
    }

    [Fact]
    public async Task Rate_limit_gives_429_with_retry_after_and_leaves_health_alone()
    {
        await using var server = Server(("Http:PublicPermitsPerMinute", "5"));
        using var client = server.CreateClient();
        var catalog = new Uri("/tiles", UriKind.Relative);
        for (var i = 0; i < 5; i++)
        {
            using var ok = await client.GetAsync(catalog);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await client.GetAsync(catalog);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60); // five a minute: a permit every 12 s
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        using (var doc = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()))
        {
            Assert.Equal(429, doc.RootElement.GetProperty("status").GetInt32());
        }

        AssertDataHeaders(limited);

        for (var i = 0; i < 8; i++)
        {
            using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    [Fact]
    public async Task Rate_limit_counts_each_api_key_apart_from_the_address()
    {
        await using var server = Server(("Http:PublicPermitsPerMinute", "2"), ("Http:KeyPermitsPerMinute", "3"));
        await using var keyed = server.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddTransient<IStartupFilter, TestKeyAuthentication>()));
        using var client = keyed.CreateClient();

        async Task<int[]> StatusesAsync(string? key, int count)
        {
            var statuses = new int[count];
            for (var i = 0; i < count; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/tiles", UriKind.Relative));
                if (key is not null)
                {
                    request.Headers.Add(TestKeyAuthentication.Header, key);
                }

                using var response = await client.SendAsync(request);
                statuses[i] = (int)response.StatusCode;
            }

            return statuses;
        }

        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(null, 3));
        Assert.Equal(new[] { 200, 200, 200, 429 }, await StatusesAsync("gk_first", 4));
        Assert.Equal(new[] { 200, 200, 200, 429 }, await StatusesAsync("gk_second", 4));
        Assert.Equal(new[] { 429 }, await StatusesAsync(null, 1));
    }

    /// <summary>Stands in for the API key authentication: the header's value becomes the caller's key claim.</summary>
    private sealed class TestKeyAuthentication : IStartupFilter
    {
        public const string Header = "X-Test-Key";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers[Header].ToString() is { Length: > 0 } key)
                {
                    context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(GeoOrsClaims.Key, key), new Claim(GeoOrsClaims.Role, "analyst")], "test"));
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }

    [Fact]
    public void Bucket_spreads_a_minutes_permits_and_ipv6_clients_count_by_their_64()
    {
        var publicBucket = HttpHardening.Bucket(1200);
        Assert.Equal((1200, 20, TimeSpan.FromSeconds(1)), (publicBucket.TokenLimit, publicBucket.TokensPerPeriod, publicBucket.ReplenishmentPeriod));
        var tiny = HttpHardening.Bucket(5);
        Assert.Equal((5, 1, TimeSpan.FromSeconds(12)), (tiny.TokenLimit, tiny.TokensPerPeriod, tiny.ReplenishmentPeriod));

        Assert.Equal("2001:db8:1:2::/64", HttpHardening.ClientAddress(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal(HttpHardening.ClientAddress(IPAddress.Parse("2001:db8:1:2::1")), HttpHardening.ClientAddress(IPAddress.Parse("2001:db8:1:2::2")));
        Assert.Equal("192.0.2.7", HttpHardening.ClientAddress(IPAddress.Parse("::ffff:192.0.2.7")));
        Assert.Equal("unknown", HttpHardening.ClientAddress(null));
    }

    [Fact]
    public async Task Bodies_over_the_limits_are_413_problems_through_kestrel()
    {
        await using var server = Server(("Http:MaxBodyBytes", "1000"), ("Http:MaxIngestBytes", "4000"));
        server.UseKestrel(0);
        using var client = server.CreateClient("admin"); // the endpoints below are an ingester's
        Assert.NotEqual(80, client.BaseAddress!.Port); // Kestrel on a port of its own, not the in-memory TestServer

        // Beyond Http:MaxBodyBytes on endpoints that do not lift it: with a length, and chunked.
        var json = "{\"external_id\":\"" + new string('x', 5000) + "\"}";
        await AssertTooLargeAsync(await client.PostAsync(new Uri("/api/ingest/overdoses/event", UriKind.Relative), Body(json, "application/json", chunked: false)));
        await AssertTooLargeAsync(await client.PutAsync(new Uri("/api/ingest/mappings/too-big", UriKind.Relative), Body(json, "application/json", chunked: true)));

        // Batches may be larger than Http:MaxBodyBytes: 2.8 KB of invalid rows are read to the end (422, not 413) ...
        var agency = "limit-" + Guid.NewGuid().ToString("N")[..10];
        var ingest = new Uri($"/api/ingest/overdoses?agency={agency}", UriKind.Relative);
        using (var read = await client.PostAsync(ingest, Body(Csv(70), "text/csv", chunked: false)))
        {
            var text = await read.Content.ReadAsStringAsync();
            Assert.True(read.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)read.StatusCode}: {text}");
            using var batch = JsonDocument.Parse(text);
            Assert.Equal(70, batch.RootElement.GetProperty("rows_read").GetInt32());
        }

        // ... but not beyond Http:MaxIngestBytes, with a length or chunked.
        await AssertTooLargeAsync(await client.PostAsync(ingest, Body(Csv(250), "text/csv", chunked: false)), "Http:MaxIngestBytes");
        await AssertTooLargeAsync(await client.PostAsync(ingest, Body(Csv(250), "text/csv", chunked: true)), "Http:MaxIngestBytes");

        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static async Task AssertTooLargeAsync(HttpResponseMessage response, string? detail = null)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var doc = JsonDocument.Parse(text);
            Assert.Equal(413, doc.RootElement.GetProperty("status").GetInt32());
            if (detail is not null)
            {
                Assert.Contains(detail, doc.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            AssertDataHeaders(response);
        }
    }

    /// <summary>Invalid rows (latitude 999) of about 40 bytes each.</summary>
    private static string Csv(int rows)
    {
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\r\n");
        for (var i = 0; i < rows; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"n{i:D4},2024-01-01T00:00:00Z,999,999,false\r\n");
        }

        return csv.ToString();
    }

    private static HttpContent Body(string text, string mediaType, bool chunked)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        HttpContent content = chunked ? new ChunkedContent(bytes) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>A body sent without a Content-Length (chunked), so only Kestrel's count can stop it.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += 512)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(512, bytes.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Analysis_and_planning_bodies_have_a_larger_limit_of_their_own_through_kestrel()
    {
        await using var server = Server(("Http:MaxBodyBytes", "1000"), ("Http:MaxAnalysisBodyBytes", "4000"));
        server.UseKestrel(0);
        using var client = server.CreateClient("analyst");
        static string Series(int days) =>
            "{\"method\":\"ears_c1\",\"series\":[" + string.Join(",", Enumerable.Range(0, days).Select(d =>
                "{\"date\":\"" + new DateOnly(2024, 1, 1).AddDays(d).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "\",\"count\":1}")) + "]}";

        // Over Http:MaxBodyBytes but within Http:MaxAnalysisBodyBytes: read and analysed, with a length and chunked.
        var within = Series(100);
        Assert.InRange(within.Length, 1001, 4000);
        foreach (var chunked in new[] { false, true })
        {
            using var analysed = await client.PostAsync(new Uri("/api/analysis/spikes", UriKind.Relative), Body(within, "application/json", chunked));
            Assert.True(analysed.StatusCode == HttpStatusCode.OK, await analysed.Content.ReadAsStringAsync());
        }

        // Beyond it: 413 naming the setting, with a length and chunked, on analysis and planning.
        var beyond = Series(150);
        Assert.True(beyond.Length > 4000);
        foreach (var chunked in new[] { false, true })
        {
            await AssertTooLargeAsync(await client.PostAsync(new Uri("/api/analysis/spikes", UriKind.Relative), Body(beyond, "application/json", chunked)), "Http:MaxAnalysisBodyBytes");
            await AssertTooLargeAsync(await client.PostAsync(new Uri("/api/analysis/hotspots", UriKind.Relative), Body(beyond, "application/json", chunked)), "Http:MaxAnalysisBodyBytes");
        }

        var plan = "{\"area\":{\"county\":\"56027\"},\"k\":1,\"radiusMeters\":500,\"candidates\":{\"csv\":\"" + new string('x', 5000) + "\"}}";
        await AssertTooLargeAsync(await client.PostAsync(new Uri("/api/planning/naloxone", UriKind.Relative), Body(plan, "application/json", chunked: false)), "Http:MaxAnalysisBodyBytes");
        await AssertTooLargeAsync(await client.PutAsync(new Uri("/api/planning/sites", UriKind.Relative), Body(plan, "application/json", chunked: true)), "Http:MaxAnalysisBodyBytes");
    }

    [Fact]
    public async Task Expensive_requests_beyond_the_concurrency_limits_get_429_with_retry_after()
    {
        await using var server = Server(("Limits:HeavyConcurrency", "2"), ("Limits:HeavyConcurrencyPerClient", "1"));
        server.UseKestrel(0);

        // Plain clients on the real socket: the factory's own clients buffer a request's body (to follow redirects), and these must not.
        Uri address;
        using (var factoryClient = server.CreateClient())
        {
            address = factoryClient.BaseAddress!;
        }

        async Task<HttpClient> ClientAsync()
        {
            var client = new HttpClient { BaseAddress = address };
            client.DefaultRequestHeaders.Add("X-Api-Key", await server.KeyForAsync("analyst"));
            return client;
        }

        using var first = await ClientAsync();
        using var second = await ClientAsync();
        using var third = await ClientAsync();
        var spikes = new Uri("/api/analysis/spikes", UriKind.Relative);
        const string Json = """{"method":"ears_c1","series":[{"date":"2024-01-01","count":1}]}""";
        async Task<HttpResponseMessage> PostAsync(HttpClient client) =>
            await client.PostAsync(spikes, new StringContent(Json, Encoding.UTF8, "application/json"));

        // The first and second keys each hold an analysis open (their bodies not yet sent in full). Each
        // is waited for on the server's side: a probe of the same key could take the permit first.
        var heavy = server.Services.GetRequiredService<HeavyRequests>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdingFirst = first.PostAsync(spikes, new HeldContent(Json, release.Task));
        await WaitForAsync(1, holdingFirst);
        var holdingSecond = second.PostAsync(spikes, new HeldContent(Json, release.Task));
        await WaitForAsync(2, holdingSecond);

        // The first key is at its own limit, and a third key finds the server at its limit.
        foreach (var client in new[] { first, third })
        {
            using var refused = await PostAsync(client);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(WorkLimits.BusyRetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Limits:HeavyConcurrency", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Cheap requests are not limited meanwhile; and once the held ones end, the permits are free again.
        using (var tiles = await third.GetAsync(new Uri("/tiles", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, tiles.StatusCode);
        }

        release.SetResult();
        using (var held = await holdingFirst)
        {
            Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        }

        using (var held = await holdingSecond)
        {
            Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        }

        using var again = await PostAsync(first);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // Holds until the held request has its permit: that many expensive requests are running.
        async Task WaitForAsync(int running, Task<HttpResponseMessage> holding)
        {
            for (var attempt = 0; heavy.Running < running; attempt++)
            {
                Assert.False(holding.IsCompleted, "the held request ended early");
                Assert.True(attempt < 600, "the held request never took its permit"); // a minute: the suite keeps both cores busy
                await Task.Delay(100);
            }
        }
    }

    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _json;
        private readonly Task _release;

        public HeldContent(string json, Task release)
        {
            _json = Encoding.UTF8.GetBytes(json);
            _release = release;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_json.AsMemory(0, 10));
            await stream.FlushAsync();
            await _release;
            await stream.WriteAsync(_json.AsMemory(10));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Theory]
    [InlineData("Http:CorsOrigins:0", "not a url", "Http:CorsOrigins")]
    [InlineData("Http:MaxBodyBytes", "0", "Http:MaxBodyBytes")]
    [InlineData("Http:PublicBaseUrl", "geoors.example.org", "Http:PublicBaseUrl")]
    [InlineData("Http:MaxAnalysisBodyBytes", "0", "Http:MaxAnalysisBodyBytes")]
    [InlineData("Limits:MaxPermutations", "-1", "MaxPermutations")]
    [InlineData("Limits:ComputeTimeout", "00:00:00", "ComputeTimeout")]
    [InlineData("Limits:HeavyConcurrencyPerClient", "10000", "Limits:HeavyConcurrencyPerClient")]
    [InlineData("Database:StatementTimeouts:Tiles", "00:00:00", "Database:StatementTimeouts:Tiles")]
    public async Task Invalid_settings_stop_the_server_at_start(string key, string value, string named)
    {
        await using var server = Server((key, value));
        var error = Assert.ThrowsAny<Exception>(() => server.CreateClient());
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        if (error is AggregateException aggregate)
        {
            messages.AddRange(aggregate.Flatten().InnerExceptions.Select(e => e.Message));
        }

        Assert.Contains(messages, m => m.Contains(named, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("https://dashboard.example.org/")]
    [InlineData("https://dashboard.example.org/maps")]
    [InlineData("https://dashboard.example.org?x=1")]
    [InlineData("https://dashboard.example.org:443")]
    [InlineData("https://user@dashboard.example.org")]
    [InlineData("ftp://dashboard.example.org")]
    [InlineData("dashboard.example.org")]
    [InlineData("")]
    [InlineData("*", "https://dashboard.example.org")]
    public void Origins_must_be_bare_http_origins_or_a_lone_star(params string[] origins) =>
        Assert.True(Validate(new HttpOptions { CorsOrigins = origins }).Failed);

    [Theory]
    [InlineData("geoors.example.org", false)]
    [InlineData("ftp://geoors.example.org", false)]
    [InlineData("https://user@geoors.example.org", false)]
    [InlineData("https://geoors.example.org/?x=1", false)]
    [InlineData("https://geoors.example.org/#top", false)]
    [InlineData("", true)]
    [InlineData("https://geoors.example.org", true)]
    [InlineData("http://10.0.0.5:8080/geoors/", true)]
    public void The_public_base_url_is_an_http_base_without_user_query_or_fragment(string url, bool valid)
    {
        Assert.Equal(valid, Validate(new HttpOptions { PublicBaseUrl = url }).Succeeded);
        if (valid && url.Length > 0)
        {
            Assert.Equal(url.TrimEnd('/') + "/api/briefs/archive/7", new HttpOptions { PublicBaseUrl = url }.Link("/api/briefs/archive/7"));
        }
    }

    [Fact]
    public void Limits_must_be_positive_and_good_settings_pass()
    {
        Assert.True(Validate(new HttpOptions { PublicPermitsPerMinute = 0 }).Failed);
        Assert.True(Validate(new HttpOptions { KeyPermitsPerMinute = -1 }).Failed);
        Assert.True(Validate(new HttpOptions { MaxBodyBytes = 0 }).Failed);
        Assert.True(Validate(new HttpOptions { MaxIngestBytes = -5 }).Failed);
        Assert.True(Validate(new HttpOptions { MaxAnalysisBodyBytes = 0 }).Failed);
        Assert.Equal(8L << 20, new HttpOptions().MaxAnalysisBodyBytes);

        Assert.True(Validate(new HttpOptions()).Succeeded);
        Assert.True(Validate(new HttpOptions { CorsOrigins = ["*"] }).Succeeded);
        Assert.True(Validate(new HttpOptions { CorsOrigins = [Dashboard, "http://localhost:5173", "https://[2001:db8::1]:8443"] }).Succeeded);
        var defaults = new HttpOptions();
        Assert.Equal((1200, 6000, 1L << 20, 4L << 30), (defaults.PublicPermitsPerMinute, defaults.KeyPermitsPerMinute, defaults.MaxBodyBytes, defaults.MaxIngestBytes));
    }

    private static ValidateOptionsResult Validate(HttpOptions options) =>
        new DataAnnotationValidateOptions<HttpOptions>(null).Validate(null, options);
}
