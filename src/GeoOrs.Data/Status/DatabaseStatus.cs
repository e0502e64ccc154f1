using Npgsql;

namespace GeoOrs.Data.Status;

/// <summary>The server's PostgreSQL and PostGIS versions (the PostGIS one null when the extension is missing).</summary>
/// <param name="ServerVersion">PostgreSQL's <c>server_version</c>.</param>
/// <param name="PostgisVersion">The installed <c>postgis</c> extension's version, or null.</param>
public sealed record DatabaseVersions(string ServerVersion, string? PostgisVersion);

/// <summary>How many boundaries are loaded.</summary>
/// <param name="States">States and equivalents.</param>
/// <param name="Counties">Counties and equivalents.</param>
/// <param name="HidtaRegions">HIDTA regions.</param>
public sealed record BoundaryCounts(long States, long Counties, long HidtaRegions);

/// <summary>What <c>/health</c> reads of the database.</summary>
public static class DatabaseStatus
{
    /// <summary>The PostgreSQL and PostGIS versions.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The versions.</returns>
    public static async Task<DatabaseVersions> VersionsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'postgis')");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new DatabaseVersions(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>How many states, counties and HIDTA regions are loaded.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The counts.</returns>
    public static async Task<BoundaryCounts> BoundaryCountsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM states), (SELECT count(*) FROM counties), (SELECT count(*) FROM hidta_regions)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new BoundaryCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
