using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GeoOrs.Data.Briefs;

/// <summary>Agencies' subscriptions to areas' weekly briefs (<c>brief_subscriptions</c>, migration 0026).</summary>
public static class BriefSubscriptions
{
    /// <summary>Whether a county (FIPS), state (FIPS) or HIDTA region (id) of that id exists.</summary>
    /// <param name="db">The database.</param>
    /// <param name="kind">county, state or hidta.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Whether it exists.</returns>
    public static Task<bool> AreaExistsAsync(GeoOrsDbContext db, string kind, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return kind switch
        {
            "county" => db.Counties.AnyAsync(c => c.Geoid == id, cancellationToken),
            "state" => db.States.AnyAsync(s => s.Statefp == id, cancellationToken),
            _ => db.HidtaRegions.AnyAsync(h => h.Id == id, cancellationToken),
        };
    }

    /// <summary>How many subscriptions an agency holds.</summary>
    /// <param name="db">The database.</param>
    /// <param name="agency">The agency.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The count.</returns>
    public static Task<int> CountOfAsync(GeoOrsDbContext db, string agency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.BriefSubscriptions.CountAsync(s => s.Agency == agency, cancellationToken);
    }

    /// <summary>Whether the agency already has this area's brief for this audience sent to this URL.</summary>
    /// <param name="db">The database.</param>
    /// <param name="row">The subscription asked for (its agency, area, audience and URL are compared).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Whether one exists.</returns>
    public static Task<bool> ExistsAsync(GeoOrsDbContext db, BriefSubscriptionRow row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(row);
        return db.BriefSubscriptions.AnyAsync(
            s => s.Agency == row.Agency && s.AreaKind == row.AreaKind && s.AreaId == row.AreaId && s.Audience == row.Audience && s.Url == row.Url,
            cancellationToken);
    }

    /// <summary>Stores a subscription; its id and creation time are filled in.</summary>
    /// <param name="db">The database.</param>
    /// <param name="row">The subscription.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task.</returns>
    public static async Task AddAsync(GeoOrsDbContext db, BriefSubscriptionRow row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.BriefSubscriptions.Add(row);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subscriptions of one agency, or of every agency, in the order they were made.</summary>
    /// <param name="db">The database.</param>
    /// <param name="agency">The agency; null for all.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The subscriptions.</returns>
    public static Task<List<BriefSubscriptionRow>> ListAsync(GeoOrsDbContext db, string? agency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = db.BriefSubscriptions.AsNoTracking();
        rows = agency is null ? rows : rows.Where(s => s.Agency == agency);
        return rows.OrderBy(s => s.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Deletes a subscription of one agency, or of any agency.</summary>
    /// <param name="db">The database.</param>
    /// <param name="id">The subscription.</param>
    /// <param name="agency">The agency it must belong to; null for any.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>Whether one was deleted.</returns>
    public static async Task<bool> DeleteAsync(GeoOrsDbContext db, long id, string? agency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.BriefSubscriptions.Where(s => s.Id == id && (agency == null || s.Agency == agency)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
