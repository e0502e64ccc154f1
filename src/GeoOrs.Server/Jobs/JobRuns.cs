using Npgsql;
using NpgsqlTypes;
using Quartz;

namespace GeoOrs.Server.Jobs;

/// <summary>Records each run of a scheduled job in <c>job_runs</c>.</summary>
internal static class JobRuns
{
    /// <summary>Records the start of a firing; null when the same firing was already recorded as finished.</summary>
    public static async Task<long?> StartAsync(NpgsqlDataSource dataSource, string job, IJobExecutionContext context, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO job_runs (job, instance_id, fire_id, scheduled_for)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (job, fire_id) DO UPDATE
            SET instance_id = EXCLUDED.instance_id, started_at = now(), status = 'running'
            WHERE job_runs.status <> 'succeeded'
            RETURNING id
            """);
        command.Parameters.AddWithValue(job);
        command.Parameters.AddWithValue(context.Scheduler.SchedulerInstanceId);
        command.Parameters.AddWithValue(context.FireInstanceId);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)context.ScheduledFireTimeUtc?.UtcDateTime ?? DBNull.Value);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    /// <summary>
    /// Marks the other runs of a job still <c>running</c> as failed: for a job that never runs twice at
    /// once, they belong to a process that died.
    /// </summary>
    public static async Task FailInterruptedAsync(NpgsqlDataSource dataSource, string job, long current, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE job_runs SET status = 'failed', finished_at = now(), detail = '{"error": "interrupted: the process running it stopped"}'
            WHERE job = $1 AND status = 'running' AND id <> $2
            """);
        command.Parameters.AddWithValue(job);
        command.Parameters.AddWithValue(current);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task FinishAsync(NpgsqlDataSource dataSource, long id, string status, string detailJson, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE job_runs SET finished_at = now(), status = $2, detail = $3::jsonb WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(detailJson);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
