using GeoOrs.Data.Entities;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

public class OgcEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private async Task<(HttpStatusCode Status, string? Type, JsonElement Body)> GetAsync(string path, string? role = null)
    {
        using var client = role is null ? factory.CreateClient() : factory.CreateClient(role);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, text);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static IEnumerable<string> Rels(JsonElement body) => body.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("rel").GetString()!);

    private static string Href(JsonElement body, string rel) =>
        body.GetProperty("links").EnumerateArray().First(l => l.GetProperty("rel").GetString() == rel).GetProperty("href").GetString()!;

    [Fact]
    public async Task Landing_page_links_the_api_conformance_and_collections()
    {
        var (status, _, landing) = await GetAsync("/ogc");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["self", "service-desc", "conformance", "data"], Rels(landing));

        var (_, _, conformance) = await GetAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30", classes);

        var (_, type, api) = await GetAsync("/ogc/api");
        Assert.Equal("application/vnd.oai.openapi+json", type);
        Assert.Equal("3.0.3", api.GetProperty("openapi").GetString());
        Assert.True(api.GetProperty("paths").TryGetProperty("/collections/{collectionId}/items", out _));
    }

    [Fact]
    public async Task Collections_are_the_registered_layers_with_extents()
    {
        var (_, _, body) = await GetAsync("/ogc/collections", "analyst");
        var ids = body.GetProperty("collections").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Equal(["counties", "county-aggregates", "heat", "hidta-regions", "hotspots", "overdose-events", "seizure-events", "states"], ids);

        // The public is not shown the event collections at all.
        var (_, _, open) = await GetAsync("/ogc/collections");
        Assert.Equal(["counties", "county-aggregates", "heat", "hidta-regions", "hotspots", "states"], open.GetProperty("collections").EnumerateArray().Select(c => c.GetProperty("id").GetString()));

        var (status, _, counties) = await GetAsync("/ogc/collections/counties");
        Assert.Equal(HttpStatusCode.OK, status);
        var bbox = counties.GetProperty("extent").GetProperty("spatial").GetProperty("bbox")[0].EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.InRange(bbox[0], -180, -170); // Aleutians
        Assert.InRange(bbox[3], 71, 72); // Alaska's north coast
        Assert.Contains("items", Rels(counties));
        Assert.Equal("feature", counties.GetProperty("itemType").GetString());
    }

    [Fact]
    public async Task Items_page_through_every_county()
    {
        var (status, type, first) = await GetAsync("/ogc/collections/counties/items");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/geo+json", type);
        Assert.Equal(3220, first.GetProperty("numberMatched").GetInt64());
        Assert.Equal(100, first.GetProperty("numberReturned").GetInt32());
        Assert.Equal(100, first.GetProperty("features").GetArrayLength());
        Assert.DoesNotContain("prev", Rels(first));

        var seen = new HashSet<string>();
        var next = "/ogc/collections/counties/items?limit=1000";
        var pages = 0;
        while (next is not null)
        {
            var (_, _, page) = await GetAsync(new Uri(next, UriKind.RelativeOrAbsolute) is { IsAbsoluteUri: true } u ? u.PathAndQuery : next);
            foreach (var feature in page.GetProperty("features").EnumerateArray())
            {
                Assert.True(seen.Add(feature.GetProperty("id").GetString()!));
            }

            pages++;
            next = Rels(page).Contains("next") ? Href(page, "next") : null;
        }

        Assert.Equal(3220, seen.Count);
        Assert.Equal(4, pages);
    }

    [Fact]
    public async Task Bbox_returns_the_counties_it_touches()
    {
        // A small box in Baltimore City.
        var (_, _, body) = await GetAsync("/ogc/collections/counties/items?bbox=-76.62,39.28,-76.60,39.30");
        var ids = body.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
        Assert.Equal(["24510"], ids);
        Assert.Equal(1, body.GetProperty("numberMatched").GetInt64());
    }

    [Fact]
    public async Task One_feature_by_id_and_404s()
    {
        var (status, _, feature) = await GetAsync("/ogc/collections/hidta-regions/items/washington-baltimore");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("MultiPolygon", feature.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal("Washington/Baltimore", feature.GetProperty("properties").GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/ogc/collections/counties/items/99999")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/ogc/collections/overdose_events/items")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/ogc/collections/county_population/items")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/ogc/collections/pg_catalog")).Status);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=-5")]
    [InlineData("limit=ten")]
    [InlineData("offset=-1")]
    [InlineData("bbox=1,2,3")]
    [InlineData("bbox=a,b,c,d")]
    [InlineData("bbox=-76,40,-77,41")]
    [InlineData("bbox=-76,95,-75,96")]
    [InlineData("colour=blue")]
    [InlineData("f=html")]
    [InlineData("bbox=-76%27%3B%20DROP%20TABLE%20counties%3B--,1,2,3")]
    public async Task Malformed_or_unknown_parameters_are_400(string query)
    {
        var (status, _, problem) = await GetAsync($"/ogc/collections/counties/items?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Limit_above_the_maximum_is_capped()
    {
        var (status, _, body) = await GetAsync("/ogc/collections/counties/items?limit=50000");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3220, body.GetProperty("numberReturned").GetInt32());
    }
}

/// <summary>A real OGC API client, GDAL's OAPIF driver, against the real server on a socket.</summary>
public class OgcGdalTests
{
    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start: apt-get install gdal-bin");
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + errors);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Ogrinfo_lists_the_collections_and_ogr2ogr_pulls_every_county()
    {
        using var server = await ServerProcess.StartAsync();
        var endpoint = $"OAPIF:http://127.0.0.1:{server.Port}/ogc";

        var (code, listing) = await RunAsync("ogrinfo", "-ro", "-q", endpoint);
        Assert.True(code == 0, listing);
        Assert.Contains("counties", listing, StringComparison.Ordinal);
        Assert.Contains("states", listing, StringComparison.Ordinal);
        Assert.Contains("hidta-regions", listing, StringComparison.Ordinal);
        Assert.Contains("county-aggregates", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("overdose-events", listing, StringComparison.Ordinal); // not to the public
        Assert.DoesNotContain("seizure-events", listing, StringComparison.Ordinal);

        // With an analyst's key in a header, GDAL is shown the event collections too.
        await using var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync());
        var key = (await GeoOrs.Data.Access.ApiKeys.CreateAsync(db, "analyst", "gdal tests")).Key;
        var (keyedCode, keyedListing) = await RunAsync("ogrinfo", "--config", "GDAL_HTTP_HEADERS", $"X-Api-Key: {key}", "-ro", "-q", endpoint);
        Assert.True(keyedCode == 0, keyedListing);
        Assert.Contains("overdose-events", keyedListing, StringComparison.Ordinal);
        Assert.Contains("seizure-events", keyedListing, StringComparison.Ordinal);

        var output = Path.Combine(Path.GetTempPath(), $"geoors-oapif-{Guid.NewGuid():N}.geojson");
        try
        {
            var (copied, log) = await RunAsync("ogr2ogr", "-f", "GeoJSON", output, endpoint, "counties");
            Assert.True(copied == 0, log);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            var features = doc.RootElement.GetProperty("features");
            Assert.Equal(3220, features.GetArrayLength());
            Assert.Equal(3220, features.EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("geoid").GetString()).Distinct().Count());
        }
        finally
        {
            File.Delete(output);
        }
    }
}
