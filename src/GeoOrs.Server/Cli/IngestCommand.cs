using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Migrations;
using Hangfire;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary><c>geoors ingest overdoses|seizures FILE [--mapping NAME] [--mode skip-invalid] [--agency A]</c> with a progress bar.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("KIND") { Description = "The events in the file: overdoses or seizures" };
        kind.AcceptOnlyFromAmong("overdoses", "seizures");
        var path = new Argument<string>("FILE") { Description = "A .csv, .geojson or .ndjson file" };
        var mapping = CommandLine.Optional<string>("--mapping", "A stored column mapping (default: the canonical columns)", "NAME");
        var mode = CommandLine.Optional<string>("--mode", "Whether one invalid row fails the batch (all-or-nothing) or is left out (skip-invalid)", "all-or-nothing|skip-invalid");
        mode.AcceptOnlyFromAmong("all-or-nothing", "skip-invalid");
        mode.DefaultValueFactory = _ => "all-or-nothing";
        var agency = CommandLine.Optional<string>("--agency", "The agency the events come from (default: the mapping's, else unattributed)", "NAME");
        var ingest = new Command("ingest", "Load events from a file, with a progress bar") { kind, path, mapping, mode, agency };
        ingest.SetAction(async (parse, _) =>
        {
            var file = parse.GetRequiredValue(path);
            var format = Path.GetExtension(file).ToLowerInvariant() switch
            {
                ".csv" or ".txt" => IngestFormat.Csv,
                ".geojson" or ".json" => IngestFormat.GeoJson,
                ".ndjson" or ".jsonl" => IngestFormat.NdJson,
                _ => (IngestFormat?)null,
            };
            if (format is null)
            {
                return CommandLine.Refuse("ingest", $"{file}: the file must end in .csv, .geojson or .ndjson");
            }

            await using var dataSource = CommandLine.Open();
            await Migrator.MigrateAsync(dataSource);
            return await RunAsync(dataSource, parse.GetRequiredValue(kind) == "overdoses" ? EventKind.Overdoses : EventKind.Seizures, file, format.Value,
                parse.GetValue(mapping), parse.GetRequiredValue(mode) == "skip-invalid" ? IngestMode.SkipInvalid : IngestMode.AllOrNothing,
                parse.GetValue(agency), CommandLine.JobsAsync);
        });
        return ingest;
    }

    /// <param name="dataSource">The database.</param>
    /// <param name="kind">The events in the file.</param>
    /// <param name="path">The file.</param>
    /// <param name="format">The file's format.</param>
    /// <param name="mappingName">A stored column mapping, or null for the canonical columns.</param>
    /// <param name="mode">Whether one invalid row fails the batch.</param>
    /// <param name="agencyName">The agency, or null for the mapping's.</param>
    /// <param name="jobs">The job storage's client and the configuration, for a large batch's hot spot run.</param>
    private static async Task<int> RunAsync(NpgsqlDataSource dataSource, EventKind kind, string path, IngestFormat format, string? mappingName, IngestMode mode,
        string? agencyName, Func<Task<(IBackgroundJobClient Client, IConfiguration Configuration)>> jobs)
    {
        var mapping = ColumnMapping.Canonical(kind);
        if (mappingName is not null)
        {
            await using var db = GeoOrsDbContext.Create(dataSource);
            await MappingStore.SeedAsync(db);
            mapping = await MappingStore.FindAsync(db, mappingName) ?? throw new ArgumentException($"no mapping is named '{mappingName}'");
        }

        var agency = agencyName
            ?? mapping.Constants.GetValueOrDefault(EventKindInfo.Of(kind).AgencyField)
            ?? "unattributed";

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var size = Math.Max(1, file.Length);
        var clock = Stopwatch.StartNew();
        void Progress(long rows)
        {
            var share = Math.Clamp(file.Position / (double)size, 0, 1);
            var bar = new string('#', (int)(share * 30)).PadRight(30);
            Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{bar}] {share,4:P0} {rows,12:N0} rows {clock.Elapsed.TotalSeconds,6:F1} s"));
        }

        try
        {
            var batch = await Ingestor.IngestAsync(dataSource, new IngestRequest(kind, format, file, agency, Path.GetFileName(path), mapping, mode),
                TimeProvider.System, Progress);
            IngestMetrics.BatchFinished(batch, "cli", clock.Elapsed);
            Console.Error.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch {batch.Id} {batch.Status}: {batch.RowsRead:N0} rows read, {batch.Accepted:N0} accepted, {batch.Rejected:N0} rejected, " +
                $"{batch.Duplicates:N0} duplicates, {batch.OutsideCounties:N0} outside every county ({clock.Elapsed.TotalSeconds:F1} s)"));
            foreach (var error in batch.Errors.Take(20))
            {
                Console.WriteLine($"  line {error.Line}, {error.Field}: {error.Reason}");
            }

            if (batch.Errors.Count > 20)
            {
                Console.WriteLine($"  … {batch.Rejected - 20} more rejected rows (GET /api/ingest/batches/{batch.Id})");
            }

            if (batch.Status == "committed" && batch.Accepted > 0 && kind == EventKind.Overdoses)
            {
                // The steps after a batch, as after an HTTP ingest (this process serves nothing: no versions to read).
                var (client, configuration) = await jobs();
                var settings = configuration.GetSection(AnalysisOptions.Section).Get<AnalysisOptions>() ?? new AnalysisOptions();
                if (await AfterIngest.RunAsync(kind, batch, settings, client, versions: null) is { } job)
                {
                    Console.WriteLine($"hot spot run enqueued (job {job}): a server running jobs on this database takes it");
                }
            }

            return batch.Status == "committed" ? 0 : 1;
        }
        catch (IngestFormatException e)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine($"geoors ingest: {path}: {e.Message}; nothing was stored");
            return 1;
        }
    }
}
