using System.Collections.Frozen;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Signals;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Hotspots;
using GeoOrs.Data.Ingest;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// The emerging-drug signals of a spike run, over counties and HIDTA regions
/// (docs/adr/0029-emerging-drug-signals.md):
/// <list type="bullet">
/// <item><c>novel_substance</c>: a watched drug recorded in an area's overdoses or seizures on a day
/// of the run's window after <see cref="AnalysisOptions.NovelSubstanceLookbackDays"/> days without
/// any (<see cref="NovelSubstance"/>);</item>
/// <item><c>drug_share_rise</c>: a drug's share of an area's overdoses higher in a Monday–Sunday week
/// whose Sunday lies in the window than the week before, by the one-sided Fisher exact test
/// (<see cref="ShareRise"/>), with the run's p-values adjusted for the false discovery rate
/// (Benjamini–Hochberg) and at least <see cref="AnalysisOptions.ShareRiseMinCount"/> overdoses naming it.</item>
/// </list>
/// </summary>
internal static class DrugSignals
{
    /// <summary>The drugs that may be watched: the vocabulary but the terms that name no drug.</summary>
    public static readonly FrozenSet<string> Watchable = Vocabulary.SeizureDrugs.Where(d => d is not ("other" or "unknown")).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Days before the first day of the run's window whose events are read day by day: the two weeks a share's rise compares.</summary>
    public const int WeeksBefore = 14;

    /// <summary>Days before the first day of the run's window that the look-back reaches.</summary>
    public static int DaysBefore(AnalysisOptions options) => Math.Max(options.NovelSubstanceLookbackDays, WeeksBefore) + 1;

    /// <summary>An area the signals look at: its kind, id, name and member counties (indexes of <see cref="CountyAreas"/>).</summary>
    private sealed record Area(string Kind, string Id, string Name, int[] Members);

    /// <summary>The alerts of both signals.</summary>
    /// <param name="areas">The counties and HIDTA regions.</param>
    /// <param name="lastDays">Each county's last day (its today, or the run's as-of date).</param>
    /// <param name="spikeDays">The window's length: an area's window ends on its last day.</param>
    /// <param name="drugDays">(county, drug) → its last day with an event before the window's first day less <see cref="WeeksBefore"/>, and its days since.</param>
    /// <param name="daily">County → its overdoses per day (every drug), covering at least the two weeks before the window.</param>
    /// <param name="firstDays">County → its first day with any event.</param>
    /// <param name="options">The settings.</param>
    /// <returns>The alerts.</returns>
    public static List<NewAlert> Scan(
        CountyAreas areas, IReadOnlyList<DateOnly> lastDays, int spikeDays,
        Dictionary<(string County, string Drug), DrugHistory> drugDays,
        Dictionary<string, List<(DateOnly Day, int Count)>> daily, Dictionary<string, DateOnly> firstDays, AnalysisOptions options)
    {
        var list = new List<Area>();
        for (var i = 0; i < areas.Geoids.Count; i++)
        {
            if (firstDays.ContainsKey(areas.Geoids[i]))
            {
                list.Add(new Area("county", areas.Geoids[i], areas.Names[i], [i]));
            }
        }

        list.AddRange(areas.Hidtas.Where(h => h.Counties.Count > 0).Select(h => new Area("hidta", h.Id, h.Name, [.. h.Counties])));
        var alerts = new List<NewAlert>();
        var shareTests = new List<(NewAlert Alert, double P)>();
        foreach (var area in list)
        {
            var watched = area.Members.Select(j => firstDays.TryGetValue(areas.Geoids[j], out var d) ? d : (DateOnly?)null).Min();
            if (watched is not { } since)
            {
                continue;
            }

            var last = area.Members.Min(j => lastDays[j]);
            var first = last.AddDays(1 - spikeDays);
            var totals = Merge(area.Members.Select(j => daily.GetValueOrDefault(areas.Geoids[j]) ?? []).SelectMany(d => d));
            foreach (var drug in options.SignalDrugs)
            {
                var histories = area.Members.Select(j => drugDays.GetValueOrDefault((areas.Geoids[j], drug))).OfType<DrugHistory>().ToList();
                if (histories.Count == 0)
                {
                    continue;
                }

                var days = histories.SelectMany(h => h.Days)
                    .GroupBy(d => d.Day)
                    .ToDictionary(g => g.Key, g => (Overdoses: g.Sum(d => d.Overdoses), Seizures: g.Sum(d => d.Seizures)));
                var lastBefore = histories.Max(h => h.LastBefore);
                var seen = days.Select(d => (d.Key, d.Value.Overdoses + d.Value.Seizures));
                if (lastBefore is { } before)
                {
                    seen = seen.Append((before, 1));
                }

                foreach (var novel in NovelSubstance.Find(seen, since, options.NovelSubstanceLookbackDays, first, last))
                {
                    alerts.Add(new NewAlert(area.Kind, area.Id, area.Name, "novel_substance", novel.Day, novel.Count, 0, novel.DaysSinceLast,
                        options.NovelSubstanceLookbackDays, drug));
                }

                shareTests.AddRange(ShareRises(area, drug, days, totals, first, last, options.ShareRiseMinCount));
            }
        }

        if (shareTests.Count > 0)
        {
            var q = FalseDiscoveryRate.Adjust([.. shareTests.Select(t => t.P)]);
            for (var i = 0; i < q.Length; i++)
            {
                if (q[i] <= options.ShareRiseFdr)
                {
                    alerts.Add(shareTests[i].Alert with { Statistic = q[i], Threshold = options.ShareRiseFdr });
                }
            }
        }

        return alerts;
    }

