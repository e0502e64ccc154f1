using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Alerts;

/// <summary>
/// The statements of a table of deliveries that every server works through (<c>webhook_outbox</c>,
/// <c>brief_deliveries</c>): rows with <c>attempts</c>, <c>next_attempt_at</c>, <c>delivered_at</c>,
/// <c>failed_at</c>, <c>last_status</c> and <c>last_error</c>. A claim takes due rows
/// <c>FOR UPDATE SKIP LOCKED</c> and, in the same statement, counts the attempt and moves the next
/// attempt past a lease, so no other server sees them as due while the attempt is under way; rows
/// whose attempts ran out while claimed (their server stopped) are marked failed first.
/// </summary>
internal static class DeliveryRows
{
    /// <summary>
    /// The claim's two statements for <paramref name="table"/> (a constant, never input): the rows
    /// claimed are CTE <c>claimed</c>, whose columns <paramref name="returning"/> names with alias
    /// <c>d</c>; <paramref name="select"/> reads from it. $1 is the attempts allowed, $2 the limit, $3 the lease.
    /// </summary>
    public static NpgsqlBatch ClaimBatch(NpgsqlDataSource dataSource, string table, string returning, string select, int limit, TimeSpan lease, int maxAttempts)
    {
        var batch = dataSource.CreateBatch();
        var exhausted = new NpgsqlBatchCommand($"""
            UPDATE {table} SET failed_at = now(), last_error = coalesce(last_error || '; ', '') || 'the last attempt was cut off (the server stopped)'
            WHERE id IN (SELECT id FROM {table}
                         WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() AND attempts >= $1
                         FOR UPDATE SKIP LOCKED)
            """);
        exhausted.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxAttempts });
        var claim = new NpgsqlBatchCommand($"""
            WITH due AS (
                SELECT id FROM {table}
                WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() AND attempts < $1
                ORDER BY next_attempt_at, id
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            ),
            claimed AS (
                UPDATE {table} d SET attempts = d.attempts + 1, next_attempt_at = now() + $3
                FROM due WHERE d.id = due.id
                RETURNING {returning}
            )
            {select}
            """);
        claim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxAttempts });
        claim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        claim.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        batch.BatchCommands.Add(exhausted);
        batch.BatchCommands.Add(claim);
        return batch;
    }

    /// <summary>Records a delivery: the receiver answered 2xx.</summary>
    public static async Task DeliveredAsync(NpgsqlDataSource dataSource, string table, long id, int status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            $"UPDATE {table} SET delivered_at = now(), next_attempt_at = now(), last_status = $2, last_error = NULL WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = status });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records a failed attempt: tried again after <paramref name="retryAfter"/>, or, when that is null, marked failed.</summary>
    public static async Task AttemptFailedAsync(
        NpgsqlDataSource dataSource, string table, long id, int? status, string error, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(error);
        await using var command = dataSource.CreateCommand($"""
            UPDATE {table}
            SET last_status = $2, last_error = $3,
                next_attempt_at = CASE WHEN $4::interval IS NULL THEN now() ELSE now() + $4 END,
                failed_at = CASE WHEN $4::interval IS NULL THEN now() END
            WHERE id = $1 AND delivered_at IS NULL
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)status ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error.Length > 500 ? error[..500] : error });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = (object?)retryAfter ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long until the earliest pending row is due (zero or less when one is due now), or null when none is pending.</summary>
    public static async Task<TimeSpan?> NextDueAsync(NpgsqlDataSource dataSource, string table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"SELECT min(next_attempt_at) - now() FROM {table} WHERE delivered_at IS NULL AND failed_at IS NULL");
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is TimeSpan span ? span : null;
    }
}
