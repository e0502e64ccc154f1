using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Jobs;

/// <summary>The start of one attempt of a background job, as <see cref="JobRuns.StartAsync"/> recorded it.</summary>
/// <param name="Id">The attempt's row in <c>job_runs</c>.</param>
/// <param name="Recovering">Whether an earlier attempt of the same background job was cut short (its process died or stopped).</param>
public sealed record JobRunStart(long Id, bool Recovering);

/// <summary>One attempt of a background job as <c>job_runs</c> holds it.</summary>
/// <param name="Id">The attempt.</param>
/// <param name="Job">The job's name.</param>
/// <param name="InstanceId">The server that ran it.</param>
/// <param name="ScheduledFor">When it was due, for a scheduled run.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended, or null while it runs.</param>
/// <param name="Status">running, succeeded, failed, …</param>
/// <param name="Detail">What it recorded, as JSON.</param>
public sealed record JobRun(
    long Id, string Job, string InstanceId, DateTime? ScheduledFor, DateTime StartedAt, DateTime? FinishedAt, string Status, System.Text.Json.JsonElement? Detail);

/// <summary>
/// Each attempt of a background job in <c>job_runs</c>. One background job (one firing of a
/// recurring job, or one enqueued run) may be attempted more than once when the process running it
/// dies: every attempt gets its own row, named by the job's id (<c>fire_id</c>) and, from the second
/// attempt on, <c>#n</c>.
/// </summary>
public static class JobRuns
{
    /// <summary>
    /// Records the start of an attempt; null when an attempt of the same background job already
    /// succeeded (the process finished the work but died before the job store heard of it).
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="job">The job's name.</param>
    /// <param name="instanceId">The process running it.</param>
    /// <param name="backgroundJobId">The background job's id in the job store.</param>
    /// <param name="scheduledFor">When the schedule fired it; null for an enqueued run.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    public static async Task<JobRunStart?> StartAsync(
        NpgsqlDataSource dataSource, string job, string instanceId, string backgroundJobId, DateTime? scheduledFor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            WITH earlier AS (
                SELECT count(*) AS attempts, coalesce(bool_or(status = 'succeeded'), false) AS done
                FROM job_runs WHERE job = $1 AND split_part(fire_id, '#', 1) = $3)
            INSERT INTO job_runs (job, instance_id, fire_id, scheduled_for)
            SELECT $1, $2, CASE WHEN attempts = 0 THEN $3 ELSE $3 || '#' || (attempts + 1) END, $4
            FROM earlier WHERE NOT done
            RETURNING id, fire_id <> $3
            """);
        command.Parameters.AddWithValue(job);
        command.Parameters.AddWithValue(instanceId);
        command.Parameters.AddWithValue(backgroundJobId);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)scheduledFor ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new JobRunStart(reader.GetInt64(0), reader.GetBoolean(1)) : null;
    }

    /// <summary>
    /// Marks the other attempts of a job still <c>running</c> as failed: for a job that never runs
    /// twice at once (<see cref="JobRunLock"/>), they belong to a process that died.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="job">The job's name.</param>
    /// <param name="current">The attempt that runs now.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    public static async Task FailInterruptedAsync(NpgsqlDataSource dataSource, string job, long current, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            UPDATE job_runs SET status = 'failed', finished_at = now(), detail = '{"error": "interrupted: the process running it stopped"}'
            WHERE job = $1 AND status = 'running' AND id <> $2
            """);
        command.Parameters.AddWithValue(job);
        command.Parameters.AddWithValue(current);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the end of an attempt.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The attempt.</param>
    /// <param name="status">succeeded or failed.</param>
    /// <param name="detailJson">What it did, or why it failed, as JSON.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    public static async Task FinishAsync(NpgsqlDataSource dataSource, long id, string status, string detailJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "UPDATE job_runs SET finished_at = now(), status = $2, detail = $3::jsonb WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(detailJson);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Overdoses committed since the last hot spot run started.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    public static async Task<long> OverdosesSinceLastHotspotRunAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(sum(b.accepted), 0) FROM ingest_batches b
            WHERE b.kind = 'overdoses' AND b.status = 'committed'
              AND b.finished_at > coalesce((SELECT max(started_at) FROM analysis_runs WHERE kind = 'hotspots'), '-infinity')
            """);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The latest attempts, newest first, of one job or of all.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="job">The job's name, or null for all.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The attempts.</returns>
    public static async Task<IReadOnlyList<JobRun>> ListAsync(NpgsqlDataSource dataSource, string? job, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT id, job, instance_id, scheduled_for, started_at, finished_at, status, detail::text
            FROM job_runs WHERE $1::text IS NULL OR job = $1 ORDER BY started_at DESC, id DESC LIMIT $2
            """);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)job ?? DBNull.Value);
        command.Parameters.AddWithValue(limit);
        var runs = new List<JobRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new JobRun(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDateTime(3), reader.GetDateTime(4),
                reader.IsDBNull(5) ? null : reader.GetDateTime(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : System.Text.Json.JsonDocument.Parse(reader.GetString(7)).RootElement.Clone()));
        }

        return runs;
    }
}
