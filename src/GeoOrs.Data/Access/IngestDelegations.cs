using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GeoOrs.Data.Access;

/// <summary>
/// Delegations: the agencies other than its own that an API key may submit events for, such as a
/// state EMS office forwarding the records of the services it collects from. Only admins grant them.
/// A delegated row keeps the agency it names; every batch that uses a delegation is audited.
/// </summary>
public static class IngestDelegations
{
    /// <summary>The most agencies one key may be delegated for.</summary>
    public const int MaxAgencies = 1000;

    /// <summary>The agencies a key may submit for besides its own.</summary>
    /// <param name="db">The database.</param>
    /// <param name="keyPrefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The agencies, in ordinal order.</returns>
    public static async Task<IReadOnlyList<string>> OfAsync(GeoOrsDbContext db, string keyPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.IngestDelegations.AsNoTracking()
            .Where(d => d.KeyPrefix == keyPrefix)
            .OrderBy(d => EF.Functions.Collate(d.Agency, "C"))
            .Select(d => d.Agency)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every key's delegations.</summary>
    /// <param name="db">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Key prefix → agencies, both in ordinal order.</returns>
    public static async Task<IReadOnlyDictionary<string, string[]>> ListAsync(GeoOrsDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.IngestDelegations.AsNoTracking().Select(d => new { d.KeyPrefix, d.Agency }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new SortedDictionary<string, string[]>(
            rows.GroupBy(r => r.KeyPrefix, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => r.Agency).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// Replaces a key's delegations with <paramref name="agencies"/> (none: the key submits for its own
    /// agency only), in one transaction; a delegation kept keeps who granted it and when.
    /// </summary>
    /// <param name="db">The database.</param>
    /// <param name="keyPrefix">The key's prefix.</param>
    /// <param name="agencies">The agencies it may submit for besides its own.</param>
    /// <param name="grantedBy">The admin's key prefix.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task.</returns>
    public static async Task ReplaceAsync(
        GeoOrsDbContext db, string keyPrefix, IEnumerable<string> agencies, string? grantedBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(agencies);
        var names = agencies.Select(a => a.Trim()).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        for (var attempt = 0; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await db.IngestDelegations.Where(d => d.KeyPrefix == keyPrefix && !names.Contains(d.Agency)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            var kept = await db.IngestDelegations.Where(d => d.KeyPrefix == keyPrefix).Select(d => d.Agency).ToListAsync(cancellationToken).ConfigureAwait(false);
            db.IngestDelegations.AddRange(names.Except(kept, StringComparer.Ordinal)
                .Select(a => new IngestDelegation { KeyPrefix = keyPrefix, Agency = a, GrantedBy = grantedBy }));
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DbUpdateException e) when (attempt == 0 && Upserts.IsUniqueViolation(e))
            {
                // Another admin granted one of them meanwhile: start again from what is there now.
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Withdraws every delegation of a key.</summary>
    /// <param name="db">The database.</param>
    /// <param name="keyPrefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>How many were withdrawn.</returns>
    public static async Task<int> DeleteAsync(GeoOrsDbContext db, string keyPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.IngestDelegations.Where(d => d.KeyPrefix == keyPrefix).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
