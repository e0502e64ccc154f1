using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The emerging-drug signals of the spike job, on a database of its own, from planted test files and
/// one run as of 8 July 2024 over its last ten days (29 June – 8 July):
/// <list type="bullet">
/// <item><c>first_xylazine_of_a_county</c>: Jefferson County, Kentucky (21111), a fentanyl overdose
/// every Monday since 2 January 2023, then its first xylazine in an overdose at noon on 3 July 2024.</item>
/// <item><c>first_nitazene_seizure</c>: Hamilton County, Ohio (39061), watched as long, and its first
/// nitazene in a seizure reported as "Isotonitazene" on 5 July 2024.</item>
/// <item><c>watched_too_short</c>: Franklin County, Ohio (39049), whose first event is 10 January 2024:
/// its xylazine on 4 July is new to the data but the county has not been watched for a year.</item>
/// <item><c>xylazine_seen_last_spring</c>: Marion County, Indiana (18097), xylazine on 1 March and
/// again on 4 July 2024, within the year.</item>
/// <item><c>xylazine_share_rises</c>: Kanawha County, West Virginia (54039), 20 fentanyl overdoses a
/// week in the weeks ending 30 June and 7 July, 2 of them with xylazine in the first and 12 in the second.</item>
/// <item><c>seizures_lead_overdoses</c>: Cuyahoga County, Ohio (39035), the 104 weeks to 30 June 2024 of
/// R's case "seizures_lead_overdoses_by_two_weeks" (tests/GeoOrs.Analysis.Tests/Signals/Fixtures):
/// that many fentanyl overdoses and fentanyl seizures each Wednesday.</item>
/// </list>
/// </summary>
public sealed class EmergingDrugSignalsFixture : IAsyncLifetime
{
    public const string Jefferson = "21111", Hamilton = "39061", Franklin = "39049", Marion = "18097", Kanawha = "54039", Cuyahoga = "39035";

    /// <summary>The Monday of the first of the 104 weeks of <c>seizures_lead_overdoses</c>; the last ends on Sunday 30 June 2024.</summary>
    public static readonly DateOnly LinkedFrom = new(2022, 7, 4);
    private const string AsOf = "2024-07-08";

    private ScratchDatabase? _scratch;

