using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Quartz;

namespace GeoOrs.Server.Jobs;

/// <summary>
/// Refreshes the per-county event totals (<c>county_event_totals</c>) and records the run in
/// <c>job_runs</c>. Runs on one node of the cluster at a time.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class RefreshAggregatesJob(NpgsqlDataSource dataSource, ILogger<RefreshAggregatesJob> logger) : IJob
{
    public const string Name = "refresh-aggregates";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var runId = await JobRuns.StartAsync(dataSource, Name, context, cancellationToken);
        if (runId is null)
        {
            return; // this firing was already recorded (a recovered run that had finished)
        }

        var clock = Stopwatch.StartNew();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using (var refresh = new NpgsqlCommand("REFRESH MATERIALIZED VIEW CONCURRENTLY county_event_totals", connection))
            {
                refresh.CommandTimeout = 600;
                await refresh.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var totals = new NpgsqlCommand(
                "SELECT count(*), coalesce(sum(overdoses), 0)::bigint, coalesce(sum(seizures), 0)::bigint FROM county_event_totals", connection);
            await using var reader = await totals.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var detail = new { counties = reader.GetInt64(0), overdoses = reader.GetInt64(1), seizures = reader.GetInt64(2), ms = clock.ElapsedMilliseconds };
            await reader.DisposeAsync();
            await JobRuns.FinishAsync(dataSource, runId.Value, "succeeded", JsonSerializer.Serialize(detail), CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogError(e, "Refreshing the aggregates failed");
            await JobRuns.FinishAsync(dataSource, runId.Value, "failed", JsonSerializer.Serialize(new { error = e.Message }), CancellationToken.None);
            throw;
        }
    }
}
