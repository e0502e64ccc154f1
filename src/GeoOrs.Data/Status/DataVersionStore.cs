using Npgsql;

namespace GeoOrs.Data.Status;

/// <summary>
/// The versions of each kind of data (<c>data_versions</c>, bumped by <c>geoors_bump</c> in the
/// transaction that changes the data), and the <c>geoors_data</c> channel on which each bump and
/// other changes (sharing rules, alerts) are announced.
/// </summary>
public static class DataVersionStore
{
    /// <summary>The notification channel.</summary>
    public const string Channel = "geoors_data";

    /// <summary>Every kind's version.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Kind → version.</returns>
    public static async Task<IReadOnlyList<(string Kind, long Version)>> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT kind, version FROM data_versions");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<(string, long)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return versions;
    }

    /// <summary>Subscribes an open connection to the channel (its <c>Notification</c> event then fires while it waits).</summary>
    /// <param name="connection">A connection kept open for listening.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>A task.</returns>
    public static async Task ListenAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var listen = new NpgsqlCommand($"LISTEN {Channel}", connection);
        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
