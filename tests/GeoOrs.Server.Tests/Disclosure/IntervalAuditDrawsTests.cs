using System.Globalization;
using GeoOrs.Data.Synthetic;
using GeoOrs.Tests;
using Xunit.Abstractions;

namespace GeoOrs.Server.Tests.Disclosure;

/// <summary>
/// The interval audit over many draws of record keys. Keys are random, so one collection through
/// the API (<see cref="DisclosureAttackTests"/>) tests one draw; a rule for every withheld figure must
/// hold in every draw. The same events as the attack (seed 14, 18 months, 150,000 a year) are
/// published here as the server publishes them (<see cref="PublishedTables.Simulate"/>) under fresh
/// keys each time, and the withheld small figures of the audited states are audited in each draw.
/// GEOORS_AUDIT_DRAWS sets the number of draws (bench/disclosure runs many).
/// </summary>
public class IntervalAuditDrawsTests(ITestOutputHelper output)
{
    private const int Months = 18;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Every_withheld_small_figure_keeps_a_wide_interval_in_every_draw_of_record_keys()
    {
        var draws = int.TryParse(Environment.GetEnvironmentVariable("GEOORS_AUDIT_DRAWS"), CultureInfo.InvariantCulture, out var d) ? d : 12;
        var states = (Environment.GetEnvironmentVariable("GEOORS_AUDIT_STATES") ?? "44,10").Split(',');
        var dataSource = await PostGis.DataSourceAsync();
        var countiesOfState = new Dictionary<string, List<string>>();
        var membersOfHidta = new Dictionary<string, List<string>>();
        await using (var command = dataSource.CreateCommand("SELECT statefp::text, geoid::text FROM counties ORDER BY geoid"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Add(countiesOfState, reader.GetString(0), reader.GetString(1));
            }
        }

        await using (var command = dataSource.CreateCommand("SELECT hidta_id, geoid::text FROM hidta_counties ORDER BY hidta_id, geoid"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Add(membersOfHidta, reader.GetString(0), reader.GetString(1));
            }
        }

        var groups = Events(new DateOnly(2024, 1, 1));
        Assert.True(groups.Values.Sum(g => g.Sum()) > 200_000);

        var started = DateTime.UtcNow;
        var audited = 0;
        var narrowest = int.MaxValue;
        var exposed = new List<string>();
        var spans = new SortedDictionary<long, int>(); // of the intervals that exclude 0
        var random = new Random();
        for (var draw = 0; draw < draws; draw++)
        {
            var tables = PublishedTables.Simulate(groups, Months, countiesOfState, membersOfHidta, random);
            var intervals = IntervalAudit.Run(tables, states, 400);
            Assert.All(intervals, i => Assert.InRange(i.Truth, i.Low, i.High));
            audited += intervals.Count;
            foreach (var i in intervals.Where(i => i.Low > 0))
            {
                spans[i.High - i.Low + 1] = spans.GetValueOrDefault(i.High - i.Low + 1) + 1;
            }

            narrowest = Math.Min(narrowest, intervals.Where(i => i.Low > 0).Select(i => (int)(i.High - i.Low + 1)).DefaultIfEmpty(int.MaxValue).Min());
            exposed.AddRange(intervals.Where(i => !i.Protected).Select(i => $"draw {draw}: {i.Cell} truth {i.Truth}: [{i.Low}, {i.High}], pinned by {i.Pinned}"));
        }

        output.WriteLine($"{draws} draws, {audited:N0} withheld small figures audited in {(DateTime.UtcNow - started).TotalSeconds:F0} s; " +
            $"narrowest interval excluding 0: {(narrowest == int.MaxValue ? "none" : narrowest.ToString(CultureInfo.InvariantCulture))}; unprotected {exposed.Count}");
        output.WriteLine($"spans of the intervals that exclude 0: {string.Join(", ", spans.Select(s => $"{s.Key}: {s.Value}"))}");
        foreach (var e in exposed)
        {
            output.WriteLine($"  narrow: {e}");
        }

        Assert.True(audited >= 100 * draws, $"only {audited} figures audited in {draws} draws");
        Assert.Empty(exposed);

        static void Add(Dictionary<string, List<string>> map, string key, string value)
        {
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            list.Add(value);
        }
    }

    /// <summary>The attack's events by county and month: fatal with naloxone, fatal without, non-fatal with, non-fatal without.</summary>
    private static Dictionary<(string County, int Month), int[]> Events(DateOnly first)
    {
        var counties = new List<string>();
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        SyntheticEvents.Generate(new SyntheticOptions
        {
            Overdoses = 150_000 * Months / 12, Seizures = 0, Seed = 14, Start = first, End = first.AddMonths(Months).AddDays(-1), Spikes = 0, Hotspots = 0,
        }, SyntheticGeography.Load(PostGis.Shapefiles), csv, TextWriter.Null, info => counties.Add(info.CountyGeoid));

        var groups = new Dictionary<(string, int), int[]>();
        using var lines = new StringReader(csv.ToString());
        var header = lines.ReadLine()!.Split(',');
        int at = Array.IndexOf(header, "occurred_at"), fatal = Array.IndexOf(header, "fatal"), naloxone = Array.IndexOf(header, "naloxone_administered");
        var row = 0;
        while (lines.ReadLine() is { } line)
        {
            var fields = line.Split(',', naloxone + 2);
            var when = DateTimeOffset.Parse(fields[at], CultureInfo.InvariantCulture).UtcDateTime;
            var month = (when.Year - first.Year) * 12 + when.Month - first.Month;
            var key = (counties[row++], month);
            if (!groups.TryGetValue(key, out var g))
            {
                groups[key] = g = new int[4];
            }

            g[(IsTrue(fields[fatal]) ? 0 : 2) + (IsTrue(fields[naloxone]) ? 0 : 1)]++; // unknown naloxone counts as not given, as the aggregates count it
        }

        Assert.Equal(counties.Count, row);
        return groups;

        static bool IsTrue(string field) => field.Equals("true", StringComparison.OrdinalIgnoreCase);
    }
}
