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

    internal sealed record JobRun(long Id, string Job, string InstanceId, DateTime? ScheduledFor, DateTime StartedAt, DateTime? FinishedAt, string Status, System.Text.Json.JsonElement? Detail);

    internal static async Task<Results<Ok<List<JobRun>>, ValidationProblem>> GetRuns(
        string? job, int? limit, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be between 1 and 1000"] });
        }

        await using var command = dataSource.CreateCommand("""
            SELECT id, job, instance_id, scheduled_for, started_at, finished_at, status, detail::text
            FROM job_runs WHERE $1::text IS NULL OR job = $1 ORDER BY started_at DESC, id DESC LIMIT $2
            """);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)job ?? DBNull.Value);
        command.Parameters.AddWithValue(take);
        var runs = new List<JobRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new JobRun(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDateTime(3), reader.GetDateTime(4),
                reader.IsDBNull(5) ? null : reader.GetDateTime(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : System.Text.Json.JsonDocument.Parse(reader.GetString(7)).RootElement.Clone()));
        }

        return TypedResults.Ok(runs);
    }
}
