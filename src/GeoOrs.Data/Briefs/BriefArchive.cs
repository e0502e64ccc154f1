using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Briefs;

/// <summary>A brief as archived, without its bytes.</summary>
/// <param name="Id">The archived brief.</param>
/// <param name="AreaKind">county, hidta or state.</param>
/// <param name="AreaId">The area's id.</param>
/// <param name="AreaName">The area's name.</param>
/// <param name="Audience">public or partner.</param>
/// <param name="Agency">The partner agency whose view it was made with; null for the public's.</param>
/// <param name="Period">week, month or custom.</param>
/// <param name="From">The window's first day.</param>
/// <param name="To">The window's last day.</param>
/// <param name="MadeAt">When it was made.</param>
/// <param name="DataVersions">The data versions it was made from.</param>
public sealed record ArchivedBrief(
    long Id, string AreaKind, string AreaId, string AreaName, string Audience, string? Agency, string Period,
    DateOnly From, DateOnly To, DateTime MadeAt, IReadOnlyDictionary<string, long> DataVersions);

/// <summary>A claimed brief delivery: one attempt at POSTing one brief's link to one subscription's URL.</summary>
/// <param name="Id">The delivery.</param>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="Url">Where to POST.</param>
/// <param name="Secret">The subscription's signing secret.</param>
/// <param name="Attempt">This attempt's number, from 1.</param>
/// <param name="Brief">The brief.</param>
public sealed record BriefDeliveryItem(long Id, long SubscriptionId, string Url, string Secret, int Attempt, ArchivedBrief Brief);

/// <summary>
/// The archive of briefs made for subscriptions (<c>briefs</c>, migration 0026) and their deliveries
/// (<c>brief_deliveries</c>): a work queue every server claims from with <c>FOR UPDATE SKIP LOCKED</c>
/// and a lease, as the alerts' webhook outbox (<see cref="Alerts.WebhookOutbox"/>).
/// </summary>
public static class BriefArchive
{
    private const string Columns = "b.id, b.area_kind, b.area_id, b.area_name, b.audience, b.agency, b.period, b.window_from, b.window_to, b.made_at, b.data_versions::text";

