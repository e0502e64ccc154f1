using System.Text.Json;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GeoOrs.Data.Ingest;

/// <summary>A stored mapping with who may change it.</summary>
/// <param name="Mapping">The mapping.</param>
/// <param name="BuiltIn">Whether it ships with GeoOrs (no one replaces or deletes it).</param>
/// <param name="Owner">The agency whose callers may replace and delete it; null for built-in mappings and those stored before owners were recorded (admins only).</param>
public sealed record StoredMapping(ColumnMapping Mapping, bool BuiltIn, string? Owner);

/// <summary>What became of a request to store or delete a mapping.</summary>
public enum MappingChange
{
    /// <summary>Stored (created or replaced) or deleted.</summary>
    Done,

    /// <summary>No mapping has that name (delete only).</summary>
    NotFound,

    /// <summary>The mapping ships with GeoOrs.</summary>
    BuiltIn,

    /// <summary>The mapping belongs to another agency (or to none, and the caller is not an admin).</summary>
    NotOwner,
}

/// <summary>
/// The named column mappings in <c>ingest_mappings</c>: the built-in ones (for the real files GeoOrs
/// knows, embedded under <c>Ingest/Mappings/</c>) and those senders store. A stored mapping belongs
/// to the agency that made it: any caller may read, use and copy it, only that agency's callers and
/// admins may replace or delete it.
/// </summary>
public static class MappingStore
{
    private const string Prefix = "GeoOrs.Data.Mappings.";

    /// <summary>The mappings this build carries.</summary>
    public static IReadOnlyList<ColumnMapping> BuiltIn { get; } =
        [.. SqlText.ResourceNames(Prefix).Select(name => Parse(SqlText.Resource(name)))];

    /// <summary>Reads a mapping from JSON and checks it.</summary>
    /// <param name="json">The mapping.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="MappingException">The JSON is not a valid mapping.</exception>
    public static ColumnMapping Parse(string json)
    {
        ColumnMapping? mapping;
        try
        {
            mapping = JsonSerializer.Deserialize<ColumnMapping>(json, ColumnMapping.Json);
        }
        catch (JsonException e)
        {
            throw new MappingException([$"not a mapping: {e.Message}"]);
        }

        if (mapping is null)
        {
            throw new MappingException(["the mapping is empty"]);
        }

        var errors = mapping.Validate();
        return errors.Count == 0 ? mapping : throw new MappingException(errors);
    }

