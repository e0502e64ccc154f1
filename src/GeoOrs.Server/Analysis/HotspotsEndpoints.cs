using System.Globalization;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Hotspots;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// <c>/api/hotspots</c>: the stored runs of the hot spot, emerging hot spot and spike jobs with their
/// cells, and starting a run now (admins). Everyone may list runs; the public sees neither their
/// summaries (which count events) nor hexagons holding fewer than 10 events, and county counts
/// 1–9 are suppressed for it.
/// </summary>
internal static class HotspotsEndpoints
{
    private const int MaxCells = 100_000;

    private static readonly IReadOnlyDictionary<string, string> JobOfKind = new Dictionary<string, string>
    {
        ["hotspots"] = HotspotsJob.Name,
        ["emerging"] = EmergingHotspotsJob.Name,
        ["spikes"] = SpikesJob.Name,
    };

    public static IEndpointRouteBuilder MapHotspots(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hotspots").WithTags("Hot spots");
        group.MapGet("/runs", ListAsync).WithName("GetAnalysisRuns");
        group.MapGet("/runs/{id}", GetAsync).WithName("GetAnalysisRun");
        group.MapPost("/runs", StartAsync).WithName("StartAnalysisRun").RequireAuthorization(AccessPolicies.Admin).WithBodyExample(StartRequest.Example);
        return app;
    }

    /// <summary>What starting a run names.</summary>
    /// <param name="Kind">hotspots, emerging or spikes.</param>
    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    internal sealed record StartRequest(string? Kind)
    {
        /// <summary>The document's example: a spike detection run now.</summary>
        public static StartRequest Example => new("spikes");
    }

    /// <summary>A run and its cells (hexagons, counties, emerging hot spot categories or heat), as the caller may see them.</summary>
    internal sealed record RunCells(AnalysisRun Run, IReadOnlyList<HotspotCell> Cells);

    /// <summary>A run enqueued: its kind, the job that makes it, the job's id and its status (<c>enqueued</c>).</summary>
    internal sealed record RunStarted(string Kind, string Job, string JobId, string Status);

    internal static async Task<Results<Ok<IReadOnlyList<AnalysisRun>>, ValidationProblem>> ListAsync(
        string? kind, int? limit, HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        if (kind is not null && !AnalysisRuns.Kinds.Contains(kind))
        {
            return Invalid("kind", $"'kind' must be one of {string.Join(", ", AnalysisRuns.Kinds)} (got '{kind}')");
        }

        if (limit is < 1 or > 1000)
        {
            return Invalid("limit", "'limit' must be between 1 and 1000");
        }

        var runs = await AnalysisRuns.ListAsync(db, kind, limit ?? 50, cancellationToken);
        return TypedResults.Ok(ForView(runs, http));
    }

    internal static async Task<Results<Ok<RunCells>, NotFound<ProblemDetails>, ValidationProblem>> GetAsync(
        string id, string? scale, int? limit, HttpContext http, GeoOrsDbContext db,
        [FromKeyedServices(RequestClass.Analysis)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var runId))
        {
            return TypedResults.NotFound(new ProblemDetails { Title = "No such run", Detail = $"'{id}' is not a run id", Status = 404 });
        }

        if (scale is not null and not ("hex" or "county" or "emerging" or "heat"))
        {
            return Invalid("scale", $"'scale' must be hex, county, emerging or heat (got '{scale}')");
        }

        if (limit is < 1 or > MaxCells)
        {
            return Invalid("limit", $"'limit' must be between 1 and {MaxCells}");
        }

        if (await AnalysisRuns.GetAsync(db, runId, cancellationToken) is not { } run)
        {
            return TypedResults.NotFound(new ProblemDetails { Title = "No such run", Detail = $"No run has id {runId}", Status = 404 });
        }

        var suppress = AccessRules.RoleOf(http.User) == Role.Public;
        // The public gets bins and categories, and densities to two significant figures: no counts
        // and no statistics it could solve back to counts (docs/ACCESS.md).
        var cells = await HotspotCells.ListAsync(dataSource, runId, scale, suppress, limit ?? 1000, cancellationToken);

        var shown = ForView([run], http)[0];
        return TypedResults.Ok(new RunCells(shown, cells));
    }

    internal static Results<Accepted<RunStarted>, ValidationProblem> StartAsync(StartRequest? body, AnalysisQueue queue)
    {
        if (body?.Kind is not { } kind || !JobOfKind.TryGetValue(kind, out var job))
        {
            return Invalid("kind", $"'kind' must be one of {string.Join(", ", AnalysisRuns.Kinds)}");
        }

        var id = queue.Enqueue(kind, "manual");
        return TypedResults.Accepted($"/api/hotspots/runs?kind={kind}", new RunStarted(kind, job, id, "enqueued"));
    }

    /// <summary>The public sees what a run was asked and when it ran, not what it counted.</summary>
    private static IReadOnlyList<AnalysisRun> ForView(IReadOnlyList<AnalysisRun> runs, HttpContext http) =>
        AccessRules.RoleOf(http.User) == Role.Public ? [.. runs.Select(r => r with { Summary = null })] : runs;

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
