using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Alerts;

/// <summary>A webhook subscription: new alerts that match it are POSTed to its URL.</summary>
/// <param name="Id">The subscription's id.</param>
/// <param name="Url">Where alerts are POSTed (http or https).</param>
/// <param name="Agency">The agency that owns it.</param>
/// <param name="KeyPrefix">The key (or token subject) that made it.</param>
/// <param name="AreaKind">Only alerts of this kind of area (with <paramref name="AreaId"/>), or null for every area.</param>
/// <param name="AreaId">Only alerts of this area, or null.</param>
/// <param name="Methods">Only alerts of these methods; empty for every method.</param>
/// <param name="CreatedAt">When it was made (UTC).</param>
public sealed record Webhook(
    long Id, string Url, string? Agency, string? KeyPrefix, string? AreaKind, string? AreaId, IReadOnlyList<string> Methods, DateTime CreatedAt);

/// <summary>One alert's delivery to one webhook: a row of <c>webhook_outbox</c>.</summary>
/// <param name="Id">The row's id.</param>
/// <param name="AlertId">The alert's stable id.</param>
/// <param name="Attempts">The attempts made (or under way).</param>
/// <param name="NextAttemptAt">When it is next tried, while pending (UTC).</param>
/// <param name="DeliveredAt">When the receiver answered 2xx (UTC).</param>
/// <param name="FailedAt">When the last attempt failed (UTC).</param>
/// <param name="LastStatus">The receiver's last HTTP status, if it answered.</param>
/// <param name="LastError">Why the last attempt failed.</param>
public sealed record WebhookDelivery(
    long Id, string AlertId, int Attempts, DateTime NextAttemptAt, DateTime? DeliveredAt, DateTime? FailedAt, int? LastStatus, string? LastError)
{
    /// <summary><c>delivered</c>, <c>failed</c> or <c>pending</c>.</summary>
    public string Status => DeliveredAt is not null ? "delivered" : FailedAt is not null ? "failed" : "pending";
}

/// <summary>How many of a webhook's deliveries are in each state.</summary>
/// <param name="Pending">Not yet delivered and still to be tried.</param>
/// <param name="Delivered">Answered with 2xx.</param>
/// <param name="Failed">Given up after the last attempt.</param>
public sealed record WebhookDeliveryCounts(long Pending, long Delivered, long Failed);

/// <summary>Webhook subscriptions, owned by agencies.</summary>
public static class Webhooks
{
    /// <summary>The prefix of signing secrets.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>The longest URL taken.</summary>
    public const int MaxUrlLength = 2000;

    private const string Columns = "id, url, agency, key_prefix, area_kind, area_id, methods, created_at";

    /// <summary>A new signing secret: <c>whsec_</c> and 256 random bits in base64url.</summary>
    /// <returns>The secret.</returns>
    public static string NewSecret() =>
        SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Stores a subscription.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="url">Where alerts go.</param>
    /// <param name="secret">The signing secret.</param>
    /// <param name="agency">The owning agency.</param>
    /// <param name="keyPrefix">The key that made it.</param>
    /// <param name="areaKind">The area's kind, or null for every area.</param>
    /// <param name="areaId">The area's id, or null.</param>
    /// <param name="methods">The methods, or empty for all.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The subscription.</returns>
    public static async Task<Webhook> CreateAsync(
        NpgsqlDataSource dataSource, string url, string secret, string? agency, string? keyPrefix, string? areaKind, string? areaId,
        IReadOnlyList<string> methods, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(methods);
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO webhooks (url, secret, agency, key_prefix, area_kind, area_id, methods)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = url });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secret });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)agency ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)keyPrefix ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)areaKind ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)areaId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. methods] });
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).Single();
    }

    /// <summary>The subscriptions of an agency, or every one; newest first.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="agency">The agency, or null for all.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The subscriptions.</returns>
    public static async Task<IReadOnlyList<Webhook>> ListAsync(NpgsqlDataSource dataSource, string? agency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE $1::text IS NULL OR agency = $1 ORDER BY id DESC");
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)agency ?? DBNull.Value });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A subscription by its id, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The subscription.</returns>
    public static async Task<Webhook?> GetAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>Deletes a subscription and its outbox rows (a delivery under way still finishes).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>Whether it existed.</returns>
    public static async Task<bool> DeleteAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("DELETE FROM webhooks WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>A subscription's most recent deliveries (newest first) and its counts by state.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="webhookId">The subscription.</param>
    /// <param name="limit">The most deliveries returned.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The deliveries and the counts.</returns>
    public static async Task<(IReadOnlyList<WebhookDelivery> Recent, WebhookDeliveryCounts Counts)> DeliveriesAsync(
        NpgsqlDataSource dataSource, long webhookId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var batch = dataSource.CreateBatch();
        var recent = new NpgsqlBatchCommand("""
            SELECT id, alert_id, attempts, next_attempt_at, delivered_at, failed_at, last_status, last_error
            FROM webhook_outbox WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2
            """);
        recent.Parameters.Add(new NpgsqlParameter<long> { TypedValue = webhookId });
        recent.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var counts = new NpgsqlBatchCommand("""
            SELECT count(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL),
                   count(*) FILTER (WHERE delivered_at IS NOT NULL), count(*) FILTER (WHERE failed_at IS NOT NULL)
            FROM webhook_outbox WHERE webhook_id = $1
            """);
        counts.Parameters.Add(new NpgsqlParameter<long> { TypedValue = webhookId });
        batch.BatchCommands.Add(recent);
        batch.BatchCommands.Add(counts);
        var deliveries = new List<WebhookDelivery>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DateTime? At(int i) => reader.IsDBNull(i) ? null : reader.GetDateTime(i);
            deliveries.Add(new WebhookDelivery(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetDateTime(3), At(4), At(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (deliveries, new WebhookDeliveryCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
    }

    private static async Task<IReadOnlyList<Webhook>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var webhooks = new List<Webhook>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            webhooks.Add(new Webhook(
                reader.GetInt64(0), reader.GetString(1), Text(2), Text(3), Text(4), Text(5), reader.GetFieldValue<string[]>(6), reader.GetDateTime(7)));
        }

        return webhooks;
    }
}
