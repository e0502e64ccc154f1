using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GeoOrs.Analysis.Planning;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Data.Csv;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Geometry;
using GeoOrs.Data.Planning;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using static GeoOrs.Server.Hosting.JsonRequest;

namespace GeoOrs.Server.Planning;

/// <summary>
/// <c>/api/planning</c>: where to put naloxone. <c>POST /api/planning/naloxone</c> chooses k sites
/// among candidates so that the most overdoses (weighted) fall within a radius of one — the maximal
/// covering location problem — with the coverage curve, a bound on the optimum and the gap. It reads
/// event points, so it is for analysts, law enforcement and admins.
/// </summary>
internal static class PlanningEndpoints
{
    private const string Title = "The planning request is not valid";

    private static readonly NetTopologySuite.Geometries.GeometryFactory Wgs84 = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory(4326);

    public static IEndpointRouteBuilder MapPlanning(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/planning").WithTags("Planning").RequireAuthorization(AccessPolicies.Analysts);
        group.MapPost("/naloxone", NaloxoneAsync).WithName("PlanNaloxone").RequireHeavyLimit().WithJsonBody(NaloxoneRequest.Example)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapPut("/sites", PutSitesAsync).WithName("PutNaloxoneSites").WithJsonBody(SitesRequest.Example).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        var open = app.MapGroup("/api/planning").WithTags("Planning");
        open.MapGet("/sites", GetSitesAsync).WithName("GetNaloxoneSites");
        open.MapGet("/targets", TargetsAsync).WithName("GetPlanningTargets").RequireHeavyLimit().WithQuery(TargetsQuery);
        return app;
    }

