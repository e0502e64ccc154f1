using GeoOrs.Data.Migrations;
using GeoOrs.Data.Status;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// <c>GET /health</c>: the database is reachable and has PostGIS, every migration is applied and the
/// scheduler runs. 200 when all hold, 503 with the same report when one does not. With a read
/// replica (<c>Database:ReadConnectionString</c>) its state is reported too (<c>replica</c>: ok,
/// lagging or lost); a replica lost or lagging leaves the server healthy, since reads then go to
/// the primary.
/// </summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", GetHealth).WithName("Health").WithTags("Health").Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal sealed record DatabaseHealth(bool Reachable, string? ServerVersion, string? PostgisVersion, string? Error);

    internal sealed record MigrationsHealth(bool UpToDate, IReadOnlyList<int> Applied, IReadOnlyList<int> Pending);

    internal sealed record SchedulerHealth(bool Enabled, bool Running, string? InstanceId, string? Status);

    internal sealed record BoundariesHealth(long States, long Counties, long HidtaRegions);

    internal sealed record HealthReport(
        string Status, DatabaseHealth Database, MigrationsHealth? Migrations, SchedulerHealth Scheduler, BoundariesHealth? Boundaries,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] ReplicaState? Replica);

    internal static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealth(
        NpgsqlDataSource dataSource, IServiceProvider services, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var database = await CheckDatabaseAsync(dataSource, timeout.Token);
        MigrationsHealth? migrations = null;
        BoundariesHealth? boundaries = null;
        if (database.Reachable)
        {
            try
            {
                var status = await Migrator.StatusAsync(dataSource, timeout.Token);
                migrations = new MigrationsHealth(status.UpToDate, status.Applied, status.Pending);
                boundaries = await CountBoundariesAsync(dataSource, timeout.Token);
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
            {
                database = database with { Error = e.Message };
            }
        }

        var scheduler = await CheckSchedulerAsync(services, timeout.Token);
        var healthy = database.Reachable && database.PostgisVersion is not null && database.Error is null
            && migrations is { UpToDate: true }
            && (!scheduler.Enabled || scheduler.Running);
        var report = new HealthReport(healthy ? "healthy" : "unhealthy", database, migrations, scheduler, boundaries, services.GetService<ReplicaMonitor>()?.State);
        return healthy ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<DatabaseHealth> CheckDatabaseAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        try
        {
            var versions = await DatabaseStatus.VersionsAsync(dataSource, cancellationToken);
            return new DatabaseHealth(true, versions.ServerVersion, versions.PostgisVersion,
                versions.PostgisVersion is null ? "the postgis extension is not installed" : null);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return new DatabaseHealth(false, null, null, e.Message);
        }
    }

    private static async Task<BoundariesHealth> CountBoundariesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var counts = await DatabaseStatus.BoundaryCountsAsync(dataSource, cancellationToken);
        return new BoundariesHealth(counts.States, counts.Counties, counts.HidtaRegions);
    }

    private static Task<SchedulerHealth> CheckSchedulerAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        var scheduling = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SchedulingOptions>>().Value;
        var instance = services.GetRequiredService<JobsInstance>();
        return Task.FromResult(!scheduling.Enabled
            ? new SchedulerHealth(false, false, null, "disabled")
            : new SchedulerHealth(true, instance.Running, instance.Id, instance.Running ? "Running" : "Stopped"));
    }
}
