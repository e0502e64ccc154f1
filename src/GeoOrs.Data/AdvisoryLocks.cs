using Npgsql;

namespace GeoOrs.Data;

/// <summary>PostgreSQL's session advisory locks, for work that one server of several does at a time.</summary>
public static class AdvisoryLocks
{
    /// <summary>Waits for the session lock <paramref name="key"/> on the connection; it is held until released or the session ends.</summary>
    /// <param name="connection">An open connection kept for as long as the lock is needed.</param>
    /// <param name="key">The lock.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task.</returns>
    public static async Task LockAsync(NpgsqlConnection connection, long key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection);
        acquire.Parameters.AddWithValue(key);
        await acquire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