    public GeoOrsFactory Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _scratch = await PostGis.CreateScratchDatabaseAsync();
        Factory = GeoOrsFactory.WithScheduler(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = _scratch.ConnectionString,
            ["Analysis:AsOf"] = AsOf,
            ["Analysis:SpikeDays"] = "10",
        });
        using var admin = Factory.CreateClient("admin");
        var overdoses = new StringBuilder("external_id,occurred_at,lat,lon,fatal,suspected_drugs\n");
        var seizures = new StringBuilder("external_id,seized_at,lat,lon,drug,quantity,unit\n");
        var places = new Dictionary<string, (double Lat, double Lon)>
        {
            [Jefferson] = (38.22, -85.70), [Hamilton] = (39.15, -84.50), [Franklin] = (39.96, -82.99), [Marion] = (39.78, -86.15), [Kanawha] = (38.35, -81.63), [Cuyahoga] = (41.45, -81.68),
        };
        foreach (var (county, (lat, lon)) in places)
        {
            using var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri(
                FormattableString.Invariant($"/api/boundaries/lookup?lon={lon}&lat={lat}"), UriKind.Relative)));
            Assert.Equal(county, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
        }

        var n = 0;
        void Overdose(string fixture, string county, string day, string drugs, int count = 1)
        {
            var (lat, lon) = places[county];
            for (var i = 0; i < count; i++)
            {
                overdoses.Append(CultureInfo.InvariantCulture, $"{fixture}-{n++},{day}T12:{i % 60:00}:00-04:00,{lat},{lon},false,{drugs}\n");
            }
        }

        void Weekly(string fixture, string county, DateOnly from, DateOnly to)
        {
            for (var d = from; d <= to; d = d.AddDays(7))
            {
                Overdose(fixture, county, d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "fentanyl");
            }
        }

        Weekly("first_xylazine_of_a_county", Jefferson, new DateOnly(2023, 1, 2), new DateOnly(2024, 7, 1));
        Overdose("first_xylazine_of_a_county", Jefferson, "2024-07-03", "fentanyl;xylazine");
        Weekly("first_nitazene_seizure", Hamilton, new DateOnly(2023, 1, 2), new DateOnly(2024, 7, 1));
        seizures.Append(CultureInfo.InvariantCulture, $"first_nitazene_seizure-1,2024-07-05T10:00:00-04:00,{places[Hamilton].Lat},{places[Hamilton].Lon},Isotonitazene,4.5,g\n");
        Overdose("watched_too_short", Franklin, "2024-01-10", "fentanyl");
        Overdose("watched_too_short", Franklin, "2024-07-04", "xylazine");
        Overdose("xylazine_seen_last_spring", Marion, "2023-01-05", "heroin");
        Overdose("xylazine_seen_last_spring", Marion, "2024-03-01", "fentanyl;xylazine");
        Overdose("xylazine_seen_last_spring", Marion, "2024-07-04", "fentanyl;xylazine");
        Overdose("xylazine_share_rises", Kanawha, "2024-06-26", "fentanyl", 18);
        Overdose("xylazine_share_rises", Kanawha, "2024-06-27", "fentanyl;xylazine", 2);
        Overdose("xylazine_share_rises", Kanawha, "2024-07-03", "fentanyl", 8);
        Overdose("xylazine_share_rises", Kanawha, "2024-07-04", "fentanyl;xylazine", 12);
        var linked = LaggedCase("seizures_lead_overdoses_by_two_weeks");
        for (var w = 0; w < linked.Later.Length; w++)
        {
            var wednesday = LinkedFrom.AddDays((7 * w) + 2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Overdose("seizures_lead_overdoses", Cuyahoga, wednesday, "fentanyl", (int)linked.Later[w]);
            for (var i = 0; i < (int)linked.Earlier[w]; i++)
            {
                seizures.Append(CultureInfo.InvariantCulture, $"seizures_lead_overdoses-{w}-{i},{wednesday}T09:{i % 60:00}:00-04:00,{places[Cuyahoga].Lat},{places[Cuyahoga].Lon},fentanyl,1.5,g\n");
            }
        }

        foreach (var (path, body) in new[] { ("/api/ingest/overdoses", overdoses), ("/api/ingest/seizures", seizures) })
        {
            using var ingest = await admin.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body.ToString(), Encoding.UTF8, "text/csv"));
            Assert.True(ingest.StatusCode == HttpStatusCode.Created, await ingest.Content.ReadAsStringAsync());
        }

        await using var dataSource = GeoOrsDataSource.Create(_scratch.ConnectionString);
        var since = DateTime.UtcNow;
        using (var start = await admin.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "spikes" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        await AnalysisJobsTests.SucceededRunAfterAsync(dataSource, "spikes", since, 180, lastDay: AsOf);
    }

    /// <summary>A case of R's reference values: the two weekly series and R's raw and prewhitened cross-correlations at lags 0–8.</summary>
    public static (double[] Later, double[] Earlier, double[] Raw, int Order, double[] Prewhitened) LaggedCase(string name)
    {
        static double[] Numbers(string text) => [.. text.Split(';').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
        var f = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "lagged_association.csv")).Select(l => l.Split(',')).Single(f => f[0] == name);
        return (Numbers(f[1]), Numbers(f[2]), Numbers(f[3]), int.Parse(f[4], CultureInfo.InvariantCulture), Numbers(f[6]));
    }

    /// <summary>The alerts of a method for a county: (day, drug, observed, statistic), in order.</summary>
    public async Task<List<(string Day, string? Drug, int Observed, double? Statistic)>> AlertsAsync(string county, string method)
    {
        using var admin = Factory.CreateClient("admin");
        var alerts = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/alerts?area=county:{county}&method={method}", UriKind.Relative));
        return [.. alerts.EnumerateArray().Select(a => (
            a.GetProperty("day").GetString()!, a.GetProperty("drug").GetString(), a.GetProperty("observed").GetInt32(),
            a.GetProperty("statistic").ValueKind == JsonValueKind.Null ? (double?)null : a.GetProperty("statistic").GetDouble())).Order()];
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_scratch is not null)
        {
            await _scratch.DisposeAsync();
        }
    }
}

