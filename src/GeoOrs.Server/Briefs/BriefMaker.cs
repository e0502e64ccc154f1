using GeoOrs.Analysis.Raster;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Briefs;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Layers;
using Npgsql;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// Makes a <see cref="Brief"/> from the same code paths as <c>/api/areas</c>: each period's figures are
/// the area panel's measures (<see cref="AreaSummary.MeasuresAsync"/>) for that window and view, each
/// drug's the same with the drug filter, the trend the panel's weekly series (the public's monthly one
/// of protected cells), the hot spot finding the panel's (the public's the bin alone); the map is drawn
/// from the area layer's PNG tile classification (<see cref="RasterTiles.ClassifyAsync"/>) and shapes.
/// </summary>
internal static class BriefMaker
{
    /// <summary>The weeks a keyed brief's trend shows at least (ending with the window).</summary>
    public const int TrendWeeks = 26;

    /// <summary>The map's size in pixels.</summary>
    public const int MapWidth = 640, MapHeight = 400;

    /// <summary>The kinds of area a brief is made for.</summary>
    public static IReadOnlyCollection<string> Kinds => AreaLayer.ByKind.Keys;

    /// <summary>The area layer of a kind of area.</summary>
    public static AreaLayer LayerOf(string kind) => AreaLayer.ByKind[kind];

