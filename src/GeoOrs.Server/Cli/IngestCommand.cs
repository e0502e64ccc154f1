using System.Diagnostics;
using System.Globalization;
using GeoOrs.Data.Ingest;
using Hangfire;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary><c>geoors ingest overdoses|seizures FILE [--mapping NAME] [--mode skip-invalid] [--agency A]</c> with a progress bar.</summary>
internal static class IngestCommand
{
    /// <param name="dataSource">The database.</param>
    /// <param name="args">The verb's arguments.</param>
    /// <param name="jobs">The job storage's client and the configuration, for a large batch's hot spot run.</param>
    public static async Task<int> RunAsync(NpgsqlDataSource dataSource, string[] args, Func<Task<(IBackgroundJobClient Client, IConfiguration Configuration)>> jobs)
    {
        if (args.Length < 2 || args[0] is not ("overdoses" or "seizures"))
        {
            Console.Error.WriteLine("usage: geoors ingest overdoses|seizures FILE [--mapping NAME] [--mode all-or-nothing|skip-invalid] [--agency NAME]");
            return 2;
        }

        var kind = args[0] == "overdoses" ? EventKind.Overdoses : EventKind.Seizures;
        var path = args[1];
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 2; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length || args[i] is not ("--mapping" or "--mode" or "--agency"))
            {
                Console.Error.WriteLine($"geoors ingest: unexpected '{args[i]}'");
                return 2;
            }

            options[args[i][2..]] = args[i + 1];
        }

        var format = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" or ".txt" => IngestFormat.Csv,
            ".geojson" or ".json" => IngestFormat.GeoJson,
            ".ndjson" or ".jsonl" => IngestFormat.NdJson,
            var other => (IngestFormat?)null,
        };
        if (format is null)
        {
            Console.Error.WriteLine($"geoors ingest: {path}: the file must end in .csv, .geojson or .ndjson");
            return 2;
        }

        var mapping = ColumnMapping.Canonical(kind);
        if (options.TryGetValue("mapping", out var name))
        {
            await MappingStore.SeedAsync(dataSource);
            mapping = await MappingStore.FindAsync(dataSource, name) ?? throw new ArgumentException($"no mapping is named '{name}'");
        }

        var mode = options.GetValueOrDefault("mode", "all-or-nothing") switch
        {
            "all-or-nothing" => IngestMode.AllOrNothing,
            "skip-invalid" => IngestMode.SkipInvalid,
            var m => throw new ArgumentException($"'{m}' is not all-or-nothing or skip-invalid"),
        };
        var agency = options.GetValueOrDefault("agency")
            ?? mapping.Constants.GetValueOrDefault(kind == EventKind.Overdoses ? "source_agency" : "agency")
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
            var batch = await Ingestor.IngestAsync(dataSource, new IngestRequest(kind, format.Value, file, agency, Path.GetFileName(path), mapping, mode),
                TimeProvider.System, Progress);
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

            if (batch.Status == "committed" && kind == EventKind.Overdoses)
            {
                // As after an HTTP ingest: a large batch enqueues a hot spot run once it committed;
                // whichever server runs jobs on this database takes it.
                var (client, configuration) = await jobs();
                var settings = configuration.GetSection(AnalysisOptions.Section).Get<AnalysisOptions>() ?? new AnalysisOptions();
                if (settings.LargeIngestEvents > 0 && batch.Accepted >= settings.LargeIngestEvents)
                {
                    var job = AnalysisQueue.Enqueue(client, "hotspots", "ingest", settings);
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
