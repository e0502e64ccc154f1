using GeoOrs.Analysis.Signals;
using GeoOrs.Data.Layers;
using GeoOrs.Server.Access;
using GeoOrs.Server.Hosting;
using GeoOrs.Server.Tiles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GeoOrs.Server.Features;

/// <summary>
/// <c>/api/areas/{kind}/{id}/drug-links?drug=</c>: how an area's weekly seizures of a drug relate to
/// its weekly overdoses naming it — the lagged cross-correlation at 0–8 weeks, raw and prewhitened,
/// with each lag's significance (<see cref="LaggedAssociation"/>; docs/adr/0029-emerging-drug-signals.md).
/// Partner and up: it is computed from the exact weekly counts, which the public does not see.
/// </summary>
internal static class DrugLinksEndpoints
{
    /// <summary>The largest lag, in weeks.</summary>
    public const int MaxLag = 8;

    /// <summary>The fewest whole weeks a window may have: below this the correlations mean little.</summary>
    public const int MinWeeks = 26;

    /// <summary>The weeks of the window when <c>from</c> is not given.</summary>
    public const int DefaultWeeks = 104;

    public const string Caveat =
        "An association, not a cause: seizures and overdoses both follow a drug's supply, the effort spent looking for it and how both are reported. " +
        "A significant lag says the two series move together that many weeks apart, no more.";

    public const string Method =
        "Weekly counts (Monday to Sunday, local days) of overdoses naming the drug and seizures of it. Lag k correlates overdoses with seizures k weeks earlier (R's ccf(overdoses, seizures)). " +
        "Significance is judged on the prewhitened series: an autoregressive model of the seizures (Yule-Walker, order by AIC, as R's ar()) filters both series, " +
        "so that trends and seasons common to both do not pass for a link; each lag's p-value is from N(0, 1/n) and a lag is significant below 0.05 / 9 (Bonferroni over the nine lags).";

    internal static readonly IReadOnlyList<QueryParameter> Query =
    [
        new("drug", "string", "The drug (required): a term of the vocabulary.", Values: GeoOrs.Data.Features.FeatureCollections.Drugs),
        new("from", "string", $"The first day, YYYY-MM-DD (a local date); the window starts on the first Monday from it. Default: {DefaultWeeks} weeks before `to`.", "date"),
        new("to", "string", "The last day, YYYY-MM-DD; the window ends on the last Sunday up to it. Default: the area's today.", "date"),
    ];

    public static IEndpointRouteBuilder MapDrugLinks(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/areas").WithTags("Areas").RequireAuthorization(AccessPolicies.Partners).ReadsFromReplica()
            .MapGet("/{kind}/{id}/drug-links", GetAsync).WithName("GetDrugLinks").WithQuery(Query);
        return app;
    }

    /// <summary>The association of an area's weekly seizures and overdoses of one drug.</summary>
    /// <param name="Kind">county, hidta or state.</param>
    /// <param name="Id">The area's id.</param>
    /// <param name="Drug">The drug.</param>
    /// <param name="From">The window's first day (a Monday).</param>
    /// <param name="To">The window's last day (a Sunday).</param>
    /// <param name="Weekly">The two series.</param>
    /// <param name="PrewhiteningOrder">The order of the seizures' autoregressive model.</param>
    /// <param name="Bound">1.96/√n of the prewhitened series: the band of a single lag at 5 %.</param>
    /// <param name="Lags">Lags 0–8; empty when a series does not vary (<paramref name="Note"/> says which).</param>
    /// <param name="Note">Why there are no lags, when there are none.</param>
    /// <param name="Method">How it is computed.</param>
    /// <param name="Caveat">What it does not say.</param>
    internal sealed record DrugLinks(
        string Kind, string Id, string Drug, DateOnly From, DateOnly To, IReadOnlyList<WeekCounts> Weekly, int? PrewhiteningOrder, double? Bound,
        IReadOnlyList<LagCorrelation> Lags, string? Note, string Method, string Caveat);

    internal static async Task<Results<Ok<DrugLinks>, NotFound<ProblemDetails>, ValidationProblem>> GetAsync(
        string kind, string id, HttpContext http, ReadDatabase reads, AccessViews access, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!AreaLayer.ByKind.TryGetValue(kind, out var layer))
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such kind of area", Detail = $"'{kind}' is not county, hidta or state" });
        }

        if (!LayerQuery.TryParse(TilesEndpoints.Parameters(http.Request.Query), ["drug", "from", "to"], out var query, out var error))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["query"] = [error!] });
        }

        if (query.Drug is not { } drug)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["drug"] = ["'drug' is required: the drug whose seizures and overdoses are compared"] });
        }

        var dataSource = reads.For(http, RequestClass.Areas);
        if (!await AreaSummary.ExistsAsync(dataSource, layer, id, cancellationToken))
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such area", Detail = $"No {kind} has id '{id}'" });
        }

        // Whole weeks, Monday to Sunday of local days, as the area panel's weekly series.
        var asked = query.To ?? await AreaSummary.TodayAsync(dataSource, layer, id, clock.GetUtcNow(), cancellationToken);
        var to = asked.AddDays(-(int)asked.DayOfWeek);
        var from = query.From is { } f ? f.AddDays((8 - (int)f.DayOfWeek) % 7) : to.AddDays(1 - (7 * DefaultWeeks));
        var weeks = (to.DayNumber - from.DayNumber + 1) / 7;
        if (weeks < MinWeeks || weeks > AreaSummary.MaxWeeks)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["from"] = [$"the window holds {Math.Max(0, weeks)} whole weeks ({from:yyyy-MM-dd} to {to:yyyy-MM-dd}); it needs {MinWeeks} to {AreaSummary.MaxWeeks}"],
            });
        }

        var weekly = await AreaSummary.WeeklyAsync(dataSource, layer, id, from, to, query with { From = from, To = to, View = access.For(http) }, cancellationToken);
        var overdoses = weekly.Select(w => (double)(w.Overdoses ?? 0)).ToArray();
        var seizures = weekly.Select(w => (double)(w.Seizures ?? 0)).ToArray();
        var result = LaggedAssociation.Compute(overdoses, seizures, MaxLag);
        string? note = result.Lags.Count > 0 ? null
            : overdoses.Distinct().Count() < 2 ? "the weekly overdoses naming the drug do not vary over the window"
            : seizures.Distinct().Count() < 2 ? "the weekly seizures of the drug do not vary over the window"
            : "too few weeks remain once prewhitened";
        return TypedResults.Ok(new DrugLinks(
            kind, id, drug, from, to, weekly, result.Lags.Count > 0 ? result.Order : null, result.Lags.Count > 0 ? result.Bound : null,
            result.Lags, note, Method, Caveat));
    }
}