[Trait("Category", "Slow")]
public class EmergingDrugSignalsTests(EmergingDrugSignalsFixture fixture) : IClassFixture<EmergingDrugSignalsFixture>
{
    [Fact]
    public async Task The_first_xylazine_of_a_watched_county_is_a_novel_substance_on_its_day()
    {
        Assert.Equal([("2024-07-03", "xylazine", 1, null)], await fixture.AlertsAsync(EmergingDrugSignalsFixture.Jefferson, "novel_substance"));
    }

    [Fact]
    public async Task A_seizure_named_isotonitazene_is_the_first_nitazene_of_its_county()
    {
        Assert.Equal([("2024-07-05", "nitazene", 1, null)], await fixture.AlertsAsync(EmergingDrugSignalsFixture.Hamilton, "novel_substance"));
    }

    [Fact]
    public async Task A_county_watched_less_than_the_look_back_or_with_the_drug_seen_within_it_gets_none()
    {
        Assert.Empty(await fixture.AlertsAsync(EmergingDrugSignalsFixture.Franklin, "novel_substance"));
        Assert.Empty(await fixture.AlertsAsync(EmergingDrugSignalsFixture.Marion, "novel_substance"));
    }

    [Fact]
    public async Task A_weeks_rise_in_the_share_of_xylazine_alerts_on_its_sunday_with_its_adjusted_p_value()
    {
        var rise = Assert.Single(await fixture.AlertsAsync(EmergingDrugSignalsFixture.Kanawha, "drug_share_rise"));
        Assert.Equal(("2024-07-07", "xylazine", 12), (rise.Day, rise.Drug, rise.Observed));
        // Fisher's one-sided p of 12 of 20 against 2 of 20 (R: fisher.test(matrix(c(12, 2, 8, 18), 2), alternative = "greater")),
        // adjusted over the run's tests, at most the rate allowed and no smaller than the raw p.
        Assert.InRange(rise.Statistic!.Value, GeoOrs.Analysis.Signals.ShareRise.PValue(12, 20, 2, 20), 0.05);
        Assert.Empty(await fixture.AlertsAsync(EmergingDrugSignalsFixture.Jefferson, "drug_share_rise"));
    }

