using System.Net;
using System.Text;
using System.Text.Json;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Every JSON body is a typed record: a member the record does not have is refused with a 400
/// problem naming it, at any depth, while GeoJSON objects inside a body keep their foreign members.
/// </summary>
public class RequestBodyContractTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    public static TheoryData<string, string, string, string> Bodies => new()
    {
        { "POST", "/api/analysis/hotspots", """{"method": "gi_star", "colour": "red"}""", "colour" },
        { "POST", "/api/analysis/hotspots", """{"method": "gi_star", "weights": {"type": "knn", "kind": "queen"}}""", "weights.kind" },
        { "POST", "/api/analysis/spikes", """{"method": "ears_c1", "window": 7}""", "window" },
        { "POST", "/api/analysis/spikes", """{"method": "ears_c1", "series": [{"date": "2024-01-01", "count": 1}, {"date": "2024-01-02", "n": 1}]}""", "series[1].n" },
        { "POST", "/api/planning/naloxone", """{"k": 3, "sites": 3}""", "sites" },
        { "POST", "/api/planning/naloxone", """{"k": 3, "area": {"state": "24"}}""", "area.state" },
        { "POST", "/api/planning/naloxone", """{"k": 3, "weights": {"fatal": 2, "other": 1}}""", "weights.other" },
        { "POST", "/api/planning/naloxone", """{"k": 3, "candidates": {"spacing": 500}}""", "candidates.spacing" },
        { "PUT", "/api/planning/sites", """{"csv": "name,lat,lon", "agency": "Other"}""", "agency" },
        { "POST", "/api/webhooks", """{"url": "https://example.org/hook", "secret": "mine"}""", "secret" },
        { "POST", "/api/hotspots/runs", """{"kind": "hotspots", "now": true}""", "now" },
        { "PUT", "/api/admin/sharing/Contract%20Tests", """{"partners": [], "except": []}""", "except" },
        { "PUT", "/api/admin/thresholds/county/24510", """{"threshold": 5, "days": 1}""", "days" },
        { "PUT", "/api/admin/delegations/gok_nosuchkey", """{"agencies": [], "until": "2030-01-01"}""", "until" },
        { "PUT", "/api/admin/agency-review/1", """{"resolution": "confirmed", "by": "me"}""", "by" },
        { "PATCH", "/api/alerts/al_0000000000000000", """{"status": "acknowledged", "owner": "me"}""", "owner" },
        { "POST", "/api/alerts/al_0000000000000000/notes", """{"text": "seen", "author": "me"}""", "author" },
        { "PUT", "/api/admin/response-plans/county/24510", """{"actions": [{"key": "a", "label": "A", "order": 1}]}""", "actions[0].order" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Unknown_member_is_refused_naming_it(string method, string path, string body, string member)
    {
        using var client = factory.CreateClient("admin");
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(member, out var messages), text);
        Assert.Contains($"unknown member '{member}'", messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Geojson_inside_a_body_keeps_its_foreign_members()
    {
        // RFC 7946 allows members of its own objects that it does not define ("foreign members").
        var features = Enumerable.Range(0, 4).Select(i => new Dictionary<string, object>
        {
            ["type"] = "Feature",
            ["id"] = $"p{i}",
            ["source"] = "survey",
            ["geometry"] = new Dictionary<string, object> { ["type"] = "Point", ["coordinates"] = new[] { -76.6 + (i * 0.01), 39.3 }, ["accuracy"] = 5 },
            ["properties"] = new Dictionary<string, object> { ["rate"] = i * 2 },
        });
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["method"] = "gi_star",
            ["field"] = "rate",
            ["weights"] = new Dictionary<string, object> { ["type"] = "knn", ["k"] = 2 },
            ["features"] = new Dictionary<string, object> { ["type"] = "FeatureCollection", ["name"] = "mine", ["features"] = features },
        });
        using var client = factory.CreateClient("analyst");
        using var response = await client.PostAsync(
            new Uri("/api/analysis/hotspots", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var answer = JsonDocument.Parse(text);
        Assert.Equal(4, answer.RootElement.GetProperty("results").GetArrayLength());
    }
}
