using System.Net;
using System.Text.Json;
using GeoOrs.Data.Alerts;

namespace GeoOrs.Server.Tests;

/// <summary><c>GET /api/alerts</c>: the stored alerts, filtered, newest first; partners and up.</summary>
public class AlertsEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private async Task<List<JsonElement>> ListAsync(string query, string role = "partner")
    {
        using var client = factory.CreateClient(role);
        using var response = await client.GetAsync(new Uri("/api/alerts?" + query, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {text}");
        return [.. JsonDocument.Parse(text).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    [Fact]
    public async Task An_alert_is_listed_with_every_field_and_its_stable_id()
    {
        var area = TestAlerts.NewArea();
        var alert = TestAlerts.Alert(area, "2024-03-05", "ewma", observed: 11);
        Assert.Equal([alert.Id], await TestAlerts.AddAsync(alert));
        Assert.Empty(await TestAlerts.AddAsync(alert)); // found again by a later run: the same alert, not a new one

        var listed = Assert.Single(await ListAsync($"area=county:{area}"));
        var stored = Assert.Single(await TestAlerts.OfAreaAsync(area));
        Assert.Equal(
            ["id", "seq", "area_kind", "area_id", "area_name", "method", "day", "observed", "expected", "statistic", "threshold", "created_at", "run_id", "drug"],
            listed.EnumerateObject().Select(p => p.Name));
        Assert.Equal(NewAlert.IdOf("county", area, "ewma", new DateOnly(2024, 3, 5)), listed.GetProperty("id").GetString());
        Assert.Equal(stored.Seq, listed.GetProperty("seq").GetInt64());
        Assert.Equal("county", listed.GetProperty("area_kind").GetString());
        Assert.Equal(area, listed.GetProperty("area_id").GetString());
        Assert.Equal($"Test area {area}", listed.GetProperty("area_name").GetString());
        Assert.Equal("ewma", listed.GetProperty("method").GetString());
        Assert.Equal("2024-03-05", listed.GetProperty("day").GetString());
        Assert.Equal(11, listed.GetProperty("observed").GetInt32());
        Assert.Equal(2.25, listed.GetProperty("expected").GetDouble());
        Assert.Equal(3.5, listed.GetProperty("statistic").GetDouble());
        Assert.Equal(3.0, listed.GetProperty("threshold").GetDouble());
        Assert.EndsWith("Z", listed.GetProperty("created_at").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("run_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("drug").ValueKind); // a count method's alert is about no one drug
    }

    [Fact]
    public async Task Filters_by_area_method_days_and_storing_time_newest_first_within_the_limit()
    {
        var area = TestAlerts.NewArea();
        var other = TestAlerts.NewArea();
        await TestAlerts.AddAsync(
            TestAlerts.Alert(area, "2024-03-01", "ears_c1"), TestAlerts.Alert(area, "2024-03-02", "ears_c2"),
            TestAlerts.Alert(area, "2024-03-03", "ears_c3"), TestAlerts.Alert(other, "2024-03-02", "ears_c2"),
            TestAlerts.Alert(area, "2024-03-02", "ears_c2", kind: "county_neighbors"));
        var first = await TestAlerts.OfAreaAsync(area);
        await Task.Delay(50);
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-02-20", "threshold"));
        var later = (await TestAlerts.OfAreaAsync(area)).Single(a => a.Method == "threshold");

        static string[] Methods(List<JsonElement> alerts) => [.. alerts.Select(a => a.GetProperty("method").GetString()!)];

        // Newest (largest seq) first.
        var all = await ListAsync($"area=county:{area}");
        Assert.Equal(["threshold", "ears_c3", "ears_c2", "ears_c1"], Methods(all));
        Assert.True(all.Select(a => a.GetProperty("seq").GetInt64()).SequenceEqual(all.Select(a => a.GetProperty("seq").GetInt64()).OrderDescending()));

        Assert.Equal(["ears_c2"], Methods(await ListAsync($"area=county:{area}&method=ears_c2")));
        Assert.Equal(["ears_c2"], Methods(await ListAsync($"area=county_neighbors:{area}")));
        Assert.Equal(["ears_c3", "ears_c2"], Methods(await ListAsync($"area=county:{area}&from=2024-03-02")));
        Assert.Equal(["ears_c2", "ears_c1"], Methods(await ListAsync($"area=county:{area}&from=2024-03-01&to=2024-03-02")));
        Assert.Equal(["threshold"], Methods(await ListAsync($"area=county:{area}&to=2024-02-29")));
        Assert.Equal(["threshold", "ears_c3"], Methods(await ListAsync($"area=county:{area}&limit=2")));

        // since: stored at or after the time (RFC 3339, any offset), or the date's midnight UTC.
        var at = later.CreatedAt.ToUniversalTime();
        Assert.Equal(["threshold"], Methods(await ListAsync($"area=county:{area}&since={Uri.EscapeDataString(at.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture))}")));
        var inNewYork = new DateTimeOffset(first[0].CreatedAt, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(-5));
        Assert.Equal(4, (await ListAsync($"area=county:{area}&since={Uri.EscapeDataString(inNewYork.ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz", System.Globalization.CultureInfo.InvariantCulture))}")).Count);
        Assert.Equal(4, (await ListAsync($"area=county:{area}&since={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}")).Count);
        Assert.Empty(await ListAsync($"area=county:{area}&since={DateTime.UtcNow.AddDays(2):yyyy-MM-dd}"));

        // Every area when not filtered (other tests' alerts too).
        Assert.Contains(await ListAsync("method=ears_c2&limit=1000"), a => a.GetProperty("area_id").GetString() == other);
    }

    [Fact]
    public async Task Without_a_limit_the_newest_100_are_listed()
    {
        var area = TestAlerts.NewArea();
        var start = new DateOnly(2023, 1, 1);
        await TestAlerts.AddAsync([.. Enumerable.Range(0, 101).Select(i => TestAlerts.Alert(area, start.AddDays(i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))]);
        var listed = await ListAsync($"area=county:{area}");
        Assert.Equal(100, listed.Count);
        var stored = await TestAlerts.OfAreaAsync(area);
        Assert.Equal(stored.Skip(1).Reverse().Select(a => a.Id), listed.Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(101, (await ListAsync($"area=county:{area}&limit=1000")).Count);
    }

    [Theory]
    [InlineData("area=county", "area")]
    [InlineData("area=state:24", "area")]
    [InlineData("area=county:", "area")]
    [InlineData("area=county:%2042003", "area")]
    [InlineData("method=cusum", "method")]
    [InlineData("since=yesterday", "since")]
    [InlineData("since=2024-05-01T12:00:00", "since")]
    [InlineData("since=2024-02-30", "since")]
    [InlineData("from=2024-13-01", "from")]
    [InlineData("to=20240101", "to")]
    [InlineData("from=2024-03-02&to=2024-03-01", "to")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=", "limit")]
    [InlineData("limit=5&limit=6", "limit")]
    [InlineData("county=42003", "county")]
    public async Task A_bad_parameter_is_a_400_that_names_it(string query, string parameter)
    {
        using var client = factory.CreateClient("partner");
        using var response = await client.GetAsync(new Uri("/api/alerts?" + query, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task The_public_gets_401_and_every_keyed_role_reads_alerts()
    {
        using var open = factory.CreateClient();
        foreach (var path in new[] { "/api/alerts", "/api/alerts/stream" })
        {
            using var refused = await open.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        foreach (var role in new[] { "partner", "analyst", "law_enforcement", "admin" })
        {
            await ListAsync("limit=1", role);
        }
    }
}