    /// <summary>The body of <c>POST /api/planning/naloxone</c>.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record NaloxoneRequest(
        [property: Required, Description("the area to plan: one of county, hidta or geometry")] PlanArea Area,
        [property: Description("the first day of overdoses counted, YYYY-MM-DD (364 days before 'to')")] DateOnly? From,
        [property: Description("the last day counted, YYYY-MM-DD (today)")] DateOnly? To,
        [property: Description("the demand of a fatal and a non-fatal overdose (1 and 1)")] PlanWeights? Weights,
        [property: JsonPropertyName("halfLifeDays"), Description("older overdoses count less: half as much after this many days")] double? HalfLifeDays,
        [property: Required, Description("where sites may go: one of grid, features or csv")] SiteSource Candidates,
        [property: Description("sites there already: one of listed, features or csv")] SiteSource? Existing,
        [property: Required, Description("the number of sites to choose, 1 to 1000")] int K,
        [property: JsonPropertyName("radiusMeters"), Required, Description("the coverage radius in metres, 1 to 50,000")] double RadiusMeters,
        [property: Description("json (default) or geojson")] string? Format)
    {
        /// <summary>The document's example: two sites among a 500 m grid over a small polygon, one site there already.</summary>
        public static NaloxoneRequest Example => new(
            new PlanArea(null, null, JsonSerializer.SerializeToElement(new
            {
                type = "Polygon",
                coordinates = new[] { new[] { new[] { -111.95, 33.40 }, new[] { -111.92, 33.40 }, new[] { -111.92, 33.43 }, new[] { -111.95, 33.43 }, new[] { -111.95, 33.40 } } },
            })),
            new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31), new PlanWeights(2, 1), 180,
            new SiteSource(500, null, null, null),
            new SiteSource(null, null, "name,lat,lon\nFire Station 1,33.4148,-111.9093", null),
            2, 1000, null);
    }

    /// <summary>A planning area: exactly one member.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record PlanArea(
        [property: Description("a county's FIPS code")] string? County,
        [property: Description("a HIDTA region's id")] string? Hidta,
        [property: Description("a GeoJSON Polygon or MultiPolygon in longitude and latitude")] JsonElement? Geometry);

    /// <summary>The demand of each kind of overdose.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record PlanWeights(double? Fatal, double? Nonfatal);

    /// <summary>A set of sites: exactly one member.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record SiteSource(
        [property: Description("candidates only: a square grid over the area, spacing in metres (50 to 100,000)")] double? Grid,
        [property: Description("a GeoJSON FeatureCollection of points, named by properties.name")] JsonElement? Features,
        [property: Description("CSV text with a header naming name, lat and lon columns")] string? Csv,
        [property: Description("existing only: true for every site agencies have listed")] bool? Listed);

    /// <summary>The body of <c>PUT /api/planning/sites</c>: exactly one member.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record SitesRequest(
        [property: Description("a GeoJSON FeatureCollection of points, named by properties.name")] JsonElement? Features,
        [property: Description("CSV text with a header naming name, lat and lon columns")] string? Csv)
    {
        /// <summary>The document's example: two sites as GeoJSON points named by their properties.</summary>
        public static SitesRequest Example => new(JsonSerializer.SerializeToElement(new
        {
            type = "FeatureCollection",
            features = new[] { ("Tempe Public Library", -111.9386, 33.4159), ("Escalante Community Center", -111.9125, 33.4063) }.Select(s => new
            {
                type = "Feature",
                properties = new { name = s.Item1 },
                geometry = new { type = "Point", coordinates = new[] { s.Item2, s.Item3 } },
            }),
        }), null);
    }

    /// <summary>The query parameters of <c>GET /api/planning/targets</c>.</summary>
    internal static readonly IReadOnlyList<QueryParameter> TargetsQuery =
    [
        new("kind", "string", "The areas ranked (county).", Values: ["county", "hidta"]),
        new("from", "string", "The first day counted, YYYY-MM-DD (364 days before 'to'); the public's window is fixed (docs/ACCESS.md).", "date"),
        new("to", "string", "The last day counted, YYYY-MM-DD (today).", "date"),
        new("radiusMeters", "number", "The radius within which a listed naloxone site covers an overdose, 1 to 50,000 metres (1000)."),
        new("limit", "integer", "The most areas listed, 1 to 5000 (50)."),
    ];

    /// <summary>
    /// The answer of <c>POST /api/planning/naloxone</c>: the plan (<c>format</c> json) or its sites as a
    /// GeoJSON FeatureCollection with the plan as a foreign member (<c>format</c> geojson).
    /// </summary>
    [JsonDerivedType(typeof(NaloxonePlan))]
    [JsonDerivedType(typeof(NaloxonePlanFeatures))]
    internal abstract record NaloxoneAnswer;

    /// <summary>
    /// A naloxone plan: the area as asked (<c>{"county": FIPS}</c>, <c>{"hidta": ID}</c> or
    /// <c>{"geometry": "polygon"}</c>), the demand counted, the coverage curve, the bounds on the optimum
    /// and the sites chosen, best first (left out of the plan that rides along a FeatureCollection).
    /// </summary>
    internal sealed record NaloxonePlan(
        IReadOnlyDictionary<string, string> Area, string AreaName, DateOnly From, DateOnly To, int K, double RadiusMeters, PlanWeightsUsed Weights,
        int Events, int Candidates, int ExistingSites, double TotalDemand, double ExistingDemand, double NewDemand, double CoveredDemand,
        double CoveredShare, double NewShare, IReadOnlyList<CurvePoint> Curve, double UpperBound, double Gap, double RelativeGap, bool ProvenOptimal,
        PlanBounds Bounds, int Swaps, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<PlannedSite>? Sites) : NaloxoneAnswer;

    /// <summary>The demand weights a plan used.</summary>
    internal sealed record PlanWeightsUsed(double Fatal, double Nonfatal, double? HalfLifeDays);

    /// <summary>The greedy coverage curve: the demand the first <c>sites</c> sites add, and the share covered with the existing ones.</summary>
    internal sealed record CurvePoint(int Sites, double NewDemand, double CoveredShare);

    /// <summary>The separate upper bounds on the demand the best sites add (null when not computed).</summary>
    internal sealed record PlanBounds(double? Coverable, double? Lagrangian, double? GreedyRatio, double? Online, double? Exhaustive);

    /// <summary>A chosen site: its rank, name and place, the demand it adds and the demand covered with it and those before it.</summary>
    internal sealed record PlannedSite(int Rank, string Name, double Lon, double Lat, double AddedDemand, double CoveredDemand);

    /// <summary>The sites chosen as GeoJSON points (their properties those of <see cref="PlannedSite"/>), with the plan.</summary>
    /// <param name="Type">FeatureCollection.</param>
    /// <param name="Features">GeoJSON Point features.</param>
    /// <param name="Plan">The plan without its sites.</param>
    internal sealed record NaloxonePlanFeatures(string Type, IReadOnlyList<object> Features, NaloxonePlan Plan) : NaloxoneAnswer;

    /// <summary>What replacing an agency's naloxone sites stored.</summary>
    internal sealed record SitesReplaced(string Agency, int Sites);

    /// <summary>The answer of <c>GET /api/planning/targets</c>: areas ranked by the need index.</summary>
    internal sealed record NeedTargets(
        string Kind, DateOnly From, DateOnly To, double RadiusMeters, IReadOnlyDictionary<string, object>? DisclosureControl, NeedWeights Weights, int AreasRanked, IReadOnlyList<NeedTarget> Targets);

    /// <summary>The weights of the need index's components.</summary>
    internal sealed record NeedWeights(double Rate, double Trend, double Hotspot, double Uncovered);

    /// <summary>An area's rank, figures and need index; what the public may not see is null.</summary>
    internal sealed record NeedTarget(
        int Rank, string Id, string Name, long? Population, long? Overdoses, double? Rate, double SmoothedRate, double? TrendZ, double? TrendP,
        int? HotspotBin, double? CoveredShare, double Need, NeedComponents Components);

    /// <summary>The need index's components, each from 0 to 1.</summary>
    internal sealed record NeedComponents(double RateRank, double Trend, double Hotspot, double Uncovered);

    internal static Task<Results<Ok<NaloxoneAnswer>, ValidationProblem, ProblemHttpResult>> NaloxoneAsync(
        HttpRequest request, [FromKeyedServices(RequestClass.Planning)] NpgsqlDataSource dataSource, AccessViews access, TimeProvider clock, IOptions<LimitsOptions> limits) =>
        AnswerAsync(request, Title, "the plan", typeof(NaloxoneRequest), (root, ct) =>
            PlanAsync(root, dataSource, access.For(request.HttpContext), DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), limits.Value, ct));

    /// <summary>Replaces the caller's agency's naloxone sites: <c>{"features": …}</c> or <c>{"csv": "name,lat,lon …"}</c>.</summary>
    internal static Task<Results<Ok<SitesReplaced>, ValidationProblem, ProblemHttpResult>> PutSitesAsync(
        HttpRequest request, [FromKeyedServices(RequestClass.Planning)] NpgsqlDataSource dataSource, GeoOrsDbContext db, IOptions<LimitsOptions> limits) =>
        AnswerAsync(request, Title, "the sites' update", typeof(SitesRequest), async (root, ct) =>
        {
            var agency = request.HttpContext.User.FindFirst(GeoOrsClaims.Agency)?.Value ?? throw new Invalid("agency", "the key names no agency");
            var sites = await SitesAsync(root, "sites", dataSource, null, limits.Value, ct);
            await NaloxoneSites.ReplaceAsync(db, agency, sites, ct);
            return new SitesReplaced(agency, sites.Count);
        });

    /// <summary>Every listed naloxone site (public: the places are public services).</summary>
    internal static async Task<Ok<IReadOnlyList<NaloxoneSite>>> GetSitesAsync(string? agency, GeoOrsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await NaloxoneSites.ListAsync(db, agency, cancellationToken));

    /// <summary>
    /// Counties or HIDTA regions ranked by the need index (<see cref="NeedIndex"/>), each component
    /// shown. The public gets the areas whose counts it may see (none withheld), ranked from public
    /// figures only (docs/ACCESS.md).
    /// </summary>
    internal static async Task<Results<Ok<NeedTargets>, ValidationProblem>> TargetsAsync(
        HttpContext http, [FromKeyedServices(RequestClass.Planning)] NpgsqlDataSource dataSource, AccessViews access, TimeProvider clock, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        foreach (var name in query.Keys)
        {
            if (!QueryParameter.Takes(TargetsQuery, name))
            {
                return Problem(Title, name, $"unknown parameter '{name}'; the parameters are {QueryParameter.Phrase(TargetsQuery)}");
            }
        }

        var kind = query["kind"].ToString() is { Length: > 0 } k ? k : "county";
        if (kind is not ("county" or "hidta"))
        {
            return Problem(Title, "kind", "'kind' is county or hidta");
        }

        DateOnly? Date(string name) => query[name].ToString() is { Length: > 0 } text
            ? DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && Data.EventDays.Contains(d) ? d : throw new Invalid(name, $"'{name}' is a date as YYYY-MM-DD from {Data.EventDays.Range}")
            : null;
        DateOnly from, to;
        double radius;
        int limit;
        try
        {
            to = Date("to") ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            from = Date("from") ?? to.AddDays(-364);
            radius = query["radiusMeters"].ToString() is { Length: > 0 } r
                ? double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 50_000 ? v : throw new Invalid("radiusMeters", "'radiusMeters' is from 1 to 50,000")
                : 1000;
            limit = query["limit"].ToString() is { Length: > 0 } l
                ? int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 5000 ? n : throw new Invalid("limit", "'limit' is from 1 to 5000")
                : 50;
        }
        catch (Invalid e)
        {
            return Problem(Title, e.Field, e.Message);
        }

        if (from > to || to.DayNumber - from.DayNumber > 3660)
        {
            return Problem(Title, "from", "'from' is on or before 'to', at most ten years before it");
        }

        var view = access.For(http);
        var layer = Data.Layers.AreaLayer.All[kind == "county" ? "counties" : "hidta"];
        var measures = new Data.Layers.LayerQuery(Date("from"), Date("to"));
        if (view.Suppressed)
        {
            // The public ranks from public figures only: the protected counts and rates of one of its
            // fixed windows and the hot spot bins. Trends and coverage are counted from events, so
            // they are left out of its index (every area gets the same) and not shown.
            if (!access.TryQuery(http, measures, out measures, out var windowError))
            {
                return Problem(Title, "to", windowError!);
            }

            (from, to) = (measures.From!.Value, measures.To!.Value);
        }
        else
        {
            measures = new Data.Layers.LayerQuery(from, to) { View = view };
        }

        var rates = await TargetInputs.RatesAsync(dataSource, layer, measures, cancellationToken);
        var monthly = view.Suppressed ? [] : await TargetInputs.MonthlyAsync(dataSource, layer, from, to, view, radius, cancellationToken);
        var bins = await TargetInputs.CountyBinsAsync(dataSource, cancellationToken);
        var members = kind == "hidta" ? await TargetInputs.HidtaMembersAsync(dataSource, cancellationToken) : null;

        // The public ranks and sees only the areas whose counts it may see.
        var areas = rates.Where(a => a.Overdoses is not null && a.Rate is not null && a.Population is > 0).ToList();
        var trends = areas.Select(a => monthly.TryGetValue(a.Id, out var m) && m.Months.Length >= 3 ? MannKendall(m.Months) : (0.0, (double?)null)).ToList();
        double Hot(string id) => members is null
            ? (bins.TryGetValue(id, out var bin) ? (bin + 3) / 6.0 : 0.5)
            : members.TryGetValue(id, out var counties) && counties.Count > 0 ? counties.Count(c => bins.GetValueOrDefault(c) > 0) / (double)counties.Count : 0;
        double Uncovered(string id) => !view.Suppressed && monthly.TryGetValue(id, out var m) && m.Months.Sum() > 0 ? 1 - (m.Covered / (double)m.Months.Sum()) : 1;
        // Rates of small areas are unreliable: rank them after global empirical Bayes smoothing.
        var smoothed = EmpiricalBayesRates.Smooth([.. areas.Select(a => (double)a.Overdoses!.Value)], [.. areas.Select(a => (double)a.Population!.Value)]);
        var scores = NeedIndex.Compute([.. smoothed.Select(r => r * 100_000)], [.. trends.Select(t => t.Item1)], [.. areas.Select(a => Hot(a.Id))], [.. areas.Select(a => Uncovered(a.Id))]);
        var ranked = areas.Select((a, i) => (Area: a, Score: scores[i], Trend: trends[i], Smoothed: Math.Round(smoothed[i] * 100_000, 2))).OrderByDescending(x => x.Score.Index).ThenBy(x => x.Area.Id, StringComparer.Ordinal).Take(limit);
        return TypedResults.Ok(new NeedTargets(
            kind,
            from,
            to,
            radius,
            view.Suppressed ? Data.Access.Disclosure.Note : null,
            new NeedWeights(NeedIndex.Weights[0], NeedIndex.Weights[1], NeedIndex.Weights[2], NeedIndex.Weights[3]),
            areas.Count,
            [.. ranked.Select((x, rank) => new NeedTarget(
                rank + 1,
                x.Area.Id,
                x.Area.Name,
                x.Area.Population,
                x.Area.Overdoses,
                x.Area.Rate,
                x.Smoothed,
                view.Suppressed ? null : x.Trend.Item1,
                view.Suppressed ? null : x.Trend.Item2,
                members is null && bins.TryGetValue(x.Area.Id, out var b) ? b : null,
                view.Suppressed ? null : 1 - x.Score.Uncovered,
                x.Score.Index,
                new NeedComponents(x.Score.RateRank, x.Score.Trend, x.Score.Hotspot, x.Score.Uncovered)))]));
    }

    private static (double Z, double? P) MannKendall(long[] months)
    {
        var r = GeoOrs.Analysis.Hotspots.MannKendall.Compute([.. months.Select(m => (double)m)]);
        return (double.IsFinite(r.Z) ? r.Z : 0, double.IsFinite(r.P) ? r.P : null);
    }

    internal static async Task<NaloxoneAnswer> PlanAsync(
        JsonElement root, NpgsqlDataSource dataSource, Data.Access.AccessView view, DateOnly today, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var k = Whole(root, "k", 1, 1000) ?? throw new Invalid("k", "'k', the number of sites to choose, is required (1 to 1000)");
        var radius = Number(root, "radiusMeters") ?? throw new Invalid("radiusMeters", "'radiusMeters', the coverage radius, is required");
        if (radius is < 1 or > 50_000)
        {
            throw new Invalid("radiusMeters", "'radiusMeters' is from 1 to 50,000");
        }

        var format = Text(root, "format") ?? "json";
        if (format is not ("json" or "geojson"))
        {
            throw new Invalid("format", "'format' is json or geojson");
        }

        var to = Day(root, "to") ?? today;
        var from = Day(root, "from") ?? to.AddDays(-364);
        if (from > to)
        {
            throw new Invalid("from", "'from' is after 'to'");
        }

        var (fatalWeight, nonfatalWeight) = Weights(root);
        var halfLife = Number(root, "halfLifeDays");
        if (halfLife is <= 0)
        {
            throw new Invalid("halfLifeDays", "'halfLifeDays' is a positive number of days");
        }

        var (area, areaName, areaDescription) = await AreaAsync(root, dataSource, limits, cancellationToken);
        if (!root.TryGetProperty("candidates", out var candidatesElement))
        {
            throw new Invalid("candidates", "'candidates' is required: {\"grid\": spacing in metres}, {\"features\": a FeatureCollection of points} or {\"csv\": \"name,lat,lon …\"}");
        }

        var candidates = await SitesAsync(candidatesElement, "candidates", dataSource, area, limits, cancellationToken);
        var existing = root.TryGetProperty("existing", out var existingElement) && existingElement.ValueKind != JsonValueKind.Null
            ? await SitesAsync(existingElement, "existing", dataSource, null, limits, cancellationToken) : [];

        var events = await PlanningInputs.DemandAsync(dataSource, area, from, to, view, limits.MaxDemandPoints, cancellationToken);
        if (events.Count > limits.MaxDemandPoints)
        {
            throw new Invalid("area", $"more than {limits.MaxDemandPoints:N0} overdoses lie in the area over the window (Limits:MaxDemandPoints): choose a smaller area or a shorter window");
        }

        var demand = events.Select(e => (e.X, e.Y)).ToArray();
        var sitesXy = candidates.Select(c => (c.X, c.Y)).ToArray();
        if ((double)sitesXy.Length * demand.Length > limits.MaxPlannerWork)
        {
            throw new Invalid("candidates", string.Create(CultureInfo.InvariantCulture,
                $"{sitesXy.Length:N0} candidate sites × {demand.Length:N0} overdoses is more than {limits.MaxPlannerWork:N0} (Limits:MaxPlannerWork): use fewer candidates (a wider grid), a smaller area or a shorter window"));
        }

        if (MaximalCovering.CountCoverage(demand, sitesXy, radius, limits.MaxCoveragePairs, cancellationToken) > limits.MaxCoveragePairs)
        {
            throw new Invalid("radiusMeters", string.Create(CultureInfo.InvariantCulture,
                $"within {radius:N0} m the candidate sites reach more than {limits.MaxCoveragePairs:N0} (site, overdose) pairs (Limits:MaxCoveragePairs): use a smaller radius or fewer candidates"));
        }

        var weights = events.Select(e => (e.Fatal ? fatalWeight : nonfatalWeight) * (halfLife is { } h ? Math.Pow(0.5, (to.DayNumber - e.Day.DayNumber) / h) : 1)).ToArray();
        var solution = MaximalCovering.Solve(demand, weights, sitesXy, [.. existing.Select(c => (c.X, c.Y))], k, radius, cancellationToken: cancellationToken);

        double cumulative = solution.ExistingDemand;
        var sites = solution.Sites.Select((s, rank) =>
        {
            cumulative += s.AddedDemand;
            var site = candidates[s.Candidate];
            return new PlannedSite(rank + 1, site.Name, Math.Round(site.Lon, 6), Math.Round(site.Lat, 6), s.AddedDemand, cumulative);
        }).ToList();
        var plan = new NaloxonePlan(
            areaDescription, areaName, from, to, k, radius, new PlanWeightsUsed(fatalWeight, nonfatalWeight, halfLife),
            events.Count, candidates.Count, existing.Count,
            solution.TotalDemand, solution.ExistingDemand, solution.NewDemand, solution.CoveredDemand, solution.CoveredShare, solution.NewShare,
            [.. solution.GreedyCurve.Select((v, i) => new CurvePoint(i + 1, v, solution.TotalDemand > 0 ? (v + solution.ExistingDemand) / solution.TotalDemand : 0))],
            solution.UpperBound, solution.Gap, solution.RelativeGap,
            solution.Bounds.ProvenByEnumeration || solution.Gap <= 1e-9 * Math.Max(1, solution.UpperBound),
            new PlanBounds(Finite(solution.Bounds.Coverable), Finite(solution.Bounds.Lagrangian), Finite(solution.Bounds.GreedyRatio),
                Finite(solution.Bounds.Online), Finite(solution.Bounds.Exhaustive)),
            solution.Swaps,
            sites);
        if (format == "json")
        {
            return plan;
        }

        // GeoJSON4STJ writes the features (its converters are in the API's JSON options); the plan rides
        // along as a foreign member.
        return new NaloxonePlanFeatures(
            "FeatureCollection",
            [.. sites.Select(s => new NetTopologySuite.Features.Feature(
                Wgs84.CreatePoint(new NetTopologySuite.Geometries.Coordinate(s.Lon, s.Lat)),
                new NetTopologySuite.Features.AttributesTable(new Dictionary<string, object>
                {
                    ["rank"] = s.Rank, ["name"] = s.Name, ["lon"] = s.Lon, ["lat"] = s.Lat, ["added_demand"] = s.AddedDemand, ["covered_demand"] = s.CoveredDemand,
                })))],
            plan with { Sites = null });
    }

    /// <summary>A bound not computed is infinite; JSON says null.</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static DateOnly? Day(JsonElement root, string name) =>
        Text(root, name) is not { } text ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && Data.EventDays.Contains(day) ? day
        : throw new Invalid(name, $"'{name}' is a date as YYYY-MM-DD from {Data.EventDays.Range} (got '{text}')");

    private static (double Fatal, double Nonfatal) Weights(JsonElement root)
    {
        if (!root.TryGetProperty("weights", out var weights) || weights.ValueKind == JsonValueKind.Null)
        {
            return (1, 1);
        }

        if (weights.ValueKind != JsonValueKind.Object)
        {
            throw new Invalid("weights", "'weights' is an object: {\"fatal\": 1, \"nonfatal\": 1}");
        }

        var fatal = Number(weights, "fatal") ?? 1;
        var nonfatal = Number(weights, "nonfatal") ?? 1;
        return fatal < 0 || nonfatal < 0 || fatal + nonfatal == 0
            ? throw new Invalid("weights", "the weights are non-negative and not both 0")
            : (fatal, nonfatal);
    }

    /// <summary>The planning area: its boundary (EPSG:4326), name and description; refused over <see cref="LimitsOptions.MaxPlannerAreaKm2"/>.</summary>
    private static async Task<(NetTopologySuite.Geometries.Geometry Area, string Name, IReadOnlyDictionary<string, string> Description)> AreaAsync(
        JsonElement root, NpgsqlDataSource dataSource, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var (geometry, name, description) = await ReadAreaAsync(root, dataSource, cancellationToken);
        var km2 = LonLatArea.Of(geometry) / 1e6;
        if (km2 > limits.MaxPlannerAreaKm2)
        {
            throw new Invalid("area", string.Create(CultureInfo.InvariantCulture,
                $"the area covers {km2:N0} km², more than {limits.MaxPlannerAreaKm2:N0} km² (Limits:MaxPlannerAreaKm2): plan a county, a HIDTA region or a smaller polygon"));
        }

        return (geometry, name, description);
    }

    private static async Task<(NetTopologySuite.Geometries.Geometry Geometry, string Name, IReadOnlyDictionary<string, string> Description)> ReadAreaAsync(
        JsonElement root, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!root.TryGetProperty("area", out var area) || area.ValueKind != JsonValueKind.Object)
        {
            throw new Invalid("area", "'area' is required: {\"county\": FIPS}, {\"hidta\": ID} or {\"geometry\": a GeoJSON Polygon}");
        }

        if (area.EnumerateObject().Count() != 1)
        {
            throw new Invalid("area", "'area' names one of county, hidta or geometry");
        }

        var member = area.EnumerateObject().Single();
        if (member.Name == "geometry")
        {
            NetTopologySuite.Geometries.Geometry geometry;
            try
            {
                geometry = GeoJsonGeometry.Read(member.Value);
            }
            catch (FormatException e)
            {
                throw new Invalid("area.geometry", e.Message);
            }

            if (geometry is not (NetTopologySuite.Geometries.Polygon or NetTopologySuite.Geometries.MultiPolygon) || !geometry.IsValid || geometry.IsEmpty)
            {
                throw new Invalid("area.geometry", "'area.geometry' is a valid Polygon or MultiPolygon in longitude and latitude");
            }

            geometry.SRID = 4326;
            return (geometry, "the polygon given", new Dictionary<string, string> { ["geometry"] = "polygon" });
        }

        var id = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : throw new Invalid($"area.{member.Name}", $"'area.{member.Name}' is a string");
        var found = await PlanningInputs.AreaAsync(dataSource, member.Name, id, cancellationToken)
            ?? throw new Invalid($"area.{member.Name}", $"no {member.Name} has id '{id}'");
        return (found.Boundary, found.Name, new Dictionary<string, string> { [member.Name] = id });
    }

    private static async Task<List<PlanningSite>> SitesAsync(
        JsonElement element, string field, NpgsqlDataSource dataSource, NetTopologySuite.Geometries.Geometry? area, LimitsOptions limits,
        CancellationToken cancellationToken)
    {
        var maxSites = limits.MaxPlannerSites;
        if (element.ValueKind != JsonValueKind.Object || element.EnumerateObject().Count() != 1)
        {
            throw new Invalid(field, $"'{field}' names one of {(area is null ? "listed, " : "grid, ")}features or csv");
        }

        var member = element.EnumerateObject().Single();
        List<PlanningSite> sites;
        switch (member.Name)
        {
            case "grid" when area is { } within:
                if (member.Value.ValueKind != JsonValueKind.Number || member.Value.GetDouble() is not (>= 50 and <= 100_000))
                {
                    throw new Invalid($"{field}.grid", $"'{field}.grid' is a spacing in metres from 50 to 100,000");
                }

                var spacing = member.Value.GetDouble();
                var cells = GridCells(within, spacing);
                if (!(cells <= limits.MaxGridCells))
                {
                    throw new Invalid($"{field}.grid", string.Create(CultureInfo.InvariantCulture,
                        $"a grid of {spacing:N0} m over the area's extent has {cells:N0} cells, more than {limits.MaxGridCells:N0} (Limits:MaxGridCells): choose a wider spacing or a smaller area"));
                }

                sites = await PlanningInputs.GridAsync(dataSource, within, spacing, maxSites, cancellationToken);
                if (sites.Count > maxSites)
                {
                    throw new Invalid($"{field}.grid", $"a grid this fine puts more than {maxSites:N0} candidates in the area (Limits:MaxPlannerSites): choose a wider spacing");
                }

                return sites;
            case "listed" when area is null:
                if (member.Value.ValueKind != JsonValueKind.True)
                {
                    throw new Invalid($"{field}.listed", $"'{field}.listed' is true: every naloxone site agencies have listed (PUT /api/planning/sites)");
                }

                // The planner's pool (and its statement timeout) reads the listed sites too.
                await using (var db = GeoOrsDbContext.Create(dataSource))
                {
                    sites = [.. (await NaloxoneSites.ListAsync(db, null, cancellationToken)).Select(s => Site($"{s.Name} ({s.Agency})", s.Lon, s.Lat, field))];
                }

                break;
            case "features":
                sites = FromFeatures(member.Value, $"{field}.features");
                break;
            case "csv":
                sites = FromCsv(member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : throw new Invalid($"{field}.csv", $"'{field}.csv' is the CSV text"), $"{field}.csv", maxSites);
                break;
            default:
                throw new Invalid(field, $"'{field}' names one of {(area is null ? "listed, " : "grid, ")}features or csv");
        }

        return sites.Count > maxSites ? throw new Invalid(field, $"at most {maxSites:N0} sites (Limits:MaxPlannerSites)") : sites;
    }

    /// <summary>
    /// The cells <c>ST_SquareGrid</c> makes over the area's extent in EPSG:5070 (as PostGIS projects
    /// its vertices), before the cells outside are left out: what a grid costs to make. Infinite when
    /// a vertex does not project.
    /// </summary>
    private static double GridCells(NetTopologySuite.Geometries.Geometry area, double spacing)
    {
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        foreach (var c in area.Coordinates)
        {
            var (x, y) = EqualArea.Project(c.X, c.Y);
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                return double.PositiveInfinity;
            }

            (minX, minY, maxX, maxY) = (Math.Min(minX, x), Math.Min(minY, y), Math.Max(maxX, x), Math.Max(maxY, y));
        }

        return (Math.Floor(maxX / spacing) - Math.Floor(minX / spacing) + 1) * (Math.Floor(maxY / spacing) - Math.Floor(minY / spacing) + 1);
    }

    private static PlanningSite Site(string name, double lon, double lat, string field)
    {
        if (!double.IsFinite(lon) || !double.IsFinite(lat) || lon is < -180 or > 180 || lat is < -90 or > 90)
        {
            throw new Invalid(field, $"site '{name}' has no valid longitude and latitude");
        }

        var (x, y) = EqualArea.Project(lon, lat);
        return new PlanningSite(name, lon, lat, x, y);
    }

    private static List<PlanningSite> FromFeatures(JsonElement collection, string field)
    {
        if (collection.ValueKind != JsonValueKind.Object || !collection.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            throw new Invalid(field, $"'{field}' is a GeoJSON FeatureCollection of points");
        }

        var sites = new List<PlanningSite>();
        foreach (var feature in features.EnumerateArray())
        {
            var index = sites.Count;
            if (feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
            {
                throw new Invalid(field, $"feature {index} is not a Point feature");
            }

            NetTopologySuite.Geometries.Point point;
            try
            {
                point = GeoJsonGeometry.Read(geometry) as NetTopologySuite.Geometries.Point is { IsEmpty: false } p
                    ? p
                    : throw new Invalid(field, $"feature {index} is not a Point feature");
            }
            catch (GeoJsonException e)
            {
                throw new Invalid(field, $"feature {index}: {e.Message}");
            }

            var name = feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
                && properties.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()!
                : feature.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number ? id.ToString()
                : $"site-{index + 1}";
            sites.Add(Site(name, point.X, point.Y, field));
        }

        return sites;
    }

    private static List<PlanningSite> FromCsv(string text, string field, int maxSites)
    {
        using var reader = new CsvReader(new StringReader(text));
        try
        {
            var header = reader.Read() ?? throw new Invalid(field, "the CSV is empty");
            int Column(params string[] names) => Array.FindIndex(header, h => names.Contains(h.Trim().ToLowerInvariant()));
            int name = Column("name"), lat = Column("lat", "latitude", "y"), lon = Column("lon", "lng", "longitude", "x");
            if (lat < 0 || lon < 0)
            {
                throw new Invalid(field, "the CSV's header names lat (or latitude) and lon (or lng, longitude) columns");
            }

            var sites = new List<PlanningSite>();
            while (reader.Read() is { } row)
            {
                var line = reader.RecordLine;
                if (row.Length <= Math.Max(lat, lon)
                    || !double.TryParse(row[lat], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                    || !double.TryParse(row[lon], NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
                {
                    throw new Invalid(field, $"line {line}: lat and lon are numbers");
                }

                sites.Add(Site(name >= 0 && name < row.Length && row[name].Length > 0 ? row[name] : $"site-{sites.Count + 1}", x, y, $"{field} line {line}"));
                if (sites.Count > maxSites)
                {
                    break;
                }
            }

            return sites;
        }
        catch (CsvFormatException e)
        {
            throw new Invalid(field, $"line {e.Line}: {e.Reason}");
        }
    }
}
