using GeoOrs.Data;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Synthetic;
using GeoOrs.Tests;
using Npgsql;
using Xunit.Abstractions;

namespace GeoOrs.Server.Tests.Disclosure;

/// <summary>
/// The public view under attack: demo-sized data (150,000 overdoses a year over the 18 complete
/// months before this one), everything the public API publishes for every window it allows, a scripted
/// differencing attacker (<see cref="DifferencingAttack"/>) and the interval audit of withheld figures
/// (<see cref="IntervalAudit"/>), both judged against the truth. bench/disclosure runs the same over
/// every state (GEOORS_ATTACK_SCOPE=all).
/// </summary>
public class DisclosureAttackTests(ITestOutputHelper output)
{
    /// <summary>
    /// The states attacked in the suite: New England (its HIDTA region lies within it), Delaware,
    /// New Jersey, Pennsylvania and Maryland — one of a single county's size to large ones, several HIDTA
    /// regions. The counties are read within their box; bench/disclosure attacks every state.
    /// </summary>
    private static readonly string[] States = ["09", "23", "25", "33", "44", "50", "10", "34", "42", "24"];

    /// <summary>The states of the interval audit in the suite (each with the HIDTA regions touching it).</summary>
    private static readonly string[] AuditStates = ["44", "10"];

    private const int Months = 18;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Public_figures_survive_differencing_and_withheld_ones_keep_wide_intervals()
    {
        var today = Data.Layers.LayerQuery.PublicToday(DateTimeOffset.UtcNow); // the date in the westernmost zone
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var first = thisMonth.AddMonths(-Months);
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        var all = Environment.GetEnvironmentVariable("GEOORS_ATTACK_SCOPE") == "all";
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        SyntheticEvents.Generate(new SyntheticOptions
        {
            Overdoses = 150_000 * Months / 12, Seizures = 0, Seed = 14, Start = first, End = thisMonth.AddDays(-1), Spikes = 0, Hotspots = 0,
            ShapefilesDirectory = PostGis.Shapefiles,
        }, csv, TextWriter.Null);

        // The attack sends a few hundred whole-country requests back to back; on a loaded machine the
        // default statement timeouts (a 503 past them) would cut it short, not the protection.
        await using var factory = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = scratch.ConnectionString,
            ["Database:StatementTimeouts:Tiles"] = "00:02:00",
            ["Database:StatementTimeouts:Ogc"] = "00:02:00",
            ["Database:StatementTimeouts:Areas"] = "00:02:00",
        });
        using (var admin = factory.CreateClient("admin"))
        using (var body = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"))
        {
            admin.Timeout = TimeSpan.FromMinutes(10); // 225,000 rows on a loaded machine can take longer than the default 100 s
            using var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), body);
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
        }

        using var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(5);
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        var started = DateTime.UtcNow;
        double[]? box = null;
        if (!all)
        {
            await using var extent = dataSource.CreateCommand("""
                SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)] FROM (
                    SELECT ST_Extent(c.geom) AS e FROM counties c
                    WHERE c.statefp = ANY ($1) OR c.geoid IN (SELECT h.geoid FROM hidta_counties h WHERE h.hidta_id IN (
                        SELECT m.hidta_id FROM hidta_counties m JOIN counties s ON s.geoid = m.geoid WHERE s.statefp = ANY ($1)))) x
                """);
            extent.Parameters.AddWithValue(States);
            box = (double[])(await extent.ExecuteScalarAsync())!;
        }

        var tables = await PublishedTables.CollectAsync(client, dataSource, first, Months, box);
        output.WriteLine($"collected {tables.Published.Count:N0} public figures in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

        // The attack, judged against the truth.
        var states = all ? [.. tables.CountiesOfState.Keys.Order(StringComparer.Ordinal)] : States;
        var result = new DifferencingAttack(tables).Run(states);
        output.WriteLine($"small county figures (true 1–9): {result.SmallCells:N0}; determined by two independent derivations: {result.Determined:N0} " +
            $"({result.DeterminedShare:P2}); published exactly: {result.ExactlyPublished:N0}");
        foreach (var example in result.Examples)
        {
            output.WriteLine($"  determined: {example}");
        }

        Assert.True(result.SmallCells > 1000, $"only {result.SmallCells} small figures: the attack would prove little");
        Assert.True(result.DeterminedShare <= 0.10, $"{result.DeterminedShare:P2} of small figures determined");

        // The interval audit of withheld figures.
        started = DateTime.UtcNow;
        // The sweep audits every state, each with the HIDTA regions touching it, up to 40 figures a state.
        var intervals = all
            ? [.. states.SelectMany(state => IntervalAudit.Run(tables, [state], 40))]
            : IntervalAudit.Run(tables, AuditStates, 400);
        var exposed = intervals.Where(i => !i.Protected).ToList();
        output.WriteLine($"interval audit: {intervals.Count:N0} withheld small figures in {(DateTime.UtcNow - started).TotalSeconds:F1} s; " +
            $"{intervals.Count(i => i.Low <= 0):N0} may be 0; narrowest span {(intervals.Count == 0 ? 0 : intervals.Min(i => i.High - i.Low + 1))}; " +
            $"unprotected {exposed.Count}");
        Assert.True(intervals.Count >= 100, $"only {intervals.Count} withheld small figures audited");
        foreach (var i in exposed)
        {
            output.WriteLine($"  narrow: {i.Cell} truth {i.Truth}: [{i.Low}, {i.High}], pinned by {i.Pinned}");
        }

        // Every withheld small figure's interval includes 0 or spans at least 5 values (IntervalAuditDrawsTests holds it over many draws of keys).
        Assert.Empty(exposed);
        Assert.All(intervals, i => Assert.InRange(i.Truth, i.Low, i.High)); // the audit's constraints hold for the truth

        // What the protection costs the analyst: counties with 20 or more overdoses in the latest twelve months.
        var latest = new Window(Months - 12, Months - 1);
        var errors = tables.CountiesOfState.Values.SelectMany(c => c)
            .Where(c => tables.Published.ContainsKey(new Cell('c', c, latest, Measure.Overdoses)))
            .Select(c => (Truth: tables.Truth(c, latest, Measure.Overdoses), Shown: tables.Published[new Cell('c', c, latest, Measure.Overdoses)]))
            .Where(p => p.Truth >= 20)
            .ToList();
        Assert.All(errors, e => Assert.NotNull(e.Shown));
        var absolute = errors.Select(e => Math.Abs(e.Shown!.Value - e.Truth)).ToList();
        var relative = errors.Select(e => Math.Abs(e.Shown!.Value - e.Truth) / (double)e.Truth).ToList();
        output.WriteLine($"cost over {errors.Count:N0} counties with ≥ 20 overdoses in 12 months: mean absolute error {absolute.Average():F2}, " +
            $"largest {absolute.Max()}, mean relative error of counts and rates {relative.Average():P2}, largest {relative.Max():P2}");
        Assert.True(absolute.Max() <= GeoOrs.Analysis.Privacy.CellKeyPerturbation.MaxNoise);
    }

    [Fact]
    public async Task The_public_asks_only_whole_months_and_sees_one_figure_for_one_cell_on_every_path()
    {
        using var factory = new GeoOrsFactory();
        using var client = factory.CreateClient();
        var today = Data.Layers.LayerQuery.PublicToday(DateTimeOffset.UtcNow); // the date in the westernmost zone
        var last = new DateOnly(today.Year, today.Month, 1).AddDays(-1);
        var month = last.AddDays(1 - last.Day);

        // Windows that would isolate days, weeks or the month still filling are refused, on every path.
        string[] refused =
        [
            $"from={last:yyyy-MM-dd}&to={last:yyyy-MM-dd}",
            $"from={month.AddMonths(-11):yyyy-MM-dd}&to={last.AddDays(-1):yyyy-MM-dd}",
            $"from={month.AddMonths(-2):yyyy-MM-dd}&to={last:yyyy-MM-dd}",
            $"from={month.AddDays(1):yyyy-MM-dd}&to={last:yyyy-MM-dd}",
            $"from={today.AddDays(1 - today.Day):yyyy-MM-dd}&to={today.AddDays(1 - today.Day).AddMonths(1).AddDays(-1):yyyy-MM-dd}",
            $"from={month:yyyy-MM-dd}",
        ];
        foreach (var window in refused)
        {
            foreach (var path in new[] { "/ogc/collections/county-aggregates/items?limit=1&", "/tiles/counties/0/0/0.mvt?", "/tiles/counties/0/0/0.png?metric=rate&",
                         "/tiles/states.json?", "/api/areas/county/42003?", "/api/planning/targets?" })
            {
                using var response = await client.GetAsync(new Uri(path + window, UriKind.Relative));
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}{window}: {(int)response.StatusCode}");
                Assert.Contains("month", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        // Keyed callers ask any window.
        using var analyst = factory.CreateClient("analyst");
        using (var any = await analyst.GetAsync(new Uri($"/api/areas/county/42003?{refused[0]}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, any.StatusCode);
        }

        // One month and twelve months are allowed; the default is the latest twelve. The same cell
        // reads the same on the OGC, areas and tile paths, and the monthly series is the months' cells.
        var year = $"from={month.AddMonths(-11):yyyy-MM-dd}&to={last:yyyy-MM-dd}";
        using var areaDefault = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/areas/county/42003", UriKind.Relative)));
        using var areaYear = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/areas/county/42003?{year}", UriKind.Relative)));
        Assert.Equal(areaYear.RootElement.GetProperty("measures").GetRawText(), areaDefault.RootElement.GetProperty("measures").GetRawText());
        Assert.Equal(JsonValueKind.Null, areaYear.RootElement.GetProperty("weekly").ValueKind);
        Assert.Equal("cell-key perturbation", areaYear.RootElement.GetProperty("disclosure_control").GetProperty("method").GetString());
        var monthly = areaYear.RootElement.GetProperty("monthly").EnumerateArray().ToList();
        Assert.Equal(12, monthly.Count);
        foreach (var m in monthly.Take(3))
        {
            var from = DateOnly.Parse(m.GetProperty("month").GetString()!, CultureInfo.InvariantCulture);
            using var ogc = JsonDocument.Parse(await client.GetStringAsync(new Uri(
                $"/ogc/collections/county-aggregates/items/42003?from={from:yyyy-MM-dd}&to={from.AddMonths(1).AddDays(-1):yyyy-MM-dd}", UriKind.Relative)));
            Assert.Equal(m.GetProperty("overdoses").GetRawText(), ogc.RootElement.GetProperty("properties").GetProperty("overdoses").GetRawText());
            Assert.Equal("cell-key perturbation", ogc.RootElement.GetProperty("disclosureControl").GetProperty("method").GetString());
        }

        using var state = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/areas/state/42?{year}", UriKind.Relative)));
        var tile = MvtDecoder.Decode(await client.GetByteArrayAsync(new Uri($"/tiles/states/0/0/0.mvt?{year}", UriKind.Relative))).Single();
        var pa = tile.Items.Single(f => (string)f.Properties["statefp"] == "42");
        var stateMeasures = state.RootElement.GetProperty("measures");
        foreach (var name in new[] { "overdoses", "fatal", "nonfatal", "naloxone" })
        {
            var shown = stateMeasures.GetProperty(name);
            long? fromTile = pa.Properties.TryGetValue(name, out var v) ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;
            Assert.Equal(shown.ValueKind == JsonValueKind.Null ? null : shown.GetInt64(), fromTile);
        }

        // TileJSON says the figures are protected.
        using var tileJson = JsonDocument.Parse(await client.GetStringAsync(new Uri("/tiles/counties.json", UriKind.Relative)));
        Assert.Equal("cell-key perturbation", tileJson.RootElement.GetProperty("disclosure_control").GetProperty("method").GetString());
        using var keyedTileJson = JsonDocument.Parse(await analyst.GetStringAsync(new Uri("/tiles/counties.json", UriKind.Relative)));
        Assert.False(keyedTileJson.RootElement.TryGetProperty("disclosure_control", out _));
    }
}
