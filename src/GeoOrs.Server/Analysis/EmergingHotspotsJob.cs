using GeoOrs.Analysis.Calendar;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Data.Hotspots;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using Npgsql;
using Hangfire;
using Hangfire.Server;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// Emerging hot spots of the last <see cref="AnalysisOptions.EmergingWeeks"/> weeks, as ArcGIS's
/// Emerging Hot Spot Analysis finds them: events in hexagons (the hot spot run's scale of
/// analysis) and weekly bins, space–time Gi* with the distance band and
/// <see cref="AnalysisOptions.EmergingTimeStep"/> earlier weeks as neighbours, Mann–Kendall trend per
/// hexagon, one of the 17 categories each. Weekly.
/// </summary>
/// <remarks>
/// A bin is a week of local days from Monday to Sunday (docs/adr/0021-local-days.md): an event counts
/// in the week of its county's local date (<c>local_day</c>), so a Sunday evening in Los Angeles is in
/// that Sunday's week. The bins are the complete weeks ending on the last Sunday on or before the last
/// day (<see cref="AnalysisOptions.AsOf"/>, else the latest local date of the counties): a week still
/// filling would look like a fall in the trend.
/// </remarks>
[AutomaticRetry(Attempts = 0)]
internal sealed class EmergingHotspotsJob(NpgsqlDataSource dataSource, IOptions<AnalysisOptions> options, JobsInstance instance, ILogger<EmergingHotspotsJob> logger)
{
    public const string Name = "emerging";

    private static readonly GeometryFactory Albers = new(new PrecisionModel(), 5070);

    /// <summary>One run (a recovery when an earlier attempt of the same background job was cut short).</summary>
    /// <param name="reason">schedule, ingest or manual.</param>
    /// <param name="settings">The analysis settings of the server that enqueued the run; null for a firing of the schedule (this server's).</param>
    /// <param name="context">Hangfire's context of the job (null when enqueued; Hangfire fills it).</param>
    /// <param name="cancellationToken">Cancelled when this server stops.</param>
    public async Task RunAsync(string reason, AnalysisOptions? settings, PerformContext? context, CancellationToken cancellationToken)
    {
        var o = settings ?? options.Value;
        await AnalysisJob.RunAsync(dataSource, instance, logger, Name, "emerging", reason, context, async ct =>
        {
            var zones = (await Data.Boundaries.CountyAreas.CurrentAsync(dataSource, ct)).Zones;
            var (from, last) = LocalDays.CompleteWeeks(o.LastDay(zones, DateTimeOffset.UtcNow), o.EmergingWeeks);
            var asked = new { weeks = o.EmergingWeeks, time_step = o.EmergingTimeStep, hex_cell_meters = o.HexCellMeters, distance_band_meters = o.DistanceBandMeters };
            return new AnalysisPlan(from, last, asked, async token =>
            {
                var events = await AnalysisInputs.EventPointsAsync(dataSource, from, last, token);
                return Compute(events, from, o.EmergingWeeks, o.EmergingTimeStep, o.HexCellMeters, o.DistanceBandMeters);
            });
        }, cancellationToken);
    }

    /// <summary>Each state's space–time cube of hexagons and weeks (bin k holds the local days <paramref name="from"/> + 7k … + 7k + 6), and the category of every hexagon.</summary>
    internal static AnalysisOutcome Compute(IReadOnlyList<AnalysisEvent> events, DateOnly from, int weeks, int timeStep, double cellMeters, double bandMeters)
    {
        var summary = new Dictionary<string, object?> { ["events"] = events.Count, ["weeks"] = weeks };
        var parameters = new Dictionary<string, object?> { ["weeks"] = weeks, ["time_step"] = timeStep, ["alpha"] = 0.05, ["fdr"] = true };
        var scales = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        var result = new List<ResultCell>();
        var categories = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var states = HotspotsJob.States(events, out var skipped);
        foreach (var state in states)
        {
            var points = state.Select(e => (e.X, e.Y)).ToArray();
            var spacing = cellMeters > 0 ? cellMeters : ScaleOfAnalysis.HexagonCellSize(points);
            var grid = new HexGrid(spacing);
            var index = new Dictionary<(int Q, int R), int>();
            var series = new List<double[]>();
            foreach (var e in state)
            {
                var cell = grid.CellOf(e.X, e.Y);
                if (!index.TryGetValue(cell, out var location))
                {
                    index[cell] = location = series.Count;
                    series.Add(new double[weeks]);
                }

                series[location][(e.Day.DayNumber - from.DayNumber) / 7]++;
            }

            var cells = index.Keys.ToArray();
            var centres = cells.Select(c => grid.Center(c.Q, c.R)).ToArray();
            var totals = series.Select(s => s.Sum()).ToArray();
            var (band, chosenBy) = HotspotsJob.Band(centres, totals, bandMeters);
            scales[state.Key] = new Dictionary<string, object>
            {
                ["events"] = points.Length, ["hex_cell_meters"] = spacing, ["distance_band_meters"] = band, ["distance_band_chosen_by"] = chosenBy,
            };

            var results = EmergingHotSpots.Compute(series, DistanceBandWeights.Build(centres, band), timeStep, alpha: 0.05, fdr: true);
            for (var i = 0; i < cells.Length; i++)
            {
                var r = results[i];
                var name = r.Category.Name();
                categories[name] = categories.GetValueOrDefault(name) + 1;
                result.Add(new ResultCell("emerging", $"{state.Key}:{cells[i].Q},{cells[i].R}", grid.Polygon(cells[i].Q, cells[i].R, Albers), (int)totals[i],
                    r.Z[^1], r.P[^1], r.Bins[^1], name, r.Trend.Z, r.Trend.P, Clip: state.Key));
            }
        }

        parameters["states"] = scales;
        summary["states"] = scales.Count;
        summary["states_too_few_events"] = skipped;
        summary["hex_cells"] = result.Count;
        summary["categories"] = categories;
        return new AnalysisOutcome(result, [], parameters, summary);
    }
}