    [Fact]
    public async Task The_line_list_of_a_share_rise_is_its_weeks_overdoses()
    {
        using var analyst = fixture.Factory.CreateClient("analyst");
        var alerts = await analyst.GetFromJsonAsync<JsonElement>(new Uri($"/api/alerts?area=county:{EmergingDrugSignalsFixture.Kanawha}&method=drug_share_rise", UriKind.Relative));
        var id = Assert.Single(alerts.EnumerateArray()).GetProperty("id").GetString();
        var list = await analyst.GetFromJsonAsync<JsonElement>(new Uri($"/api/alerts/{id}/line-list", UriKind.Relative));
        Assert.Equal("2024-07-01", list.GetProperty("from").GetString());
        Assert.Equal("2024-07-07", list.GetProperty("to").GetString());
        var drugs = list.GetProperty("events").EnumerateArray().Select(e => string.Join(';', e.GetProperty("drugs").EnumerateArray().Select(d => d.GetString()))).ToList();
        Assert.Equal(20, drugs.Count);
        Assert.Equal(12, drugs.Count(d => d.Contains("xylazine", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Alerts_of_other_methods_name_no_drug_and_the_new_methods_are_accepted_as_filters()
    {
        using var admin = fixture.Factory.CreateClient("admin");
        var all = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/alerts?limit=1000", UriKind.Relative));
        Assert.All(all.EnumerateArray().Where(a => a.GetProperty("method").GetString() is not ("novel_substance" or "drug_share_rise")),
            a => Assert.Equal(JsonValueKind.Null, a.GetProperty("drug").ValueKind));
        using var bad = await admin.GetAsync(new Uri("/api/alerts?method=novel", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}

/// <summary><c>GET /api/areas/{kind}/{id}/drug-links</c> on the planted weekly series of Cuyahoga County.</summary>
[Trait("Category", "Slow")]
public class DrugLinksEndpointsTests(EmergingDrugSignalsFixture fixture) : IClassFixture<EmergingDrugSignalsFixture>
{
    private static readonly string Path = $"/api/areas/county/{EmergingDrugSignalsFixture.Cuyahoga}/drug-links";

    [Fact]
    public async Task The_weekly_series_and_their_lagged_cross_correlations_are_Rs()
    {
        var expected = EmergingDrugSignalsFixture.LaggedCase("seizures_lead_overdoses_by_two_weeks");
        using var partner = fixture.Factory.CreateClient("partner");
        var links = await partner.GetFromJsonAsync<JsonElement>(new Uri($"{Path}?drug=fentanyl&from=2022-07-04&to=2024-06-30", UriKind.Relative));
        Assert.Equal("2022-07-04", links.GetProperty("from").GetString());
        Assert.Equal("2024-06-30", links.GetProperty("to").GetString());
        var weekly = links.GetProperty("weekly").EnumerateArray().ToList();
        Assert.Equal(expected.Later, weekly.Select(w => w.GetProperty("overdoses").GetDouble()));
        Assert.Equal(expected.Earlier, weekly.Select(w => w.GetProperty("seizures").GetDouble()));
        Assert.Equal(expected.Order, links.GetProperty("prewhitening_order").GetInt32());
        var lags = links.GetProperty("lags").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 9), lags.Select(l => l.GetProperty("lag").GetInt32()));
        for (var k = 0; k < 9; k++)
        {
            Assert.Equal(expected.Raw[k], lags[k].GetProperty("raw").GetDouble(), 1e-10);
            Assert.Equal(expected.Prewhitened[k], lags[k].GetProperty("prewhitened").GetDouble(), 1e-10);
        }

        Assert.Equal([2], lags.Where(l => l.GetProperty("significant").GetBoolean()).Select(l => l.GetProperty("lag").GetInt32()));
        Assert.Contains("not a cause", links.GetProperty("caveat").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_window_is_cut_to_whole_weeks_and_a_drug_never_seized_there_has_no_lags_and_says_why()
    {
        using var analyst = fixture.Factory.CreateClient("analyst");
        // Wednesday to Wednesday: the window runs from the next Monday to the last Sunday.
        var links = await analyst.GetFromJsonAsync<JsonElement>(new Uri($"{Path}?drug=fentanyl&from=2023-01-04&to=2024-06-26", UriKind.Relative));
        Assert.Equal("2023-01-09", links.GetProperty("from").GetString());
        Assert.Equal("2024-06-23", links.GetProperty("to").GetString());
        Assert.Equal(76, links.GetProperty("weekly").GetArrayLength());
        var none = await analyst.GetFromJsonAsync<JsonElement>(new Uri($"{Path}?drug=xylazine&from=2022-07-04&to=2024-06-30", UriKind.Relative));
        Assert.Equal(0, none.GetProperty("lags").GetArrayLength());
        Assert.Contains("do not vary", none.GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?from=2022-07-04&to=2024-06-30", HttpStatusCode.BadRequest)] // no drug
    [InlineData("?drug=tranq&from=2022-07-04&to=2024-06-30", HttpStatusCode.BadRequest)] // a synonym, not a term
    [InlineData("?drug=fentanyl&from=2024-03-04&to=2024-06-30", HttpStatusCode.BadRequest)] // 17 weeks
    [InlineData("?drug=fentanyl&from=2024-06-30&to=2022-07-04", HttpStatusCode.BadRequest)]
    [InlineData("?drug=fentanyl&from=yesterday", HttpStatusCode.BadRequest)]
    [InlineData("?drug=fentanyl&fatal=true", HttpStatusCode.BadRequest)] // not a parameter of this route
    public async Task Bad_queries_are_400s(string query, HttpStatusCode status)
    {
        using var partner = fixture.Factory.CreateClient("partner");
        using var response = await partner.GetAsync(new Uri(Path + query, UriKind.Relative));
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_areas_are_404s_and_the_public_is_refused()
    {
        using var partner = fixture.Factory.CreateClient("partner");
        using (var county = await partner.GetAsync(new Uri("/api/areas/county/99999/drug-links?drug=fentanyl", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, county.StatusCode);
        }

        using (var kind = await partner.GetAsync(new Uri("/api/areas/city/1/drug-links?drug=fentanyl", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, kind.StatusCode);
        }

        using var anonymous = fixture.Factory.CreateClient();
        using var refused = await anonymous.GetAsync(new Uri(Path + "?drug=fentanyl", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