    /// <summary>Stores the built-in mappings (replacing older versions of them).</summary>
    /// <param name="db">The database.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task.</returns>
    public static async Task SeedAsync(GeoOrsDbContext db, CancellationToken cancellationToken = default)
    {
        foreach (var mapping in BuiltIn)
        {
            await SaveAsync(db, mapping, builtIn: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores a mapping under its name.</summary>
    /// <param name="db">The database.</param>
    /// <param name="mapping">A validated mapping.</param>
    /// <param name="builtIn">Whether it ships with GeoOrs.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task.</returns>
    public static async Task SaveAsync(GeoOrsDbContext db, ColumnMapping mapping, bool builtIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(mapping);
        var (kind, definition) = (KindOf(mapping), JsonSerializer.Serialize(mapping, ColumnMapping.Json));
        await db.UpdateOrAddAsync(
            ct => db.ColumnMappings.Where(m => m.Name == mapping.Name).ExecuteUpdateAsync(
                m => m.SetProperty(x => x.Kind, kind).SetProperty(x => x.Definition, definition).SetProperty(x => x.BuiltIn, builtIn)
                    .SetProperty(x => x.UpdatedAt, _ => DateTimeOffset.UtcNow), ct),
            () => new ColumnMappingRow { Name = mapping.Name, Kind = kind, Definition = definition, BuiltIn = builtIn },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a mapping for a caller: creates it owned by <paramref name="agency"/>, or replaces it
    /// when it is that agency's (an admin replaces any, keeping its owner). Built-in mappings are never replaced.
    /// </summary>
    /// <param name="db">The database.</param>
    /// <param name="mapping">A validated mapping.</param>
    /// <param name="agency">The caller's agency.</param>
    /// <param name="keyPrefix">The caller's key.</param>
    /// <param name="admin">Whether the caller is an admin.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What happened, and the mapping as stored when it was stored.</returns>
    public static async Task<(MappingChange Change, StoredMapping? Existing)> PutAsync(
        GeoOrsDbContext db, ColumnMapping mapping, string? agency, string? keyPrefix, bool admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(mapping);
        var (kind, definition) = (KindOf(mapping), JsonSerializer.Serialize(mapping, ColumnMapping.Json));
        for (var attempt = 0; ; attempt++)
        {
            if (await FindStoredAsync(db, mapping.Name, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                if (existing.BuiltIn || !(admin || (agency is not null && existing.Owner == agency)))
                {
                    return (existing.BuiltIn ? MappingChange.BuiltIn : MappingChange.NotOwner, existing);
                }

                // Replaced only as it was read: not built in, and still its owner's.
                var owner = existing.Owner;
                var replaced = await db.ColumnMappings
                    .Where(m => m.Name == mapping.Name && !m.BuiltIn && m.OwnerAgency == owner)
                    .ExecuteUpdateAsync(
                        m => m.SetProperty(x => x.Kind, kind).SetProperty(x => x.Definition, definition).SetProperty(x => x.KeyPrefix, keyPrefix)
                            .SetProperty(x => x.UpdatedAt, _ => DateTimeOffset.UtcNow),
                        cancellationToken).ConfigureAwait(false);
                if (replaced > 0)
                {
                    return (MappingChange.Done, new StoredMapping(mapping, false, owner));
                }
            }
            else
            {
                var row = db.ColumnMappings.Add(new ColumnMappingRow
                {
                    Name = mapping.Name, Kind = kind, Definition = definition, OwnerAgency = agency, KeyPrefix = keyPrefix,
                });
                try
                {
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    return (MappingChange.Done, new StoredMapping(mapping, false, agency));
                }
                catch (DbUpdateException e) when (attempt < 3 && Upserts.IsUniqueViolation(e))
                {
                    // Another caller stored that name meanwhile: decide again against theirs.
                }
                finally
                {
                    row.State = EntityState.Detached;
                }
            }

            if (attempt >= 3)
            {
                throw new InvalidOperationException($"the mapping '{mapping.Name}' kept changing while it was stored");
            }
        }
    }

    /// <summary>Deletes a mapping for a caller: its owner's callers and admins may; built-in mappings stay.</summary>
    /// <param name="db">The database.</param>
    /// <param name="name">The mapping's name.</param>
    /// <param name="agency">The caller's agency.</param>
    /// <param name="admin">Whether the caller is an admin.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What happened, and the mapping when it was not deleted.</returns>
    public static async Task<(MappingChange Change, StoredMapping? Existing)> DeleteAsync(
        GeoOrsDbContext db, string name, string? agency, bool admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var deleted = await db.ColumnMappings
            .Where(m => m.Name == name && !m.BuiltIn && (admin || (agency != null && m.OwnerAgency == agency)))
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            return (MappingChange.Done, null);
        }

        var existing = await FindStoredAsync(db, name, cancellationToken).ConfigureAwait(false);
        return (existing is null ? MappingChange.NotFound : existing.BuiltIn ? MappingChange.BuiltIn : MappingChange.NotOwner, existing);
    }

    /// <summary>The mapping named <paramref name="name"/> with its owner, or null.</summary>
    /// <param name="db">The database.</param>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The stored mapping.</returns>
    public static async Task<StoredMapping?> FindStoredAsync(GeoOrsDbContext db, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var row = await db.ColumnMappings.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new StoredMapping(Definition(row.Definition), row.BuiltIn, row.OwnerAgency);
    }

    /// <summary>The mapping named <paramref name="name"/>, or null.</summary>
    /// <param name="db">The database.</param>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The mapping.</returns>
    public static async Task<ColumnMapping?> FindAsync(GeoOrsDbContext db, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var json = await db.ColumnMappings.AsNoTracking().Where(m => m.Name == name).Select(m => m.Definition)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return json is null ? null : Definition(json);
    }

    /// <summary>Every stored mapping, by name.</summary>
    /// <param name="db">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The mappings.</returns>
    public static async Task<IReadOnlyList<ColumnMapping>> ListAsync(GeoOrsDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var json = await db.ColumnMappings.AsNoTracking().OrderBy(m => m.Name).Select(m => m.Definition)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. json.Select(Definition)];
    }

    private static string KindOf(ColumnMapping mapping) => EventKindInfo.Of(mapping.Kind).Name;

    private static ColumnMapping Definition(string json) => JsonSerializer.Deserialize<ColumnMapping>(json, ColumnMapping.Json)!;
}

/// <summary>A column mapping that is not valid, with every reason.</summary>
public sealed class MappingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">What is wrong.</param>
    public MappingException(IReadOnlyList<string> errors)
        : base("invalid mapping: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>What is wrong.</summary>
    public IReadOnlyList<string> Errors { get; }
}
