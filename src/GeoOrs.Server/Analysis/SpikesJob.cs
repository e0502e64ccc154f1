using GeoOrs.Analysis.Calendar;
using GeoOrs.Analysis.Spikes;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Hotspots;
using Microsoft.Extensions.Options;
using Npgsql;
using Hangfire;
using Hangfire.Server;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// Looks for spikes in the daily overdose counts of every county, every HIDTA region and every
/// county with its queen neighbours, over each area's last <see cref="AnalysisOptions.SpikeDays"/>
/// days, with the configured methods (EARS C1/C2/C3, EWMA) and ODMAP's fixed threshold where an area has
/// one (days with fewer than <see cref="AnalysisOptions.SpikeMinCount"/> events never alert by a statistic), and the
/// emerging-drug signals of counties and HIDTA regions (<see cref="DrugSignals"/>); stores the run and every alerting day as an alert (once: alert ids are stable).
/// </summary>
/// <remarks>
/// Days are local (docs/adr/0021-local-days.md): a county's day D holds the events of D on its own
/// calendar (<c>local_day</c>), and its last day is its today, the current date in its time zone, or
/// the date <see cref="AnalysisOptions.AsOf"/> names, the same date in every area. An area of several
/// counties (a HIDTA region, a county with its neighbours) that spans two zones sums each member's own
/// local day D as its day D, and its today is the earliest of its members' local todays, so no
/// member's day is looked at before it has begun there. An alert's day is the area's local date.
/// </remarks>
[AutomaticRetry(Attempts = 0)]
internal sealed class SpikesJob(NpgsqlDataSource dataSource, IOptions<AnalysisOptions> options, JobsInstance instance, AnalysisQueue queue, ILogger<SpikesJob> logger)
{
    public const string Name = "spikes";

    /// <summary>Days before the first day looked at, enough for the longest baseline (EWMA: 28 days after a 2-day guard band).</summary>
    public const int BaselineDays = 30;

    public static readonly IReadOnlyList<string> Methods = ["ears_c1", "ears_c2", "ears_c3", "ewma", "threshold"];

    /// <summary>One run (a recovery when an earlier attempt of the same background job was cut short).</summary>
    /// <param name="reason">schedule, ingest or manual.</param>
    /// <param name="settings">The analysis settings of the server that enqueued the run; null for a firing of the schedule (this server's).</param>
    /// <param name="context">Hangfire's context of the job (null when enqueued; Hangfire fills it).</param>
    /// <param name="cancellationToken">Cancelled when this server stops.</param>
    public async Task RunAsync(string reason, AnalysisOptions? settings, PerformContext? context, CancellationToken cancellationToken)
    {
        var o = settings ?? options.Value;
        var now = DateTimeOffset.UtcNow;
        await AnalysisJob.RunAsync(dataSource, instance, logger, Name, "spikes", reason, context, async ct =>
        {
            var areas = await CountyAreas.CurrentAsync(dataSource, ct);
            var lastDays = LastDays(areas, o.AsOfDay, now);
            var earliest = lastDays.Length > 0 ? lastDays.Min() : o.AsOfDay ?? DateOnly.FromDateTime(now.UtcDateTime);
            var latest = lastDays.Length > 0 ? lastDays.Max() : earliest;
            var first = earliest.AddDays(1 - o.SpikeDays);
            var from = first.AddDays(-BaselineDays);
            var parameters = new
            {
                methods = o.SpikeMethods, min_sigma = o.SpikeMinSigma, min_count = o.SpikeMinCount, days = o.SpikeDays, baseline_days = BaselineDays, first_day = first, last_day = latest,
                signal_drugs = o.DrugSignals ? o.SignalDrugs : [], novel_substance_lookback_days = o.NovelSubstanceLookbackDays, share_rise_fdr = o.ShareRiseFdr, share_rise_min_count = o.ShareRiseMinCount,
            };
            return new AnalysisPlan(from, latest, parameters, async token =>
            {
                var daily = await AnalysisInputs.DailyCountsAsync(dataSource, from, latest, token);
                var thresholds = await AnalysisInputs.ThresholdsAsync(dataSource, token);
                var alerts = Scan(areas, lastDays, daily, thresholds, o.SpikeMethods, o.SpikeMinSigma, o.SpikeMinCount, o.SpikeDays, from, out var evaluated);
                if (o.DrugSignals && o.SignalDrugs.Length > 0)
                {
                    var drugDays = await AnalysisInputs.DrugHistoryAsync(
                        dataSource, first.AddDays(-DrugSignals.DaysBefore(o)), first.AddDays(-DrugSignals.WeeksBefore), latest, o.SignalDrugs, token);
                    var firstDays = await AnalysisInputs.FirstDaysAsync(dataSource, token);
                    alerts.AddRange(DrugSignals.Scan(areas, lastDays, o.SpikeDays, drugDays, daily, firstDays, o));
                }

                return new AnalysisOutcome([], alerts, parameters, new Dictionary<string, object?>
                {
                    ["events"] = daily.Values.Sum(d => d.Sum(x => x.Count)),
                    ["areas"] = evaluated,
                });
            });
        }, cancellationToken);
        await CatchUpHotspotsAsync(o.LargeIngestEvents, cancellationToken);
    }

