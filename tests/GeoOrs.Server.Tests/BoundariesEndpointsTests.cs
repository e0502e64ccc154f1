using System.Net;
using System.Text.Json;

namespace GeoOrs.Server.Tests;

public class BoundariesEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private async Task<(HttpStatusCode Status, string? ContentType, JsonElement Body)> GetAsync(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task County_is_a_geojson_feature_with_name_state_population_and_hidta()
    {
        var (status, type, feature) = await GetAsync("/api/boundaries/counties/24510");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/geo+json", type);
        Assert.Equal("Feature", feature.GetProperty("type").GetString());
        Assert.Equal("MultiPolygon", feature.GetProperty("geometry").GetProperty("type").GetString());
        var p = feature.GetProperty("properties");
        Assert.Equal("Baltimore", p.GetProperty("name").GetString());
        Assert.Equal("Maryland", p.GetProperty("state").GetString());
        Assert.Equal(593490, p.GetProperty("population").GetInt32());
        Assert.Equal(2019, p.GetProperty("population_year").GetInt32());
        Assert.Contains(p.GetProperty("hidta").EnumerateArray(), h => h.GetProperty("name").GetString() == "Washington/Baltimore");
    }

    [Fact]
    public async Task County_outside_every_hidta_has_an_empty_list()
    {
        // Loving County, Texas: the least populated county, in no HIDTA of the shipped lists.
        var (status, _, feature) = await GetAsync("/api/boundaries/counties/48301");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, feature.GetProperty("properties").GetProperty("hidta").GetArrayLength());
    }

    [Fact]
    public async Task Unknown_fips_is_404_problem_json()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/api/boundaries/counties/99999", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, doc.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("99999", doc.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2451")]
    [InlineData("245100")]
    [InlineData("abcde")]
    [InlineData("24%27%3B--")]
    public async Task Malformed_fips_is_400(string fips)
    {
        var (status, _, body) = await GetAsync($"/api/boundaries/counties/{fips}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("fips", out _));
    }

    [Fact]
    public async Task Lookup_places_baltimore_in_24510_and_its_hidta()
    {
        var (status, _, body) = await GetAsync("/api/boundaries/lookup?lon=-76.6122&lat=39.2904");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("24510", body.GetProperty("county").GetProperty("geoid").GetString());
        Assert.Equal("MD", body.GetProperty("state").GetProperty("abbr").GetString());
        Assert.Contains(body.GetProperty("hidta").EnumerateArray(), h => h.GetProperty("id").GetString() == "washington-baltimore");
    }

    [Theory]
    [InlineData("lon=-190&lat=39", "lon")]
    [InlineData("lon=-76&lat=91", "lat")]
    [InlineData("lon=abc&lat=39", "lon")]
    [InlineData("lat=39", "lon")]
    [InlineData("lon=NaN&lat=39", "lon")]
    public async Task Lookup_with_bad_coordinates_is_400(string query, string field)
    {
        var (status, _, body) = await GetAsync($"/api/boundaries/lookup?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Lookup_in_the_ocean_is_404()
    {
        var (status, _, _) = await GetAsync("/api/boundaries/lookup?lon=-40&lat=30");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
