using System.Net;
using System.Text;
using System.Text.Json;
using GeoOrs.Analysis.Privacy;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>/api/areas</c> over overdoses ingested into Weston County, Wyoming, in early 1997 (a window no
/// other test uses): 12 in the week of 6 January (3 fatal), 4 in the week of 13 January, 15 in the
/// week of 3 February.
/// </summary>
public class AreasEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string Weston = "56045";
    private const string Window = "from=1997-01-01&to=1997-02-28";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _seeded;

    private async Task SeedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            using var admin = factory.CreateClient("admin");
            using var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/boundaries/lookup?lon=-104.57&lat=43.84", UriKind.Relative)));
            Assert.Equal(Weston, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());

            var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
            var run = Guid.NewGuid().ToString("N")[..8];
            void Add(string day, int count, int fatal)
            {
                for (var i = 0; i < count; i++)
                {
                    csv.Append($"areas-{run}-{day}-{i},{day}T1{i % 10}:00:00Z,43.84,-104.57,{(i < fatal ? "true" : "false")}\n");
                }
            }

            Add("1997-01-07", 12, 3);
            Add("1997-01-15", 4, 0);
            Add("1997-02-04", 15, 0);
            using var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
            _seeded = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task<JsonElement> GetAsync(string path, string? role)
    {
        await SeedAsync();
        using var client = role is null ? factory.CreateClient() : factory.CreateClient(role);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static Dictionary<string, long?> Weeks(JsonElement area, string series) => area.GetProperty("weekly").EnumerateArray().ToDictionary(
        w => w.GetProperty("week").GetString()!, w => w.GetProperty(series).ValueKind == JsonValueKind.Null ? (long?)null : w.GetProperty(series).GetInt64());

    [Fact]
    public async Task An_analyst_gets_the_measures_and_every_week()
    {
        var area = await GetAsync($"/api/areas/county/{Weston}?{Window}", "analyst");
        Assert.Equal("Weston", area.GetProperty("name").GetString());
        Assert.Equal(31, area.GetProperty("measures").GetProperty("overdoses").GetInt64());
        Assert.Equal(3, area.GetProperty("measures").GetProperty("fatal").GetInt64());
        var weeks = Weeks(area, "overdoses");
        Assert.Equal("1996-12-30", weeks.Keys.First()); // the Monday of the week holding 1 January
        Assert.Equal(9, weeks.Count);
        Assert.Equal((12L, 4L, 15L), (weeks["1997-01-06"], weeks["1997-01-13"], weeks["1997-02-03"]));
        Assert.Equal(31L, weeks.Values.Sum());
        Assert.Equal(JsonValueKind.Array, area.GetProperty("alerts").ValueKind);

        // The same numbers as the county-aggregates collection for the window.
        using var client = factory.CreateClient("analyst");
        using var ogc = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/ogc/collections/county-aggregates/items/{Weston}?{Window}", UriKind.Relative)));
        var properties = ogc.RootElement.GetProperty("properties");
        Assert.Equal(properties.GetProperty("overdoses").GetInt64(), area.GetProperty("measures").GetProperty("overdoses").GetInt64());
        Assert.Equal(properties.GetProperty("rate").GetDouble(), area.GetProperty("measures").GetProperty("rate").GetDouble());
    }

    [Fact]
    public async Task The_public_gets_a_monthly_series_of_the_protected_monthly_figures_and_no_alerts()
    {
        // The public asks whole months only: this two-month window is refused.
        await SeedAsync();
        using (var client = factory.CreateClient())
        using (var refused = await client.GetAsync(new Uri($"/api/areas/county/{Weston}?{Window}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        // Twelve months to February 1997: 31 overdoses (16 in January, 3 of them fatal; 15 in February).
        var area = await GetAsync($"/api/areas/county/{Weston}?from=1996-03-01&to=1997-02-28", null);
        var total = area.GetProperty("measures").GetProperty("overdoses").GetInt64();
        Assert.InRange(total, 31 - CellKeyPerturbation.MaxNoise, 31 + CellKeyPerturbation.MaxNoise);
        Assert.Equal(JsonValueKind.Null, area.GetProperty("weekly").ValueKind);
        Assert.Equal(JsonValueKind.Null, area.GetProperty("alerts").ValueKind);
        Assert.Equal("cell-key perturbation", area.GetProperty("disclosure_control").GetProperty("method").GetString());
        var months = area.GetProperty("monthly").EnumerateArray().ToDictionary(m => m.GetProperty("month").GetString()!, m => m);
        Assert.Equal(12, months.Count);
        Assert.Equal("1996-03-01", months.Keys.First());
        var january = months["1997-01-01"].GetProperty("overdoses");
        Assert.InRange(january.GetInt64(), 16 - CellKeyPerturbation.MaxNoise, 16 + CellKeyPerturbation.MaxNoise);
        var february = months["1997-02-01"].GetProperty("overdoses"); // 15 is withheld when perturbed by −6, to 9
        Assert.True(february.ValueKind == JsonValueKind.Null
            ? months["1997-02-01"].GetProperty("suppressed").GetBoolean()
            : february.GetInt64() is >= 15 - CellKeyPerturbation.MaxNoise and <= 15 + CellKeyPerturbation.MaxNoise, february.GetRawText());
        foreach (var (month, entry) in months.Where(m => m.Key is not ("1997-01-01" or "1997-02-01")))
        {
            // A month of no event is published as 0, or withheld like a small count.
            var value = entry.GetProperty("overdoses");
            Assert.True(value.ValueKind == JsonValueKind.Null ? entry.GetProperty("suppressed").GetBoolean() : value.GetInt64() is >= 0 and <= 4, month);
        }

        // Each month of the series is the figure the area layers publish for that month.
        var one = await GetAsync($"/api/areas/county/{Weston}?from=1997-01-01&to=1997-01-31", null);
        Assert.Equal(january.GetInt64(), one.GetProperty("measures").GetProperty("overdoses").GetInt64());
        Assert.Single(one.GetProperty("monthly").EnumerateArray());
    }

    [Fact]
    public async Task States_sum_their_counties_and_filters_apply()
    {
        var state = await GetAsync($"/api/areas/state/56?{Window}", "partner");
        Assert.Equal(31, state.GetProperty("measures").GetProperty("overdoses").GetInt64());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("hotspot").ValueKind);
        Assert.Equal(JsonValueKind.Null, state.GetProperty("alerts").ValueKind); // states have no alerts of their own

        var fatal = await GetAsync($"/api/areas/county/{Weston}?{Window}&fatal=true", "analyst");
        Assert.Equal(3, fatal.GetProperty("measures").GetProperty("overdoses").GetInt64());
        Assert.Equal(3L, Weeks(fatal, "overdoses").Values.Sum());
    }

    [Theory]
    [InlineData("/api/areas/planet/1", HttpStatusCode.NotFound)]
    [InlineData("/api/areas/county/99999", HttpStatusCode.NotFound)]
    [InlineData("/api/areas/county/56045?from=1997-13-01", HttpStatusCode.BadRequest)]
    [InlineData("/api/areas/county/56045?from=1990-01-01&to=2005-01-01", HttpStatusCode.BadRequest)]
    [InlineData("/api/areas/county/56045?metric=rate", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_are_refused(string path, HttpStatusCode expected)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(expected, response.StatusCode);
    }
}