    /// <summary>Makes the brief, or null when there is no such area.</summary>
    /// <param name="dataSource">The database read.</param>
    /// <param name="cache">The tile cache (the map's classification is kept there, as the PNG tiles' is), or null to make it anew.</param>
    /// <param name="kind">county, hidta or state.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="window">The window (for the public, one the public may ask).</param>
    /// <param name="period">week, month or custom, as printed.</param>
    /// <param name="view">The view the figures are read with: the public's for the public audience.</param>
    /// <param name="now">When it is made.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The brief.</returns>
    public static async Task<Brief?> MakeAsync(
        NpgsqlDataSource dataSource, TileCache? cache, string kind, string id, BriefWindow window, string period, AccessView view,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var layer = LayerOf(kind);
        var versions = await BriefSources.VersionsAsync(dataSource, cancellationToken);
        var (previousWindow, lastYearWindow) = (window.Previous(), window.LastYear());
        LayerQuery Query(BriefWindow w, string? drug = null) => new LayerQuery(w.From, w.To, drug) { View = view };

        if (await AreaSummary.MeasuresAsync(dataSource, layer, id, Query(window), cancellationToken) is not { } measures)
        {
            return null;
        }

        async Task<BriefFigures> FiguresAsync(BriefWindow w, string? drug) =>
            BriefFigures.Of((await AreaSummary.MeasuresAsync(dataSource, layer, id, Query(w, drug), cancellationToken))!.Value);

        var now_ = BriefFigures.Of(measures);
        var previous = EventDays.Contains(previousWindow.From) ? await FiguresAsync(previousWindow, null) : Empty;
        var lastYear = EventDays.Contains(lastYearWindow.From) ? await FiguresAsync(lastYearWindow, null) : Empty;

        var drugs = new List<BriefDrug>();
        foreach (var drug in Data.Features.FeatureCollections.Drugs)
        {
            var row = new BriefDrug(
                drug, await FiguresAsync(window, drug),
                previous == Empty ? Empty : await FiguresAsync(previousWindow, drug),
                lastYear == Empty ? Empty : await FiguresAsync(lastYearWindow, drug));
            // A drug is listed when any period counts it (a withheld count, 1 to 9 for the public, counts).
            if (new[] { row.Now, row.Previous, row.LastYear }.Any(f => f != Empty && (f.Overdoses != 0 || f.Seizures != 0)))
            {
                drugs.Add(row);
            }
        }

        string trendUnit;
        IReadOnlyList<BriefTrendPoint> trend;
        if (view.Suppressed)
        {
            // The public's series is the panel's: the protected monthly cells of the twelve months to the window's end.
            var first = new DateOnly(window.To.Year, window.To.Month, 1).AddMonths(-11);
            var months = await AreaSummary.MonthlyAsync(dataSource, layer, id, new LayerQuery(first, window.To) { View = view }, cancellationToken);
            trend = [.. months.Select(m => new BriefTrendPoint(m.Month, m.Overdoses, m.Seizures))];
            trendUnit = "month";
        }
        else
        {
            var from = DateOnly.FromDayNumber(Math.Max(EventDays.First.DayNumber, Math.Min(window.From.DayNumber, window.To.DayNumber - ((TrendWeeks * 7) - 1))));
            var weeks = await AreaSummary.WeeklyAsync(dataSource, layer, id, from, window.To, Query(window), cancellationToken);
            trend = [.. weeks.Select(w => new BriefTrendPoint(w.Week, w.Overdoses, w.Seizures))];
            trendUnit = "week";
        }

        var hotspot = kind == "county" ? await AreaSummary.CountyHotspotAsync(dataSource, id, cancellationToken) : null;
        if (hotspot is not null && view.Suppressed)
        {
            hotspot = hotspot with { Z = null, P = null };
        }

        var emerging = await BriefSources.EmergingAsync(dataSource, layer, id, cancellationToken);

        IReadOnlyList<Data.Alerts.StoredAlert>? alerts = null;
        if (view.Role >= Role.Partner)
        {
            await using var db = GeoOrsDbContext.Create(dataSource);
            alerts = await BriefSources.AlertsAsync(db, kind, id, window.From, window.To, cancellationToken);
        }

        // The seizure–overdose links, from exact weekly counts: partners and up only, as drug-links.
        IReadOnlyList<BriefDrugLink>? links = null;
        if (!view.Suppressed)
        {
            links = await DrugLinksAsync(dataSource, layer, id, window, view, drugs.Where(d => d.Now.Seizures > 0 || d.LastYear.Seizures > 0 || d.Previous.Seizures > 0).Select(d => d.Drug), cancellationToken);
        }

        var map = await MapAsync(dataSource, cache, layer, id, Query(window), cancellationToken);
        var population = measures.TryGetProperty("population", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Number ? p.GetInt64() : (long?)null;
        return new Brief(
            kind, id, measures.GetProperty("name").GetString() ?? id, population, view.Suppressed ? BriefAudience.Public : BriefAudience.Partner, period,
            window, previousWindow, lastYearWindow, now_, previous, lastYear, drugs, trendUnit, trend, hotspot, emerging, alerts, links, map, now, versions);
    }

    /// <summary>
    /// Each drug's lagged cross-correlation of weekly overdoses with weekly seizures (lags 0–8, judged
    /// prewhitened) over the <see cref="DrugLinksEndpoints.DefaultWeeks"/> whole weeks ending with the
    /// window's last Sunday, as <c>/api/areas/{kind}/{id}/drug-links</c> computes it.
    /// </summary>
    private static async Task<IReadOnlyList<BriefDrugLink>> DrugLinksAsync(
        NpgsqlDataSource dataSource, AreaLayer layer, string id, BriefWindow window, AccessView view, IEnumerable<string> drugs, CancellationToken cancellationToken)
    {
        var to = window.To.AddDays(-(int)window.To.DayOfWeek);
        var from = to.AddDays(1 - (7 * DrugLinksEndpoints.DefaultWeeks));
        var links = new List<BriefDrugLink>();
        if (!EventDays.Contains(from))
        {
            return links;
        }

        foreach (var drug in drugs)
        {
            var weekly = await AreaSummary.WeeklyAsync(dataSource, layer, id, from, to, new LayerQuery(from, to, drug) { View = view }, cancellationToken);
            var overdoses = weekly.Select(w => (double)(w.Overdoses ?? 0)).ToArray();
            var seizures = weekly.Select(w => (double)(w.Seizures ?? 0)).ToArray();
            var result = GeoOrs.Analysis.Signals.LaggedAssociation.Compute(overdoses, seizures, DrugLinksEndpoints.MaxLag);
            var note = result.Lags.Count > 0 ? null
                : overdoses.Distinct().Count() < 2 ? "the weekly overdoses naming it do not vary"
                : seizures.Distinct().Count() < 2 ? "the weekly seizures of it do not vary"
                : "too few weeks remain once prewhitened";
            links.Add(new BriefDrugLink(drug, from, to, [.. result.Lags.Where(l => l.Significant)], note));
        }

        return links;
    }

    /// <summary>No figures: a period before the first day events may have.</summary>
    private static readonly BriefFigures Empty = new(null, null, null, null, null, null, null, null, null);

    /// <summary>
    /// The map: the area's layer around it, each area coloured by its overdose rate over the window as
    /// the PNG tiles of the same window and view colour it, the area outlined, with the tiles' legend.
    /// </summary>
    private static async Task<BriefMap?> MapAsync(NpgsqlDataSource dataSource, TileCache? cache, AreaLayer layer, string id, LayerQuery query, CancellationToken cancellationToken)
    {
        if (await BriefSources.BoxAsync(dataSource, layer, id, cancellationToken) is not { } box)
        {
            return null;
        }

        const string metric = "rate";
        var classification = cache is null
            ? await RasterTiles.MakeClassificationAsync(layer.Id, metric, query, dataSource, cancellationToken)
            : await RasterTiles.ClassifyAsync(layer.Id, metric, query, () => dataSource, cache, uncached: false, cancellationToken);

        // Room around the area so its neighbours show; the zoom that fits it, at most 10.
        var (cx, cy) = ((box.MinX + box.MaxX) / 2, (box.MinY + box.MaxY) / 2);
        var (spanX, spanY) = (Math.Max(box.MaxX - box.MinX, 1000) * 1.6, Math.Max(box.MaxY - box.MinY, 1000) * 1.6);
        var z = StaticMap.FitZoom(spanX, spanY, MapWidth, MapHeight, 10);
        var resolution = TileMath.Resolution(z);
        var left = (int)Math.Floor(((cx + TileMath.OriginShift) / resolution) - (MapWidth / 2.0));
        var top = (int)Math.Floor(((TileMath.OriginShift - cy) / resolution) - (MapHeight / 2.0));
        var size = RasterTiles.TileSize;
        var last = (1 << z) - 1;
        var tiles = new List<MapTile>();
        for (var ty = Math.Max(0, Math.DivRem(top, size).Quotient - (top < 0 ? 1 : 0)); ty <= Math.Min(last, (top + MapHeight - 1) / size); ty++)
        {
            for (var tx = Math.Max(0, left / size); tx <= Math.Min(last, (left + MapWidth - 1) / size); tx++)
            {
                var shapes = await AreaValues.ShapesInTileAsync(dataSource, layer, new TileId(z, tx, ty), cancellationToken);
                var values = classification.Values!;
                tiles.Add(new MapTile((tx * size) - left, (ty * size) - top,
                    [.. shapes.Select(s => (s.Id, s.Shape, values.TryGetValue(s.Id, out var v) ? v : (double?)null))]));
            }
        }

        var png = StaticMap.Render(MapWidth, MapHeight, size, tiles, classification.Breaks, classification.Colors, id);
        var legend = Choropleth.RenderLegend(AreaValues.Metrics[metric], classification.Minimum, classification.Breaks, classification.Colors,
            query.View.Suppressed ? Disclosure.LegendLine : null);
        return new BriefMap(png, legend, metric);
    }
}
