using System.Collections.Frozen;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GeoOrs.Data.Access;

/// <summary>
/// Agencies' sharing rules: an agency may restrict its own events to named partner agencies. A
/// restricted agency's events are hidden from every caller that is not the agency itself, one of its
/// partners or an admin — in points, clusters, event features and the aggregate counts alike.
/// </summary>
public sealed class SharingRules
{
    private readonly FrozenDictionary<string, FrozenSet<string>> _partners;

    private SharingRules(FrozenDictionary<string, FrozenSet<string>> partners) => _partners = partners;

    /// <summary>No agency restricts its events.</summary>
    public static SharingRules None { get; } = new(FrozenDictionary<string, FrozenSet<string>>.Empty);

    /// <summary>The restricted agencies and the partners each shares with.</summary>
    public IReadOnlyDictionary<string, FrozenSet<string>> Restricted => _partners;

    /// <summary>The agencies whose events a caller may not see, in ordinal order.</summary>
    /// <param name="role">The caller's role.</param>
    /// <param name="agency">The caller's agency (null for the public).</param>
    /// <returns>The hidden agencies.</returns>
    public IReadOnlyList<string> HiddenFrom(Role role, string? agency) => role == Role.Admin || _partners.Count == 0
        ? []
        : [.. _partners.Where(r => agency is null || (r.Key != agency && !r.Value.Contains(agency))).Select(r => r.Key).Order(StringComparer.Ordinal)];

    /// <summary>Reads the rules.</summary>
    /// <param name="db">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The rules.</returns>
    public static async Task<SharingRules> LoadAsync(GeoOrsDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.SharingRules.AsNoTracking().Select(r => new { r.Owner, r.Partner }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new SharingRules(rows.GroupBy(r => r.Owner, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(r => r.Partner).ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal));
    }

    /// <summary>
    /// Restricts an agency's events to the partners named (none: to the agency alone), replacing its
    /// rule, and bumps the event data versions in the same transaction so every cached tile drops;
    /// channel <c>geoors_data</c> hears <c>sharing</c> at commit, so every server reloads the rules.
    /// </summary>
    /// <param name="db">The database.</param>
    /// <param name="owner">The agency whose events are restricted.</param>
    /// <param name="partners">The agencies that may see them.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task.</returns>
    public static Task RestrictAsync(GeoOrsDbContext db, string owner, IEnumerable<string> partners, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partners);
        var names = partners.Select(p => p.Trim()).Where(p => p.Length > 0).Append(owner).Distinct(StringComparer.Ordinal).ToArray();
        return ChangeAsync(db, owner, names, cancellationToken);
    }

    /// <summary>Lifts an agency's restriction (its events are shared with every entitled role again).</summary>
    /// <param name="db">The database.</param>
    /// <param name="owner">The agency.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task.</returns>
    public static Task OpenAsync(GeoOrsDbContext db, string owner, CancellationToken cancellationToken = default) =>
        ChangeAsync(db, owner, [], cancellationToken);

    private static async Task ChangeAsync(GeoOrsDbContext db, string owner, string[] partners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        if (owner.Length > 200 || partners.Any(p => p.Length > 200))
        {
            throw new ArgumentException("agency names are at most 200 characters", nameof(owner));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await db.SharingRules.Where(r => r.Owner == owner).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.SharingRules.AddRange(partners.Select(p => new AgencySharingRule { Owner = owner, Partner = p }));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        await db.Database.ExecuteSqlAsync(
            $"SELECT geoors_bump('overdoses'), geoors_bump('seizures'), pg_notify('geoors_data', 'sharing')", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
