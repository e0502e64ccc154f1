using System.Net;
using System.Net.Http.Headers;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The web map's routes through the whole server: <c>/</c> and <c>/embed</c> as HTML under the
/// page policy MapLibre needs, <c>/dist/*</c> with strong ETags and revalidation, the configured
/// basemap passed to the page and admitted by its policy, and the embed framed by the dashboards.
/// The bundle is what <c>web/</c> builds (<c>./geoors test</c> builds it first).
/// </summary>
public sealed class WebMapEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content) : null;

    private static void AssertBundleBuilt() =>
        Assert.True(File.Exists(Path.Combine(PostGis.RepoRoot, "src", "GeoOrs.Server", "wwwroot", "dist", "app.js")),
            "the web map is not built: cd web && npm ci && npm run build (./geoors test does it)");

    [Theory]
    [InlineData("/", "/dist/app.js")]
    [InlineData("/embed", "/dist/embed.js")]
    public async Task Pages_are_html_under_the_map_policy_and_load_their_bundle(string path, string script)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpHardening.HtmlContentSecurityPolicy, Header(response, "Content-Security-Policy"));
        Assert.Contains("worker-src 'self' blob:", HttpHardening.HtmlContentSecurityPolicy, StringComparison.Ordinal); // MapLibre's workers
        Assert.Contains("img-src 'self' data: blob:", HttpHardening.HtmlContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("SAMEORIGIN", Header(response, "X-Frame-Options"));
        Assert.Equal("no-cache", Header(response, "Cache-Control"));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<script type=\"module\" src=\"{script}\"></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // the policy allows no inline script
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal); // no CDN, no external basemap by default

        // Revalidation: the same page again is a 304.
        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Theory]
    [InlineData("app.js", "text/javascript")]
    [InlineData("embed.js", "text/javascript")]
    [InlineData("app.css", "text/css")]
    [InlineData("maplibre-gl-worker.mjs", "text/javascript")]
    public async Task The_bundle_is_served_with_strong_etags_and_revalidated(string file, string mediaType)
    {
        AssertBundleBuilt();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/dist/" + file, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", Header(response, "Cache-Control"));
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000);

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri("/dist/" + file, UriKind.Relative));
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Theory]
    [InlineData("/dist/nothing.js")]
    [InlineData("/dist/..%2Fappsettings.json")]
    [InlineData("/dist/../index.html")]
    [InlineData("/dist/.hidden")]
    [InlineData("/dist/sub/app.js")]
    public async Task Nothing_outside_the_bundle_is_served(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
        Assert.DoesNotContain("ConnectionString", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, br;q=0", "gzip")]
    [InlineData("br;q=0, gzip;q=0", null)]
    public async Task Scripts_go_compressed_to_browsers_that_take_it(string accept, string? expected)
    {
        using var client = factory.CreateClient();
        var raw = await client.GetByteArrayAsync(new Uri("/dist/app.js", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/dist/app.js", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected is null ? [] : [expected], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var body = await response.Content.ReadAsByteArrayAsync();
        using var input = new MemoryStream(body);
        using Stream decoded = expected switch
        {
            "br" => new System.IO.Compression.BrotliStream(input, System.IO.Compression.CompressionMode.Decompress),
            "gzip" => new System.IO.Compression.GZipStream(input, System.IO.Compression.CompressionMode.Decompress),
            _ => input,
        };
        using var plain = new MemoryStream();
        await decoded.CopyToAsync(plain);
        Assert.Equal(raw, plain.ToArray());
        if (expected is not null)
        {
            Assert.True(body.Length < raw.Length / 2, $"{body.Length} of {raw.Length} bytes");
        }
    }

    [Fact]
    public async Task A_configured_basemap_reaches_the_page_and_its_policy()
    {
        await using var server = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["WebMap:BasemapStyleUrl"] = "https://tiles.example.org/styles/light.json?key=a&b=c",
        });
        using var client = server.CreateClient();
        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<meta name=\"geoors-basemap\" content=\"https://tiles.example.org/styles/light.json?key=a&amp;b=c\">", html, StringComparison.Ordinal);
        var policy = Header(response, "Content-Security-Policy")!;
        Assert.Contains("connect-src 'self' https://tiles.example.org", policy, StringComparison.Ordinal);
        Assert.Contains("img-src 'self' https://tiles.example.org", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_embed_may_be_framed_by_the_configured_dashboards_only()
    {
        await using var server = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Http:CorsOrigins:0"] = "https://dashboard.example.org",
        });
        using var client = server.CreateClient();
        using var embed = await client.GetAsync(new Uri("/embed?layer=counties", UriKind.Relative));
        Assert.Contains("frame-ancestors 'self' https://dashboard.example.org", Header(embed, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Null(Header(embed, "X-Frame-Options"));

        using var page = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("frame-ancestors 'self'", Header(page, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.DoesNotContain("dashboard.example.org", Header(page, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("SAMEORIGIN", Header(page, "X-Frame-Options"));
    }

    [Fact]
    public async Task A_basemap_that_is_not_an_http_url_stops_the_server()
    {
        await using var server = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["WebMap:BasemapStyleUrl"] = "javascript:alert(1)",
        });
        var error = Assert.ThrowsAny<Exception>(() => server.CreateClient());
        Assert.Contains("BasemapStyleUrl", error.ToString(), StringComparison.Ordinal);
    }
}
