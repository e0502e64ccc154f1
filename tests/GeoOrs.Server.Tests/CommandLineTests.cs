using GeoOrs.Data;
using GeoOrs.Server.Cli;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>The server binary's one-shot verbs, run in process against the test database (GEOORS_DB).</summary>
public class CommandLineTests
{
    [Fact]
    public async Task Generate_then_ingest_stores_every_synthetic_row()
    {
        var dir = Directory.CreateTempSubdirectory("geoors-cli-");
        try
        {
            var seed = Random.Shared.Next(1_000_000, 2_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(0, await CommandLine.RunAsync(["generate", "--overdoses", "1500", "--seizures", "120", "--seed", seed,
                "--end", "2025-06-30", "--out", dir.FullName, "--shapefiles", PostGis.Shapefiles]));
            Assert.True(File.Exists(Path.Combine(dir.FullName, "synthetic.json")));

            Assert.Equal(0, await CommandLine.RunAsync(["ingest", "overdoses", Path.Combine(dir.FullName, "overdoses.csv")]));
            Assert.Equal(0, await CommandLine.RunAsync(["ingest", "seizures", Path.Combine(dir.FullName, "seizures.csv"), "--mode", "skip-invalid"]));

            await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
            await using var command = dataSource.CreateCommand("""
                SELECT (SELECT count(*) FROM overdose_events WHERE external_id LIKE $1),
                       (SELECT count(*) FROM seizure_events WHERE external_id LIKE $2)
                """);
            command.Parameters.AddWithValue($"syn-od-{seed}-%");
            command.Parameters.AddWithValue($"syn-sz-{seed}-%");
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(1500, reader.GetInt64(0));
            Assert.Equal(120, reader.GetInt64(1));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Ingest_of_an_invalid_file_fails_with_a_nonzero_exit_and_stores_nothing()
    {
        var file = Path.Combine(Path.GetTempPath(), $"geoors-bad-{Guid.NewGuid():N}.csv");
        var agency = "cli-" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(file, "external_id,occurred_at,lat,lon,fatal\nx1,2024-01-01T00:00:00Z,39.29,-76.61,false\nx2,yesterday,39.29,-76.61,false\n");
        try
        {
            Assert.Equal(1, await CommandLine.RunAsync(["ingest", "overdoses", file, "--agency", agency]));
            await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM overdose_events WHERE source_agency = $1");
            command.Parameters.AddWithValue(agency);
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("ingest")]
    [InlineData("ingest", "heroin", "x.csv")]
    [InlineData("ingest", "overdoses", "x.xlsx")]
    [InlineData("no-such-verb")]
    public async Task Bad_command_lines_exit_2(params string[] args) =>
        Assert.Equal(2, await CommandLine.RunAsync(args));
}

/// <summary><c>geoors keys</c> against the test database.</summary>
public class KeysCommandTests
{
    [Fact]
    public async Task Keys_are_created_listed_and_revoked_from_the_command_line()
    {
        var agency = "cli-keys-" + Guid.NewGuid().ToString("N")[..8];
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await CommandLine.RunAsync(["keys", "create", "--role", "law_enforcement", "--agency", agency]));
        }
        finally
        {
            Console.SetOut(original);
        }

        // Other tests may write to the console meanwhile: the key is the one line that looks like one.
        var key = Assert.Single(output.ToString().Split('\n').Select(l => l.Trim()), l => l.StartsWith("gok_", StringComparison.Ordinal));
        var prefix = key.Split('_')[1];
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        Assert.Equal(("law_enforcement", agency), await GeoOrs.Data.Access.ApiKeys.FindAsync(dataSource, key));
        Assert.Equal(0, await CommandLine.RunAsync(["keys", "revoke", prefix]));
        Assert.Null(await GeoOrs.Data.Access.ApiKeys.FindAsync(dataSource, key));
        Assert.Equal(1, await CommandLine.RunAsync(["keys", "revoke", prefix]));
        Assert.Equal(2, await CommandLine.RunAsync(["keys", "create", "--role", "root", "--agency", agency]));
        Assert.Equal(2, await CommandLine.RunAsync(["keys", "create", "--role", "analyst"]));
        Assert.Equal(0, await CommandLine.RunAsync(["keys", "list"]));
    }
}
