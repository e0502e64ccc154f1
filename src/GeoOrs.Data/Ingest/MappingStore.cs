using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

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
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task.</returns>
    public static async Task SeedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        foreach (var mapping in BuiltIn)
        {
            await SaveAsync(dataSource, mapping, builtIn: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores a mapping under its name.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="mapping">A validated mapping.</param>
    /// <param name="builtIn">Whether it ships with GeoOrs.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task.</returns>
    public static async Task SaveAsync(NpgsqlDataSource dataSource, ColumnMapping mapping, bool builtIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(mapping);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO ingest_mappings (name, kind, definition, built_in) VALUES ($1, $2, $3::jsonb, $4)
            ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, definition = EXCLUDED.definition,
                built_in = EXCLUDED.built_in, updated_at = now()
            """);
        command.Parameters.AddWithValue(mapping.Name);
        command.Parameters.AddWithValue(mapping.Kind == EventKind.Overdoses ? "overdoses" : "seizures");
        command.Parameters.AddWithValue(JsonSerializer.Serialize(mapping, ColumnMapping.Json));
        command.Parameters.AddWithValue(builtIn);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a mapping for a caller: creates it owned by <paramref name="agency"/>, or replaces it
    /// when it is that agency's (an admin replaces any, keeping its owner). Built-in mappings are never replaced.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="mapping">A validated mapping.</param>
    /// <param name="agency">The caller's agency.</param>
    /// <param name="keyPrefix">The caller's key.</param>
    /// <param name="admin">Whether the caller is an admin.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What happened, and the mapping as stored when it was stored.</returns>
    public static async Task<(MappingChange Change, StoredMapping? Existing)> PutAsync(
        NpgsqlDataSource dataSource, ColumnMapping mapping, string? agency, string? keyPrefix, bool admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(mapping);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO ingest_mappings (name, kind, definition, built_in, owner_agency, key_prefix) VALUES ($1, $2, $3::jsonb, false, $4, $5)
            ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, definition = EXCLUDED.definition, key_prefix = EXCLUDED.key_prefix, updated_at = now()
            WHERE NOT ingest_mappings.built_in AND ($6 OR ingest_mappings.owner_agency = EXCLUDED.owner_agency)
            RETURNING owner_agency
            """);
        command.Parameters.AddWithValue(mapping.Name);
        command.Parameters.AddWithValue(mapping.Kind == EventKind.Overdoses ? "overdoses" : "seizures");
        command.Parameters.AddWithValue(JsonSerializer.Serialize(mapping, ColumnMapping.Json));
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)agency ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)keyPrefix ?? DBNull.Value);
        command.Parameters.AddWithValue(admin);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (MappingChange.Done, new StoredMapping(mapping, false, reader.IsDBNull(0) ? null : reader.GetString(0)));
            }
        }

        var existing = await FindStoredAsync(dataSource, mapping.Name, cancellationToken).ConfigureAwait(false);
        return (existing?.BuiltIn == true ? MappingChange.BuiltIn : MappingChange.NotOwner, existing);
    }

    /// <summary>Deletes a mapping for a caller: its owner's callers and admins may; built-in mappings stay.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="name">The mapping's name.</param>
    /// <param name="agency">The caller's agency.</param>
    /// <param name="admin">Whether the caller is an admin.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What happened, and the mapping when it was not deleted.</returns>
    public static async Task<(MappingChange Change, StoredMapping? Existing)> DeleteAsync(
        NpgsqlDataSource dataSource, string name, string? agency, bool admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "DELETE FROM ingest_mappings WHERE name = $1 AND NOT built_in AND ($3 OR owner_agency = $2)");
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)agency ?? DBNull.Value);
        command.Parameters.AddWithValue(admin);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            return (MappingChange.Done, null);
        }

        var existing = await FindStoredAsync(dataSource, name, cancellationToken).ConfigureAwait(false);
        return (existing is null ? MappingChange.NotFound : existing.BuiltIn ? MappingChange.BuiltIn : MappingChange.NotOwner, existing);
    }

    /// <summary>The mapping named <paramref name="name"/> with its owner, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The stored mapping.</returns>
    public static async Task<StoredMapping?> FindStoredAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT definition::text, built_in, owner_agency FROM ingest_mappings WHERE name = $1");
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredMapping(JsonSerializer.Deserialize<ColumnMapping>(reader.GetString(0), ColumnMapping.Json)!, reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    /// <summary>The mapping named <paramref name="name"/>, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The mapping.</returns>
    public static async Task<ColumnMapping?> FindAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT definition::text FROM ingest_mappings WHERE name = $1");
        command.Parameters.AddWithValue(name);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json
            ? JsonSerializer.Deserialize<ColumnMapping>(json, ColumnMapping.Json)
            : null;
    }

    /// <summary>Every stored mapping, by name.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The mappings.</returns>
    public static async Task<IReadOnlyList<ColumnMapping>> ListAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT definition::text FROM ingest_mappings ORDER BY name");
        var mappings = new List<ColumnMapping>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            mappings.Add(JsonSerializer.Deserialize<ColumnMapping>(reader.GetString(0), ColumnMapping.Json)!);
        }

        return mappings;
    }
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
