using GeoOrs.Data.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GeoOrs.Server.Analysis;

/// <summary><c>/api/jobs</c>: the recorded runs of the scheduled jobs.</summary>
internal static class JobsEndpoints
{
    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization(AccessPolicies.Admin);
        group.MapGet("/runs", GetRuns).WithName("GetJobRuns");
        return app;
    }

    internal static async Task<Results<Ok<IReadOnlyList<JobRun>>, ValidationProblem>> GetRuns(
        string? job, int? limit, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be between 1 and 1000"] });
        }

        var runs = await JobRuns.ListAsync(dataSource, job, take, cancellationToken);
        return TypedResults.Ok(runs);
    }
}
