using GeoOrs.Analysis.Density;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Hotspots;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using Npgsql;
using Hangfire;
using Hangfire.Server;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// Hot spots of the last <see cref="AnalysisOptions.HotspotDays"/> days, as ArcGIS's Optimized Hot
/// Spot Analysis finds them, state by state (each state's events at their own scale, the way a state
/// or HIDTA analyst would run the tool; one national scale would hide a city's cluster in a band of
/// a hundred kilometres): events aggregated to hexagons (spacing from nearest-neighbour distances
/// unless configured), Gi* with a fixed distance band (from incremental spatial autocorrelation
/// unless configured) and a false discovery rate correction, hexagons clipped to their state; Gi*
/// of the counties' rates per 100,000 with queen contiguity, nationally; and the kernel density of
/// each state's events on hexagons for the heat layer. Nightly, and at once after a large ingest.
/// </summary>
[AutomaticRetry(Attempts = 0)]
internal sealed class HotspotsJob(NpgsqlDataSource dataSource, IOptions<AnalysisOptions> options, JobsInstance instance, ILogger<HotspotsJob> logger)
{
    public const string Name = "hotspots";

    /// <summary>The fewest events a state needs for its hexagons to be analysed (Optimized Hot Spot Analysis asks for 30 incidents).</summary>
    public const int MinEvents = 30;

    /// <summary>The most density hexagons one state gets.</summary>
    public const int HeatCells = 600;

    private static readonly GeometryFactory Albers = new(new PrecisionModel(), 5070);

    /// <summary>One run (a recovery when an earlier attempt of the same background job was cut short).</summary>
    /// <param name="reason">schedule, ingest or manual.</param>
    /// <param name="settings">The analysis settings of the server that enqueued the run; null for a firing of the schedule (this server's).</param>
    /// <param name="context">Hangfire's context of the job (null when enqueued; Hangfire fills it).</param>
    /// <param name="cancellationToken">Cancelled when this server stops.</param>
    public async Task RunAsync(string reason, AnalysisOptions? settings, PerformContext? context, CancellationToken cancellationToken)
    {
        var o = settings ?? options.Value;
        await AnalysisJob.RunAsync(dataSource, instance, logger, Name, "hotspots", reason, context, async ct =>
        {
            var counties = await CountyAreas.CurrentAsync(dataSource, ct);
            var last = o.LastDay(counties.Zones, DateTimeOffset.UtcNow);
            var from = last.AddDays(1 - o.HotspotDays);
            var asked = new { days = o.HotspotDays, hex_cell_meters = o.HexCellMeters, distance_band_meters = o.DistanceBandMeters };
            return new AnalysisPlan(from, last, asked, async token =>
            {
                var events = await AnalysisInputs.EventPointsAsync(dataSource, from, last, token);
                var daily = await AnalysisInputs.DailyCountsAsync(dataSource, from, last, token);
                return Compute(events, counties, daily.ToDictionary(d => d.Key, d => d.Value.Sum(x => x.Count)), o.HexCellMeters, o.DistanceBandMeters);
            });
        }, cancellationToken);
    }

