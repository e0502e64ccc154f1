using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed from the proxies in
/// <c>Http:TrustedProxies</c> only: behind a trusted proxy the rate limit and the <c>/metrics</c>
/// loopback rule see the client the proxy names; from anyone else the headers change nothing.
/// </summary>
// One test scrapes /metrics: run beside no other server, as the telemetry tests are (a scrape while
// other test servers come and go hung until the request timed out, once, in a fresh-clone run).
[Collection(TelemetryTests.Alone)]
public sealed class ForwardedHeadersTests
{
    private const string Proxy = "10.1.2.3";

    private static GeoOrsFactory Server(params (string Key, string? Value)[] settings) =>
        new(settings.ToDictionary(s => s.Key, s => s.Value));

    /// <summary>A GET of <paramref name="path"/> from <paramref name="peer"/>, with an X-Forwarded-For of <paramref name="forwardedFor"/> when given.</summary>
    private static async Task<HttpContext> GetAsync(TestServer server, string path, string peer, string? forwardedFor = null, string? proto = null) =>
        await server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Get;
            http.Request.Path = path;
            http.Connection.RemoteIpAddress = IPAddress.Parse(peer);
            if (forwardedFor is not null)
            {
                http.Request.Headers["X-Forwarded-For"] = forwardedFor;
            }

            if (proto is not null)
            {
                http.Request.Headers["X-Forwarded-Proto"] = proto;
            }
        });

    private static async Task<int[]> StatusesAsync(TestServer server, string peer, params string?[] forwardedFor)
    {
        var statuses = new int[forwardedFor.Length];
        for (var i = 0; i < forwardedFor.Length; i++)
        {
            statuses[i] = (await GetAsync(server, "/tiles", peer, forwardedFor[i])).Response.StatusCode;
        }

        return statuses;
    }

    [Fact]
    public async Task Without_trusted_proxies_a_forwarded_address_changes_nothing()
    {
        await using var factory = Server(("Http:PublicPermitsPerMinute", "2"));
        var server = factory.Server;

        // Loopback is not trusted by default either: each request counts against its own peer.
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(server, "127.0.0.1", "203.0.113.1", "203.0.113.2", "203.0.113.3"));
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(server, "198.51.100.7", null, "203.0.113.4", "203.0.113.5"));
        var https = await GetAsync(server, "/health", "198.51.100.8", "203.0.113.6", "https");
        Assert.Equal("http", https.Request.Scheme);
        Assert.Equal(IPAddress.Parse("198.51.100.8"), https.Connection.RemoteIpAddress);
    }

    [Fact]
    public async Task From_a_trusted_proxy_each_forwarded_client_has_its_own_limit_and_others_cannot_spoof_one()
    {
        await using var factory = Server(("Http:PublicPermitsPerMinute", "2"), ("Http:TrustedProxies:0", Proxy));
        var server = factory.Server;

        // Through the proxy: the client it names is counted, each apart.
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(server, Proxy, "203.0.113.1", "203.0.113.1", "203.0.113.1"));
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(server, Proxy, "203.0.113.2", "203.0.113.2", "203.0.113.2"));

        // Only the address the proxy saw is believed, not what the client wrote before it.
        Assert.Equal(new[] { 429 }, await StatusesAsync(server, Proxy, "203.0.113.9, 203.0.113.1"));

        // A caller that is not the proxy names whoever it likes and is still counted as itself.
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(server, "198.51.100.7", "203.0.113.3", "203.0.113.4", "203.0.113.5"));
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(server, "127.0.0.1", "203.0.113.10", "203.0.113.11", "203.0.113.12"));
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(server, "::1", "203.0.113.13", "203.0.113.14", "203.0.113.15"));

        var forwarded = await GetAsync(server, "/health", Proxy, "203.0.113.6", "https");
        Assert.Equal(IPAddress.Parse("203.0.113.6"), forwarded.Connection.RemoteIpAddress);
        Assert.Equal("https", forwarded.Request.Scheme);
    }

    [Fact]
    public async Task Trusted_networks_are_accepted_and_a_wrong_entry_stops_the_server()
    {
        await using (var factory = Server(("Http:PublicPermitsPerMinute", "2"), ("Http:TrustedProxies:0", "10.0.0.0/8")))
        {
            var forwarded = await GetAsync(factory.Server, "/health", Proxy, "203.0.113.6");
            Assert.Equal(IPAddress.Parse("203.0.113.6"), forwarded.Connection.RemoteIpAddress);
        }

        await using var wrong = Server(("Http:TrustedProxies:0", "nginx.local"));
        var error = Assert.ThrowsAny<Exception>(() => wrong.Server);
        Assert.Contains("Http:TrustedProxies", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_from_loopback_see_the_client_behind_a_trusted_proxy()
    {
        await using var factory = Server(("Telemetry:MetricsFromLoopback", "true"), ("Http:TrustedProxies:0", "127.0.0.1"));
        var server = factory.Server;

        Assert.Equal(200, (await GetAsync(server, "/metrics", "127.0.0.1")).Response.StatusCode);
        Assert.Equal(401, (await GetAsync(server, "/metrics", "127.0.0.1", "203.0.113.9")).Response.StatusCode);
        Assert.Equal(200, (await GetAsync(server, "/metrics", "127.0.0.1", "127.0.0.1")).Response.StatusCode);

        // The same header from a remote peer that is not the proxy is refused as before.
        Assert.Equal(401, (await GetAsync(server, "/metrics", "203.0.113.9", "127.0.0.1")).Response.StatusCode);
    }
}
