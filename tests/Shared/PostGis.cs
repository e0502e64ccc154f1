using GeoOrs.Data;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Migrations;
using Npgsql;

namespace GeoOrs.Tests;

/// <summary>
/// The real PostGIS every database test runs against, named by <c>GEOORS_DB</c> (<c>./geoors test</c>
/// starts one and sets it). A missing database fails the test; it never skips.
/// </summary>
internal static class PostGis
{
    private static readonly Lazy<Task<NpgsqlDataSource>> Prepared = new(PrepareAsync);

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("GEOORS_DB") is { Length: > 0 } db
            ? db
            : throw new InvalidOperationException("GEOORS_DB is not set: run the suite with ./geoors test, which starts PostGIS and sets it");

    /// <summary>The shared test database, migrated and with the repository's boundaries loaded (once per test run).</summary>
    public static Task<NpgsqlDataSource> DataSourceAsync() => Prepared.Value;

    /// <summary>The repository's root (the folder holding GeoOrs.sln).</summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string Shapefiles => Path.Combine(RepoRoot, "shapefiles");

    /// <summary>A new empty database for a test that needs one to itself; dropped when disposed.</summary>
    public static async Task<ScratchDatabase> CreateScratchDatabaseAsync()
    {
        var name = "geoors_scratch_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = GeoOrsDataSource.Create(ConnectionString))
        await using (var command = admin.CreateCommand($"CREATE DATABASE {name}"))
        {
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = false };
        return new ScratchDatabase(name, builder.ConnectionString);
    }

    private static async Task<NpgsqlDataSource> PrepareAsync()
    {
        var dataSource = GeoOrsDataSource.Create(ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        var (states, counties, withoutZone) = await BoundaryLoader.CountAsync(dataSource);
        if (states == 0 || counties == 0 || withoutZone > 0)
        {
            await BoundaryLoader.LoadAsync(dataSource, Shapefiles);
        }

        return dataSource;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GeoOrs.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (GeoOrs.sln) was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A throwaway database, dropped (with any connections still open) on dispose.</summary>
internal sealed class ScratchDatabase(string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = admin.CreateCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        await command.ExecuteNonQueryAsync();
    }
}
