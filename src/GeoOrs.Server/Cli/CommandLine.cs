using GeoOrs.Data;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Migrations;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary>
/// The server binary's verbs: <c>serve</c> (the default) runs the web server; the others are
/// one-shot commands on the database named by <c>GEOORS_DB</c>.
/// </summary>
internal static class CommandLine
{
    private const string Usage = """
        usage: geoors <verb>
          serve [--demo] [--urls URL]   run the server
          migrate                       apply pending schema migrations
          boundaries load [DIR]         (re)load states, counties, population and HIDTA membership
          ingest overdoses|seizures FILE [--mapping NAME] [--mode skip-invalid] [--agency NAME]
          tiles sql LAYER Z [--from D] [--to D] [--drug X] [--fatal B]   a layer's tile SQL (for pgbench)
          tiles seed --layer L --maxzoom Z --out FILE.mbtiles [--minzoom N] [--from D] [--to D] [--drug X] [--fatal B]
                                        an MBTiles archive of a layer, for offline dashboards
          keys create --role ROLE --agency NAME [--note TEXT] | keys revoke PREFIX | keys list
          generate --overdoses N --seizures M --seed S --out DIR   synthetic events
          plan naloxone (--county FIPS | --hidta ID | --polygon FILE) --k N --radius M (--grid M | --candidates FILE) --out PREFIX
                                        naloxone sites covering the most overdoses, as GeoJSON and CSV
        """;

    /// <summary>True when the arguments name a one-shot verb rather than the server.</summary>
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && args[0] is not "serve" && !args[0].StartsWith('-');

    /// <summary>The arguments for the web host: without the verb, with <c>--demo</c> as configuration.</summary>
    public static string[] ServeArguments(string[] args) =>
        [.. args.SkipWhile(a => a == "serve").Select(a => a == "--demo" ? "--Demo:Enabled=true" : a)];

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            switch (args)
            {
                case ["migrate"]:
                    {
                        await using var dataSource = Open();
                        var applied = await Migrator.MigrateAsync(dataSource);
                        Console.WriteLine(applied.Count == 0 ? "the schema is up to date" : $"applied migrations {string.Join(", ", applied)}");
                        return 0;
                    }

                case ["boundaries", "load", .. var rest] when rest.Length <= 1:
                    {
                        var dir = rest.Length == 1 ? rest[0] : Path.Combine(GeoOrsPaths.Root(), "shapefiles");
                        await using var dataSource = Open();
                        await Migrator.MigrateAsync(dataSource);
                        var r = await BoundaryLoader.LoadAsync(dataSource, dir);
                        foreach (var warning in r.Warnings)
                        {
                            Console.Error.WriteLine($"warning: {warning}");
                        }

                        Console.WriteLine($"loaded {r.States} states, {r.Counties} counties, {r.Populations} population rows, " +
                                          $"{r.Hidtas} HIDTA regions ({r.Memberships} county memberships) from {Path.GetFullPath(dir)}");
                        return 0;
                    }

                case ["ingest", .. var rest]:
                    {
                        await using var dataSource = Open();
                        await Migrator.MigrateAsync(dataSource);
                        return await IngestCommand.RunAsync(dataSource, rest, JobsAsync);
                    }

                case ["tiles", "sql", var layer, var z, .. var rest]:
                    return TilesCommand.Sql(layer, z, rest);

                case ["tiles", "seed", .. var rest]:
                    return await TilesCommand.SeedAsync(rest, Open);

                case ["keys", .. var rest]:
                    {
                        await using var dataSource = Open();
                        await Migrator.MigrateAsync(dataSource);
                        return await KeysCommand.RunAsync(dataSource, rest);
                    }

                case ["generate", .. var rest]:
                    return await GenerateCommand.RunAsync(rest);

                case ["plan", "naloxone", .. var rest]:
                    {
                        await using var dataSource = Open();
                        await Migrator.MigrateAsync(dataSource);
                        return await PlanCommand.RunAsync(dataSource, rest);
                    }

                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NpgsqlException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"geoors: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// A client of the GeoOrs database's job storage, and the configuration a server would read
    /// (appsettings.json beside the binary, then <c>Section__Key</c> environment variables).
    /// </summary>
    private static async Task<(Hangfire.IBackgroundJobClient Client, IConfiguration Configuration)> JobsAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var scheduling = configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();
        Hangfire.GlobalConfigurationExtensions.UseLogProvider(SchedulingSetup.Serialization(Hangfire.GlobalConfiguration.Configuration),
            new HostLogProvider(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        var connectionString = Environment.GetEnvironmentVariable("GEOORS_DB")!;
        await using var dataSource = GeoOrsDataSource.Create(connectionString);
        await using (await Data.Jobs.JobRunLock.AcquireAsync(dataSource, SchedulingSetup.InstallLock, TimeSpan.FromMilliseconds(200)))
        {
            var storage = SchedulingSetup.Storage(connectionString, scheduling);
            return (new Hangfire.BackgroundJobClient(storage), configuration);
        }
    }

    private static NpgsqlDataSource Open() =>
        GeoOrsDataSource.Create(Environment.GetEnvironmentVariable("GEOORS_DB") is { Length: > 0 } db
            ? db
            : throw new ArgumentException("GEOORS_DB must name the PostGIS database (the geoors script sets it)"));
}
