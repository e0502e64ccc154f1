using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Server.Tests;

/// <summary>The ad-hoc analyses of a caller's own features and series.</summary>
public class AnalysisEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    /// <summary>A 3 × 3 grid of 0.1° squares near Denver, row by row from the south-west, ids "c0".."c8".</summary>
    private static JsonObject Grid(double[] values, string field = "rate")
    {
        var features = new JsonArray();
        for (var i = 0; i < 9; i++)
        {
            double x = -105 + ((i % 3) * 0.1), y = 39.5 + ((i / 3) * 0.1);
            var ring = new JsonArray(Pos(x, y), Pos(x + 0.1, y), Pos(x + 0.1, y + 0.1), Pos(x, y + 0.1), Pos(x, y));
            features.Add(new JsonObject
            {
                ["type"] = "Feature",
                ["id"] = $"c{i}",
                ["geometry"] = new JsonObject { ["type"] = "Polygon", ["coordinates"] = new JsonArray(ring) },
                ["properties"] = new JsonObject { [field] = values[i] },
            });
        }

        return new JsonObject { ["type"] = "FeatureCollection", ["features"] = features };

        static JsonArray Pos(double x, double y) => new(Math.Round(x, 6), Math.Round(y, 6));
    }

    private static readonly double[] Peak = [1, 2, 1, 2, 9, 2, 1, 2, 1];

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string role = "analyst", string contentType = "application/json")
    {
        using var client = factory.CreateClient(role);
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, contentType));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, text);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Gi_star_on_queen_weights_answers_each_feature_in_input_order_as_the_library_computes_it()
    {
        var request = new JsonObject { ["method"] = "gi_star", ["field"] = "rate", ["weights"] = new JsonObject { ["type"] = "queen" }, ["features"] = Grid(Peak) };
        var (status, body) = await PostAsync("/api/analysis/hotspots", request.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(9, results.Count);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"c{i}"), results.Select(r => r.GetProperty("id").GetString()));

        // The same numbers as the library on the same lattice (queen: corners 3, edges 5, centre 8 neighbours).
        var neighbours = new List<IReadOnlyList<int>>();
        for (var i = 0; i < 9; i++)
        {
            neighbours.Add([.. Enumerable.Range(0, 9).Where(j => j != i && Math.Abs((j % 3) - (i % 3)) <= 1 && Math.Abs((j / 3) - (i / 3)) <= 1)]);
        }

        var expected = GetisOrd.Compute(Peak, SpatialWeights.FromNeighbors(neighbours), star: true);
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(expected[i].Z, results[i].GetProperty("z").GetDouble(), 12);
            Assert.Equal(expected[i].Bin, results[i].GetProperty("bin").GetInt32());
        }

        // The centre's Gi* neighbourhood (itself and its 8 queen neighbours) is every feature: no variance, z = 0.
        // By hand for a corner: n = 9, mean 21/9, S = √(101/9 − (21/9)²) = 2.4037; its neighbourhood
        // {itself, 2 edges, the centre} sums 14 over W = 4: (14 − 4·21/9) / (S·√((9·4 − 4²)/8)) = 1.2279.
        Assert.Equal(0, results[4].GetProperty("z").GetDouble());
        Assert.Equal(1.2279, results[0].GetProperty("z").GetDouble(), 4);
        Assert.Equal("binary", body.GetProperty("weights").GetProperty("style").GetString());
    }

    [Fact]
    public async Task Local_moran_is_reproducible_with_a_seed_and_carries_the_global_statistic()
    {
        var request = new JsonObject
        {
            ["method"] = "local_moran", ["field"] = "rate", ["permutations"] = 99, ["seed"] = 7,
            ["weights"] = new JsonObject { ["type"] = "rook" }, ["features"] = Grid([1, 1, 2, 1, 1, 2, 8, 9, 9]),
        };
        var (status, first) = await PostAsync("/api/analysis/hotspots", request.ToJsonString());
        var (_, second) = await PostAsync("/api/analysis/hotspots", request.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first.GetProperty("results").GetRawText(), second.GetProperty("results").GetRawText());
        Assert.Equal("row", first.GetProperty("weights").GetProperty("style").GetString());
        Assert.True(first.GetProperty("global").GetProperty("i").GetDouble() > 0); // high values cluster in the north row
        var north = first.GetProperty("results")[7];
        Assert.Equal("HH", north.GetProperty("quadrant").GetString());
        Assert.InRange(north.GetProperty("pseudo_p").GetDouble(), 0.01, 1);
    }

    [Fact]
    public async Task Ears_c1_alerts_on_the_spike_day_only()
    {
        var series = new JsonArray();
        int[] counts = [2, 3, 2, 3, 2, 3, 2, 3, 2, 12, 3];
        for (var i = 0; i < counts.Length; i++)
        {
            series.Add(new JsonObject { ["date"] = new DateOnly(2024, 1, 1).AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["count"] = counts[i] });
        }

        var (status, body) = await PostAsync("/api/analysis/spikes", new JsonObject { ["method"] = "ears_c1", ["series"] = series }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        var days = body.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(11, days.Count);
        Assert.Equal(["2024-01-10"], days.Where(d => d.GetProperty("alert").GetBoolean()).Select(d => d.GetProperty("date").GetString()));
        Assert.Equal(JsonValueKind.Null, days[0].GetProperty("statistic").ValueKind); // no baseline yet
    }

    [Fact]
    public async Task Days_left_out_of_a_series_count_zero()
    {
        var json = """{"method":"threshold","threshold":3,"series":[{"date":"2024-03-01","count":4},{"date":"2024-03-04","count":1}]}""";
        var (status, body) = await PostAsync("/api/analysis/spikes", json);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([4, 0, 0, 1], body.GetProperty("days").EnumerateArray().Select(d => d.GetProperty("count").GetInt32()));
        Assert.Equal(1, body.GetProperty("alerts").GetInt32());
    }

    public static TheoryData<string, string, string> BadRequests()
    {
        var grid = Grid(Peak).ToJsonString();
        var bowtie = """{"type":"FeatureCollection","features":[""" + string.Join(",", Enumerable.Range(0, 3).Select(i =>
            """{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"properties":{"rate":""" + i.ToString(CultureInfo.InvariantCulture) + "}}")) + "]}";
        return new()
        {
            { "/api/analysis/hotspots", $$"""{"method":"kriging","field":"rate","features":{{grid}}}""", "method" },
            { "/api/analysis/hotspots", $$"""{"field":"rate","features":{{grid}}}""", "method" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","features":{{grid}}}""", "field" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"deaths","features":{{grid}}}""", "features[0]" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","features":{{grid.Replace("\"rate\":9", "\"rate\":\"nine\"", StringComparison.Ordinal)}}}""", "features[4]" },
            { "/api/analysis/hotspots", """{"method":"gi_star","field":"rate","features":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"rate":1}},{"type":"Feature","geometry":{"type":"Point","coordinates":[1,0]},"properties":{"rate":2}}]}}""", "features" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","features":{{bowtie}}}""", "features[0]" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","features":{{grid.Replace("-105,", "-205,", StringComparison.Ordinal)}}}""", "features[0]" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","weights":{"type":"delaunay"},"features":{{grid}}}""", "weights.type" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","weights":{"type":"knn","k":9},"features":{{grid}}}""", "k" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","weights":{"type":"distance_band"},"features":{{grid}}}""", "weights.distanceMeters" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","weights":{"type":"queen","style":"fancy"},"features":{{grid}}}""", "weights.style" },
            { "/api/analysis/hotspots", $$"""{"method":"local_moran","field":"rate","permutations":-1,"features":{{grid}}}""", "permutations" },
            { "/api/analysis/hotspots", """{"method":"gi_star","field":"rate","features":[1,2,3]}""", "features" },
            { "/api/analysis/hotspots", """[1,2]""", "body" },
            { "/api/analysis/hotspots", """{"method":""", "body" },
            { "/api/analysis/spikes", """{"method":"farrington","series":[{"date":"2024-01-01","count":1}]}""", "method" },
            { "/api/analysis/spikes", """{"method":"ears_c1","series":[{"date":"2024-01-02","count":1},{"date":"2024-01-01","count":1}]}""", "series[1]" },
            { "/api/analysis/spikes", """{"method":"ears_c1","series":[{"date":"2024-01-01","count":-1}]}""", "series[0]" },
            { "/api/analysis/spikes", """{"method":"ears_c1","series":[{"date":"2024-02-30","count":1}]}""", "series[0]" },
            { "/api/analysis/spikes", """{"method":"ears_c1","series":[{"date":"2024-01-01","count":"many"}]}""", "series[0]" },
            { "/api/analysis/spikes", """{"method":"ears_c1","series":[]}""", "series" },
            { "/api/analysis/spikes", """{"method":"threshold","series":[{"date":"2024-01-01","count":1}]}""", "threshold" },
            { "/api/analysis/spikes", """{"method":"ears_c2","minSigma":0,"series":[{"date":"2024-01-01","count":1}]}""", "minSigma" },
            { "/api/analysis/spikes", """{"method":"ears_c2","series":[{"date":"1900-01-01","count":1},{"date":"2900-01-01","count":1}]}""", "series" },
        };
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_are_400_naming_the_field(string path, string json, string field)
    {
        var (status, body) = await PostAsync(path, json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors");
        Assert.True(errors.EnumerateObject().Any(e => e.Name.Contains(field, StringComparison.Ordinal)), $"{field} not in {errors}");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415_or_400_and_the_public_and_partners_are_refused()
    {
        var (status, _) = await PostAsync("/api/analysis/spikes", "method=ears_c1", contentType: "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var open = factory.CreateClient();
        using var refused = await open.PostAsync(new Uri("/api/analysis/spikes", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var (partner, _) = await PostAsync("/api/analysis/spikes", "{}", role: "partner");
        Assert.Equal(HttpStatusCode.Forbidden, partner);
    }

    // ---- bounded work ----

    /// <summary>
    /// The body of the probe that kept a server computing for minutes: 9,000 points within 0.3° of
    /// Pittsburgh, local Moran's I over a 50 km distance band (every point a neighbour of nearly every
    /// other) with 9,999 permutations, some 977 KB.
    /// </summary>
    private static string Probe()
    {
        var random = new Random(9000);
        var features = new StringBuilder();
        for (var i = 0; i < 9000; i++)
        {
            features.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $$$"""{"type":"Feature","id":{{{i}}},"geometry":{"type":"Point","coordinates":[{{{-80 + ((random.NextDouble() - 0.5) * 0.6):F5}}},{{{40.4 + ((random.NextDouble() - 0.5) * 0.6):F5}}}]},"properties":{"n":{{{random.Next(21)}}}}}""");
        }

        return $$$"""{"method":"local_moran","field":"n","weights":{"type":"distance_band","distanceMeters":50000},"permutations":9999,"features":{"type":"FeatureCollection","features":[{{{features}}}]}}""";
    }

    [Fact]
    public async Task The_probes_own_body_is_refused_before_any_work_naming_the_cap_it_exceeds()
    {
        var probe = Probe();
        Assert.InRange(probe.Length, 900_000, 1_100_000);
        using var client = factory.CreateClient("analyst");
        client.Timeout = TimeSpan.FromSeconds(60); // computing it would take many minutes; refusing it takes well under a second
        using var response = await client.PostAsync(new Uri("/api/analysis/hotspots", UriKind.Relative), new StringContent(probe, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        var (field, messages) = Assert.Single(errors.EnumerateObject().Select(e => (e.Name, e.Value)));
        Assert.Equal("weights.distanceMeters", field);
        Assert.Contains("Limits:MaxNeighbors", messages[0].GetString(), StringComparison.Ordinal);
    }

    /// <summary>A server whose caps are small enough to reach with the 3 × 3 grid.</summary>
    private static GeoOrsFactory SmallCaps() => new(new Dictionary<string, string?>
    {
        ["Limits:MaxFeatures"] = "20",
        ["Limits:MaxNeighbors"] = "5",
        ["Limits:MaxPermutations"] = "99",
        ["Limits:MaxAnalysisWork"] = "2000",
        ["Limits:MaxSeriesDays"] = "30",
    });

    public static TheoryData<string, string, string, string> OverCaps()
    {
        var grid = Grid(Peak).ToJsonString();
        var points = new JsonArray();
        for (var i = 0; i < 21; i++)
        {
            points.Add(new JsonObject
            {
                ["type"] = "Feature",
                ["geometry"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(-105 + (i * 0.01), 39.5) },
                ["properties"] = new JsonObject { ["rate"] = i % 4 },
            });
        }

        var many = new JsonObject { ["type"] = "FeatureCollection", ["features"] = points }.ToJsonString();
        var days = string.Join(",", Enumerable.Range(0, 31).Select(d => $$"""{"date":"{{new DateOnly(2024, 1, 1).AddDays(d):yyyy-MM-dd}}","count":1}"""));
        return new()
        {
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","features":{{many}}}""", "features", "Limits:MaxFeatures" },
            { "/api/analysis/hotspots", $$"""{"method":"local_moran","field":"rate","permutations":100,"features":{{grid}}}""", "permutations", "Limits:MaxPermutations" },
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","weights":{"type":"knn","k":6},"features":{{grid}}}""", "weights.k", "Limits:MaxNeighbors" },
            // Every cell within 50 km of every other: 8 neighbours each.
            { "/api/analysis/hotspots", $$"""{"method":"gi_star","field":"rate","weights":{"type":"distance_band","distanceMeters":50000},"features":{{grid}}}""", "weights.distanceMeters", "Limits:MaxNeighbors" },
            // Queen: 40 neighbour pairs; × 99 permutations = 3,960 steps.
            { "/api/analysis/hotspots", $$"""{"method":"local_moran","field":"rate","permutations":99,"weights":{"type":"queen"},"features":{{grid}}}""", "permutations", "Limits:MaxAnalysisWork" },
            { "/api/analysis/spikes", $$"""{"method":"ears_c1","series":[{{days}}]}""", "series", "Limits:MaxSeriesDays" },
            { "/api/analysis/spikes", """{"method":"ears_c1","series":[{"date":"2024-01-01","count":1},{"date":"2024-03-01","count":1}]}""", "series", "Limits:MaxSeriesDays" },
        };
    }

    [Theory]
    [MemberData(nameof(OverCaps))]
    public async Task Requests_over_a_cap_are_400_naming_the_field_and_the_cap(string path, string json, string field, string cap)
    {
        await using var server = SmallCaps();
        using var client = await server.ClientForAsync("analyst");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), text);
        Assert.Contains(cap, messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Work_just_within_the_budget_is_done()
    {
        await using var server = SmallCaps();
        using var client = await server.ClientForAsync("analyst");

        // 40 queen pairs × 49 permutations = 1,960 steps, within 2,000; 30 days within 30.
        var request = new JsonObject { ["method"] = "local_moran", ["field"] = "rate", ["permutations"] = 49, ["weights"] = new JsonObject { ["type"] = "queen" }, ["features"] = Grid(Peak) };
        using var analysed = await client.PostAsync(new Uri("/api/analysis/hotspots", UriKind.Relative), new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, analysed.StatusCode);
        var days = string.Join(",", Enumerable.Range(0, 30).Select(d => $$"""{"date":"{{new DateOnly(2024, 1, 1).AddDays(d):yyyy-MM-dd}}","count":1}"""));
        using var spikes = await client.PostAsync(new Uri("/api/analysis/spikes", UriKind.Relative), new StringContent($$"""{"method":"ears_c1","series":[{{days}}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, spikes.StatusCode);
    }
}
