using System.Text.Json;
using Npgsql;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// The named column mappings in <c>ingest_mappings</c>: the built-in ones (for the real files GeoOrs
/// knows, embedded under <c>Ingest/Mappings/</c>) and those senders store.
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
