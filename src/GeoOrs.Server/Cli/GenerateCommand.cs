using System.CommandLine;
using System.Text;
using GeoOrs.Data.Synthetic;

namespace GeoOrs.Server.Cli;

/// <summary>
/// <c>geoors generate</c>: writes synthetic overdose and seizure events in the canonical CSV
/// formats (<c>overdoses.csv</c>, <c>seizures.csv</c>) and their manifest (<c>synthetic.json</c>)
/// to a folder. It needs no database.
/// </summary>
internal static class GenerateCommand
{
    /// <summary>The verb and its options.</summary>
    public static Command Create()
    {
        var overdoses = CommandLine.Required<int>("--overdoses", "Overdose rows to write (planted spikes and hotspots included)", "N").NotNegative();
        var seizures = CommandLine.Required<int>("--seizures", "Seizure rows to write", "M").NotNegative();
        var seed = CommandLine.Required<long>("--seed", "A whole number >= 0; the same arguments give identical files", "S").NotNegative();
        var output = CommandLine.Required<string>("--out", "The folder for overdoses.csv, seizures.csv and synthetic.json (created if missing)", "DIR");
        var end = CommandLine.Date("--end", "The last day of events (UTC); default yesterday, the last whole UTC day");
        var start = CommandLine.Date("--start", "The first day; default 730 days before the end");
        var shapefiles = CommandLine.Optional<string>("--shapefiles", "The county shapefile and population file; default the repository's shapefiles/", "DIR");
        var generate = new Command("generate", "Write synthetic overdose and seizure events as canonical CSV, and their manifest. It needs no database.")
        {
            overdoses, seizures, seed, output, end, start, shapefiles,
        };
        generate.SetAction(parse =>
        {
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var last = parse.GetValue(end) ?? today.AddDays(-1);
            var first = parse.GetValue(start) ?? last.AddDays(-730);
            var folder = parse.GetValue(shapefiles) ?? Path.Combine(GeoOrsPaths.Root(), "shapefiles");
            var outDir = parse.GetRequiredValue(output);
            if (last < first)
            {
                return CommandLine.Refuse("generate", $"--end {last:yyyy-MM-dd} is before --start {first:yyyy-MM-dd}");
            }

            if (last > today)
            {
                return CommandLine.Refuse("generate", $"--end {last:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd} UTC); ingest rejects future events");
            }

            if (!Directory.Exists(folder))
            {
                return CommandLine.Refuse("generate", $"the shapefile folder {Path.GetFullPath(folder)} does not exist");
            }

            if (outDir.Length == 0)
            {
                return CommandLine.Refuse("generate", "--out must name a folder");
            }

            if (last == today)
            {
                Console.Error.WriteLine("geoors generate: warning: --end is today; events later today than now are in the future, which ingest rejects");
            }

            return Run(new SyntheticOptions
            {
                Overdoses = parse.GetRequiredValue(overdoses),
                Seizures = parse.GetRequiredValue(seizures),
                Seed = parse.GetRequiredValue(seed),
                Start = first,
                End = last,
                ShapefilesDirectory = folder,
            }, outDir);
        });
        return generate;
    }

    /// <returns>0 on success, 1 when the files cannot be read or written.</returns>
    private static int Run(SyntheticOptions options, string outDir)
    {
        try
        {
            Directory.CreateDirectory(outDir);
            var geography = SyntheticGeography.Load(options.ShapefilesDirectory!);
            SyntheticManifest manifest;
            using (var overdoses = CreateCsv(Path.Combine(outDir, "overdoses.csv")))
            using (var seizures = CreateCsv(Path.Combine(outDir, "seizures.csv")))
            {
                manifest = SyntheticEvents.Generate(options, geography, overdoses, seizures);
            }

            manifest.WriteJson(Path.Combine(outDir, "synthetic.json"));
            Console.WriteLine(Summary(manifest, outDir));
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"geoors generate: {e.Message}");
            return 1;
        }
    }

    /// <summary>The one-line summary printed after a run.</summary>
    /// <param name="manifest">The run's manifest.</param>
    /// <param name="outDir">The output folder.</param>
    /// <returns>The line.</returns>
    internal static string Summary(SyntheticManifest manifest, string outDir)
    {
        var spikes = manifest.Spikes.Select(s => FormattableString.Invariant($"{s.CountyGeoid} {s.Start:yyyy-MM-dd}..{s.End:yyyy-MM-dd} +{s.EventsAdded}"));
        var hotspots = manifest.Hotspots.Select(h => FormattableString.Invariant($"{h.CountyGeoid} +{h.EventsAdded}"));
        string planted = manifest.Spikes.Count + manifest.Hotspots.Count == 0
            ? "planted: none, as there are fewer than 1000 overdoses"
            : FormattableString.Invariant($"planted: {manifest.Spikes.Count} spikes [{string.Join(", ", spikes)}], ") +
              FormattableString.Invariant($"{manifest.Hotspots.Count} hotspots [{string.Join(", ", hotspots)}]; see synthetic.json");
        return FormattableString.Invariant(
            $"wrote {manifest.Counts.Overdoses} synthetic overdoses and {manifest.Counts.Seizures} seizures to {Path.GetFullPath(outDir)} ({planted})");
    }

    private static StreamWriter CreateCsv(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), new UTF8Encoding(false), 1 << 16);
}
