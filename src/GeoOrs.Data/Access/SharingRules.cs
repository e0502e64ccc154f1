using System.Collections.Frozen;
using Npgsql;

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
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The rules.</returns>
    public static async Task<SharingRules> LoadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var rows = new List<(string Owner, string Partner)>();
        await using var command = dataSource.CreateCommand("SELECT owner, partner FROM agency_sharing");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return new SharingRules(rows.GroupBy(r => r.Owner, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(r => r.Partner).ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal));
    }

    /// <summary>
    /// Restricts an agency's events to the partners named (none: to the agency alone), replacing its
    /// rule, and bumps the event data versions in the same transaction so every cached tile drops;
    /// channel <c>geoors_data</c> hears <c>sharing</c> at commit, so every server reloads the rules.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="owner">The agency whose events are restricted.</param>
    /// <param name="partners">The agencies that may see them.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task.</returns>
    public static Task RestrictAsync(NpgsqlDataSource dataSource, string owner, IEnumerable<string> partners, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partners);
        var names = partners.Select(p => p.Trim()).Where(p => p.Length > 0).Append(owner).Distinct(StringComparer.Ordinal).ToArray();
        return ChangeAsync(dataSource, owner, names, cancellationToken);
    }

    /// <summary>Lifts an agency's restriction (its events are shared with every entitled role again).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="owner">The agency.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task.</returns>
    public static Task OpenAsync(NpgsqlDataSource dataSource, string owner, CancellationToken cancellationToken = default) =>
        ChangeAsync(dataSource, owner, [], cancellationToken);

    private static async Task ChangeAsync(NpgsqlDataSource dataSource, string owner, string[] partners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        if (owner.Length > 200 || partners.Any(p => p.Length > 200))
        {
            throw new ArgumentException("agency names are at most 200 characters", nameof(owner));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM agency_sharing WHERE owner = $1") { Parameters = { new() { Value = owner } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO agency_sharing (owner, partner) SELECT $1, p FROM unnest($2::text[]) p")
            {
                Parameters = { new() { Value = owner }, new() { Value = partners } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT geoors_bump('overdoses'), geoors_bump('seizures'), pg_notify('geoors_data', 'sharing')"));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