    /// <summary>Each county's last day: <paramref name="asOf"/>, else its today (the date in its zone at <paramref name="now"/>).</summary>
    internal static DateOnly[] LastDays(CountyAreas areas, DateOnly? asOf, DateTimeOffset now) =>
        [.. areas.Zones.Select(zone => asOf ?? LocalDays.Of(now, zone))];

    /// <summary>
    /// Starts a hot spot run when at least <paramref name="large"/> overdoses were committed since the
    /// last one started: ingests that did not start one themselves (the command line, another kind of
    /// client) are analysed within a spike interval rather than the next night.
    /// </summary>
    private async Task CatchUpHotspotsAsync(int large, CancellationToken cancellationToken)
    {
        if (large <= 0)
        {
            return;
        }

        var added = await Data.Jobs.JobRuns.OverdosesSinceLastHotspotRunAsync(dataSource, cancellationToken);
        if (added >= large)
        {
            logger.LogInformation("{Events} overdoses ingested since the last hot spot run: starting one", added);
            queue.Enqueue("hotspots", "ingest");
        }
    }

    /// <summary>
    /// The alerts of every area with events: counties, HIDTAs and counties with their neighbours, each
    /// over its own last <paramref name="spikeDays"/> days. A county's last day is
    /// <paramref name="lastDays"/>[its index]; an area of several counties sums its members' counts of
    /// the same local day and ends on the earliest of their last days.
    /// </summary>
    internal static List<NewAlert> Scan(
        CountyAreas areas, IReadOnlyList<DateOnly> lastDays, Dictionary<string, List<(DateOnly Day, int Count)>> daily, Dictionary<(string Kind, string Id), int> thresholds,
        IReadOnlyList<string> methods, double minSigma, int minCount, int spikeDays, DateOnly from, out int evaluated)
    {
        var days = lastDays.Count == 0 ? 0 : lastDays.Max().DayNumber - from.DayNumber + 1;
        var counts = new int[areas.Geoids.Count][];
        foreach (var (geoid, series) in daily)
        {
            if (areas.IndexOf.TryGetValue(geoid, out var i))
            {
                counts[i] = new int[days];
                foreach (var (day, count) in series)
                {
                    var d = day.DayNumber - from.DayNumber;
                    if (d >= 0 && d < days)
                    {
                        counts[i][d] = count;
                    }
                }
            }
        }

        var alerts = new List<NewAlert>();
        var areasEvaluated = 0;
        void Evaluate(string kind, string id, string name, IReadOnlyCollection<int> members)
        {
            var last = members.Min(j => lastDays[j]);
            if (last < from || AreaDays.Sum(members.Select(j => counts[j]), last.DayNumber - from.DayNumber + 1) is not { } series)
            {
                return;
            }

            areasEvaluated++;
            var first = last.AddDays(1 - spikeDays);
            var dated = series.Select((c, d) => (from.AddDays(d), c)).ToList();
            foreach (var method in methods.Append("threshold").Distinct())
            {
                IReadOnlyList<SpikeDay> result;
                if (method == "threshold")
                {
                    if (!thresholds.TryGetValue((kind, id), out var n))
                    {
                        continue;
                    }

                    result = FixedThreshold.Compute(dated, n);
                }
                else
                {
                    result = method switch
                    {
                        "ears_c1" => Ears.C1(dated, minSigma),
                        "ears_c2" => Ears.C2(dated, minSigma),
                        "ears_c3" => Ears.C3(dated, minSigma),
                        "ewma" => Ewma.Compute(dated, minSigma: minSigma),
                        _ => throw new InvalidOperationException($"unknown spike method '{method}'"),
                    };
                }

                foreach (var day in result)
                {
                    if (day.Alert && day.Date >= first && day.Date <= last && (method == "threshold" || day.Count >= minCount))
                    {
                        alerts.Add(new NewAlert(kind, id, name, method, day.Date, day.Count, day.Expected, day.Statistic, day.Threshold));
                    }
                }
            }
        }

        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] is not null)
            {
                Evaluate("county", areas.Geoids[i], areas.Names[i], [i]);
            }

            // The county with its neighbours: a spike spread over a county line shows here.
            var neighbours = areas.Queen.Neighbors(i);
            if (neighbours.Length > 0)
            {
                Evaluate("county_neighbors", areas.Geoids[i], areas.Names[i] + " and neighbours", [.. neighbours.ToArray(), i]);
            }
        }

        foreach (var hidta in areas.Hidtas)
        {
            if (hidta.Counties.Count > 0)
            {
                Evaluate("hidta", hidta.Id, hidta.Name, [.. hidta.Counties]);
            }
        }

        evaluated = areasEvaluated;
        return alerts;
    }
}
