using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GeoOrs.Analysis.Privacy;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Access;
using GeoOrs.Tests;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Who sees what, through every endpoint the server maps. The events are this class's own, in July
/// 1998 (a month no other test uses): 5 overdoses in Loving County, Texas (48301, the least populous
/// county: a count of 1–9 the public may not see), 25 in Baltimore city (24510) of which 3 fatal
/// (a fatal count the public may not see, and a non-fatal count that would give it away), 4 seizures
/// with case references in Loving County, and 6 overdoses in Baltimore of an agency that restricts
/// its events to one partner agency.
/// </summary>
public class AccessTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string Window = "from=1998-07-01&to=1998-07-31";
    private const string Loving = "48301", Baltimore = "24510";
    private const double LovingLon = -103.58, LovingLat = 31.85, BaltimoreLon = -76.6122, BaltimoreLat = 39.2904;
    private const string Agency = "Access Test PD", Restricted = "Access Test Restricted EMS", Partner = "Access Test Partner HD";

    /// <summary>The counts the public may not see, by their names in tiles and features.</summary>
    private static readonly HashSet<string> CountNames = ["overdoses", "fatal", "nonfatal", "naloxone", "seizures", "count"];

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Seeded? _seeded;

    private sealed record Seeded(long[] OverdoseIds, long[] RestrictedIds, long SeizureId, long BatchId);

    private async Task<Seeded> SeedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_seeded is not null)
            {
                return _seeded;
            }

            var overdoses = new StringBuilder("external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex\r\n");
            for (var i = 0; i < 5; i++)
            {
                overdoses.Append(CultureInfo.InvariantCulture, $"l{i},1998-07-{i + 3:00}T10:00:00Z,{LovingLat + (i * 0.01)},{LovingLon},exact,{(i == 0 ? "true" : "false")},true,,fentanyl,,\r\n");
            }

            for (var i = 0; i < 25; i++)
            {
                // 04:15 to 23:15 UTC: each on the same July day in Baltimore (UTC−4), so the window holds all 25.
                overdoses.Append(CultureInfo.InvariantCulture,
                    $"b{i},1998-07-{(i % 28) + 1:00}T{(i % 20) + 4:00}:15:00Z,{BaltimoreLat + (i * 0.001)},{BaltimoreLon - (i * 0.001)},exact,{(i < 3 ? "true" : "false")},{(i % 2 == 0 ? "true" : "false")},,heroin,,\r\n");
            }

            var batch = await IngestAsync("overdoses", Agency, overdoses.ToString());
            var seizures = new StringBuilder("external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\r\n");
            for (var i = 0; i < 4; i++)
            {
                seizures.Append(CultureInfo.InvariantCulture, $"s{i},1998-07-{i + 10:00}T08:00:00Z,{LovingLat},{LovingLon + (i * 0.01)},fentanyl,{i + 1},g,CASE-98-{i}\r\n");
            }

            await IngestAsync("seizures", Agency, seizures.ToString());
            var restricted = new StringBuilder("external_id,occurred_at,lat,lon,fatal\r\n");
            for (var i = 0; i < 6; i++)
            {
                restricted.Append(CultureInfo.InvariantCulture, $"r{i},1998-07-{i + 20:00}T12:00:00Z,{BaltimoreLat - (i * 0.002)},{BaltimoreLon},false\r\n");
            }

            await IngestAsync("overdoses", Restricted, restricted.ToString());
            using (var admin = factory.CreateClient("admin"))
            {
                using var rule = await admin.PutAsJsonAsync($"/api/admin/sharing/{Uri.EscapeDataString(Restricted)}", new { partners = new[] { Partner } });
                Assert.Equal(HttpStatusCode.OK, rule.StatusCode);
            }

            var dataSource = await PostGis.DataSourceAsync();
            return _seeded = new Seeded(
                await IdsAsync(dataSource, "SELECT id FROM overdose_events WHERE source_agency = $1 ORDER BY id", Agency),
                await IdsAsync(dataSource, "SELECT id FROM overdose_events WHERE source_agency = $1 ORDER BY id", Restricted),
                (await IdsAsync(dataSource, "SELECT id FROM seizure_events WHERE agency = $1 ORDER BY id", Agency))[0],
                batch);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<long[]> IdsAsync(NpgsqlDataSource dataSource, string sql, string agency)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(agency);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return [.. ids];
    }

    private async Task<long> IngestAsync(string kind, string agency, string csv)
    {
        using var client = factory.CreateClient("admin");
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync(new Uri($"/api/ingest/{kind}?agency={Uri.EscapeDataString(agency)}", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(0, doc.RootElement.GetProperty("rejected").GetInt32());
        return doc.RootElement.GetProperty("id").GetInt64();
    }

    // ---- the endpoints, as the server maps them ----

    /// <summary>Every mapped endpoint as (method, route pattern), read from the running server's routing.</summary>
    private List<(string Method, string Pattern)> Endpoints() =>
        [.. factory.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Distinct()];

    /// <summary>The least role an endpoint admits, for a concrete path of it.</summary>
    private static Role Least(string method, string pattern, string path) => pattern switch
    {
        "/api/hotspots/runs" when method == "POST" => Role.Admin,
        "/api/jobs/dashboard-session" when method == "GET" => Role.Partner,
        _ when pattern.StartsWith("/jobs", StringComparison.Ordinal) => Role.Admin,
        "/metrics" => Role.Admin,
        "/api/planning/sites" when method == "GET" => Role.Public,
        "/api/planning/targets" => Role.Public,
        "/api/hotspots/runs" or "/api/hotspots/runs/{id}" or "/api/areas/{kind}/{id}" => Role.Public,
        _ when pattern.StartsWith("/api/admin", StringComparison.Ordinal) || pattern.StartsWith("/api/jobs", StringComparison.Ordinal) => Role.Admin,
        _ when pattern.StartsWith("/api/ingest", StringComparison.Ordinal) || pattern.StartsWith("/api/analysis", StringComparison.Ordinal)
            || pattern.StartsWith("/api/webhooks", StringComparison.Ordinal) || pattern.StartsWith("/api/planning", StringComparison.Ordinal) => Role.Analyst,
        "/api/alerts" or "/api/alerts/" or "/api/alerts/stream" or "/api/alerts/{id}/" or "/api/alerts/{id}/notes" => Role.Partner,
        "/api/alerts/{id}/line-list" => Role.Analyst, // the events themselves, audited
        "/api/areas/{kind}/{id}/drug-links" => Role.Partner, // from the exact weekly counts
        "/api/briefs/{kind}/{id}" => Role.Public, // the public's brief, under the public view's rules
        "/api/briefs/archive/{id:long}" => Role.Public, // a public brief as sent (a partner's opens to its agency alone)
        "/api/briefs/subscriptions" or "/api/briefs/subscriptions/" or "/api/briefs/subscriptions/{id:long}" => Role.Partner, // an agency's own
        _ when pattern is "/tiles/{layer}.json" or "/tiles/{layer}/{z}/{x}/{y}.mvt" && (path.StartsWith("/tiles/overdoses", StringComparison.Ordinal) || path.StartsWith("/tiles/seizures", StringComparison.Ordinal)) => Role.Partner,
        _ when pattern.StartsWith("/ogc/collections/{collectionId}", StringComparison.Ordinal) && path.Contains("-events", StringComparison.Ordinal) => Role.Partner,
        "/" or "/embed" or "/dist/{**file}" or "/health" or "/tiles" or "/tiles/" or "/tiles/{layer}.json" or "/tiles/{layer}/{z}/{x}/{y}.mvt" or "/tiles/{layer}/{z}/{x}/{y}.png" or "/tiles/{layer}/legend.png"
            or "/styles/{name}.json" or "/ogc" or "/ogc/" or "/ogc/conformance" or "/ogc/api" or "/ogc/collections" or "/ogc/collections/{collectionId}"
            or "/ogc/collections/{collectionId}/items" or "/ogc/collections/{collectionId}/items/{featureId}"
            or "/api/boundaries/counties/{fips}" or "/api/boundaries/lookup" => Role.Public,
        "/openapi/{documentName}.json" => Role.Public, // the API's description, and its reference page
        _ when pattern == "/docs" || pattern.StartsWith("/docs/", StringComparison.Ordinal) => Role.Public,
        _ => throw new Xunit.Sdk.XunitException($"{pattern} is not in the access table of this test: say which roles it admits"),
    };

    /// <summary>Concrete paths of a route pattern: every layer and collection, tiles over the test's counties.</summary>
    private static IEnumerable<string> Paths(string pattern, Seeded seeded)
    {
        IEnumerable<string> paths = [pattern];
        string[] layers = ["counties", "states", "hidta", "overdoses", "seizures", "hotspots", "heat"];
        string[] collections = ["counties", "states", "hidta-regions", "county-aggregates", "overdose-events", "seizure-events", "hotspots", "heat"];
        TileId[] tiles = [TileMath.TileOf(BaltimoreLon, BaltimoreLat, 3), TileMath.TileOf(BaltimoreLon, BaltimoreLat, 8), TileMath.TileOf(BaltimoreLon, BaltimoreLat, 12),
                          TileMath.TileOf(LovingLon, LovingLat, 6), TileMath.TileOf(LovingLon, LovingLat, 11)];
        IEnumerable<string> Expand(IEnumerable<string> items, string name, IEnumerable<string> values) =>
            items.SelectMany(p => p.Contains(name, StringComparison.Ordinal) ? values.Select(v => p.Replace(name, v, StringComparison.Ordinal)) : [p]);
        paths = Expand(paths, "{layer}", layers);
        paths = paths.SelectMany(p => p.Contains("{z}", StringComparison.Ordinal) ? tiles.Select(t => p.Replace("{z}/{x}/{y}", t.ToString(), StringComparison.Ordinal)) : [p]);
        paths = Expand(paths, "{collectionId}", collections);
        paths = paths.Select(p => p.Contains("{featureId}", StringComparison.Ordinal)
            ? p.Replace("{featureId}", p.Contains("overdose-events", StringComparison.Ordinal) ? seeded.OverdoseIds[0].ToString(CultureInfo.InvariantCulture)
                : p.Contains("seizure-events", StringComparison.Ordinal) ? seeded.SeizureId.ToString(CultureInfo.InvariantCulture)
                : p.Contains("states", StringComparison.Ordinal) ? "24" : p.Contains("hidta", StringComparison.Ordinal) ? "x" : Loving, StringComparison.Ordinal)
            : p);
        paths = paths.Select(p => p.Replace("{fips}", Loving, StringComparison.Ordinal)
            .Replace("{id:long}", p.StartsWith("/api/webhooks", StringComparison.Ordinal) ? "0" : seeded.BatchId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{name}", p.StartsWith("/styles", StringComparison.Ordinal) ? "geoors" : "tempe-ems", StringComparison.Ordinal)
            .Replace("{agency}", "access-test-nobody", StringComparison.Ordinal)
            .Replace("{**file}", "app.js", StringComparison.Ordinal)
            .Replace("{documentName}", "v1", StringComparison.Ordinal)
            .Replace("{**path}", "recurring", StringComparison.Ordinal)
            .Replace("{kind}", "county", StringComparison.Ordinal)
            .Replace("{id}", p.StartsWith("/api/areas", StringComparison.Ordinal) ? Loving : "1", StringComparison.Ordinal));

        // With and without the test's window where a window is taken; the lookup with a point.
        return paths.SelectMany(p => p.StartsWith("/tiles/", StringComparison.Ordinal) || p.Contains("/items", StringComparison.Ordinal)
            ? new[] { p, p + "?" + (p.Contains("-events", StringComparison.Ordinal) ? "datetime=1998-07-01/1998-07-31" : Window) }
            : p == "/api/boundaries/lookup" ? [p + FormattableString.Invariant($"?lon={LovingLon}&lat={LovingLat}")] : [p]);
    }

    // ---- what no public response may hold ----

    /// <summary>Why a public response breaks the rules, or null.</summary>
    private static string? PublicLeak(string? mediaType, byte[] body)
    {
        if (mediaType == "application/vnd.mapbox-vector-tile")
        {
            foreach (var layer in MvtDecoder.Decode(body))
            {
                if (layer.Name is "overdoses" or "seizures" || layer.Items.Any(f => f.GeometryType == 1))
                {
                    return $"the tile has event points (layer {layer.Name})";
                }

                if (layer.Items.SelectMany(f => f.Properties).FirstOrDefault(p => CountNames.Contains(p.Key) && p.Value is double d && d is >= 1 and <= 9) is { Key: not null } small)
                {
                    return $"the tile has {small.Key} = {small.Value} in layer {layer.Name}";
                }
            }

            return null;
        }

        if (mediaType is not null && mediaType.Contains("json", StringComparison.Ordinal))
        {
            using var doc = JsonDocument.Parse(body);
            return JsonLeak(doc.RootElement, "$");
        }

        return null;
    }

    private static string? JsonLeak(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                    && type.GetString() is "Point" or "MultiPoint" && element.TryGetProperty("coordinates", out _))
                {
                    return $"{path} is a point geometry";
                }

                foreach (var property in element.EnumerateObject())
                {
                    if (CountNames.Contains(property.Name) && property.Value.ValueKind == JsonValueKind.Number && property.Value.GetDouble() is >= 1 and <= 9)
                    {
                        return $"{path}.{property.Name} = {property.Value}";
                    }

                    if (JsonLeak(property.Value, $"{path}.{property.Name}") is { } leak)
                    {
                        return leak;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (JsonLeak(item, $"{path}[{i++}]") is { } leak)
                    {
                        return leak;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// The API document without its request examples: those are written in the source (a row of six
    /// squares, a library's address), not read from the data, and are the one place a made-up point
    /// or small count may stand.
    /// </summary>
    private static byte[] WithoutExamples(byte[] document)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(document)!;
        Strip(node);
        return JsonSerializer.SerializeToUtf8Bytes(node);

        static void Strip(System.Text.Json.Nodes.JsonNode? node)
        {
            switch (node)
            {
                case System.Text.Json.Nodes.JsonObject obj:
                    obj.Remove("example");
                    obj.Remove("examples");
                    foreach (var (_, child) in obj)
                    {
                        Strip(child);
                    }

                    break;
                case System.Text.Json.Nodes.JsonArray array:
                    foreach (var child in array)
                    {
                        Strip(child);
                    }

                    break;
            }
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task No_public_response_holds_an_event_point_or_a_count_of_one_to_nine()
    {
        var seeded = await SeedAsync();
        using var client = factory.CreateClient();
        var read = 0;
        var tilesWithFeatures = 0;
        foreach (var (method, pattern) in Endpoints().Where(e => e.Method == "GET"))
        {
            foreach (var path in Paths(pattern, seeded))
            {
                using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                var body = await response.Content.ReadAsByteArrayAsync();
                Assert.True((int)response.StatusCode < 500, $"{method} {path}: {(int)response.StatusCode}");
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }

                read++;
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                var leak = PublicLeak(mediaType, path == "/openapi/v1.json" ? WithoutExamples(body) : body);
                Assert.True(leak is null, $"GET {path} to the public: {leak}");
                if (mediaType == "application/vnd.mapbox-vector-tile" && MvtDecoder.Decode(body).Any(l => l.Features > 0))
                {
                    tilesWithFeatures++;
                }
            }
        }

        // The walk read real data: the public's map and features, not only refusals.
        Assert.True(read > 60, $"only {read} public responses were successful");
        Assert.True(tilesWithFeatures > 10, $"only {tilesWithFeatures} public tiles had features");
    }

    [Fact]
    public async Task The_web_maps_own_calls_for_the_public_stay_within_the_public_view()
    {
        await SeedAsync();
        using var client = factory.CreateClient();
        using var style = JsonDocument.Parse(await client.GetStringAsync(new Uri("/styles/geoors.json", UriKind.Relative)));
        var sources = style.RootElement.GetProperty("sources").EnumerateObject().ToList();
        Assert.DoesNotContain(sources, s => s.Name is "overdoses" or "seizures");
        Assert.DoesNotContain(style.RootElement.GetProperty("layers").EnumerateArray(),
            l => l.TryGetProperty("source", out var s) && s.GetString() is "overdoses" or "seizures");

        // Follow each source the way MapLibre does: TileJSON, then its tiles over the test's counties.
        var tiles = 0;
        foreach (var source in sources.Where(s => s.Value.TryGetProperty("url", out _)))
        {
            var tileJson = new Uri(source.Value.GetProperty("url").GetString()!);
            using var described = await client.GetAsync(new Uri(tileJson.PathAndQuery + "?" + Window, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, described.StatusCode);
            using var doc = JsonDocument.Parse(await described.Content.ReadAsStringAsync());
            var template = new Uri(doc.RootElement.GetProperty("tiles")[0].GetString()!).PathAndQuery;
            foreach (var tile in new[] { TileMath.TileOf(LovingLon, LovingLat, 5), TileMath.TileOf(LovingLon, LovingLat, 9), TileMath.TileOf(BaltimoreLon, BaltimoreLat, 10) })
            {
                var path = Uri.UnescapeDataString(template).Replace("{z}", tile.Z.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{x}", tile.X.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("{y}", tile.Y.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{path}: {response.StatusCode}");
                Assert.Null(PublicLeak(response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync()));
                tiles++;
            }
        }

        Assert.True(tiles >= 9);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Every_endpoint_admits_exactly_the_roles_it_should()
    {
        var seeded = await SeedAsync();
        var clients = new Dictionary<Role, HttpClient>
        {
            [Role.Public] = factory.CreateClient(),
            [Role.Partner] = factory.CreateClient("partner"),
            [Role.Analyst] = factory.CreateClient("analyst"),
            [Role.LawEnforcement] = factory.CreateClient("law_enforcement"),
            [Role.Admin] = factory.CreateClient("admin"),
        };
        try
        {
            var checkedPairs = 0;
            foreach (var (method, pattern) in Endpoints().OrderBy(e => e.Method == "DELETE"))
            {
                foreach (var path in Paths(pattern, seeded))
                {
                    var least = Least(method, pattern, path);
                    foreach (var (role, client) in clients)
                    {
                        // No body: writes that are admitted answer 4xx for the empty request, and change nothing.
                        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                        if (method is "PUT" && pattern.StartsWith("/api/admin/sharing", StringComparison.Ordinal))
                        {
                            request.Content = new StringContent("""{"partners":[]}""", Encoding.UTF8, "application/json");
                        }

                        // A stream never ends: its status is all there is to see (disposing the response closes it).
                        using var response = await client.SendAsync(request, pattern.EndsWith("/stream", StringComparison.Ordinal) ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
                        var status = response.StatusCode;
                        Assert.True((int)status < 500, $"{role} {method} {path}: {(int)status}");
                        if (role < least)
                        {
                            Assert.True(status == (role == Role.Public ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden),
                                $"{role} {method} {path} should be refused, got {(int)status}");
                        }
                        else
                        {
                            Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{role} {method} {path} should be admitted, got {(int)status}");
                        }

                        checkedPairs++;
                    }
                }
            }

            Assert.True(checkedPairs > 500, $"{checkedPairs} role × request pairs");
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    // ---- suppression ----

    private static async Task<JsonElement> CountyAsync(HttpClient client, string geoid, string query = Window)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/ogc/collections/county-aggregates/items/{geoid}?{query}", UriKind.Relative)));
        return doc.RootElement.GetProperty("properties").Clone();
    }

    [Fact]
    public async Task The_public_sees_perturbed_counts_with_published_values_of_one_to_nine_withheld()
    {
        await SeedAsync();
        using var open = factory.CreateClient();
        using var analyst = factory.CreateClient("analyst");

        // Loving County: 5 overdoses (1 fatal), 4 seizures. Five perturbed by −4…+4 is always 1–9: withheld.
        var loving = await CountyAsync(open, Loving);
        Assert.True(loving.GetProperty("suppressed").GetBoolean());
        foreach (var name in new[] { "overdoses", "rate" })
        {
            Assert.Equal(JsonValueKind.Null, loving.GetProperty(name).ValueKind);
        }

        AssertProtected(loving, "fatal", 1);
        AssertProtected(loving, "nonfatal", 4);
        AssertProtected(loving, "seizures", 4);
        Assert.True(loving.GetProperty("rate_unstable").GetBoolean());
        var lovingAnalyst = await CountyAsync(analyst, Loving);
        Assert.Equal(5, lovingAnalyst.GetProperty("overdoses").GetInt32());
        Assert.Equal(4, lovingAnalyst.GetProperty("seizures").GetInt32());
        Assert.False(lovingAnalyst.GetProperty("suppressed").GetBoolean());

        // Baltimore, for the public: 25 overdoses (the restricted agency's 6 are not the public's),
        // 3 fatal, 22 non-fatal, 13 with naloxone — each within 4 of the truth or withheld, and the
        // rate from the published count. The same request gives the same figures.
        var baltimore = await CountyAsync(open, Baltimore);
        AssertProtected(baltimore, "overdoses", 25);
        AssertProtected(baltimore, "fatal", 3);
        AssertProtected(baltimore, "nonfatal", 22);
        AssertProtected(baltimore, "naloxone", 13);
        var overdoses = baltimore.GetProperty("overdoses").GetInt64();
        Assert.Equal(Math.Round(overdoses * 100000.0 / baltimore.GetProperty("population").GetInt64(), 2), baltimore.GetProperty("rate").GetDouble());
        Assert.Equal(overdoses < 20, baltimore.GetProperty("rate_unstable").GetBoolean());
        Assert.Equal(baltimore.GetRawText(), (await CountyAsync(open, Baltimore)).GetRawText());
        var baltimoreAnalyst = await CountyAsync(analyst, Baltimore);
        Assert.Equal(3, baltimoreAnalyst.GetProperty("fatal").GetInt32()); // keyed callers see exact counts

        // The same in the public's vector tile.
        var tile = TileMath.TileOf(LovingLon, LovingLat, 7);
        var bytes = await open.GetByteArrayAsync(new Uri($"/tiles/counties/{tile}.mvt?{Window}", UriKind.Relative));
        var feature = MvtDecoder.Decode(bytes).Single().Items.Single(f => (string)f.Properties["geoid"] == Loving);
        Assert.True((bool)feature.Properties["suppressed"]);
        Assert.False(feature.Properties.ContainsKey("overdoses")); // null properties are left out of a tile
        var analystBytes = await analyst.GetByteArrayAsync(new Uri($"/tiles/counties/{tile}.mvt?{Window}", UriKind.Relative));
        Assert.Equal(5.0, MvtDecoder.Decode(analystBytes).Single().Items.Single(f => (string)f.Properties["geoid"] == Loving).Properties["overdoses"]);
    }

    /// <summary>A public figure: withheld, or within the perturbation of the truth and never 1–9.</summary>
    private static void AssertProtected(JsonElement area, string name, long truth)
    {
        var value = area.GetProperty(name);
        if (value.ValueKind == JsonValueKind.Null)
        {
            Assert.True(area.GetProperty("suppressed").GetBoolean());
            return;
        }

        var shown = value.GetInt64();
        Assert.False(shown is >= 1 and <= 9, $"{name} = {shown} is published");
        Assert.InRange(shown, truth - GeoOrs.Analysis.Privacy.CellKeyPerturbation.MaxNoise, truth + GeoOrs.Analysis.Privacy.CellKeyPerturbation.MaxNoise);
    }

    [Fact]
    public async Task The_public_and_keyed_callers_get_different_tiles_under_different_etags_and_cache_rules()
    {
        await SeedAsync();
        using var open = factory.CreateClient();
        using var analyst = factory.CreateClient("analyst");
        var path = new Uri($"/tiles/counties/{TileMath.TileOf(LovingLon, LovingLat, 7)}.mvt?{Window}", UriKind.Relative);
        using var a = await open.GetAsync(path);
        using var b = await analyst.GetAsync(path);
        Assert.NotEqual(a.Headers.ETag, b.Headers.ETag);
        Assert.True(a.Headers.CacheControl!.Public);
        Assert.True(b.Headers.CacheControl!.Private);
        Assert.Contains("X-Api-Key", a.Headers.Vary);

        // The analyst's ETag does not open the analyst's tile to the public.
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(b.Headers.ETag!);
        using var replayed = await open.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
    }

    [Fact]
    public async Task Public_png_tiles_leave_suppressed_counties_unfilled()
    {
        await SeedAsync();
        var tile = TileMath.TileOf(LovingLon, LovingLat, 8);
        var n = 256.0 * (1 << tile.Z);
        var px = (int)(((LovingLon + 180) / 360 * n) - (tile.X * 256));
        var latRad = LovingLat * Math.PI / 180;
        var py = (int)(((1 - (Math.Log(Math.Tan(latRad) + (1 / Math.Cos(latRad))) / Math.PI)) / 2 * n) - (tile.Y * 256));
        var path = new Uri($"/tiles/counties/{tile}.png?metric=overdoses&{Window}", UriKind.Relative);

        byte Alpha(byte[] png, int x, int y) => GeoOrs.Analysis.Tests.Raster.MiniPngDecoder.Decode(png).Pixels[(((y * 256) + x) * 4) + 3];
        using var open = factory.CreateClient();
        using var analyst = factory.CreateClient("analyst");
        var publicPng = await open.GetByteArrayAsync(path);
        var analystPng = await analyst.GetByteArrayAsync(path);
        Assert.Equal(0, Alpha(publicPng, px, py));        // Loving County's 5: no colour that would place it in a class
        Assert.NotEqual(0, Alpha(analystPng, px, py));
        Assert.NotEqual(0, Alpha(publicPng, 5, 5) + Alpha(publicPng, 250, 250)); // its neighbours (0 overdoses) are drawn
    }

    // ---- points by role ----

    private static async Task<List<(long Id, double Lon, double Lat, JsonElement Properties)>> EventsAsync(HttpClient client, string collection)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/ogc/collections/{collection}/items?datetime=1998-07-01/1998-07-31&limit=1000", UriKind.Relative)));
        return [.. doc.RootElement.GetProperty("features").EnumerateArray().Select(f => (
            f.GetProperty("id").GetInt64(),
            f.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(),
            f.GetProperty("geometry").GetProperty("coordinates")[1].GetDouble(),
            f.GetProperty("properties").Clone()))];
    }

    [Fact]
    public async Task Partners_see_points_geomasked_within_the_donut_the_same_on_every_request()
    {
        var seeded = await SeedAsync();
        using var partner = factory.CreateClient("partner");
        using var admin = factory.CreateClient("admin");
        var truth = (await EventsAsync(admin, "overdose-events")).Where(e => seeded.OverdoseIds.Contains(e.Id)).ToDictionary(e => e.Id);
        var masked = (await EventsAsync(partner, "overdose-events")).Where(e => seeded.OverdoseIds.Contains(e.Id)).ToList();
        var again = (await EventsAsync(partner, "overdose-events")).Where(e => seeded.OverdoseIds.Contains(e.Id)).ToDictionary(e => e.Id);
        Assert.Equal(30, truth.Count);

        // Found by the masked position: a few events may fall outside the window's query by being
        // moved, but none of the partner's points is at, or nearer than the inner radius to, the truth.
        Assert.True(masked.Count >= 25, $"{masked.Count} masked points");
        var density = await DensityAsync();
        foreach (var (id, lon, lat, properties) in masked)
        {
            var real = truth[id];
            var county = real.Properties.GetProperty("county_fips").GetString()!;
            var (inner, outer) = DonutGeomask.Radii(density[county]);
            var moved = DonutGeomask.DistanceMeters(real.Lon, real.Lat, lon, lat);
            Assert.InRange(moved, inner * (1 - 1e-6), (outer * (1 + 1e-6)) + 1); // ST_AsGeoJSON keeps 6 decimals: ≤ 0.11 m
            Assert.Equal("geomasked", properties.GetProperty("location_precision").GetString());
            Assert.Equal((lon, lat), (again[id].Lon, again[id].Lat)); // stable: repeated requests cannot be averaged
        }

        // Loving County (sparse) moves points kilometres, Baltimore (dense) hundreds of metres.
        Assert.Equal(DonutGeomask.MaximumOuterMeters, DonutGeomask.Radii(density[Loving]).OuterMeters);
        Assert.True(DonutGeomask.Radii(density[Baltimore]).OuterMeters < 1000);

        // In tiles too: the partner's z14 points are not where the events are.
        var tile = TileMath.TileOf(BaltimoreLon, BaltimoreLat, 13);
        var exact = MvtDecoder.Decode(await admin.GetByteArrayAsync(new Uri($"/tiles/overdoses/{tile}.mvt?{Window}", UriKind.Relative)));
        var partnerTile = await partner.GetAsync(new Uri($"/tiles/overdoses/{tile}.mvt?{Window}", UriKind.Relative));
        Assert.True(exact.Single().Features > 0);
        if (partnerTile.StatusCode == HttpStatusCode.OK)
        {
            var shown = MvtDecoder.Decode(await partnerTile.Content.ReadAsByteArrayAsync()).Single().Items;
            Assert.All(shown, f => Assert.Equal("geomasked", f.Properties["precision"]));
        }
    }

    /// <summary>The test agency's overdoses as stored: true and masked positions.</summary>
    private static async Task<List<(long Id, double Lon, double Lat, double MaskedLon, double MaskedLat)>> StoredAsync(long[] ids)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand(
            "SELECT id, ST_X(geom), ST_Y(geom), ST_X(masked_geom), ST_Y(masked_geom) FROM overdose_events WHERE id = ANY ($1) ORDER BY id");
        command.Parameters.AddWithValue(ids);
        var rows = new List<(long, double, double, double, double)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4)));
        }

        return rows;
    }

    /// <summary>A lon/lat point in a tile's coordinates (0..4096, y from the top), by the Web Mercator formulas.</summary>
    private static (double X, double Y) InTile(TileId tile, double lon, double lat)
    {
        const double R = 6378137;
        var (minX, _, maxX, maxY) = TileMath.Bounds3857(tile);
        var x = R * lon * Math.PI / 180;
        var y = R * Math.Log(Math.Tan((Math.PI / 4) + (lat * Math.PI / 360)));
        return ((x - minX) / (maxX - minX) * 4096, (maxY - y) / (maxX - minX) * 4096);
    }

    [Fact]
    public async Task Partners_get_clusters_of_masked_points_at_every_zoom_below_10_and_nothing_that_narrows_them()
    {
        var seeded = await SeedAsync();
        using var partner = factory.CreateClient("partner"); // an agency the restricted one does not share with
        var stored = await StoredAsync(seeded.OverdoseIds);
        Assert.Equal(30, stored.Count);
        var trueMeanDiffers = 0;
        for (var z = 0; z < 10; z++)
        {
            // Every tile that holds a masked point of the test's events, with the clusters they should make:
            // grouped by the cell (the tile of zoom z + 4) of their masked points, at the mean masked point.
            foreach (var inTile in stored.GroupBy(e => TileMath.TileOf(e.MaskedLon, e.MaskedLat, z)))
            {
                var tile = inTile.Key;
                using var response = await partner.GetAsync(new Uri($"/tiles/overdoses/{tile}.mvt?{Window}", UriKind.Relative));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"z{z} {tile}: {(int)response.StatusCode}");
                var layer = Assert.Single(MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync()));
                Assert.DoesNotContain("county_fips", layer.Keys);
                Assert.DoesNotContain("agency", layer.Keys);
                var expected = inTile.GroupBy(e => TileMath.TileOf(e.MaskedLon, e.MaskedLat, z + 4)).Select(cell => (
                    Count: cell.Count(),
                    Masked: InTile(tile, cell.Average(e => e.MaskedLon), cell.Average(e => e.MaskedLat)),
                    True: InTile(tile, cell.Average(e => e.Lon), cell.Average(e => e.Lat)))).ToList();
                Assert.Equal(expected.Count, layer.Features);
                foreach (var cluster in expected)
                {
                    // The cluster is at the mean of the masked points (the mean of Mercator coordinates and
                    // of degrees differ by far less than a pixel across one cell), never at the true mean.
                    // Two cells' masked means may fall within a pixel of each other: the nearest is the one.
                    var shown = layer.Items.MinBy(f => Math.Max(Math.Abs(f.Points[0].X - cluster.Masked.X), Math.Abs(f.Points[0].Y - cluster.Masked.Y)))!;
                    Assert.True(Math.Abs(shown.Points[0].X - cluster.Masked.X) <= 1.5 && Math.Abs(shown.Points[0].Y - cluster.Masked.Y) <= 1.5,
                        $"z{z} {tile}: no cluster at the masked mean of a cell of {cluster.Count}");
                    Assert.Equal((double)cluster.Count, shown.Properties["count"]);
                    var apart = Math.Max(Math.Abs(cluster.True.X - cluster.Masked.X), Math.Abs(cluster.True.Y - cluster.Masked.Y));
                    if (apart > 3)
                    {
                        trueMeanDiffers++;
                        Assert.False(Math.Abs(shown.Points[0].X - cluster.True.X) <= 1 && Math.Abs(shown.Points[0].Y - cluster.True.Y) <= 1,
                            $"z{z} {tile}: a cluster of {cluster.Count} is at the true mean");
                    }
                }
            }
        }

        // The masks are random, so how many clusters are far enough from their true mean to tell varies
        // from run to run (10 to 17 in runs of this test); a few are enough to have checked the rule.
        Assert.True(trueMeanDiffers >= 5, $"only {trueMeanDiffers} clusters where the masked and true means are apart");

        // Seizures too, at the zooms that timed out before.
        for (var z = 0; z < 4; z++)
        {
            using var response = await partner.GetAsync(new Uri($"/tiles/seizures/{TileMath.TileOf(LovingLon, LovingLat, z)}.mvt?{Window}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(4.0, MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync()).Single().Items.Sum(f => (double)f.Properties["count"]));
        }

        // Features: no county and no agency beside a masked point, and no asking by agency.
        var features = await EventsAsync(partner, "overdose-events");
        Assert.True(features.Count >= 25);
        Assert.All(features, f =>
        {
            Assert.False(f.Properties.TryGetProperty("county_fips", out _));
            Assert.False(f.Properties.TryGetProperty("agency", out _));
        });
        Assert.All(await EventsAsync(partner, "seizure-events"), f => Assert.False(f.Properties.TryGetProperty("county_fips", out _) || f.Properties.TryGetProperty("agency", out _)));
        using (var one = await partner.GetAsync(new Uri($"/ogc/collections/overdose-events/items/{seeded.OverdoseIds[0]}", UriKind.Relative)))
        {
            using var doc = JsonDocument.Parse(await one.Content.ReadAsStringAsync());
            Assert.False(doc.RootElement.GetProperty("properties").TryGetProperty("county_fips", out _));
        }

        using var byAgency = await partner.GetAsync(new Uri($"/ogc/collections/overdose-events/items?agency={Uri.EscapeDataString(Agency)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, byAgency.StatusCode);
        Assert.Contains("agency", await byAgency.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var analyst = factory.CreateClient("analyst");
        Assert.All(await EventsAsync(analyst, "overdose-events"), f => Assert.True(f.Properties.TryGetProperty("county_fips", out _)));
    }

    private static async Task<Dictionary<string, double>> DensityAsync()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT geoid::text, people_per_km2 FROM county_density WHERE geoid IN ('48301', '24510')");
        var density = new Dictionary<string, double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            density[reader.GetString(0)] = reader.GetDouble(1);
        }

        return density;
    }

    [Fact]
    public async Task Analysts_see_exact_points_and_only_law_enforcement_and_admins_case_references()
    {
        await SeedAsync();
        using var analyst = factory.CreateClient("analyst");
        using var police = factory.CreateClient("law_enforcement");
        using var partner = factory.CreateClient("partner");
        var exact = (await EventsAsync(analyst, "overdose-events")).Where(e => e.Properties.GetProperty("agency").GetString() == Agency).ToList();
        Assert.Equal(30, exact.Count);
        Assert.Contains(exact, e => Math.Abs(e.Lon - LovingLon) < 1e-9 && Math.Abs(e.Lat - LovingLat) < 1e-9);
        Assert.All(exact, e => Assert.Equal("exact", e.Properties.GetProperty("location_precision").GetString()));

        var seizuresOfPolice = (await EventsAsync(police, "seizure-events")).Where(e => e.Properties.GetProperty("agency").GetString() == Agency).ToList();
        Assert.Equal(4, seizuresOfPolice.Count);
        Assert.All(seizuresOfPolice, s => Assert.StartsWith("CASE-98-", s.Properties.GetProperty("case_reference").GetString(), StringComparison.Ordinal));
        foreach (var client in new[] { analyst, partner })
        {
            Assert.All(await EventsAsync(client, "seizure-events"), s => Assert.False(s.Properties.TryGetProperty("case_reference", out _)));
        }

        // In tiles: the case reference is a property of law enforcement's seizure points only.
        var tile = new Uri($"/tiles/seizures/{TileMath.TileOf(LovingLon, LovingLat, 12)}.mvt?{Window}", UriKind.Relative);
        Assert.Contains(MvtDecoder.Decode(await police.GetByteArrayAsync(tile)).Single().Items, f => f.Properties.ContainsKey("case_reference"));
        Assert.DoesNotContain(MvtDecoder.Decode(await analyst.GetByteArrayAsync(tile)).Single().Items, f => f.Properties.ContainsKey("case_reference"));
    }

    // ---- sharing rules ----

    [Fact]
    public async Task A_restricted_agencys_events_reach_only_itself_its_partners_and_admins_on_every_path()
    {
        var seeded = await SeedAsync();
        using var stranger = await factory.ClientForAsync("analyst", "Access Test Other County");
        using var partner = await factory.ClientForAsync("analyst", Partner);
        using var own = await factory.ClientForAsync("analyst", Restricted);
        using var admin = factory.CreateClient("admin");
        using var open = factory.CreateClient();
        var tile = new Uri($"/tiles/overdoses/{TileMath.TileOf(BaltimoreLon, BaltimoreLat, 12)}.mvt?{Window}", UriKind.Relative);
        var cluster = new Uri($"/tiles/overdoses/{TileMath.TileOf(BaltimoreLon, BaltimoreLat, 6)}.mvt?{Window}", UriKind.Relative);

        async Task<(int Features, int Points, double Clustered, int Overdoses)> SeenBy(HttpClient client)
        {
            var features = (await EventsAsync(client, "overdose-events")).Count(e => seeded.RestrictedIds.Contains(e.Id));
            var points = MvtDecoder.Decode(await client.GetByteArrayAsync(tile)).Single().Items.Count(f => seeded.RestrictedIds.Contains((long)(double)f.Properties["id"]));
            var clustered = MvtDecoder.Decode(await client.GetByteArrayAsync(cluster)).Single().Items.Sum(f => (double)f.Properties["count"]);
            var county = await CountyAsync(client, Baltimore);
            return (features, points, clustered, county.GetProperty("overdoses").GetInt32());
        }

        var strangers = await SeenBy(stranger);
        Assert.Equal((0, 0), (strangers.Features, strangers.Points));
        Assert.Equal(25, strangers.Overdoses);
        foreach (var allowed in new[] { partner, own, admin })
        {
            var seen = await SeenBy(allowed);
            Assert.Equal((6, 6), (seen.Features, seen.Points));
            Assert.Equal(31, seen.Overdoses);
            Assert.Equal(strangers.Clustered + 6, seen.Clustered);
        }

        // The public's figure is the perturbation of the 25 events it may count (their own cell key),
        // not of the 31.
        var dataSource = await PostGis.DataSourceAsync();
        await using var expected = dataSource.CreateCommand("""
            SELECT geoors_public_count(count(*), sum(rkey::bigint)::bigint, '', ''::bytea) FROM overdose_events
            WHERE county_fips = $1 AND occurred_at >= '1998-07-01' AND occurred_at < '1998-08-01' AND source_agency <> $2
            """);
        expected.Parameters.AddWithValue(Baltimore);
        expected.Parameters.AddWithValue(Restricted);
        Assert.Equal((long)(await expected.ExecuteScalarAsync())!, (await CountyAsync(open, Baltimore)).GetProperty("overdoses").GetInt64());

        // Clusters at every zoom below 10, from the month's cells (the whole of July), from events read
        // one by one (days that are no whole month; a drug), with the fatal split, for partner keys too:
        // the restricted events (6, non-fatal, no drug named) count only for those who may see them.
        using var strangerPartner = await factory.ClientForAsync("partner", "Access Test Other County");
        using var partnerPartner = await factory.ClientForAsync("partner", Partner);
        foreach (var (query, added) in new[] { (Window, 6), ("from=1998-07-02&to=1998-07-30", 6), (Window + "&fatal=false", 6), (Window + "&fatal=true", 0), (Window + "&drug=heroin", 0) })
        {
            for (var z = 0; z < 10; z++)
            {
                var baltimore = TileMath.TileOf(BaltimoreLon, BaltimoreLat, z);
                async Task<double> Clustered(HttpClient client)
                {
                    using var response = await client.GetAsync(new Uri($"/tiles/overdoses/{baltimore}.mvt?{query}", UriKind.Relative));
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    return MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync()).Single().Items.Sum(f => (double)f.Properties["count"]);
                }

                foreach (var (hidden, shown) in new[] { (stranger, partner), (strangerPartner, partnerPartner) })
                {
                    var without = await Clustered(hidden);
                    Assert.True(without > 0, $"z{z} {query}: the test's other events are in the tile");
                    Assert.Equal(without + added, await Clustered(shown));
                }
            }
        }
    }

    [Theory]
    [InlineData("PUT", "access-test-x", "{\"partners\":[\"a\u0000b\"]}")]
    [InlineData("PUT", "access-test-x", "{\"partners\":[\" \"]}")]
    [InlineData("PUT", "access-test-x", "{\"partners\":\"everyone\"}")]
    [InlineData("PUT", "access-test-x", "[1,2]")]
    [InlineData("PUT", "%20", "{\"partners\":[]}")]
    [InlineData("DELETE", "%20", null)]
    [InlineData("DELETE", "a%01b", null)]
    public async Task Bad_sharing_rules_are_400_and_change_nothing(string method, string agency, string? body)
    {
        using var admin = factory.CreateClient("admin");
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri($"/api/admin/sharing/{agency}", UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var rules = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/admin/sharing", UriKind.Relative)));
        Assert.False(rules.RootElement.TryGetProperty("access-test-x", out _));
    }

    // ---- audit ----

    [Fact]
    public async Task Point_reads_are_audited_and_only_admins_read_the_audit_log()
    {
        var seeded = await SeedAsync();
        var key = await factory.KeyForAsync("analyst", "Access Test Auditee");
        using var analyst = factory.CreateClient();
        analyst.DefaultRequestHeaders.Add("X-Api-Key", key);
        var prefix = ApiKeys.PrefixOf(key);

        var tile = TileMath.TileOf(BaltimoreLon, BaltimoreLat, 12);
        var decoded = MvtDecoder.Decode(await analyst.GetByteArrayAsync(new Uri($"/tiles/overdoses/{tile}.mvt?{Window}", UriKind.Relative)));
        var items = await EventsAsync(analyst, "overdose-events");
        using (var one = await analyst.GetAsync(new Uri($"/ogc/collections/overdose-events/items/{seeded.OverdoseIds[0]}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }

        // Aggregates are not point reads.
        await analyst.GetByteArrayAsync(new Uri($"/tiles/counties/{tile}.mvt?{Window}", UriKind.Relative));

        using var admin = factory.CreateClient("admin");
        using var doc = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"/api/admin/audit?key={prefix}", UriKind.Relative)));
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal(prefix, r.GetProperty("key_prefix").GetString());
            Assert.Equal("analyst", r.GetProperty("role").GetString());
            Assert.Equal("Access Test Auditee", r.GetProperty("agency").GetString());
        });
        var tileRow = rows.Single(r => r.GetProperty("endpoint").GetString()!.StartsWith("GET /tiles/overdoses/", StringComparison.Ordinal));
        Assert.Equal(decoded.Single().Features, tileRow.GetProperty("row_count").GetInt32());
        Assert.Equal(4, tileRow.GetProperty("bbox").GetArrayLength());
        var itemsRow = rows.Single(r => r.GetProperty("endpoint").GetString() == "GET /ogc/collections/overdose-events/items");
        Assert.Equal(items.Count, itemsRow.GetProperty("row_count").GetInt32());
        Assert.Equal(items.Select(i => i.Id).Order(), itemsRow.GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()).Order());
        var itemRow = rows.Single(r => r.GetProperty("endpoint").GetString()!.EndsWith($"/items/{seeded.OverdoseIds[0]}", StringComparison.Ordinal));
        Assert.Equal([seeded.OverdoseIds[0]], itemRow.GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()));

        using var refused = await analyst.GetAsync(new Uri("/api/admin/audit", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var bad = await admin.GetAsync(new Uri("/api/admin/audit?since=yesterday&limit=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    // ---- identities ----

    [Theory]
    [InlineData("X-Api-Key", "gok_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("X-Api-Key", "not a key")]
    [InlineData("Authorization", "Bearer gok_deadbeef_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("Authorization", "Basic dXNlcjpwYXNz")]
    [InlineData("Authorization", "Bearer ")]
    public async Task Credentials_that_do_not_check_out_are_401_everywhere_not_the_public_view(string header, string value)
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);
        foreach (var path in new[] { "/tiles/counties/3/2/3.mvt", "/ogc/collections", "/health" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            if (path == "/health" && response.StatusCode == HttpStatusCode.OK)
            {
                continue; // the health check is for load balancers
            }

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_revoked_key_is_refused_and_the_bearer_and_header_forms_both_work()
    {
        var key = await factory.KeyForAsync("analyst");
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using (var ok = await client.GetAsync(new Uri("/tiles/overdoses.json", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // The server keeps keys it has checked; a revocation (here by another process, as ./geoors keys
        // revoke is) reaches it by notification at commit and ends the key at once, not after a minute.
        await using (var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync()))
        {
            Assert.True(await ApiKeys.RevokeAsync(db, ApiKeys.PrefixOf(key)));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var revoked = await client.GetAsync(new Uri("/tiles/overdoses.json", UriKind.Relative));
            status = revoked.StatusCode;
        }
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(5) && await Task.Delay(20).ContinueWith(_ => true));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refused after {clock.Elapsed}");
    }

    [Fact]
    public async Task Jwt_bearer_tokens_map_their_role_claim_and_are_refused_without_one()
    {
        const string Secret = "access-tests-shared-signing-key-0123456789";
        await using var withJwt = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Access:Jwt:SigningKey"] = Secret,
            ["Access:Jwt:Issuer"] = "https://idp.example.org",
            ["Access:Jwt:Audience"] = "geoors",
        });

        string Token(Dictionary<string, object> claims, DateTime? expires = null) => new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(
            new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
            {
                Issuer = "https://idp.example.org",
                Audience = "geoors",
                Claims = claims,
                NotBefore = (expires ?? DateTime.UtcNow.AddHours(1)).AddHours(-2),
                Expires = expires ?? DateTime.UtcNow.AddHours(1),
                SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                    new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
            });

        async Task<HttpStatusCode> Read(string? token, string path = "/ogc/collections/overdose-events/items?limit=1")
        {
            using var client = withJwt.CreateClient();
            if (token is not null)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }

        var analyst = Token(new() { ["sub"] = "u1", ["geoors_role"] = "analyst", ["geoors_agency"] = "Access Test IdP County" });
        Assert.Equal(HttpStatusCode.OK, await Read(analyst));
        Assert.Equal(HttpStatusCode.Forbidden, await Read(analyst, "/api/admin/audit"));
        Assert.Equal(HttpStatusCode.OK, await Read(Token(new() { ["sub"] = "u2", ["geoors_role"] = "admin", ["geoors_agency"] = "x" }), "/api/admin/audit"));
        Assert.Equal(HttpStatusCode.Unauthorized, await Read(Token(new() { ["sub"] = "u3", ["geoors_agency"] = "x" })));                  // no role
        Assert.Equal(HttpStatusCode.Unauthorized, await Read(Token(new() { ["sub"] = "u4", ["geoors_role"] = "root", ["geoors_agency"] = "x" })));
        Assert.Equal(HttpStatusCode.Unauthorized, await Read(Token(new() { ["sub"] = "u5", ["geoors_role"] = "analyst", ["geoors_agency"] = "x" }, DateTime.UtcNow.AddMinutes(-5))));
        Assert.Equal(HttpStatusCode.Unauthorized, await Read(analyst[..^4] + "AAAA")); // signature broken

        // API keys still work beside tokens.
        var key = await withJwt.KeyForAsync("analyst");
        Assert.Equal(HttpStatusCode.OK, await Read(key));
    }

    // ---- ingest attribution ----

    [Fact]
    public async Task Ingest_is_attributed_to_the_keys_agency_and_open_only_to_analysts_law_enforcement_and_admins()
    {
        var agency = "Access Test Ingest " + Guid.NewGuid().ToString("N")[..8];
        using var analyst = await factory.ClientForAsync("analyst", agency);
        const string Csv = "external_id,occurred_at,lat,lon,fatal\r\na1,1998-06-01T00:00:00Z,39.29,-76.61,false\r\n";

        async Task<HttpResponseMessage> Post(HttpClient client, string query = "") =>
            await client.PostAsync(new Uri("/api/ingest/overdoses" + query, UriKind.Relative), new StringContent(Csv, Encoding.UTF8, "text/csv"));

        using (var created = await Post(analyst))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var batch = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            Assert.Equal(agency, batch.RootElement.GetProperty("agency").GetString());
        }

        using (var other = await Post(analyst, "?agency=Someone%20Else"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }

        using (var partner = factory.CreateClient("partner"))
        using (var refused = await Post(partner))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var open = factory.CreateClient())
        using (var refused = await Post(open))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The analyst lists its own agency's batches only.
        using var listed = JsonDocument.Parse(await analyst.GetStringAsync(new Uri("/api/ingest/batches?limit=1000", UriKind.Relative)));
        Assert.All(listed.RootElement.EnumerateArray(), b => Assert.Equal(agency, b.GetProperty("agency").GetString()));
        Assert.Single(listed.RootElement.EnumerateArray());
    }
}
