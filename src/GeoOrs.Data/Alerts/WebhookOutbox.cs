using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Alerts;

/// <summary>A claimed row of the outbox: one attempt at delivering one alert to one webhook.</summary>
/// <param name="Id">The outbox row.</param>
/// <param name="WebhookId">The subscription.</param>
/// <param name="Url">Where to POST.</param>
/// <param name="Secret">The subscription's signing secret.</param>
/// <param name="Attempt">This attempt's number, from 1.</param>
/// <param name="Alert">The alert.</param>
/// <param name="Change">The change of the alert's state this row delivers, or null when it delivers the alert itself.</param>
public sealed record OutboxItem(long Id, long WebhookId, string Url, string Secret, int Attempt, StoredAlert Alert, AlertStatusChange? Change = null);

/// <summary>
/// The webhook outbox as a work queue shared by every server. A server claims due rows with
/// <c>FOR UPDATE SKIP LOCKED</c> and, in the same statement, counts the attempt and moves the row's
/// next attempt past a lease: no other server sees the row as due while the attempt is under way,
/// and a server that dies mid-attempt leaves it to be tried again when the lease runs out.
/// </summary>
public static class WebhookOutbox
{
    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows (oldest due first) for one attempt each. Rows
    /// whose attempts are used up (their last attempt's server stopped before it recorded the
    /// result) are marked failed instead.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="limit">The most rows claimed.</param>
    /// <param name="lease">How long the rows stay claimed: longer than an attempt can take.</param>
    /// <param name="maxAttempts">The attempts a row gets.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The claimed rows with their alerts.</returns>
    public static async Task<IReadOnlyList<OutboxItem>> ClaimAsync(
        NpgsqlDataSource dataSource, int limit, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var batch = DeliveryRows.ClaimBatch(dataSource, "webhook_outbox", "d.id, d.webhook_id, d.alert_id, d.attempts, d.change", $"""
            SELECT o.id, o.webhook_id, w.url, w.secret, o.attempts, {AlertQuery.ColumnsOf("a")},
                   c.alert_id IS NOT NULL, {AlertResponses.ChangeAndAlertColumns}
            FROM claimed o JOIN webhooks w ON w.id = o.webhook_id JOIN alerts a ON a.id = o.alert_id
            LEFT JOIN alert_changes c ON o.change > 0 AND c.alert_id = o.alert_id AND c.change = o.change
            ORDER BY o.id
            """, limit, lease, maxAttempts);
        var items = new List<OutboxItem>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A change's columns follow the alert's and the flag that it is there: ReadChange reads them with the alert again.
            var flag = 5 + AlertResponses.AlertColumns;
            items.Add(new OutboxItem(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), AlertQuery.Read(reader, 5),
                reader.GetBoolean(flag) ? AlertResponses.ReadChange(reader, flag + 1) : null));
        }

        return items;
    }

    /// <summary>Records a delivery: the receiver answered 2xx.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The outbox row.</param>
    /// <param name="status">The receiver's status.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task.</returns>
    public static Task DeliveredAsync(NpgsqlDataSource dataSource, long id, int status, CancellationToken cancellationToken = default) =>
        DeliveryRows.DeliveredAsync(dataSource, "webhook_outbox", id, status, cancellationToken);

    /// <summary>Records a failed attempt: the row is tried again after <paramref name="retryAfter"/>, or, when that is null, marked failed.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The outbox row.</param>
    /// <param name="status">The receiver's status, or null when it did not answer.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="retryAfter">When to try again, from now; null to give up.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task.</returns>
    public static Task AttemptFailedAsync(
        NpgsqlDataSource dataSource, long id, int? status, string error, TimeSpan? retryAfter, CancellationToken cancellationToken = default) =>
        DeliveryRows.AttemptFailedAsync(dataSource, "webhook_outbox", id, status, error, retryAfter, cancellationToken);

    /// <summary>How long until the earliest pending row is due (zero or less when one is due now), or null when none is pending.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The time until the next row is due.</returns>
    public static Task<TimeSpan?> NextDueAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        DeliveryRows.NextDueAsync(dataSource, "webhook_outbox", cancellationToken);
}
