using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>GET /api/briefs/{kind}/{id}</c> for Allegheny County from the demo data: the PDF read back by
/// <c>pdftotext</c> and the HTML page print the numbers <c>/api/areas</c> gives for the same window and
/// view; the public's brief prints no count from 1 to 9 and no alert; bad queries are 400s.
/// </summary>
[Trait("Category", "Slow")]
public class BriefsEndpointsTests(DemoBriefs demo) : IClassFixture<DemoBriefs>
{
    private const string June = "from=2024-06-01&to=2024-06-30";

    private async Task<JsonElement> AreaAsync(HttpClient client, string window)
    {
        using var response = await client.GetAsync(new Uri($"/api/areas/county/{DemoBriefs.Allegheny}?{window}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("measures").Clone();
    }

    private static async Task<byte[]> BriefAsync(HttpClient client, string query, string contentType)
    {
        using var response = await client.GetAsync(new Uri($"/api/briefs/county/{DemoBriefs.Allegheny}?{query}", UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("inline", response.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static double? Measure(JsonElement measures, string name) =>
        measures.GetProperty(name).ValueKind == JsonValueKind.Number ? measures.GetProperty(name).GetDouble() : null;

    /// <summary>Each figure row's first number (this period) against the area panel's measure.</summary>
    private static void AssertFiguresEqual(string text, JsonElement measures)
    {
        foreach (var (label, measure) in new[]
        {
            ("Overdoses", "overdoses"), ("Fatal", "fatal"), ("Non-fatal", "nonfatal"), ("Naloxone administered", "naloxone"),
            ("Overdose rate per 100,000", "rate"), ("Fatal rate per 100,000", "fatal_rate"), ("Seizures", "seizures"),
        })
        {
            Assert.True(Measure(measures, measure) == DemoBriefs.RowFigures(text, label)[0], $"{label}: the panel says {Measure(measures, measure)}\n{text}");
        }
    }

    [Fact]
    public async Task A_partners_pdf_prints_the_area_panels_numbers_with_the_audience_and_window()
    {
        using var partner = demo.Factory.CreateClient("partner");
        var measures = await AreaAsync(partner, June);
        Assert.True(measures.GetProperty("overdoses").GetInt64() >= 10, "Allegheny's June 2024 has overdoses in the demo data");

        var pdf = await BriefAsync(partner, June + "&format=pdf", "application/pdf");
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));
        var text = await DemoBriefs.PdfTextAsync(pdf);
        Assert.Contains("Allegheny", text, StringComparison.Ordinal);
        Assert.Contains("Audience: Partners and up", text, StringComparison.Ordinal);
        Assert.Contains("Window: 2024-06-01 to 2024-06-30 (month)", text, StringComparison.Ordinal);
        AssertFiguresEqual(text, measures);

        // The previous period and the same month last year are the panel's for those windows.
        var may = await AreaAsync(partner, "from=2024-05-01&to=2024-05-31");
        var lastJune = await AreaAsync(partner, "from=2023-06-01&to=2023-06-30");
        var overdoses = DemoBriefs.RowFigures(text, "Overdoses");
        Assert.Equal(Measure(may, "overdoses"), overdoses[1]);
        Assert.Equal(Measure(lastJune, "overdoses"), overdoses[3]);
        Assert.Equal(overdoses[0] - overdoses[1], overdoses[2]); // the change's difference comes first

        // Each drug's overdoses are the panel's with the drug filter.
        var fentanyl = await AreaAsync(partner, June + "&drug=fentanyl");
        Assert.Equal(Measure(fentanyl, "overdoses"), DemoBriefs.RowFigures(text, "Fentanyl")[0]);
        Assert.Contains("Alerts in the window", text, StringComparison.Ordinal);
        Assert.DoesNotContain("shared with partners and up only", text, StringComparison.Ordinal);

        // The seizure–overdose links of the drugs seized, with the caveat that they are no cause.
        Assert.Contains("Seizures and overdoses", text, StringComparison.Ordinal);
        Assert.Contains("An association, not a cause", Regex.Replace(text, @"\s+", " "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_public_pdf_prints_the_public_panels_protected_numbers_and_no_count_from_1_to_9()
    {
        using var anonymous = demo.Factory.CreateClient();
        var measures = await AreaAsync(anonymous, June);
        var pdf = await BriefAsync(anonymous, June, "application/pdf");
        var text = await DemoBriefs.PdfTextAsync(pdf);
        Assert.Contains("Audience: Public", text, StringComparison.Ordinal);
        Assert.Contains("Window: 2024-06-01 to 2024-06-30 (month)", text, StringComparison.Ordinal);
        AssertFiguresEqual(text, measures);
        Assert.Empty(DemoBriefs.SmallCounts(text));
        Assert.Contains("cell-key perturbation", text, StringComparison.Ordinal);
        Assert.Contains("Alerts are shared with partners and up only.", text, StringComparison.Ordinal);
        Assert.Contains("it is in the briefs of partners and up", Regex.Replace(text, @"\s+", " "), StringComparison.Ordinal);

        // A keyed caller may ask for the public's brief: the same figures.
        using var analyst = demo.Factory.CreateClient("analyst");
        var asked = await DemoBriefs.PdfTextAsync(await BriefAsync(analyst, June + "&audience=public", "application/pdf"));
        AssertFiguresEqual(asked, measures);
        Assert.Empty(DemoBriefs.SmallCounts(asked));
    }

    [Fact]
    public async Task Html_briefs_print_the_same_numbers_for_both_audiences()
    {
        foreach (var role in new[] { "analyst", null })
        {
            using var client = role is null ? demo.Factory.CreateClient() : demo.Factory.CreateClient(role);
            var measures = await AreaAsync(client, June);
            var html = System.Text.Encoding.UTF8.GetString(await BriefAsync(client, June + "&format=html", "text/html"));
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            var now = Regex.Match(html, "<tr data-row=\"Overdoses\"><td>Overdoses</td><td class=\"now\">([^<]+)</td>").Groups[1].Value;
            Assert.Equal(Measure(measures, "overdoses")?.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture) ?? "withheld", now);
            Assert.Contains(role is null ? "data-audience=\"public\"" : "data-audience=\"partner\"", html, StringComparison.Ordinal);
            Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal); // chart and map inline
            if (role is null)
            {
                var text = Regex.Replace(html[html.IndexOf("<body>", StringComparison.Ordinal)..], "<[^>]+>|data:image/png;base64,[A-Za-z0-9+/=]+", "  ");
                Assert.Empty(DemoBriefs.SmallCounts(System.Net.WebUtility.HtmlDecode(text)));
            }
        }
    }

    [Fact]
    public async Task A_weekly_brief_is_the_default_for_keyed_callers_and_a_monthly_one_for_the_public()
    {
        using var partner = demo.Factory.CreateClient("partner");
        var text = await DemoBriefs.PdfTextAsync(await BriefAsync(partner, "", "application/pdf"));
        var window = Regex.Match(text, @"Window: (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2}) \(week\)");
        Assert.True(window.Success, text);
        var from = DateOnly.Parse(window.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DayOfWeek.Monday, from.DayOfWeek);
        Assert.Equal(from.AddDays(6), DateOnly.Parse(window.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));

        using var anonymous = demo.Factory.CreateClient();
        var monthly = await DemoBriefs.PdfTextAsync(await BriefAsync(anonymous, "format=pdf", "application/pdf"));
        Assert.Matches(@"Window: \d{4}-\d{2}-01 to \d{4}-\d{2}-\d{2} \(month\)", monthly);
    }

    [Theory]
    [InlineData("format=docx", null, HttpStatusCode.BadRequest)]
    [InlineData("from=2024-06-01", "partner", HttpStatusCode.BadRequest)]
    [InlineData("from=2024-06-01&to=2024-05-01", "partner", HttpStatusCode.BadRequest)]
    [InlineData("from=2024-06-03&to=2024-06-09&period=week", "partner", HttpStatusCode.BadRequest)]
    [InlineData("period=fortnight", "partner", HttpStatusCode.BadRequest)]
    [InlineData("period=week", null, HttpStatusCode.BadRequest)]
    [InlineData("from=2024-06-03&to=2024-06-09", null, HttpStatusCode.BadRequest)]
    [InlineData("from=2024-06-01&to=2024-06-30&extra=1", null, HttpStatusCode.BadRequest)]
    [InlineData("audience=everyone", "partner", HttpStatusCode.BadRequest)]
    [InlineData("from=0001-01-01&to=2024-06-30", "partner", HttpStatusCode.BadRequest)]
    [InlineData("audience=partner", null, HttpStatusCode.Unauthorized)]
    [InlineData("from=2024-06-03&to=2024-06-09", "partner", HttpStatusCode.OK)]
    public async Task Bad_queries_are_refused_with_problem_details(string query, string? role, HttpStatusCode expected)
    {
        using var client = role is null ? demo.Factory.CreateClient() : demo.Factory.CreateClient(role);
        using var response = await client.GetAsync(new Uri($"/api/briefs/county/{DemoBriefs.Allegheny}?{query}", UriKind.Relative));
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
    }

    [Theory]
    [InlineData("/api/briefs/city/42003")]
    [InlineData("/api/briefs/county/99999")]
    public async Task Unknown_areas_are_404(string path)
    {
        using var client = demo.Factory.CreateClient("partner");
        using var response = await client.GetAsync(new Uri(path + "?from=2024-06-03&to=2024-06-09", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Briefs_of_a_state_and_a_hidta_region_are_made()
    {
        using var partner = demo.Factory.CreateClient("partner");
        using var state = await partner.GetAsync(new Uri("/api/briefs/state/42?period=month&format=html", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, state.StatusCode);
        var html = await state.Content.ReadAsStringAsync();
        Assert.Contains("Pennsylvania", html, StringComparison.Ordinal);

        // The synthetic seizures of the last month in Pennsylvania, if any, are related to its overdoses drug by drug.
        var seizures = Regex.Match(html, "<tr data-row=\"Seizures\"><td>Seizures</td><td class=\"now\">([^<]+)</td>").Groups[1].Value;
        var links = html[html.IndexOf("<ul id=\"drug-links\">", StringComparison.Ordinal)..];
        links = links[..links.IndexOf("</ul>", StringComparison.Ordinal)];
        Assert.Contains(seizures is "0" ? "No drug was seized" : "lags 0 to 8 weeks", links, StringComparison.Ordinal);
        Assert.Contains("An association, not a cause", links, StringComparison.Ordinal);
        await using var dataSource = GeoOrs.Data.GeoOrsDataSource.Create(demo.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT id FROM hidta_regions WHERE geom IS NOT NULL ORDER BY id LIMIT 1");
        var id = (string)(await command.ExecuteScalarAsync())!;
        using var hidta = await partner.GetAsync(new Uri($"/api/briefs/hidta/{Uri.EscapeDataString(id)}?from=2024-06-01&to=2024-06-30", UriKind.Relative));
        Assert.True(hidta.StatusCode == HttpStatusCode.OK, $"hidta {id}: {await hidta.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task The_command_line_writes_the_same_brief()
    {
        var file = Path.Combine(Path.GetTempPath(), $"geoors-cli-brief-{Guid.NewGuid():N}.pdf");
        try
        {
            var (exit, output) = await ServerProcess.RunCommandAsync(
                ["brief", "county", DemoBriefs.Allegheny, "--from", "2024-06-01", "--to", "2024-06-30", "--out", file],
                new Dictionary<string, string> { ["GEOORS_DB"] = demo.ConnectionString });
            Assert.True(exit == 0, output);
            Assert.Contains("Wrote the partner brief of Allegheny", output, StringComparison.Ordinal);
            using var analyst = demo.Factory.CreateClient("analyst");
            AssertFiguresEqual(await DemoBriefs.PdfTextAsync(await File.ReadAllBytesAsync(file)), await AreaAsync(analyst, June));

            var (publicExit, _) = await ServerProcess.RunCommandAsync(
                ["brief", "county", DemoBriefs.Allegheny, "--from", "2024-06-01", "--to", "2024-06-30", "--audience", "public", "--format", "html", "--out", file],
                new Dictionary<string, string> { ["GEOORS_DB"] = demo.ConnectionString });
            Assert.Equal(0, publicExit);
            Assert.Contains("data-audience=\"public\"", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

            // The public's window is refused as the endpoint refuses it.
            var (refused, message) = await ServerProcess.RunCommandAsync(
                ["brief", "county", DemoBriefs.Allegheny, "--from", "2024-06-03", "--to", "2024-06-09", "--audience", "public", "--out", file],
                new Dictionary<string, string> { ["GEOORS_DB"] = demo.ConnectionString });
            Assert.NotEqual(0, refused);
            Assert.Contains("whole calendar months", message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