    /// <summary>The share tests of the weeks whose Sunday lies in first…last and whose drug count is at least the minimum and above the week before's share.</summary>
    private static IEnumerable<(NewAlert Alert, double P)> ShareRises(
        Area area, string drug, Dictionary<DateOnly, (int Overdoses, int Seizures)> days, Dictionary<DateOnly, int> totals, DateOnly first, DateOnly last, int minCount)
    {
        for (var sunday = LastSundayOnOrBefore(last); sunday >= first; sunday = sunday.AddDays(-7))
        {
            int Sum(DateOnly end, Func<DateOnly, int> of) => Enumerable.Range(0, 7).Sum(k => of(end.AddDays(-k)));
            var a = Sum(sunday, d => days.TryGetValue(d, out var v) ? v.Overdoses : 0);
            var n1 = Sum(sunday, d => totals.GetValueOrDefault(d));
            var c = Sum(sunday.AddDays(-7), d => days.TryGetValue(d, out var v) ? v.Overdoses : 0);
            var n0 = Sum(sunday.AddDays(-7), d => totals.GetValueOrDefault(d));
            // Totals come from the day counts; a drug count above them (events that changed between the reads) is capped.
            n1 = Math.Max(n1, a);
            n0 = Math.Max(n0, c);
            if (a < minCount || (n0 > 0 && (double)a / n1 <= (double)c / n0))
            {
                continue;
            }

            var expected = n0 > 0 ? n1 * ((double)c / n0) : 0;
            yield return (new NewAlert(area.Kind, area.Id, area.Name, "drug_share_rise", sunday, a, expected, null, null, drug), ShareRise.PValue(a, n1, c, n0));
        }
    }

    private static Dictionary<DateOnly, int> Merge(IEnumerable<(DateOnly Day, int Count)> days)
    {
        var merged = new Dictionary<DateOnly, int>();
        foreach (var (day, count) in days)
        {
            merged[day] = merged.GetValueOrDefault(day) + count;
        }

        return merged;
    }

    private static DateOnly LastSundayOnOrBefore(DateOnly day) => day.AddDays(-(int)day.DayOfWeek);
}
