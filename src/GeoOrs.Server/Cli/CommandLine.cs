using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using GeoOrs.Data;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Migrations;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary>
/// The server binary's verbs: <c>serve</c> (the default) runs the web server; the others are
/// one-shot commands on the database named by <c>GEOORS_DB</c>. System.CommandLine parses them:
/// every verb answers <c>--help</c>, and an unknown option, a missing value or a value of the wrong
/// type exits 2 with a message on stderr that names the option.
/// </summary>
internal static class CommandLine
{
    /// <summary>The exit code of a command line that cannot be run as written.</summary>
    public const int Usage = 2;

    private static readonly string[] HelpNames = ["--help", "-h", "-?"];

    /// <summary>
    /// True when the arguments name a one-shot verb rather than the server, or ask for help
    /// (<c>--help</c> alone, or <c>serve --help</c>), which the command line answers without starting the host.
    /// </summary>
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && (args[0] is not "serve" && !args[0].StartsWith('-') || args.Any(a => HelpNames.Contains(a)));

    /// <summary>The arguments for the web host: without the verb, with <c>--demo</c> as configuration.</summary>
    public static string[] ServeArguments(string[] args) =>
        [.. args.SkipWhile(a => a == "serve").Select(a => a == "--demo" ? "--Demo:Enabled=true" : a)];

    /// <summary>Runs a one-shot verb, with help and parse errors on the console.</summary>
    /// <returns>The exit code: 0 done, 1 failed, 2 a command line that cannot be run as written.</returns>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>Runs a one-shot verb, with help written to <paramref name="output"/> and parse errors to <paramref name="error"/>.</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        // Arguments are taken as written: no @response files.
        var parse = Root().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Action is ParseErrorAction)
        {
            var verb = Path(parse.CommandResult);
            foreach (var message in parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal))
            {
                await error.WriteLineAsync($"{verb}: {message}");
            }

            await error.WriteLineAsync($"see '{verb} --help'");
            return Usage;
        }

        using var meters = Telemetry.CommandLineMeters(); // exported when the command ends, if an OTLP endpoint is set
        try
        {
            // The verbs handle Ctrl-C themselves (tiles seed leaves the archive alone), and their own errors.
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NpgsqlException or UnauthorizedAccessException or ArgumentException)
        {
            await error.WriteLineAsync($"geoors: {e.Message}");
            return 1;
        }
    }

    /// <summary>Every verb, under the program's own name (not the host's executable).</summary>
    internal static Command Root()
    {
        var root = new Command("geoors", "GeoOrs: geospatial analytics for overdose response. Without a verb, or with serve, it runs the server.")
        {
            new HelpOption(),
            Serve(),
            Migrate(),
            Boundaries(),
            IngestCommand.Create(),
            TilesCommand.Create(),
            KeysCommand.Create(),
            GenerateCommand.Create(),
            PlanCommand.Create(),
            BriefCommand.Create(),
        };
        return root;
    }

    /// <summary>The name of the verb that was parsed, as typed: <c>geoors tiles seed</c>.</summary>
    private static string Path(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>
    /// <c>serve</c> is run by Program.cs as the web host; the command line knows it only to describe it
    /// (<c>geoors serve --help</c>).
    /// </summary>
    private static Command Serve()
    {
        var serve = new Command("serve", "Run the web server (the default without a verb). Its configuration comes from appsettings.json, " +
                                         "Section__Key environment variables and --Section:Key=value arguments.")
        {
            new Option<bool>("--demo") { Description = "Load the demonstration data and serve it" },
            new Option<string>("--urls") { Description = "The addresses to listen on", HelpName = "URL" },
        };
        serve.TreatUnmatchedTokensAsErrors = false;
        serve.SetAction(async (parse, _) =>
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync("geoors serve: the server is started by the program itself, not by the command line");
            return Usage;
        });
        return serve;
    }

    private static Command Migrate()
    {
        var migrate = new Command("migrate", "Apply the pending schema migrations");
        migrate.SetAction(async (_, cancellationToken) =>
        {
            await using var dataSource = Open();
            var applied = await Migrator.MigrateAsync(dataSource, cancellationToken);
            Console.WriteLine(applied.Count == 0 ? "the schema is up to date" : $"applied migrations {string.Join(", ", applied)}");
            return 0;
        });
        return migrate;
    }

    private static Command Boundaries()
    {
        var dir = new Argument<string>("DIR")
        {
            Description = "The folder of the shapefiles and population files",
            DefaultValueFactory = _ => System.IO.Path.Combine(GeoOrsPaths.Root(), "shapefiles"),
        };
        var zones = Optional<string>("--time-zones",
            "A county time zone table (CSV with columns geoid and tz) to use instead of the folder's *timezones*.csv", "FILE");
        var load = new Command("load", "(Re)load the states, counties, population, county time zones and HIDTA membership") { dir, zones };
        load.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetRequiredValue(dir);
            await using var dataSource = Open();
            await Migrator.MigrateAsync(dataSource, cancellationToken);
            var r = await BoundaryLoader.LoadAsync(dataSource, folder, parse.GetValue(zones), cancellationToken);
            foreach (var warning in r.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }

            Console.WriteLine($"loaded {r.States} states, {r.Counties} counties, {r.Populations} population rows, " +
                              $"{r.Hidtas} HIDTA regions ({r.Memberships} county memberships) from {System.IO.Path.GetFullPath(folder)}, " +
                              $"time zones from {r.TimeZones}");
            if (r.ZonesChanged > 0)
            {
                Console.WriteLine($"{r.ZonesChanged} counties' time zones set or changed: {r.EventsRedated} stored events moved to another local day" +
                                  (r.EventsRedated > 0 ? "; aggregates and cluster cells rebuilt" : ""));
            }

            return 0;
        });
        return new Command("boundaries", "The boundary layers") { load };
    }

    /// <summary>Writes a verb's own usage error to stderr and gives the exit code for it.</summary>
    internal static int Refuse(string verb, string message)
    {
        Console.Error.WriteLine($"geoors {verb}: {message}");
        return Usage;
    }

    /// <summary>A required option with one value.</summary>
    internal static Option<T> Required<T>(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    /// <summary>An optional option with one value.</summary>
    internal static Option<T> Optional<T>(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName };

    /// <summary>Refuses a number below zero (a value that is not a number at all is the parser's own error).</summary>
    internal static Option<T> NotNegative<T>(this Option<T> option) where T : System.Numerics.INumber<T>
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens is [var token] && T.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out var value) && T.IsNegative(value))
            {
                r.AddError($"{option.Name} must not be negative (got {token.Value})");
            }
        });
        return option;
    }

    /// <summary>A date option read as YYYY-MM-DD only, whatever the culture.</summary>
    internal static Option<DateOnly?> Date(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "YYYY-MM-DD",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
            {
                return day;
            }

            r.AddError($"{name} must be a date as YYYY-MM-DD (got '{text}')");
            return null;
        },
    };

    /// <summary>
    /// A client of the GeoOrs database's job storage, and the configuration a server would read
    /// (appsettings.json beside the binary, then <c>Section__Key</c> environment variables).
    /// </summary>
    internal static async Task<(Hangfire.IBackgroundJobClient Client, IConfiguration Configuration)> JobsAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(System.IO.Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
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

    /// <summary>The database named by <c>GEOORS_DB</c>.</summary>
    internal static NpgsqlDataSource Open() =>
        GeoOrsDataSource.Create(Environment.GetEnvironmentVariable("GEOORS_DB") is { Length: > 0 } db
            ? db
            : throw new ArgumentException("GEOORS_DB must name the PostGIS database (the geoors script sets it)"));
}
