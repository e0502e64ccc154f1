using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>POST /api/planning/naloxone</c> over overdoses ingested into Niobrara County, Wyoming, in 1996 (a
/// window no other test uses): 10 non-fatal at A, 4 non-fatal at B, 1 fatal at F, each group at one place.
/// </summary>
public class PlanningEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string Niobrara = "56027";
    private static readonly (double Lon, double Lat) A = (-104.45, 43.06), B = (-104.30, 43.10), F = (-104.60, 42.95), Far = (-104.20, 42.80);
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
            foreach (var (lon, lat) in new[] { A, B, F, Far })
            {
                using var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri(FormattableString.Invariant($"/api/boundaries/lookup?lon={lon}&lat={lat}"), UriKind.Relative)));
                Assert.Equal(Niobrara, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
            }

            var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
            var run = Guid.NewGuid().ToString("N")[..8];
            void Add(string tag, (double Lon, double Lat) at, int count, bool fatal)
            {
                for (var i = 0; i < count; i++)
                {
                    csv.Append(FormattableString.Invariant($"plan-{run}-{tag}-{i},1996-06-{10 + i:00}T12:00:00Z,{at.Lat},{at.Lon},{(fatal ? "true" : "false")}\n"));
                }
            }

            Add("a", A, 10, false);
            Add("b", B, 4, false);
            Add("f", F, 1, true);
            using var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
            _seeded = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static object Point(string name, (double Lon, double Lat) at) =>
        new { type = "Feature", properties = new { name }, geometry = new { type = "Point", coordinates = new[] { at.Lon, at.Lat } } };

    private static readonly object Candidates = new
    {
        features = new { type = "FeatureCollection", features = new[] { Point("A", A), Point("B", B), Point("F", F), Point("Far", Far) } },
    };

    private async Task<(HttpStatusCode Status, JsonElement Body)> PlanAsync(object request, string role = "analyst")
    {
        await SeedAsync();
        using var client = factory.CreateClient(role);
        using var response = await client.PostAsJsonAsync(new Uri("/api/planning/naloxone", UriKind.Relative), request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Two_sites_cover_the_largest_group_then_the_weighted_fatal_one()
    {
        var (status, plan) = await PlanAsync(new
        {
            area = new { county = Niobrara }, from = "1996-01-01", to = "1996-12-31", weights = new { fatal = 5, nonfatal = 1 },
            candidates = Candidates, k = 2, radiusMeters = 500,
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(15, plan.GetProperty("events").GetInt32());
        Assert.Equal(19, plan.GetProperty("total_demand").GetDouble(), 9);
        Assert.Equal(["A", "F"], plan.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal([10.0, 5.0], plan.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("added_demand").GetDouble()));
        Assert.Equal([10.0, 15.0], plan.GetProperty("curve").EnumerateArray().Select(c => c.GetProperty("new_demand").GetDouble()));
        Assert.Equal(15.0 / 19, plan.GetProperty("covered_share").GetDouble(), 9);
        Assert.True(plan.GetProperty("proven_optimal").GetBoolean());
        Assert.Equal(0, plan.GetProperty("gap").GetDouble(), 9);
        Assert.True(plan.GetProperty("upper_bound").GetDouble() >= 15 - 1e-9);
    }

    [Fact]
    public async Task Existing_sites_count_as_covered_and_the_half_life_weighs_recent_events_more()
    {
        var (status, plan) = await PlanAsync(new
        {
            area = new { county = Niobrara }, from = "1996-01-01", to = "1996-12-31", weights = new { fatal = 5, nonfatal = 1 },
            candidates = Candidates, existing = new { csv = "name,lat,lon\nclinic,43.06,-104.45\n" }, k = 2, radiusMeters = 500,
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(10, plan.GetProperty("existing_demand").GetDouble(), 9);
        Assert.Equal(["F", "B"], plan.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(1, plan.GetProperty("covered_share").GetDouble(), 9);

        var (_, recent) = await PlanAsync(new
        {
            area = new { county = Niobrara }, from = "1996-01-01", to = "1996-12-31", halfLifeDays = 30, candidates = Candidates, k = 1, radiusMeters = 500,
        });
        // Every event is months before 31 December: weights are 2^(−days/30), all below 1.
        Assert.True(recent.GetProperty("total_demand").GetDouble() < 1);
        Assert.Equal("A", recent.GetProperty("sites")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_polygon_limits_the_demand_a_grid_gives_candidates_and_geojson_is_a_feature_collection()
    {
        var box = new { type = "Polygon", coordinates = new[] { new[] { new[] { -104.5, 43.0 }, new[] { -104.25, 43.0 }, new[] { -104.25, 43.15 }, new[] { -104.5, 43.15 }, new[] { -104.5, 43.0 } } } };
        var (status, plan) = await PlanAsync(new
        {
            area = new { geometry = box }, from = "1996-01-01", to = "1996-12-31", candidates = new { grid = 1000 }, k = 2, radiusMeters = 1500, format = "geojson",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("FeatureCollection", plan.GetProperty("type").GetString());
        Assert.Equal(14, plan.GetProperty("plan").GetProperty("total_demand").GetDouble(), 9); // F lies outside the box
        Assert.True(plan.GetProperty("plan").GetProperty("candidates").GetInt32() > 100);
        var features = plan.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(2, features.Count);
        Assert.All(features, f => Assert.Equal("Point", f.GetProperty("geometry").GetProperty("type").GetString()));
        Assert.Equal(14, plan.GetProperty("plan").GetProperty("new_demand").GetDouble(), 9); // a 1 km grid has a centre within 1.5 km of A and of B
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("partner", HttpStatusCode.Forbidden)]
    public async Task Plans_read_event_points_so_the_public_and_partners_are_refused(string? role, HttpStatusCode expected)
    {
        using var client = role is null ? factory.CreateClient() : factory.CreateClient(role);
        using var response = await client.PostAsJsonAsync(new Uri("/api/planning/naloxone", UriKind.Relative),
            new { area = new { county = Niobrara }, candidates = Candidates, k = 1, radiusMeters = 500 });
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Listed_sites_give_the_targets_their_covered_share_and_targets_rank_by_need()
    {
        await SeedAsync();
        using var analyst = factory.CreateClient("analyst");
        using (var put = await analyst.PutAsync(new Uri("/api/planning/sites", UriKind.Relative),
            new StringContent("""{"csv": "name,lat,lon\nclinic,43.06,-104.45\n"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var open = factory.CreateClient();
        var sites = await open.GetFromJsonAsync<JsonElement>(new Uri("/api/planning/sites?agency=GeoOrs%20Tests", UriKind.Relative));
        Assert.Contains(sites.EnumerateArray(), s => s.GetProperty("name").GetString() == "clinic");

        var targets = await analyst.GetFromJsonAsync<JsonElement>(new Uri("/api/planning/targets?kind=county&from=1996-01-01&to=1996-12-31&radiusMeters=500&limit=5000", UriKind.Relative));
        var list = targets.GetProperty("targets").EnumerateArray().ToList();
        var niobrara = Assert.Single(list, t => t.GetProperty("id").GetString() == Niobrara);
        Assert.Equal(15, niobrara.GetProperty("overdoses").GetInt64());
        Assert.Equal(10.0 / 15, niobrara.GetProperty("covered_share").GetDouble(), 9); // the 10 at A lie at the clinic
        // A county of 2,500 people with 15 overdoses in a year of few: its rate is drawn toward the overall one.
        Assert.InRange(niobrara.GetProperty("smoothed_rate").GetDouble(), 0, niobrara.GetProperty("rate").GetDouble() - 1);
        var needs = list.Select(t => t.GetProperty("need").GetDouble()).ToList();
        Assert.Equal(needs.OrderByDescending(n => n), needs);
        Assert.All(needs, n => Assert.InRange(n, 0, 1));
        var c = niobrara.GetProperty("components");
        Assert.Equal(niobrara.GetProperty("need").GetDouble(),
            (0.4 * c.GetProperty("rate_rank").GetDouble()) + (0.2 * c.GetProperty("trend").GetDouble()) + (0.2 * c.GetProperty("hotspot").GetDouble()) + (0.2 * c.GetProperty("uncovered").GetDouble()), 9);

        // The listed sites count as existing coverage in a plan that asks for them.
        var (status, plan) = await PlanAsync(new
        {
            area = new { county = Niobrara }, from = "1996-01-01", to = "1996-12-31", candidates = Candidates, existing = new { listed = true }, k = 1, radiusMeters = 500,
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(10, plan.GetProperty("existing_demand").GetDouble(), 9);
        Assert.Equal("B", plan.GetProperty("sites")[0].GetProperty("name").GetString());

        // The public ranks only areas whose counts it may see.
        var publicTargets = await open.GetFromJsonAsync<JsonElement>(new Uri("/api/planning/targets?kind=county&from=1996-01-01&to=1996-12-31&limit=5000", UriKind.Relative));
        Assert.All(publicTargets.GetProperty("targets").EnumerateArray(), t => Assert.False(t.GetProperty("overdoses").GetInt64() is >= 1 and <= 9));

        using var partner = factory.CreateClient("partner");
        using var refused = await partner.PutAsync(new Uri("/api/planning/sites", UriKind.Relative), new StringContent("""{"csv": "name,lat,lon\n"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task The_command_line_writes_the_plan_as_geojson_and_csv()
    {
        await SeedAsync();
        var dir = Directory.CreateTempSubdirectory("geoors-plan-");
        try
        {
            var candidates = Path.Combine(dir.FullName, "candidates.geojson");
            await File.WriteAllTextAsync(candidates, JsonSerializer.Serialize(((dynamic)Candidates).features));
            var prefix = Path.Combine(dir.FullName, "plan");
            Assert.Equal(0, await Cli.CommandLine.RunAsync(["plan", "naloxone", "--county", Niobrara, "--from", "1996-01-01", "--to", "1996-12-31",
                "--k", "2", "--radius", "500", "--candidates", candidates, "--fatal-weight", "5", "--out", prefix]));
            using var geojson = JsonDocument.Parse(await File.ReadAllTextAsync(prefix + ".geojson"));
            Assert.Equal(["A", "F"], geojson.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("name").GetString()));
            var csv = await File.ReadAllLinesAsync(prefix + ".csv");
            Assert.Equal("rank,name,lon,lat,added_demand,covered_demand", csv[0]);
            Assert.StartsWith("1,A,-104.45,43.06,10,10", csv[1], StringComparison.Ordinal);
            Assert.Equal(3, csv.Length);

            Assert.Equal(2, await Cli.CommandLine.RunAsync(["plan", "naloxone", "--county", "99999", "--k", "1", "--radius", "500", "--grid", "1000", "--out", prefix]));
            Assert.Equal(2, await Cli.CommandLine.RunAsync(["plan", "naloxone", "--county", Niobrara, "--k", "1"]));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("kind=state")]
    [InlineData("limit=0")]
    [InlineData("from=1996-12-01&to=1996-01-01")]
    [InlineData("colour=red")]
    [InlineData("radiusMeters=0")]
    public async Task Bad_target_queries_are_400(string query)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri($"/api/planning/targets?{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"area": {"county": "56027"}, "candidates": {"grid": 1000}, "radiusMeters": 500}""", "k" },
        { """{"area": {"county": "56027"}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 0}""", "radiusMeters" },
        { """{"area": {"county": "56027"}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 500, "colour": "red"}""", "colour" },
        { """{"area": {"county": "56027", "hidta": "x"}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 500}""", "area" },
        { """{"area": {"county": "99999"}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 500}""", "area.county" },
        { """{"area": {"county": "56027"}, "candidates": {"grid": 10}, "k": 2, "radiusMeters": 500}""", "candidates.grid" },
        { """{"area": {"county": "56027"}, "candidates": {"csv": "name,where\nx,here\n"}, "k": 2, "radiusMeters": 500}""", "candidates.csv" },
        { """{"area": {"county": "56027"}, "candidates": {"features": {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0,0],[1,1]]}}]}}, "k": 2, "radiusMeters": 500}""", "candidates.features" },
        { """{"area": {"county": "56027"}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 500, "format": "xml"}""", "format" },
        { """{"area": {"county": "56027"}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 500, "from": "1996-12-01", "to": "1996-01-01"}""", "from" },
        { """{"area": {"geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 500}""", "area.geometry" },
        { """{"area": {"county": "56027"}, "k": 2, "radiusMeters": 500}""", "candidates" },
        { """{"area": {"county": "56027"}, "candidates": {"grid": 1000}, "k": 2, "radiusMeters": 500, "weights": {"fatal": -1}}""", "weights" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_are_400_naming_the_field(string body, string field)
    {
        using var client = factory.CreateClient("analyst");
        using var response = await client.PostAsync(new Uri("/api/planning/naloxone", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }

    // ---- bounded work ----

    public static TheoryData<string, string, string> OverDefaultCaps => new()
    {
        // A polygon of the whole world with a 100 m grid: it kept PostgreSQL busy for minutes.
        { """{"area": {"geometry": {"type": "Polygon", "coordinates": [[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}}, "candidates": {"grid": 100}, "k": 5, "radiusMeters": 800}""", "area", "Limits:MaxPlannerAreaKm2" },
        // Five degrees by four (450,000 km², within the area cap) with a 100 m grid: 20 million cells.
        { """{"area": {"geometry": {"type": "Polygon", "coordinates": [[[-100,35],[-95,35],[-95,39],[-100,39],[-100,35]]]}}, "candidates": {"grid": 100}, "k": 5, "radiusMeters": 800}""", "candidates.grid", "Limits:MaxGridCells" },
    };

    [Theory]
    [MemberData(nameof(OverDefaultCaps))]
    public async Task Plans_over_the_default_caps_are_400_naming_the_cap(string body, string field, string cap)
    {
        using var client = factory.CreateClient("analyst");
        using var response = await client.PostAsync(new Uri("/api/planning/naloxone", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), text);
        Assert.Contains(cap, messages[0].GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, string> OverSmallCaps => new()
    {
        // 15 overdoses in Niobrara County in 1996.
        { "Limits:MaxDemandPoints", "14", "area", "Limits:MaxDemandPoints" },
        // 4 candidates × 15 overdoses = 60.
        { "Limits:MaxPlannerWork", "59", "candidates", "Limits:MaxPlannerWork" },
        // Within 50 km every candidate reaches every overdose: 60 pairs.
        { "Limits:MaxCoveragePairs", "59", "radiusMeters", "Limits:MaxCoveragePairs" },
        { "Limits:MaxPlannerSites", "3", "candidates", "Limits:MaxPlannerSites" },
    };

    [Theory]
    [MemberData(nameof(OverSmallCaps))]
    public async Task Plans_over_a_cap_are_400_naming_it_and_just_within_it_are_made(string setting, string value, string field, string cap)
    {
        await SeedAsync();
        var request = JsonSerializer.Serialize(new { area = new { county = Niobrara }, from = "1996-01-01", to = "1996-12-31", candidates = Candidates, k = 2, radiusMeters = 50_000 });
        foreach (var (limit, refused) in new[] { (value, true), ((long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), false) })
        {
            await using var server = new GeoOrsFactory(new Dictionary<string, string?> { [setting] = limit });
            using var client = await server.ClientForAsync("analyst");
            using var response = await client.PostAsync(new Uri("/api/planning/naloxone", UriKind.Relative), new StringContent(request, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (!refused)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{setting}={limit}: {(int)response.StatusCode} {text}");
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{setting}={limit}: {(int)response.StatusCode} {text}");
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), text);
            Assert.Contains(cap, messages[0].GetString(), StringComparison.Ordinal);
        }
    }
}
