using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Status;

/// <summary>What a streaming standby has replayed: whether it is one, and the end of the last WAL record it applied.</summary>
/// <param name="InRecovery">Whether the database is a standby (in recovery).</param>
/// <param name="Replayed">The end of the last record replayed (0 on a primary).</param>
public readonly record struct ReplayPosition(bool InRecovery, ulong Replayed);

/// <summary>
/// Positions in the primary's write-ahead log (LSNs, as 64-bit numbers): how far the primary has
/// written and how far a hot standby has replayed. A standby whose replayed position is at or past
/// the primary's position read after a commit holds that commit (docs/adr/0026-read-replica.md).
/// </summary>
public static class WalPositions
{
    /// <summary>The primary's current write position (<c>pg_current_wal_lsn()</c>).</summary>
    public const string CurrentSql = "SELECT pg_current_wal_lsn()";

    /// <summary>Whether the database is a standby, and its replayed position (<c>pg_last_wal_replay_lsn()</c>).</summary>
    public const string ReplaySql = "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn(), '0/0'::pg_lsn)";

    /// <summary>The primary's current write position, on an open connection (a listening one: notifications that came meanwhile are delivered too).</summary>
    /// <param name="connection">A connection to the primary.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The position.</returns>
    public static async Task<ulong> CurrentAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(CurrentSql, connection);
        return (ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The primary's current write position.</summary>
    /// <param name="dataSource">The primary.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The position.</returns>
    public static async Task<ulong> CurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(CurrentSql);
        return (ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>What a standby has replayed.</summary>
    /// <param name="dataSource">The standby.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>Whether it is in recovery, and its replayed position.</returns>
    public static async Task<ReplayPosition> ReplayAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(ReplaySql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ReplayPosition(reader.GetBoolean(0), (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(1));
    }

    /// <summary>A position as PostgreSQL writes it (<c>16/B374D848</c>).</summary>
    /// <param name="lsn">The position.</param>
    /// <returns>Its text.</returns>
    public static string Format(ulong lsn) => new NpgsqlLogSequenceNumber(lsn).ToString();

    /// <summary>Reads a position written as PostgreSQL writes it.</summary>
    /// <param name="text">The text.</param>
    /// <param name="lsn">The position.</param>
    /// <returns>Whether the text is a position.</returns>
    public static bool TryParse(string? text, out ulong lsn)
    {
        lsn = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 17 || !NpgsqlLogSequenceNumber.TryParse(text, out var parsed))
        {
            return false;
        }

        lsn = (ulong)parsed;
        return true;
    }
}
