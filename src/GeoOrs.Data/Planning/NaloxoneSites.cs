using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Planning;

/// <summary>A stored naloxone site.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Agency">The agency that listed it.</param>
/// <param name="Name">Its name.</param>
/// <param name="Lon">Longitude.</param>
/// <param name="Lat">Latitude.</param>
public sealed record NaloxoneSite(long Id, string Agency, string Name, double Lon, double Lat);

/// <summary>The naloxone sites agencies list (<c>naloxone_sites</c>): each agency replaces its own list at once.</summary>
public static class NaloxoneSites
{
    /// <summary>Replaces an agency's sites with <paramref name="sites"/>, in one transaction.</summary>
    /// <param name="db">The database.</param>
    /// <param name="agency">The agency.</param>
    /// <param name="sites">The new list (name, longitude, latitude).</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>A task.</returns>
    public static async Task ReplaceAsync(GeoOrsDbContext db, string agency, IReadOnlyList<PlanningSite> sites, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(sites);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await db.NaloxoneSites.Where(s => s.Agency == agency).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.NaloxoneSites.AddRange(sites.Select(s => new NaloxoneSiteRow
        {
            Agency = agency,
            Name = s.Name,
            Geom = new Point(s.Lon, s.Lat) { SRID = 4326 },
        }));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        db.ChangeTracker.Clear();
    }

    /// <summary>Every stored site, by agency and name.</summary>
    /// <param name="db">The database.</param>
    /// <param name="agency">Only this agency's, or null for all.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The sites.</returns>
    public static async Task<IReadOnlyList<NaloxoneSite>> ListAsync(GeoOrsDbContext db, string? agency = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.NaloxoneSites.AsNoTracking()
            .Where(s => agency == null || s.Agency == agency)
            .OrderBy(s => s.Agency).ThenBy(s => s.Name).ThenBy(s => s.Id)
            .Select(s => new NaloxoneSite(s.Id, s.Agency, s.Name, s.Geom.X, s.Geom.Y))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }
}
