using System.Text.Json;
using GeoOrs.Data.Access;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using GeoOrs.Server.Hosting;
using GeoOrs.Server.Tiles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GeoOrs.Server.Features;

/// <summary>
/// <c>/api/areas/{kind}/{id}</c>: one county, HIDTA region or state as the web map's panel shows it —
/// its measures for a window and filters, its weekly overdoses and seizures, its latest hot spot
/// finding and (for keyed callers from partner up) its latest alerts. Open to the public under the
/// same disclosure control as the area layers: fixed windows of whole months, a monthly series of the
/// same protected cells, and the hot spot bin without its statistics.
/// </summary>
internal static class AreasEndpoints
{
    private const int LatestAlerts = 10;

    public static IEndpointRouteBuilder MapAreas(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/areas").WithTags("Areas").ReadsFromReplica().MapGet("/{kind}/{id}", GetAsync).WithName("GetArea").WithQuery(QueryParameter.Layer);
        return app;
    }

    /// <summary>
    /// An area as the web map's panel shows it: its measures for the window and filters (as its layer's
    /// features carry them); keyed callers get <c>weekly</c>, the public <c>monthly</c> and
    /// <c>disclosure_control</c>; counties their latest hot spot finding (the public sees the bin alone);
    /// keyed callers from partner up the latest alerts of counties and HIDTA regions.
    /// </summary>
    internal sealed record AreaPanel(
        string Kind, string Id, string? Name, JsonElement Population, DateOnly? From, DateOnly? To, JsonElement Measures,
        IReadOnlyList<WeekCounts>? Weekly, IReadOnlyList<MonthCounts>? Monthly, IReadOnlyDictionary<string, object>? DisclosureControl, AreaHotspot? Hotspot, IReadOnlyList<StoredAlert>? Alerts);

    internal static async Task<Results<Ok<AreaPanel>, NotFound<ProblemDetails>, ValidationProblem>> GetAsync(
        string kind, string id, HttpContext http, ReadDatabase reads, AccessViews access, TimeProvider clock,
        TileCache cache, DataVersions versions, CancellationToken cancellationToken)
    {
        if (!AreaLayer.ByKind.TryGetValue(kind, out var layer))
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such kind of area", Detail = $"'{kind}' is not county, hidta or state" });
        }

        if (!LayerQuery.TryParse(TilesEndpoints.Parameters(http.Request.Query), LayerQuery.Names, out var query, out var error))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["query"] = [error!] });
        }

        var view = access.For(http);
        if (view.Suppressed)
        {
            // The public's windows are fixed (whole months), and its series is monthly: each month
            // the same protected cell the area layers publish for that month.
            if (!access.TryQuery(http, query, out query, out error))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["query"] = [error!] });
            }
        }
        else
        {
            // LayerQuery takes only days of Data.EventDays, so the arithmetic here stays inside DateOnly.
            // Days are local dates (docs/adr/0021-local-days.md): no end means the area's own today.
            var to = query.To ?? await AreaSummary.TodayAsync(reads.For(http, RequestClass.Areas), layer, id, clock.GetUtcNow(), cancellationToken);
            var from = query.From ?? DateOnly.FromDayNumber(Math.Max(Data.EventDays.First.DayNumber, to.DayNumber - 364));
            if (to.DayNumber - from.DayNumber >= AreaSummary.MaxWeeks * 7)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = [$"the window may span at most {AreaSummary.MaxWeeks} weeks"] });
            }

            query = query with { From = from, To = to, View = view };
        }

        // Everything but the alerts is made from the layer's data and the hot spot results: kept per
        // area, window, filters and view until they change (a dashboard's public panel is asked far
        // more often than its data changes; made anew, it is a dozen statements).
        var tiles = VectorTileLayers.All[layer.Id];
        var key = $"area/{kind}/{id}?{query.Key}#{cache.VersionsOf(tiles)}.{versions.StampOf(DataKind.Hotspots)}";
        // Where it reads is chosen once the key has taken the versions (docs/adr/0026-read-replica.md);
        // a caller whose write this server may not have heard of gets figures made for it alone.
        var figures = await cache.GetOrAddAsync(
            key, tiles, () => FiguresAsync(reads.For(http, RequestClass.Areas), kind, id, layer, query, view.Suppressed, cancellationToken), f => f.Size, reads.Uncached(http));
        if (figures.Measures is not { } measures)
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such area", Detail = $"No {kind} has id '{id}'" });
        }

        IReadOnlyList<StoredAlert>? alerts = null;
        if (query.View.Role >= Role.Partner && kind is ("county" or "hidta"))
        {
            await using var db = GeoOrsDbContext.Create(reads.For(http, RequestClass.Areas));
            alerts = await AlertQuery.ListAsync(db, new AlertFilter(kind, id), LatestAlerts, cancellationToken); // alerts are of counties and HIDTA regions
        }

        return TypedResults.Ok(new AreaPanel(
            kind, id, measures.GetProperty("name").GetString(), measures.GetProperty("population"), query.From, query.To, measures,
            figures.Weekly, figures.Monthly, view.Suppressed ? Disclosure.Note : null, figures.Hotspot, alerts));
    }

    /// <summary>An area's panel but its alerts; no measures when there is no such area.</summary>
    internal sealed record AreaFigures(JsonElement? Measures, IReadOnlyList<WeekCounts>? Weekly, IReadOnlyList<MonthCounts>? Monthly, AreaHotspot? Hotspot)
    {
        /// <summary>About the bytes it holds, for the cache's size limit.</summary>
        public long Size => 2048 + (96L * ((Weekly?.Count ?? 0) + (Monthly?.Count ?? 0)));
    }

    private static async Task<AreaFigures> FiguresAsync(
        NpgsqlDataSource dataSource, string kind, string id, AreaLayer layer, LayerQuery query, bool suppressed, CancellationToken cancellationToken)
    {
        if (await AreaSummary.MeasuresAsync(dataSource, layer, id, query, cancellationToken) is not { } measures)
        {
            return new AreaFigures(null, null, null, null);
        }

        IReadOnlyList<WeekCounts>? weekly = null;
        IReadOnlyList<MonthCounts>? monthly = null;
        if (suppressed)
        {
            monthly = await AreaSummary.MonthlyAsync(dataSource, layer, id, query, cancellationToken);
        }
        else
        {
            weekly = await AreaSummary.WeeklyAsync(dataSource, layer, id, query.From!.Value, query.To!.Value, query, cancellationToken);
        }

        var hotspot = kind == "county" ? await AreaSummary.CountyHotspotAsync(dataSource, id, cancellationToken) : null;
        if (hotspot is not null && suppressed)
        {
            // Statistics of small areas could be inverted towards their counts: the public sees the bin.
            hotspot = hotspot with { Z = null, P = null };
        }

        return new AreaFigures(measures, weekly, monthly, hotspot);
    }
}
