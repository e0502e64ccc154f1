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
/// county with its queen neighbours, over the last <see cref="AnalysisOptions.SpikeDays"/> days,
/// with the configured methods (EARS C1/C2/C3, EWMA) and ODMAP's fixed threshold where an area has
/// one (days with fewer than <see cref="AnalysisOptions.SpikeMinCount"/> events never alert by a statistic); stores the run and every alerting day as an alert (once: alert ids are stable).
/// </summary>
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
        var last = o.LastDay;
        var first = last.AddDays(1 - o.SpikeDays);
        var from = first.AddDays(-BaselineDays);
        var parameters = new { methods = o.SpikeMethods, min_sigma = o.SpikeMinSigma, min_count = o.SpikeMinCount, days = o.SpikeDays, baseline_days = BaselineDays, first_day = first, last_day = last };
        await AnalysisJob.RunAsync(dataSource, instance, logger, Name, "spikes", reason, context, from, last, parameters, async ct =>
        {
            var areas = await CountyAreas.CurrentAsync(dataSource, ct);
            var daily = await AnalysisInputs.DailyCountsAsync(dataSource, from, last, ct);
            var thresholds = await AnalysisInputs.ThresholdsAsync(dataSource, ct);
            var alerts = Scan(areas, daily, thresholds, o.SpikeMethods, o.SpikeMinSigma, o.SpikeMinCount, from, first, last, out var evaluated);
            return new AnalysisOutcome([], alerts, parameters, new Dictionary<string, object?>
            {
                ["events"] = daily.Values.Sum(d => d.Sum(x => x.Count)),
                ["areas"] = evaluated,
            });
        }, cancellationToken);
        await CatchUpHotspotsAsync(o.LargeIngestEvents, cancellationToken);
    }

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

    /// <summary>The alerts of every area with events: counties, HIDTAs and counties with their neighbours.</summary>
    internal static List<NewAlert> Scan(
        CountyAreas areas, Dictionary<string, List<(DateOnly Day, int Count)>> daily, Dictionary<(string Kind, string Id), int> thresholds,
        IReadOnlyList<string> methods, double minSigma, int minCount, DateOnly from, DateOnly first, DateOnly last, out int evaluated)
    {
        var days = last.DayNumber - from.DayNumber + 1;
        var counts = new int[areas.Geoids.Count][];
        foreach (var (geoid, series) in daily)
        {
            if (areas.IndexOf.TryGetValue(geoid, out var i))
            {
                counts[i] = new int[days];
                foreach (var (day, count) in series)
                {
                    counts[i][day.DayNumber - from.DayNumber] = count;
                }
            }
        }

        var alerts = new List<NewAlert>();
        var areasEvaluated = 0;
        void Evaluate(string kind, string id, string name, int[] series)
        {
            areasEvaluated++;
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
            if (counts[i] is { } own)
            {
                Evaluate("county", areas.Geoids[i], areas.Names[i], own);
            }

            // The county with its neighbours: a spike spread over a county line shows here.
            var neighbours = areas.Queen.Neighbors(i);
            int[]? sum = null;
            foreach (var j in neighbours.ToArray().Append(i))
            {
                if (counts[j] is { } c)
                {
                    sum ??= new int[days];
                    for (var d = 0; d < days; d++)
                    {
                        sum[d] += c[d];
                    }
                }
            }

            if (sum is not null && neighbours.Length > 0)
            {
                Evaluate("county_neighbors", areas.Geoids[i], areas.Names[i] + " and neighbours", sum);
            }
        }

        foreach (var hidta in areas.Hidtas)
        {
            int[]? sum = null;
            foreach (var j in hidta.Counties)
            {
                if (counts[j] is { } c)
                {
                    sum ??= new int[days];
                    for (var d = 0; d < days; d++)
                    {
                        sum[d] += c[d];
                    }
                }
            }

            if (sum is not null)
            {
                Evaluate("hidta", hidta.Id, hidta.Name, sum);
            }
        }

        evaluated = areasEvaluated;
        return alerts;
    }
}
