using Npgsql;

namespace GeoOrs.Data.Jobs;

/// <summary>The per-county event totals (<c>county_event_totals</c>), refreshed by the aggregate job.</summary>
public static class CountyTotals
{
    /// <summary>Refreshes the totals (concurrently: readers keep the old ones until it commits) and sums them.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    public static async Task<(long Counties, long Overdoses, long Seizures)> RefreshAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var refresh = new NpgsqlCommand("REFRESH MATERIALIZED VIEW CONCURRENTLY county_event_totals", connection))
        {
            refresh.CommandTimeout = 600;
            await refresh.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var totals = new NpgsqlCommand(
            "SELECT count(*), coalesce(sum(overdoses), 0)::bigint, coalesce(sum(seizures), 0)::bigint FROM county_event_totals", connection);
        await using var reader = await totals.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
