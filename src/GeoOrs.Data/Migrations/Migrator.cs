using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace GeoOrs.Data.Migrations;

/// <summary>One versioned SQL migration, embedded as <c>Migrations/NNNN_name.sql</c>.</summary>
/// <param name="Version">The number in the file name.</param>
/// <param name="Name">The rest of the file name.</param>
/// <param name="Sql">The SQL, run in one transaction.</param>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the SQL, so an edited migration that was already applied is noticed.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>Where the database stands against the migrations this build carries.</summary>
/// <param name="Applied">Versions recorded in <c>schema_migrations</c>.</param>
/// <param name="Expected">Versions this build carries.</param>
public sealed record MigrationStatus(IReadOnlyList<int> Applied, IReadOnlyList<int> Expected)
{
    /// <summary>Versions this build carries that the database has not applied.</summary>
    public IReadOnlyList<int> Pending => [.. Expected.Except(Applied)];

    /// <summary>True when every migration this build carries is applied.</summary>
    public bool UpToDate => Pending.Count == 0;
}

/// <summary>
/// Applies the embedded versioned SQL migrations in order, each recorded in <c>schema_migrations</c>.
/// All pending migrations run in one transaction under an advisory lock, so several servers starting
/// at once apply them exactly once and a failure leaves the schema as it was.
/// </summary>
public static class Migrator
{
    private const string Prefix = "GeoOrs.Data.Migrations.";
    private const long LockKey = 0x47656f4f72734d; // "GeoOrsM"

    /// <summary>The migrations this build carries, in version order.</summary>
    public static IReadOnlyList<Migration> All { get; } = Load();

    /// <summary>Applies every pending migration.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The versions applied by this call.</returns>
    /// <exception cref="InvalidOperationException">An applied migration's SQL has changed since.</exception>
    public static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            command.Parameters.AddWithValue(LockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, " +
            "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var applied = new Dictionary<int, string>();
        await using (var command = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied[reader.GetInt32(0)] = reader.GetString(1);
            }
        }

        var done = new List<int>();
        foreach (var migration in All)
        {
            if (applied.TryGetValue(migration.Version, out var checksum))
            {
                if (checksum != migration.Checksum)
                {
                    throw new InvalidOperationException(
                        $"migration {migration.Version:D4}_{migration.Name} was changed after it was applied; add a new migration instead");
                }

                continue;
            }

            // A migration may rewrite or recompute whole tables: no time limit.
            await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction) { CommandTimeout = 0 })
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction))
            {
                record.Parameters.AddWithValue(migration.Version);
                record.Parameters.AddWithValue(migration.Name);
                record.Parameters.AddWithValue(migration.Checksum);
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            done.Add(migration.Version);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Npgsql learnt the database's types on its first connection, perhaps before PostGIS existed
        // there (created by these migrations, or by another process's while this one waited for the
        // lock): reload them so that geometry maps to NetTopologySuite.
        await connection.ReloadTypesAsync(cancellationToken).ConfigureAwait(false);

        return done;
    }

    /// <summary>Reads which migrations the database has applied.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The status.</returns>
    public static async Task<MigrationStatus> StatusAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(array_agg(version ORDER BY version), '{}') FROM schema_migrations");
        int[] applied;
        try
        {
            applied = (int[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            applied = [];
        }

        return new MigrationStatus(applied, [.. All.Select(m => m.Version)]);
    }

    private static List<Migration> Load()
    {
        var migrations = new List<Migration>();
        foreach (var resource in SqlText.ResourceNames(Prefix))
        {
            var file = resource[Prefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file[..underscore], NumberStyles.None, CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, file[(underscore + 1)..], SqlText.Resource(resource)));
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }
}
