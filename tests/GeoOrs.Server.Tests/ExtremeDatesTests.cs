using System.Net;
using System.Text;
using System.Text.Json;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Every date a request can name, at the ends of its type (0001-01-01, 9999-12-31 and times on
/// them), is a 400 problem naming the accepted range — never a 500 from date arithmetic at the end
/// of <see cref="DateOnly"/> — on every route family that parses one; the ends of the range itself
/// are served.
/// </summary>
public sealed class ExtremeDatesTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    public static TheoryData<string, string> Refused() => new()
    {
        // areas
        { "public", "/api/areas/county/42003?to=9999-12-31" },
        { "public", "/api/areas/county/42003?to=0001-01-01" },
        { "public", "/api/areas/county/42003?from=0001-01-01" },
        { "public", "/api/areas/state/42?to=9999-12-31" },
        { "public", "/api/areas/hidta/any?from=9999-12-31&to=9999-12-31" },
        // tiles
        { "public", "/tiles/counties/3/2/3.mvt?to=9999-12-31" },
        { "public", "/tiles/counties/3/2/3.mvt?from=0001-01-01" },
        { "public", "/tiles/states/3/2/3.png?to=0001-01-01" },
        { "public", "/tiles/counties.json?from=9999-12-31" },
        { "public", "/tiles/counties/legend.png?to=9999-12-31" },
        { "partner", "/tiles/overdoses/10/300/380.mvt?from=0001-01-01&to=9999-12-31" },
        // OGC API – Features, from/to and datetime
        { "public", "/ogc/collections/county-aggregates/items?to=9999-12-31" },
        { "public", "/ogc/collections/county-aggregates/items?from=0001-01-01" },
        { "public", "/ogc/collections/county-aggregates/items?datetime=0001-01-01/9999-12-31" },
        { "public", "/ogc/collections/county-aggregates/items?datetime=../9999-12-31" },
        { "public", "/ogc/collections/county-aggregates/items/42003?to=9999-12-31" },
        { "partner", "/ogc/collections/overdose-events/items?datetime=9999-12-31T23:59:59Z" },
        { "partner", "/ogc/collections/overdose-events/items?datetime=0001-01-01T00:00:00Z/.." },
        { "partner", "/ogc/collections/seizure-events/items?datetime=9999-12-31" },
        // alerts
        { "partner", "/api/alerts?from=0001-01-01" },
        { "partner", "/api/alerts?to=9999-12-31" },
        { "partner", "/api/alerts?since=0001-01-01T00:00:00Z" },
        { "partner", "/api/alerts?since=9999-12-31" },
        // planning and administration
        { "public", "/api/planning/targets?to=9999-12-31" },
        { "public", "/api/planning/targets?from=0001-01-01&to=0001-01-02" },
        { "admin", "/api/admin/audit?since=0001-01-01" },
        { "admin", "/api/admin/audit?since=9999-12-31T23:59:59Z" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Dates_at_the_ends_of_their_type_are_400(string role, string url)
    {
        using var client = role == "public" ? factory.CreateClient() : factory.CreateClient(role);
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("1900-01-01 to 2200-12-31", text, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> RefusedBodies() => new()
    {
        { "/api/planning/naloxone", """{"area": {"county": "56027"}, "from": "0001-01-01", "candidates": {"grid": 5000}, "k": 1, "radiusMeters": 800}""", "from" },
        { "/api/planning/naloxone", """{"area": {"county": "56027"}, "to": "9999-12-31", "candidates": {"grid": 5000}, "k": 1, "radiusMeters": 800}""", "to" },
        { "/api/analysis/spikes", """{"method": "ears_c1", "series": [{"date": "9999-12-31", "count": 1}]}""", "series[0]" },
        { "/api/analysis/spikes", """{"method": "ears_c1", "series": [{"date": "0001-01-01", "count": 1}, {"date": "2024-01-01", "count": 1}]}""", "series[0]" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task Dates_at_the_ends_of_their_type_in_bodies_are_400_naming_the_field(string url, string json, string field)
    {
        using var client = factory.CreateClient("analyst");
        using var response = await client.PostAsync(new Uri(url, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {text}");
        using var body = JsonDocument.Parse(text);
        Assert.True(body.RootElement.GetProperty("errors").TryGetProperty(field, out var messages), text);
        Assert.Contains("1900-01-01 to 2200-12-31", messages[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/areas/county/42003?to=1900-01-01")]
    [InlineData("/api/areas/county/42003?from=2200-01-01&to=2200-12-31")]
    [InlineData("/api/areas/state/42?from=1900-01-01&to=1905-12-31")]
    [InlineData("/tiles/counties/3/2/3.mvt?from=1900-01-01&to=2200-12-31")]
    [InlineData("/ogc/collections/county-aggregates/items/42003?datetime=1900-01-01/2200-12-31")]
    [InlineData("/api/planning/targets?from=2199-01-01&to=2200-12-31")]
    public async Task The_ends_of_the_accepted_range_are_served(string url)
    {
        // Keyed callers ask windows of any days (the public's are whole months; DisclosureAttackTests).
        using var client = factory.CreateClient("analyst");
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
