using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GeoOrs.Data.Access;
using GeoOrs.Tests;
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
    public async Task Every_response_and_query_parameter_is_described()
    {
        var (json, _) = await LoadAsync();
        using var raw = JsonDocument.Parse(json);
        var undescribed = new List<string>();
        foreach (var path in raw.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                // Each success answer names what it carries: a schema of its media type, or no body at all.
                foreach (var response in operation.Value.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2') && r.Name != "204"))
                {
                    if (!response.Value.TryGetProperty("content", out var content) || !content.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _)))
                    {
                        undescribed.Add($"{operation.Name.ToUpperInvariant()} {path.Name} {response.Name}");
                    }
                }
            }
        }

        Assert.Empty(undescribed);
        Assert.DoesNotContain("\"$type\"", json, StringComparison.Ordinal); // answers of several shapes carry no discriminator, in the document as on the wire

        // The parameters handlers read from the query themselves, typed.
        string? TypeOf(string path, string method, string parameter) =>
            raw.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("parameters").EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == "query" && p.GetProperty("name").GetString() == parameter)
                .Select(p => p.GetProperty("schema").GetProperty("type").GetString()).SingleOrDefault();
        Assert.Equal("integer", TypeOf("/api/admin/audit", "get", "limit"));
        Assert.Equal("string", TypeOf("/api/admin/audit", "get", "acting_for"));
        Assert.Equal("boolean", TypeOf("/api/admin/agency-review", "get", "open"));
        Assert.Equal("string", TypeOf("/api/alerts", "get", "area"));
        Assert.Equal("string", TypeOf("/api/alerts/stream", "get", "method"));
        Assert.Null(TypeOf("/api/alerts/stream", "get", "limit")); // the stream takes no limit
        Assert.Equal("number", TypeOf("/api/planning/targets", "get", "radiusMeters"));
        Assert.Equal("string", TypeOf("/api/areas/{kind}/{id}", "get", "from"));
        Assert.Equal("string", TypeOf("/api/ingest/overdoses", "post", "mode"));
        Assert.Equal("boolean", TypeOf("/tiles/{layer}/{z}/{x}/{y}.mvt", "get", "fatal"));
        Assert.Equal("string", TypeOf("/tiles/{layer}/{z}/{x}/{y}.png", "get", "metric"));
    }

    [Fact]
    public async Task Each_request_example_is_taken_by_its_route()
    {
        var (json, _) = await LoadAsync();
        using var raw = JsonDocument.Parse(json);

        // What the examples' routes name in their paths, made here: an agency of this test's own, a
        // key to delegate, a row to review (as migration 0014 lists one), a threshold's area.
        var agency = $"OpenAPI Examples {Guid.NewGuid():N}";
        var keyPrefix = ApiKeys.PrefixOf(await factory.KeyForAsync("analyst", agency));
        var reviewId = await ReviewRowAsync(agency);
        var thresholdArea = $"openapi-{Guid.NewGuid():N}";
        TestDns.Set("alerts.example.org", "203.0.113.10"); // the webhook example's receiver, a public address
        var alertId = await ExampleAlertAsync(agency);
        string PathValue(string path, string name) => (path, name) switch
        {
            (_, "id") when path.StartsWith("/api/alerts/{id}", StringComparison.Ordinal) => alertId,
            ("/api/admin/response-plans/{kind}/{id}", "id") => thresholdArea,
            (_, "agency") => Uri.EscapeDataString(agency),
            (_, "keyPrefix") => keyPrefix,
            (_, "kind") => "county",
            ("/api/admin/agency-review/{id}", "id") => reviewId.ToString(CultureInfo.InvariantCulture),
            ("/api/admin/thresholds/{kind}/{id}", "id") => thresholdArea,
            _ => throw new InvalidOperationException($"no value for {{{name}}} of {path}"),
        };

        var withoutExample = new List<string>();
        var sent = new List<string>();
        long? webhook = null;
        try
        {
            foreach (var path in raw.RootElement.GetProperty("paths").EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject())
                {
                    var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                    if (!operation.Value.TryGetProperty("requestBody", out var body) || !body.GetProperty("content").TryGetProperty("application/json", out var media))
                    {
                        continue;
                    }

                    if (!media.TryGetProperty("example", out var example))
                    {
                        withoutExample.Add(name);
                        continue;
                    }

                    // A key of the first role the operation is open to; the lowest 2xx it documents.
                    var role = operation.Value.GetProperty("x-geoors-roles")[0].GetString()!;
                    using var client = role == "public" ? factory.CreateClient() : await factory.ClientForAsync(role, agency);
                    var success = operation.Value.GetProperty("responses").EnumerateObject().Select(r => r.Name).Where(c => c.StartsWith('2')).Order(StringComparer.Ordinal).First();
                    var url = Regex.Replace(path.Name, @"\{(\w+)\}", m => PathValue(path.Name, m.Groups[1].Value));
                    using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), new Uri(url, UriKind.Relative))
                    {
                        Content = new StringContent(example.GetRawText(), Encoding.UTF8, "application/json"),
                    };
                    using var response = await client.SendAsync(request);
                    var answer = await response.Content.ReadAsStringAsync();
                    Assert.True(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) == success,
                        $"{name} with its documented example answered {(int)response.StatusCode}, not {success}: {answer}");
                    Assert.DoesNotContain("\"$type\"", answer, StringComparison.Ordinal);
                    if (path.Name == "/api/webhooks")
                    {
                        webhook = JsonDocument.Parse(answer).RootElement.GetProperty("id").GetInt64();
                    }

                    sent.Add(name);
                }
            }
        }
        finally
        {
            // Nothing the examples made outlives the test: another test's alerts must not reach the example's webhook.
            using var admin = factory.CreateClient("admin");
            foreach (var made in new[] { webhook is { } id ? $"/api/webhooks/{id}" : null, $"/api/admin/sharing/{Uri.EscapeDataString(agency)}",
                $"/api/admin/thresholds/county/{thresholdArea}", $"/api/admin/response-plans/county/{thresholdArea}", $"/api/admin/delegations/{keyPrefix}" }.OfType<string>())
            {
                using var deleted = await admin.DeleteAsync(new Uri(made, UriKind.Relative));
            }
        }

        Assert.Empty(withoutExample); // every JSON body has its example
        foreach (var expected in new[] { "POST /api/analysis/hotspots", "POST /api/analysis/spikes", "POST /api/planning/naloxone", "PUT /api/planning/sites",
            "POST /api/webhooks", "POST /api/hotspots/runs", "PUT /api/admin/sharing/{agency}", "PUT /api/admin/thresholds/{kind}/{id}",
            "PUT /api/admin/delegations/{keyPrefix}", "PUT /api/admin/agency-review/{id}", "PATCH /api/alerts/{id}", "POST /api/alerts/{id}/notes",
            "PUT /api/admin/response-plans/{kind}/{id}" })
        {
            Assert.Contains(expected, sent);
        }
    }

    /// <summary>
    /// A new alert of Allegheny County (on a day of 1900–1908 no other test uses, made afresh) where the
    /// examples' agency has an overdose, so that its partner may acknowledge it as the example does.
    /// </summary>
    private async Task<string> ExampleAlertAsync(string agency)
    {
        using (var admin = factory.CreateClient("admin"))
        using (var content = new StringContent("external_id,occurred_at,lat,lon,fatal\r\nopenapi-1,1901-06-05T14:00:00Z,40.4406,-79.9959,false\r\n", Encoding.UTF8, "text/csv"))
        using (var ingested = await admin.PostAsync(new Uri($"/api/ingest/overdoses?agency={Uri.EscapeDataString(agency)}", UriKind.Relative), content))
        {
            Assert.True(ingested.IsSuccessStatusCode, await ingested.Content.ReadAsStringAsync());
        }

        var alert = new GeoOrs.Data.Alerts.NewAlert("county", "42003", "Allegheny County, PA", "threshold", new DateOnly(1900, 1, 1).AddDays(Random.Shared.Next(0, 3000)), 5, null, null, 3);
        var dataSource = await PostGis.DataSourceAsync();
        await using (var delete = dataSource.CreateCommand("DELETE FROM alerts WHERE id = $1"))
        {
            delete.Parameters.AddWithValue(alert.Id);
            await delete.ExecuteNonQueryAsync();
        }

        await TestAlerts.AddAsync(alert);
        return alert.Id;
    }

    /// <summary>An open agency review row, as migration 0014 lists an event stored under another agency than its batch's.</summary>
    private static async Task<long> ReviewRowAsync(string agency)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO agency_review (kind, event_id, external_id, event_agency, batch_id, batch_agency, sender)
            VALUES ('overdoses', $1, 'openapi-example', $2, 0, $3, 'gok_example@127.0.0.1') RETURNING id
            """);
        command.Parameters.AddWithValue(-Random.Shared.NextInt64(1, long.MaxValue)); // no event has it: confirming it changes no event
        command.Parameters.AddWithValue($"{agency} (named)");
        command.Parameters.AddWithValue(agency);
        return (long)(await command.ExecuteScalarAsync())!;
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
