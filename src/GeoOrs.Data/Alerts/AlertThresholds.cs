using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GeoOrs.Data.Alerts;

/// <summary>An area's fixed daily threshold: its day alerts (method <c>threshold</c>) at this many overdoses or more.</summary>
/// <param name="AreaKind">county, hidta or county_neighbors.</param>
/// <param name="AreaId">The area.</param>
/// <param name="Threshold">The count.</param>
public sealed record AreaThreshold(string AreaKind, string AreaId, int Threshold);

/// <summary>The thresholds admins set (<c>alert_thresholds</c>), which the spike job applies.</summary>
public static class AlertThresholds
{
    /// <summary>Every threshold, by area.</summary>
    /// <param name="db">The entity model.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The thresholds.</returns>
    public static async Task<IReadOnlyList<AreaThreshold>> ListAsync(GeoOrsDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.AlertThresholds.AsNoTracking()
            .OrderBy(t => t.AreaKind).ThenBy(t => t.AreaId)
            .Select(t => new AreaThreshold(t.AreaKind, t.AreaId, t.Threshold))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets an area's threshold, where it has one, else adds it (two admins adding one area at once: one insert, then an update).</summary>
    /// <param name="db">The entity model.</param>
    /// <param name="threshold">The area and its count.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>A task.</returns>
    public static async Task SetAsync(GeoOrsDbContext db, AreaThreshold threshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(threshold);
        var (kind, id, count) = threshold;
        await db.UpdateOrAddAsync(
            ct => db.AlertThresholds.Where(t => t.AreaKind == kind && t.AreaId == id).ExecuteUpdateAsync(t => t.SetProperty(x => x.Threshold, count), ct),
            () => new AlertThreshold { AreaKind = kind, AreaId = id, Threshold = count },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes an area's threshold (nothing when it has none).</summary>
    /// <param name="db">The entity model.</param>
    /// <param name="kind">The area's kind.</param>
    /// <param name="id">The area.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task.</returns>
    public static async Task DeleteAsync(GeoOrsDbContext db, string kind, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.AlertThresholds.Where(t => t.AreaKind == kind && t.AreaId == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