    /// <summary>The events grouped by state, states with fewer than <see cref="MinEvents"/> left out (counted in <paramref name="skipped"/>).</summary>
    internal static List<IGrouping<string, AnalysisEvent>> States(IReadOnlyList<AnalysisEvent> events, out int skipped)
    {
        var states = events.GroupBy(e => e.State, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        skipped = states.Count(g => g.Count() < MinEvents);
        return [.. states.Where(g => g.Count() >= MinEvents)];
    }

    /// <summary>County hot spots, and each state's hexagon hot spots and density surface.</summary>
    internal static AnalysisOutcome Compute(
        IReadOnlyList<AnalysisEvent> events, CountyAreas counties, IReadOnlyDictionary<string, int> countyEvents, double cellMeters, double bandMeters)
    {
        var cells = new List<ResultCell>();
        var summary = new Dictionary<string, object?> { ["events"] = events.Count };
        var parameters = new Dictionary<string, object?>();

        // Counties: Gi* of the rate per 100,000 over queen contiguity (with self).
        var rates = counties.Geoids.Select((g, i) =>
            counties.Population[i] > 0 ? countyEvents.GetValueOrDefault(g) * 100_000.0 / counties.Population[i] : 0).ToArray();
        var countyGi = GetisOrd.Compute(rates, counties.Queen.WithSelf(), star: true, fdr: true);
        for (var i = 0; i < countyGi.Count; i++)
        {
            cells.Add(new ResultCell("county", counties.Geoids[i], null, countyEvents.GetValueOrDefault(counties.Geoids[i]),
                countyGi[i].Z, countyGi[i].P, countyGi[i].Bin));
        }

        parameters["county_value"] = "rate_per_100k";
        parameters["county_weights"] = "queen";
        parameters["fdr"] = true;
        parameters["kernel"] = "quartic";
        parameters["min_events_per_state"] = MinEvents;
        summary["counties_hot"] = countyGi.Count(g => g.Bin > 0);
        summary["counties_cold"] = countyGi.Count(g => g.Bin < 0);

        var scales = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        int hexCells = 0, hot = 0, cold = 0, heatCells = 0;
        var states = States(events, out var skipped);
        foreach (var state in states)
        {
            var points = state.Select(e => (e.X, e.Y)).ToArray();

            // Hexagons: the scale of analysis, then Gi* of the counts with FDR.
            var spacing = cellMeters > 0 ? cellMeters : ScaleOfAnalysis.HexagonCellSize(points);
            var grid = new HexGrid(spacing);
            var hexes = grid.Aggregate(points);
            var centres = hexes.Select(h => (h.X, h.Y)).ToArray();
            var counts = hexes.Select(h => (double)h.Count).ToArray();
            var (band, chosenBy) = Band(centres, counts, bandMeters);
            if (hexes.Count >= 3)
            {
                var gi = GetisOrd.Compute(counts, DistanceBandWeights.Build(centres, band).WithSelf(), star: true, fdr: true);
                for (var i = 0; i < hexes.Count; i++)
                {
                    cells.Add(new ResultCell("hex", $"{state.Key}:{hexes[i].Q},{hexes[i].R}", grid.Polygon(hexes[i].Q, hexes[i].R, Albers), hexes[i].Count,
                        gi[i].Z, gi[i].P, gi[i].Bin, Clip: state.Key));
                }

                hexCells += hexes.Count;
                hot += gi.Count(g => g.Bin > 0);
                cold += gi.Count(g => g.Bin < 0);
            }

            // Heat: quartic kernel density on hexagons of at least half the bandwidth (the surface is
            // smooth at that scale), widened until the state has at most HeatCells of them.
            var bandwidth = KernelDensity.DefaultBandwidth(centres, counts);
            if (!(bandwidth > 0))
            {
                bandwidth = 2 * spacing; // every event in one place
            }

            var heatGrid = new HexGrid(Math.Max(spacing, bandwidth / 2));
            var heat = HexDensity.Compute(centres, counts, bandwidth, heatGrid);
            while (heat.Count > HeatCells)
            {
                heatGrid = new HexGrid(heatGrid.Spacing * Math.Sqrt((double)heat.Count / HeatCells) * 1.05);
                heat = HexDensity.Compute(centres, counts, bandwidth, heatGrid);
            }
            foreach (var h in heat)
            {
                cells.Add(new ResultCell("heat", $"{state.Key}:{h.Q},{h.R}", heatGrid.Polygon(h.Q, h.R, Albers), (int)Math.Round(h.Weight),
                    Density: h.Density * 1e6, Clip: state.Key));
            }

            heatCells += heat.Count;
            scales[state.Key] = new Dictionary<string, object>
            {
                ["events"] = points.Length,
                ["hex_cell_meters"] = spacing,
                ["hex_cell_chosen_by"] = cellMeters > 0 ? "configured" : "mean_nearest_neighbour_distance",
                ["distance_band_meters"] = band,
                ["distance_band_chosen_by"] = chosenBy,
                ["bandwidth_meters"] = bandwidth,
                ["heat_cell_meters"] = heatGrid.Spacing,
            };
        }

        parameters["states"] = scales;
        summary["states"] = scales.Count;
        summary["states_too_few_events"] = skipped;
        summary["hex_cells"] = hexCells;
        summary["hex_hot"] = hot;
        summary["hex_cold"] = cold;
        summary["heat_cells"] = heatCells;
        return new AnalysisOutcome(cells, [], parameters, summary);
    }

    /// <summary>The configured distance band, else the scale of analysis (for fewer than 3 cells, their span).</summary>
    internal static (double Distance, string ChosenBy) Band(IReadOnlyList<(double X, double Y)> centres, IReadOnlyList<double> counts, double configured)
    {
        if (configured > 0)
        {
            return (configured, "configured");
        }

        if (centres.Count < 3)
        {
            return (1, "too_few_cells");
        }

        var choice = ScaleOfAnalysis.DistanceBand(centres, counts);
        return (choice.Distance, choice.Method == "peak" ? "incremental_spatial_autocorrelation_peak" : $"mean_distance_to_neighbour_{choice.K}");
    }
}
