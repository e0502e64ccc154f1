using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Access;

/// <summary>
/// Delegations: the agencies other than its own that an API key may submit events for, such as a
/// state EMS office forwarding the records of the services it collects from. Only admins grant them.
/// A delegated row keeps the agency it names; every batch that uses a delegation is audited.
/// </summary>
public static class IngestDelegations
{
    /// <summary>The most agencies one key may be delegated for.</summary>
    public const int MaxAgencies = 1000;

    /// <summary>The agencies a key may submit for besides its own.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="keyPrefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The agencies, in ordinal order.</returns>
    public static async Task<IReadOnlyList<string>> OfAsync(NpgsqlDataSource dataSource, string keyPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT agency FROM ingest_delegations WHERE key_prefix = $1 ORDER BY agency COLLATE \"C\"");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = keyPrefix });
        var agencies = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            agencies.Add(reader.GetString(0));
        }

        return agencies;
    }

    /// <summary>Every key's delegations.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Key prefix → agencies, both in ordinal order.</returns>
    public static async Task<IReadOnlyDictionary<string, string[]>> ListAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT key_prefix, array_agg(agency ORDER BY agency COLLATE \"C\") FROM ingest_delegations GROUP BY key_prefix ORDER BY key_prefix COLLATE \"C\"");
        var all = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            all[reader.GetString(0)] = reader.GetFieldValue<string[]>(1);
        }

        return all;
    }

    /// <summary>Replaces a key's delegations with <paramref name="agencies"/> (none: the key submits for its own agency only).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="keyPrefix">The key's prefix.</param>
    /// <param name="agencies">The agencies it may submit for besides its own.</param>
    /// <param name="grantedBy">The admin's key prefix.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task.</returns>
    public static async Task ReplaceAsync(
        NpgsqlDataSource dataSource, string keyPrefix, IEnumerable<string> agencies, string? grantedBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(agencies);
        var names = agencies.Select(a => a.Trim()).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM ingest_delegations WHERE key_prefix = $1 AND agency <> ALL ($2::text[])")
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = keyPrefix }, new NpgsqlParameter<string[]> { TypedValue = names } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO ingest_delegations (key_prefix, agency, granted_by) SELECT $1, a, $3 FROM unnest($2::text[]) a
                ON CONFLICT (key_prefix, agency) DO NOTHING
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<string> { TypedValue = keyPrefix }, new NpgsqlParameter<string[]> { TypedValue = names },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)grantedBy ?? DBNull.Value },
                },
            });
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Withdraws every delegation of a key.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="keyPrefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>How many were withdrawn.</returns>
    public static async Task<int> DeleteAsync(NpgsqlDataSource dataSource, string keyPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("DELETE FROM ingest_delegations WHERE key_prefix = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = keyPrefix });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
