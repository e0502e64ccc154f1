using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Access;

/// <summary>One read or export of point-level data.</summary>
/// <param name="KeyPrefix">The caller's key prefix (or <c>cli</c>, or null for a token without one).</param>
/// <param name="Role">The caller's role.</param>
/// <param name="Agency">The caller's agency.</param>
/// <param name="Endpoint">What was read: the method and path, or the command.</param>
/// <param name="Detail">The parameters: a query string, a tile, a collection.</param>
/// <param name="Bbox">The area read (west, south, east, north), when it had one.</param>
/// <param name="Ids">The events' ids, when few were read.</param>
/// <param name="RowCount">How many events (or clusters) were returned.</param>
public sealed record AuditEntry(
    string? KeyPrefix, Role Role, string? Agency, string Endpoint, string? Detail, double[]? Bbox, long[]? Ids, int RowCount)
{
    /// <summary>When it happened (UTC).</summary>
    public DateTime At { get; init; } = DateTime.UtcNow;

    /// <summary>The row's id.</summary>
    public long Id { get; init; }

    /// <summary>The agency a write was made for when it is not the caller's own (an admin's or a delegated key's ingest), else null.</summary>
    public string? ActingFor { get; init; }
}

/// <summary>The audit log of point-level reads and exports, written before the data leaves the server.</summary>
public static class AuditLog
{
    /// <summary>The most ids one entry keeps; larger reads keep only their count.</summary>
    public const int MaxIds = 1000;

    /// <summary>Writes entries in one binary COPY (what a server queued since its last write).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="entries">The entries, in the order they happened.</param>
    /// <param name="cancellationToken">Cancels the copy (nothing is written then).</param>
    /// <returns>A task.</returns>
    public static async Task WriteManyAsync(NpgsqlDataSource dataSource, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await WriteManyAsync(connection, entries, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes entries through an open connection, inside its transaction if one is under way (so they commit with the write they record).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="entries">The entries.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>A task.</returns>
    public static async Task WriteManyAsync(NpgsqlConnection connection, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(entries);
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY audit_log (at, key_prefix, role, agency, endpoint, detail, bbox, ids, row_count, acting_for) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(entry.At, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, entry.KeyPrefix, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(Roles.Name(entry.Role), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, entry.Agency, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(Truncate(entry.Endpoint)!, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, Truncate(entry.Detail), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, entry.Bbox, NpgsqlDbType.Array | NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, entry.Ids is { Length: <= MaxIds } ids ? ids : null, NpgsqlDbType.Array | NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(entry.RowCount, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, entry.ActingFor, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where T : class =>
        value is null ? writer.WriteNullAsync(cancellationToken) : writer.WriteAsync(value, type, cancellationToken);

    /// <summary>Entries, newest first.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="since">Only entries at or after this time, or null.</param>
    /// <param name="keyPrefix">Only this key's entries, or null.</param>
    /// <param name="agency">Only this agency's entries, or null.</param>
    /// <param name="limit">The most entries returned.</param>
    /// <param name="actingFor">Only the writes made for this agency, or null.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The entries.</returns>
    public static async Task<IReadOnlyList<AuditEntry>> ListAsync(
        NpgsqlDataSource dataSource, DateTimeOffset? since, string? keyPrefix, string? agency, int limit, string? actingFor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, at, key_prefix, role, agency, endpoint, detail, bbox, ids, row_count, acting_for FROM audit_log
            WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::text IS NULL OR key_prefix = $2) AND ($3::text IS NULL OR agency = $3)
              AND ($5::text IS NULL OR acting_for = $5)
            ORDER BY id DESC LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)since ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)keyPrefix ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)agency ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<int>() { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)actingFor ?? DBNull.Value });
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            Roles.TryParse(reader.GetString(3), out var role);
            entries.Add(new AuditEntry(
                reader.IsDBNull(2) ? null : reader.GetString(2), role, reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<double[]>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<long[]>(8), reader.GetInt32(9))
            {
                Id = reader.GetInt64(0),
                At = reader.GetDateTime(1),
                ActingFor = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
        }

        return entries;
    }

    private static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] : text;
}
