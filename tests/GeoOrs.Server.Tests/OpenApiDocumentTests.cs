using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace GeoOrs.Server.Tests;

/// <summary>The REST API's OpenAPI document: valid OpenAPI 3.1, and exactly the routing table's REST routes.</summary>
public class OpenApiDocumentTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    /// <summary>
    /// The routes that are not the REST API and so are not in the document: OGC API – Features (its
    /// own document at /ogc/api), the jobs dashboard, the reference page, the document itself,
    /// the metrics, and the web map's pages and bundle.
    /// </summary>
    private static readonly string[] ExcludedPrefixes = ["/ogc", "/jobs", "/docs", "/openapi", "/metrics", "/dist"];

    private static readonly string[] WebMapPages = ["/", "/embed"];

    private static bool Excluded(string path) =>
        WebMapPages.Contains(path) || ExcludedPrefixes.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal));

    private async Task<(string Json, ReadResult Read)> LoadAsync()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var read = OpenApiDocument.Parse(json, "json", new OpenApiReaderSettings());
        return (json, read);
    }

    [Fact]
    public async Task Document_loads_as_valid_openapi_3_1()
    {
        var (json, read) = await LoadAsync();

        Assert.NotNull(read.Document);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic!.SpecificationVersion);
        Assert.True(read.Diagnostic.Errors.Count == 0, string.Join("\n", read.Diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        var validation = read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(validation.Count == 0, string.Join("\n", validation.Select(e => $"{e.Pointer}: {e.Message}")));
        using var raw = JsonDocument.Parse(json);
        Assert.StartsWith("3.1", raw.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Document_names_both_key_schemes_and_each_operations_roles()
    {
        var (json, read) = await LoadAsync();
        var document = read.Document!;

        var schemes = document.Components!.SecuritySchemes!;
        Assert.Equal(SecuritySchemeType.Http, schemes["bearer"].Type);
        Assert.Equal("bearer", schemes["bearer"].Scheme);
        Assert.Equal(SecuritySchemeType.ApiKey, schemes["apiKey"].Type);
        Assert.Equal(ParameterLocation.Header, schemes["apiKey"].In);
        Assert.Equal("X-Api-Key", schemes["apiKey"].Name);

        string[] Roles(string path, HttpMethod method)
        {
            var operation = document.Paths[path].Operations![method];
            var extension = Assert.IsType<JsonNodeExtension>(operation.Extensions!["x-geoors-roles"]);
            return [.. extension.Node.AsArray().Select(n => n!.GetValue<string>())];
        }

        // From the routes' policies: admin, analysts (analyst, law_enforcement, admin), partners (every key), none.
        Assert.Equal(["admin"], Roles("/api/admin/sharing", HttpMethod.Get));
        Assert.Equal(["analyst", "law_enforcement", "admin"], Roles("/api/analysis/hotspots", HttpMethod.Post));
        Assert.Equal(["partner", "analyst", "law_enforcement", "admin"], Roles("/api/alerts", HttpMethod.Get));
        Assert.Equal(["public"], Roles("/api/boundaries/lookup", HttpMethod.Get));
        Assert.Equal(["admin"], Roles("/api/hotspots/runs", HttpMethod.Post));
        Assert.Equal(["public"], Roles("/api/hotspots/runs", HttpMethod.Get));

        var admin = document.Paths["/api/admin/sharing"].Operations![HttpMethod.Get];
        Assert.Contains("admin", admin.Description, StringComparison.Ordinal);
        Assert.All(new[] { "401", "403", "429" }, code => Assert.True(admin.Responses!.ContainsKey(code), code));
        Assert.Contains("application/problem+json", admin.Responses!["403"].Content!.Keys);
        Assert.Equal(2, admin.Security!.Count);
        // Bodies the handlers read themselves are described by their records, names as sent.
        foreach (var (path, method) in new[] { ("/api/analysis/hotspots", HttpMethod.Post), ("/api/analysis/spikes", HttpMethod.Post),
            ("/api/planning/naloxone", HttpMethod.Post), ("/api/planning/sites", HttpMethod.Put), ("/api/webhooks", HttpMethod.Post) })
        {
            var operation = document.Paths[path].Operations![method];
            Assert.True(operation.RequestBody?.Content?.ContainsKey("application/json") == true, $"{method} {path} has no JSON body");
            Assert.True(operation.Responses!.ContainsKey("400"), $"{method} {path} has no 400");
        }

        Assert.Contains("\"minSigma\"", json, StringComparison.Ordinal);
        Assert.Contains("\"distanceMeters\"", json, StringComparison.Ordinal);
        Assert.Contains("\"radiusMeters\"", json, StringComparison.Ordinal);

        var open = document.Paths["/api/boundaries/lookup"].Operations![HttpMethod.Get];
        Assert.False(open.Responses!.ContainsKey("403"));
        Assert.Contains(open.Security!, requirement => requirement.Count == 0); // no key needed
    }

    [Fact]
    public async Task Document_paths_equal_the_routing_table()
    {
        var (_, read) = await LoadAsync();
        var documented = read.Document!.Paths
            .SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method.ToUpperInvariant()} {p.Key}"))
            .ToHashSet(StringComparer.Ordinal);

        var routed = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: PathOf(e.RoutePattern), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]))
            .Where(e => !Excluded(e.Path))
            .SelectMany(e => e.Methods.Where(m => m != HttpMethods.Head).Select(m => $"{m} {e.Path}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(routed);
        Assert.True(routed.Count > 40, $"only {routed.Count} routes");
        Assert.Empty(routed.Except(documented).Order(StringComparer.Ordinal)); // every REST route is documented
        Assert.Empty(documented.Except(routed).Order(StringComparer.Ordinal)); // and nothing else
        Assert.DoesNotContain(documented, d => Excluded(d[(d.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
    }

    [Fact]
    public async Task Reference_page_loads_its_scripts_from_the_server_under_a_nonce()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/docs/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        var policy = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(policy, "script-src 'self' 'nonce-([A-Za-z0-9_-]+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.StartsWith("default-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script([^>]*)>").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Contains($"nonce=\"{nonce}\"", s, StringComparison.Ordinal));
        Assert.DoesNotContain("://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal); // nothing from elsewhere

        // A second page gets a nonce of its own.
        using var again = await client.GetAsync(new Uri("/docs/", UriKind.Relative));
        Assert.DoesNotContain(nonce, string.Join(' ', again.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        using var script = await client.GetAsync(new Uri("/docs/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    /// <summary>A route pattern as OpenAPI writes a path: parameters as <c>{name}</c>, without constraints, defaults or optional marks.</summary>
    private static string PathOf(RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            _ => throw new InvalidOperationException(p.GetType().Name),
        })));
        return "/" + string.Join('/', segments);
    }
}
