using GeoOrs.Data.Entities;
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
        await using var db = GeoOrsDbContext.Create(dataSource);
        Assert.Equal(("law_enforcement", agency), await GeoOrs.Data.Access.ApiKeys.FindAsync(db, key));
        Assert.Equal(0, await CommandLine.RunAsync(["keys", "revoke", prefix]));
        Assert.Null(await GeoOrs.Data.Access.ApiKeys.FindAsync(db, key));
        Assert.Equal(1, await CommandLine.RunAsync(["keys", "revoke", prefix]));
        Assert.Equal(2, await CommandLine.RunAsync(["keys", "create", "--role", "root", "--agency", agency]));
        Assert.Equal(2, await CommandLine.RunAsync(["keys", "create", "--role", "analyst"]));
        Assert.Equal(0, await CommandLine.RunAsync(["keys", "list"]));
    }
}

/// <summary>
/// The command line's parsing: every verb answers <c>--help</c> with its options; an unknown option, a
/// missing value or a value of the wrong type exits 2 with a message on stderr that names the option,
/// before anything is read or written.
/// </summary>
public class CommandLineParsingTests
{
    [Theory]
    [InlineData("serve", "--demo", "--urls")]
    [InlineData("migrate")]
    [InlineData("boundaries load", "<DIR>")]
    [InlineData("ingest", "<overdoses|seizures>", "<FILE>", "--mapping <NAME>", "--mode <all-or-nothing|skip-invalid>", "--agency <NAME>")]
    [InlineData("tiles sql", "<Z>", "counties", "--from <YYYY-MM-DD>", "--to <YYYY-MM-DD>", "--drug <DRUG>", "--fatal <true|false>", "--role <public|partner|analyst|law_enforcement|admin>", "--agency <NAME>")]
    [InlineData("tiles seed", "--layer <", "states", "> (REQUIRED)", "--maxzoom <Z> (REQUIRED)", "--minzoom <N>", "--out <FILE.mbtiles> (REQUIRED)", "--from", "--to", "--drug", "--fatal", "--role", "--agency")]
    [InlineData("keys create", "--role <partner|analyst|law_enforcement|admin> (REQUIRED)", "--agency <NAME> (REQUIRED)", "--note <TEXT>")]
    [InlineData("keys revoke", "<PREFIX>")]
    [InlineData("keys list")]
    [InlineData("generate", "--overdoses <N> (REQUIRED)", "--seizures <M> (REQUIRED)", "--seed <S> (REQUIRED)", "--out <DIR> (REQUIRED)", "--start <YYYY-MM-DD>", "--end <YYYY-MM-DD>", "--shapefiles <DIR>")]
    [InlineData("plan naloxone", "--county <FIPS>", "--hidta <ID>", "--polygon <FILE.geojson>", "--k <N>", "--radius <METRES>", "--grid <METRES>",
        "--candidates", "--existing", "--from", "--to", "--fatal-weight <W>", "--nonfatal-weight <W>", "--half-life <DAYS>", "--out <PREFIX> (REQUIRED)")]
    public async Task Help_of_every_verb_lists_its_options(string verb, params string[] listed)
    {
        foreach (var help in new[] { "--help", "-h" })
        {
            var (code, output, error) = await RunAsync([.. verb.Split(' '), help]);
            Assert.Equal(0, code);
            Assert.Equal("", error);
            Assert.Contains($"geoors {verb}", output, StringComparison.Ordinal);
            Assert.All(listed, option => Assert.Contains(option, output, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Help_without_a_verb_lists_every_verb()
    {
        var (code, output, _) = await RunAsync(["--help"]);
        Assert.Equal(0, code);
        Assert.All(new[] { "serve", "migrate", "boundaries", "ingest", "tiles", "keys", "generate", "plan", "brief" },
            verb => Assert.Matches($@"(?m)^\s+{verb}\b", output));
    }

    [Theory]
    [InlineData("--colour", "tiles", "seed", "--layer", "counties", "--maxzoom", "3", "--out", "/tmp/cli-x.mbtiles", "--colour", "red")]
    [InlineData("--colour", "tiles", "sql", "counties", "3", "--colour", "red")]
    [InlineData("--force", "ingest", "overdoses", "/tmp/cli-x.csv", "--force")]
    [InlineData("--expires", "keys", "create", "--role", "analyst", "--agency", "x", "--expires", "2030-01-01")]
    [InlineData("--rows", "generate", "--rows", "5", "--seizures", "1", "--seed", "1", "--out", "/tmp/cli-gen")]
    [InlineData("--budget", "plan", "naloxone", "--county", "56027", "--k", "1", "--budget", "9", "--out", "/tmp/cli-plan")]
    [InlineData("--all", "migrate", "--all")]
    [InlineData("extra", "keys", "list", "extra")]
    [InlineData("no-such-verb", "no-such-verb")]
    public async Task An_unknown_option_or_verb_exits_2_naming_it(string named, params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        AssertRefused(code, output, error, $"Unrecognized command or argument '{named}'");
    }

    [Theory]
    [InlineData("--drug", "tiles", "seed", "--layer", "counties", "--maxzoom", "3", "--out", "/tmp/cli-x.mbtiles", "--drug")]
    [InlineData("--role", "tiles", "sql", "counties", "3", "--role")]
    [InlineData("--agency", "ingest", "overdoses", "/tmp/cli-x.csv", "--agency")]
    [InlineData("--note", "keys", "create", "--role", "analyst", "--agency", "x", "--note")]
    [InlineData("--out", "generate", "--overdoses", "5", "--seizures", "1", "--seed", "1", "--out")]
    [InlineData("--out", "plan", "naloxone", "--county", "56027", "--k", "1", "--out")]
    public async Task An_option_without_its_value_exits_2_naming_it(string option, params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        AssertRefused(code, output, error, $"Required argument missing for option: '{option}'");
    }

    [Theory]
    [InlineData("--out", "tiles", "seed", "--layer", "counties", "--maxzoom", "3")]
    [InlineData("--agency", "keys", "create", "--role", "analyst")]
    [InlineData("--seed", "generate", "--overdoses", "5", "--seizures", "1", "--out", "/tmp/cli-gen")]
    public async Task A_required_option_left_out_exits_2_naming_it(string option, params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        AssertRefused(code, output, error, $"Option '{option}' is required");
    }

    [Theory]
    [InlineData("'abc' for option '--maxzoom'", "tiles", "seed", "--layer", "counties", "--maxzoom", "abc", "--out", "/tmp/cli-x.mbtiles")]
    [InlineData("'2.5' for option '--minzoom'", "tiles", "seed", "--layer", "counties", "--maxzoom", "3", "--minzoom", "2.5", "--out", "/tmp/cli-x.mbtiles")]
    [InlineData("Z must be a zoom from 0 to 24 (got 'three')", "tiles", "sql", "counties", "three")]
    [InlineData("Z must be a zoom from 0 to 24 (got '25')", "tiles", "sql", "counties", "25")]
    [InlineData("'overdose_events'", "tiles", "sql", "overdose_events", "3")]
    [InlineData("'superuser'", "tiles", "seed", "--layer", "counties", "--maxzoom", "3", "--out", "/tmp/cli-x.mbtiles", "--role", "superuser")]
    [InlineData("'heroin'", "ingest", "heroin", "/tmp/cli-x.csv")]
    [InlineData("'sometimes'", "ingest", "overdoses", "/tmp/cli-x.csv", "--mode", "sometimes")]
    [InlineData("'root'", "keys", "create", "--role", "root", "--agency", "x")]
    [InlineData("'many' for option '--overdoses'", "generate", "--overdoses", "many", "--seizures", "1", "--seed", "1", "--out", "/tmp/cli-gen")]
    [InlineData("--seed must not be negative (got -4)", "generate", "--overdoses", "5", "--seizures", "1", "--seed", "-4", "--out", "/tmp/cli-gen")]
    [InlineData("--end must be a date as YYYY-MM-DD (got '06/30/2025')", "generate", "--overdoses", "5", "--seizures", "1", "--seed", "1", "--out", "/tmp/cli-gen", "--end", "06/30/2025")]
    [InlineData("'two' for option '--k'", "plan", "naloxone", "--county", "56027", "--k", "two", "--out", "/tmp/cli-plan")]
    [InlineData("'far' for option '--radius'", "plan", "naloxone", "--county", "56027", "--radius", "far", "--out", "/tmp/cli-plan")]
    [InlineData("'heavy' for option '--fatal-weight'", "plan", "naloxone", "--county", "56027", "--fatal-weight", "heavy", "--out", "/tmp/cli-plan")]
    public async Task A_value_of_the_wrong_type_exits_2_naming_it(string named, params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        AssertRefused(code, output, error, named);
    }

    [Fact]
    public async Task A_refused_command_line_writes_nothing()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"cli-refused-{Guid.NewGuid():N}"));
        try
        {
            var (code, _, _) = await RunAsync(["generate", "--overdoses", "5", "--seizures", "x", "--seed", "1", "--out", Path.Combine(dir.FullName, "out")]);
            Assert.Equal(2, code);
            Assert.Empty(dir.GetFileSystemInfos());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(true, "migrate")]
    [InlineData(true, "tiles", "seed", "--layer", "counties")]
    [InlineData(true, "--help")]
    [InlineData(true, "serve", "--help")]
    [InlineData(false)]
    [InlineData(false, "serve")]
    [InlineData(false, "serve", "--demo")]
    [InlineData(false, "--urls", "http://127.0.0.1:5000")]
    public void Help_and_verbs_go_to_the_command_line_and_the_rest_to_the_server(bool command, params string[] args) =>
        Assert.Equal(command, CommandLine.IsCommand(args));

    private static void AssertRefused(int code, string output, string error, string named)
    {
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Contains("--help", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
