using System.Security.Cryptography;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

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
/// <param name="AlertId">The alert's stable id; for a change of its state, the change's id (<c>ALERT_ID:CHANGE</c>).</param>
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

    /// <summary>A new signing secret: <c>whsec_</c> and 256 random bits in base64url.</summary>
    /// <returns>The secret.</returns>
    public static string NewSecret() =>
        SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Stores a subscription.</summary>
    /// <param name="db">The database.</param>
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
        GeoOrsDbContext db, string url, string secret, string? agency, string? keyPrefix, string? areaKind, string? areaId,
        IReadOnlyList<string> methods, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(methods);
        var row = db.Webhooks.Add(new WebhookRow
        {
            Url = url, Secret = secret, Agency = agency, KeyPrefix = keyPrefix, AreaKind = areaKind, AreaId = areaId, Methods = [.. methods],
        });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        row.State = EntityState.Detached;
        return Of(row.Entity);
    }

    /// <summary>The subscriptions of an agency, or every one; newest first.</summary>
    /// <param name="db">The database.</param>
    /// <param name="agency">The agency, or null for all.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The subscriptions.</returns>
    public static async Task<IReadOnlyList<Webhook>> ListAsync(GeoOrsDbContext db, string? agency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Webhooks.AsNoTracking()
            .Where(w => agency == null || w.Agency == agency)
            .OrderByDescending(w => w.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(Of)];
    }

    /// <summary>A subscription by its id, or null.</summary>
    /// <param name="db">The database.</param>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The subscription.</returns>
    public static async Task<Webhook?> GetAsync(GeoOrsDbContext db, long id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, cancellationToken).ConfigureAwait(false) is { } row ? Of(row) : null;
    }

    /// <summary>Deletes a subscription and its outbox rows (a delivery under way still finishes).</summary>
    /// <param name="db">The database.</param>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>Whether it existed.</returns>
    public static async Task<bool> DeleteAsync(GeoOrsDbContext db, long id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Webhooks.Where(w => w.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>A subscription's most recent deliveries (newest first) and its counts by state, as of one moment.</summary>
    /// <param name="db">The database.</param>
    /// <param name="webhookId">The subscription.</param>
    /// <param name="limit">The most deliveries returned.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The deliveries and the counts.</returns>
    public static async Task<(IReadOnlyList<WebhookDelivery> Recent, WebhookDeliveryCounts Counts)> DeliveriesAsync(
        GeoOrsDbContext db, long webhookId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);

        // One snapshot for both reads: a delivery failing between them would be pending in the list
        // and failed in the counts.
        await using var snapshot = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => d.WebhookId == webhookId);
        var recent = await deliveries.OrderByDescending(d => d.Id).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        var counts = await deliveries.GroupBy(d => d.WebhookId)
            .Select(g => new WebhookDeliveryCounts(
                g.LongCount(d => d.DeliveredAt == null && d.FailedAt == null), g.LongCount(d => d.DeliveredAt != null), g.LongCount(d => d.FailedAt != null)))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return ([.. recent.Select(d => new WebhookDelivery(
            d.Id, d.Change == 0 ? d.AlertId : d.AlertId + ":" + d.Change.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Attempts, d.NextAttemptAt.UtcDateTime, d.DeliveredAt?.UtcDateTime, d.FailedAt?.UtcDateTime, d.LastStatus, d.LastError))],
            counts ?? new WebhookDeliveryCounts(0, 0, 0));
    }

    private static Webhook Of(WebhookRow w) =>
        new(w.Id, w.Url, w.Agency, w.KeyPrefix, w.AreaKind, w.AreaId, w.Methods, w.CreatedAt.UtcDateTime);
}