    /// <summary>
    /// Stores a brief unless the same one (area, audience, agency, window) is archived already; either
    /// way returns the archived one's id.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="brief">What it is.</param>
    /// <param name="pdf">The PDF.</param>
    /// <param name="html">The HTML.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The id, and whether this call stored it.</returns>
    public static async Task<(long Id, bool Stored)> StoreAsync(NpgsqlDataSource dataSource, ArchivedBrief brief, byte[] pdf, byte[] html, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(brief);
        await using var command = dataSource.CreateCommand("""
            WITH stored AS (
                INSERT INTO briefs (area_kind, area_id, area_name, audience, agency, period, window_from, window_to, made_at, data_versions, pdf, html)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
                ON CONFLICT DO NOTHING
                RETURNING id
            )
            SELECT id, true FROM stored
            UNION ALL
            SELECT id, false FROM briefs
            WHERE area_kind = $1 AND area_id = $2 AND audience = $4 AND coalesce(agency, '') = coalesce($5, '') AND window_from = $7 AND window_to = $8
            LIMIT 1
            """);
        command.Parameters.AddWithValue(brief.AreaKind);
        command.Parameters.AddWithValue(brief.AreaId);
        command.Parameters.AddWithValue(brief.AreaName);
        command.Parameters.AddWithValue(brief.Audience);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)brief.Agency ?? DBNull.Value });
        command.Parameters.AddWithValue(brief.Period);
        command.Parameters.AddWithValue(brief.From);
        command.Parameters.AddWithValue(brief.To);
        command.Parameters.AddWithValue(new DateTimeOffset(brief.MadeAt, TimeSpan.Zero));
        command.Parameters.AddWithValue(JsonSerializer.Serialize(brief.DataVersions));
        command.Parameters.AddWithValue(pdf);
        command.Parameters.AddWithValue(html);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Stored by another making between this one's insert and its look: the insert's snapshot missed it.
            throw new InvalidOperationException("the brief was neither stored nor found; try again");
        }

        return (reader.GetInt64(0), reader.GetBoolean(1));
    }

    /// <summary>The id of an archived brief of the area, audience, agency and window, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="areaKind">county, hidta or state.</param>
    /// <param name="areaId">The area's id.</param>
    /// <param name="audience">public or partner.</param>
    /// <param name="agency">The partner agency, or null for the public.</param>
    /// <param name="from">The window's first day.</param>
    /// <param name="to">The window's last day.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The id.</returns>
    public static async Task<long?> FindAsync(
        NpgsqlDataSource dataSource, string areaKind, string areaId, string audience, string? agency, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM briefs
            WHERE area_kind = $1 AND area_id = $2 AND audience = $3 AND coalesce(agency, '') = coalesce($4, '') AND window_from = $5 AND window_to = $6
            """);
        command.Parameters.AddWithValue(areaKind);
        command.Parameters.AddWithValue(areaId);
        command.Parameters.AddWithValue(audience);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)agency ?? DBNull.Value });
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long id ? id : null;
    }

    /// <summary>An archived brief and the bytes of one format (<c>pdf</c> or <c>html</c>), or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The archived brief.</param>
    /// <param name="format">pdf or html.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The brief and its bytes.</returns>
    public static async Task<(ArchivedBrief Brief, byte[] Bytes)?> ReadAsync(NpgsqlDataSource dataSource, long id, string format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"SELECT {Columns}, {(format == "pdf" ? "b.pdf" : "b.html")} FROM briefs b WHERE b.id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (Read(reader, 0), reader.GetFieldValue<byte[]>(11)) : null;
    }

    /// <summary>Queues a brief's delivery to a subscription, once.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="briefId">The archived brief.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>Whether it was queued now (false: it was already).</returns>
    public static async Task<bool> EnqueueAsync(NpgsqlDataSource dataSource, long subscriptionId, long briefId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO brief_deliveries (subscription_id, brief_id) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(subscriptionId);
        command.Parameters.AddWithValue(briefId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries for one attempt each, moving each one's
    /// next attempt past the lease; deliveries whose attempts are used up are marked failed.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="limit">The most claimed.</param>
    /// <param name="lease">How long they stay claimed.</param>
    /// <param name="maxAttempts">The attempts a delivery gets.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The claimed deliveries.</returns>
    public static async Task<IReadOnlyList<BriefDeliveryItem>> ClaimAsync(
        NpgsqlDataSource dataSource, int limit, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var batch = Alerts.DeliveryRows.ClaimBatch(dataSource, "brief_deliveries", "d.id, d.subscription_id, d.brief_id, d.attempts", $"""
            SELECT c.id, c.subscription_id, s.url, s.secret, c.attempts, {Columns}
            FROM claimed c
            JOIN brief_subscriptions s ON s.id = c.subscription_id
            JOIN briefs b ON b.id = c.brief_id
            ORDER BY c.id
            """, limit, lease, maxAttempts);
        var items = new List<BriefDeliveryItem>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new BriefDeliveryItem(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), Read(reader, 5)));
        }

        return items;
    }

    /// <summary>Records a delivery: the receiver answered 2xx.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The delivery.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task.</returns>
    public static Task DeliveredAsync(NpgsqlDataSource dataSource, long id, int status, CancellationToken cancellationToken = default) =>
        Alerts.DeliveryRows.DeliveredAsync(dataSource, "brief_deliveries", id, status, cancellationToken);

    /// <summary>Records a failed attempt: tried again after <paramref name="retryIn"/>, or failed for good when it is null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The delivery.</param>
    /// <param name="status">The HTTP status, if there was an answer.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="retryIn">When to try again, or null to give up.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task.</returns>
    public static Task AttemptFailedAsync(NpgsqlDataSource dataSource, long id, int? status, string error, TimeSpan? retryIn, CancellationToken cancellationToken = default) =>
        Alerts.DeliveryRows.AttemptFailedAsync(dataSource, "brief_deliveries", id, status, error, retryIn, cancellationToken);

    /// <summary>How long until the next delivery falls due (zero or less when one is due), or null when none waits.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The wait.</returns>
    public static Task<TimeSpan?> NextDueAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        Alerts.DeliveryRows.NextDueAsync(dataSource, "brief_deliveries", cancellationToken);

    private static ArchivedBrief Read(NpgsqlDataReader reader, int at) => new(
        reader.GetInt64(at), reader.GetString(at + 1), reader.GetString(at + 2), reader.GetString(at + 3), reader.GetString(at + 4),
        reader.IsDBNull(at + 5) ? null : reader.GetString(at + 5), reader.GetString(at + 6),
        reader.GetFieldValue<DateOnly>(at + 7), reader.GetFieldValue<DateOnly>(at + 8), reader.GetDateTime(at + 9),
        JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(at + 10))!);
}
