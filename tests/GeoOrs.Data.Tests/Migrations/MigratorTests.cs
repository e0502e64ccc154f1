using GeoOrs.Data.Migrations;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Migrations;

public class MigratorTests
{
    [Fact]
    public async Task Fresh_database_gets_every_migration_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);

        var before = await Migrator.StatusAsync(dataSource);
        Assert.Empty(before.Applied);
        Assert.False(before.UpToDate);

        var first = await Migrator.MigrateAsync(dataSource);
        var second = await Migrator.MigrateAsync(dataSource);

        Assert.Equal(Migrator.All.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.True((await Migrator.StatusAsync(dataSource)).UpToDate);
    }

    [Fact]
    public async Task Servers_starting_together_apply_each_migration_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator.MigrateAsync(dataSource)));

        Assert.Equal(Migrator.All.Count, runs.Sum(r => r.Count));
    }

    [Fact]
    public async Task Every_geometry_column_has_a_gist_index()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT g.f_table_name || '.' || g.f_geometry_column
            FROM geometry_columns g
            WHERE g.f_table_schema = 'public'
              AND (SELECT relkind FROM pg_class WHERE oid = (g.f_table_schema || '.' || g.f_table_name)::regclass) = 'r' -- tables; views read theirs
              AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_am am ON am.oid = c.relam
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                WHERE i.indrelid = (g.f_table_schema || '.' || g.f_table_name)::regclass
                  AND a.attname = g.f_geometry_column AND am.amname = 'gist')
            """);
        var unindexed = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            unindexed.Add(reader.GetString(0));
        }

        Assert.Empty(unindexed);
    }

    [Fact]
    public async Task Tables_the_product_needs_exist()
    {
        var dataSource = await PostGis.DataSourceAsync();
        foreach (var table in new[] { "states", "counties", "county_population", "hidta_regions", "hidta_counties", "overdose_events", "seizure_events", "ingest_batches", "job_runs" })
        {
            await using var command = dataSource.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
            command.Parameters.AddWithValue(table);
            Assert.True((bool)(await command.ExecuteScalarAsync())!, $"table {table} is missing");
        }
    }

    [Fact]
    public async Task Changed_migration_after_it_was_applied_is_refused()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await using (var tamper = dataSource.CreateCommand("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator.MigrateAsync(dataSource));
        Assert.Contains("0001_boundaries", error.Message, StringComparison.Ordinal);
    }
}
