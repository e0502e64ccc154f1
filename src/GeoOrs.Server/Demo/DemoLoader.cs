using GeoOrs.Data;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Hotspots;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Synthetic;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Demo;

/// <summary>The demo (section <c>Demo</c>; <c>./geoors serve --demo</c> turns it on).</summary>
internal sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Load the demo data once, in the background, after the server starts.</summary>
    public bool Enabled { get; set; }

    /// <summary>Synthetic overdoses to add to the real files.</summary>
    public int SyntheticOverdoses { get; set; } = 200_000;

    /// <summary>Synthetic seizures.</summary>
    public int SyntheticSeizures { get; set; } = 20_000;
}

/// <summary>Registers the demo loader when <c>Demo:Enabled</c> is set.</summary>
internal static class DemoSetup
{
    public static IHostApplicationBuilder AddGeoOrsDemo(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        if (builder.Configuration.GetValue<bool>($"{DemoOptions.Section}:Enabled"))
        {
            builder.Services.AddHostedService<DemoLoader>();
        }

        return builder;
    }
}

/// <summary>
/// Loads the demo data once per database: the real Tempe EMS calls and Allegheny County deaths
/// (through their built-in mappings) and a synthetic national set, labelled as such. Each file is
/// one ingest batch whose sender is <c>demo:NAME</c>; a file whose batch has committed is not loaded again.
/// </summary>
internal sealed class DemoLoader(
    NpgsqlDataSource dataSource, IDbContextFactory<GeoOrsDbContext> entities, IOptions<DemoOptions> options, IOptions<BoundariesOptions> boundaries, TimeProvider clock, IServiceProvider services,
    ILogger<DemoLoader> logger)
    : BackgroundService
{
    private const long LockKey = 0x47656f4f72734400; // "GeoOrsD"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
            await AdvisoryLocks.LockAsync(connection, LockKey, stoppingToken); // one server loads; the others wait, then find it done

            var demo = Path.Combine(AppContext.BaseDirectory, "Demo");
            await LoadFileAsync("tempe", EventKind.Overdoses, Path.Combine(demo, "tempe_opioid_ems_calls.csv"), "tempe-ems", stoppingToken);
            await LoadFileAsync("allegheny", EventKind.Overdoses, Path.Combine(demo, "allegheny_fatal_accidental_overdoses.csv"), "allegheny-fatal-overdoses", stoppingToken);
            if (!await LoadedAsync("synthetic-overdoses", stoppingToken) || !await LoadedAsync("synthetic-seizures", stoppingToken))
            {
                var dir = Directory.CreateTempSubdirectory("geoors-demo-");
                try
                {
                    var o = options.Value;
                    var synthetic = Synthetic(o, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-1), GeoOrsPaths.Shapefiles(boundaries.Value));
                    logger.LogInformation("Demo: generating {Overdoses} synthetic overdoses and {Seizures} seizures", o.SyntheticOverdoses, o.SyntheticSeizures);
                    await using (var overdoses = new StreamWriter(Path.Combine(dir.FullName, "overdoses.csv")))
                    await using (var seizures = new StreamWriter(Path.Combine(dir.FullName, "seizures.csv")))
                    {
                        SyntheticEvents.Generate(synthetic, overdoses, seizures, stoppingToken).WriteJson(Path.Combine(dir.FullName, "synthetic.json"));
                    }

                    await LoadFileAsync("synthetic-overdoses", EventKind.Overdoses, Path.Combine(dir.FullName, "overdoses.csv"), null, stoppingToken);
                    await LoadFileAsync("synthetic-seizures", EventKind.Seizures, Path.Combine(dir.FullName, "seizures.csv"), null, stoppingToken);
                }
                finally
                {
                    dir.Delete(recursive: true);
                }
            }

            logger.LogInformation("Demo data is loaded");
            await AnalyseOnceAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the file being generated is deleted, the batch being loaded rolled back (its
            // record says it ended early), and both are done again at the next start.
            logger.LogInformation("Demo: loading stopped with the server; it resumes at the next start");
        }
        catch (Exception e) when (e is IOException or NpgsqlException or IngestFormatException or InvalidOperationException)
        {
            logger.LogError(e, "Loading the demo data failed");
        }
    }

    /// <summary>
    /// The demo's synthetic set: two years up to <paramref name="end"/> (yesterday, UTC, at load),
    /// seed 2026, with the generator's planted spikes on their counties' local days.
    /// </summary>
    internal static SyntheticOptions Synthetic(DemoOptions o, DateOnly end, string shapefiles) => new()
    {
        Overdoses = o.SyntheticOverdoses,
        Seizures = o.SyntheticSeizures,
        Seed = 2026,
        Start = end.AddDays(-730),
        End = end,
        ShapefilesDirectory = shapefiles,
    };

    /// <summary>Runs each analysis job now unless it has run before, so the demo's hot spots and alerts need not wait for the schedule.</summary>
    private async Task AnalyseOnceAsync(CancellationToken cancellationToken)
    {
        var queue = services.GetRequiredService<AnalysisQueue>();
        await using var db = await entities.CreateDbContextAsync(cancellationToken);
        foreach (var kind in AnalysisRuns.Kinds)
        {
            if (!await AnalysisRuns.AnyAsync(db, kind, cancellationToken))
            {
                queue.Enqueue(kind, "manual");
            }
        }
    }

    private async Task<bool> LoadedAsync(string name, CancellationToken cancellationToken)
    {
        var sender = "demo:" + name;
        await using var db = await entities.CreateDbContextAsync(cancellationToken);
        return await Ingestor.CommittedFromAsync(db, sender, cancellationToken);
    }

    private async Task LoadFileAsync(string name, EventKind kind, string path, string? mappingName, CancellationToken cancellationToken)
    {
        if (await LoadedAsync(name, cancellationToken))
        {
            return;
        }

        var mapping = mappingName is null
            ? ColumnMapping.Canonical(kind)
            : await FindMappingAsync(mappingName, cancellationToken) ?? throw new InvalidOperationException($"the built-in mapping {mappingName} is missing");
        var agency = mapping.Constants.GetValueOrDefault(EventKindInfo.Of(kind).AgencyField) ?? SyntheticEvents.Agency;
        await using var file = File.OpenRead(path);
        var batch = await Ingestor.IngestAsync(dataSource,
            new IngestRequest(kind, IngestFormat.Csv, file, agency, "demo:" + name, mapping, IngestMode.SkipInvalid), clock, cancellationToken: cancellationToken);
        logger.LogInformation("Demo: {Name}: {Accepted} of {Rows} rows stored ({Rejected} rejected, {Duplicates} duplicates)",
            name, batch.Accepted, batch.RowsRead, batch.Rejected, batch.Duplicates);
    }

    private async Task<ColumnMapping?> FindMappingAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await entities.CreateDbContextAsync(cancellationToken);
        return await MappingStore.FindAsync(db, name, cancellationToken);
    }
}
