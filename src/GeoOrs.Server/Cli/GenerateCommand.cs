using System.Globalization;
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
    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: geoors generate --overdoses N --seizures M --seed S --out DIR
                               [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--shapefiles DIR]
          --overdoses N      overdose rows to write (planted spikes and hotspots included)
          --seizures M       seizure rows to write
          --seed S           a whole number >= 0; the same arguments give identical files
          --out DIR          the folder for overdoses.csv, seizures.csv and synthetic.json (created if missing)
          --end DATE         the last day of events (UTC); default yesterday, the last whole UTC day
          --start DATE       the first day; default 730 days before the end
          --shapefiles DIR   the county shapefile and population file; default the repository's shapefiles/
        """;

    private static readonly string[] Names = ["--overdoses", "--seizures", "--seed", "--out", "--start", "--end", "--shapefiles"];

    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments, with or without the leading verb <c>generate</c>.</param>
    /// <returns>0 on success, 1 when the files cannot be read or written, 2 for bad arguments.</returns>
    public static Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is ["generate", .. var rest])
        {
            args = rest;
        }

        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(Usage);
            return Task.FromResult(0);
        }

        SyntheticOptions options;
        string outDir;
        try
        {
            (options, outDir) = Parse(args, DateOnly.FromDateTime(DateTime.UtcNow));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"geoors generate: {e.Message}");
            Console.Error.WriteLine(Usage);
            return Task.FromResult(2);
        }

        if (options.End == DateOnly.FromDateTime(DateTime.UtcNow))
        {
            Console.Error.WriteLine("geoors generate: warning: --end is today; events later today than now are in the future, which ingest rejects");
        }

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
            return Task.FromResult(0);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"geoors generate: {e.Message}");
            return Task.FromResult(1);
        }
    }

    /// <summary>Parses the arguments into options and the output folder.</summary>
    /// <param name="args">The arguments without the verb: <c>--name value</c> or <c>--name=value</c>.</param>
    /// <param name="today">Today's UTC date, for the default end.</param>
    /// <returns>The options (with the shapefile folder resolved) and the output folder.</returns>
    /// <exception cref="ArgumentException">An argument is missing, repeated, unknown or malformed.</exception>
    internal static (SyntheticOptions Options, string OutDir) Parse(string[] args, DateOnly today)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i], value;
            int equals = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                (name, value) = (name[..equals], name[(equals + 1)..]);
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new ArgumentException(Array.IndexOf(Names, name) >= 0 ? $"{name} needs a value" : $"unknown argument '{name}'");
            }

            if (Array.IndexOf(Names, name) < 0)
            {
                throw new ArgumentException($"unknown argument '{name}'");
            }

            if (!values.TryAdd(name, value))
            {
                throw new ArgumentException($"{name} is given twice");
            }
        }

        int overdoses = Count(values, "--overdoses");
        int seizures = Count(values, "--seizures");
        long seed = values.TryGetValue("--seed", out var s)
            ? long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed
                : throw new ArgumentException($"--seed must be a whole number >= 0, not '{s}'")
            : throw new ArgumentException("--seed is required");
        string outDir = values.TryGetValue("--out", out var o) && o.Length > 0 ? o : throw new ArgumentException("--out is required");

        var end = values.TryGetValue("--end", out var e) ? Date("--end", e) : today.AddDays(-1);
        var start = values.TryGetValue("--start", out var st) ? Date("--start", st) : end.AddDays(-730);
        if (end < start)
        {
            throw new ArgumentException($"--end {end:yyyy-MM-dd} is before --start {start:yyyy-MM-dd}");
        }

        if (end > today)
        {
            throw new ArgumentException($"--end {end:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd} UTC); ingest rejects future events");
        }

        string shapefiles = values.TryGetValue("--shapefiles", out var dir) ? dir : Path.Combine(GeoOrsPaths.Root(), "shapefiles");
        if (!Directory.Exists(shapefiles))
        {
            throw new ArgumentException($"the shapefile folder {Path.GetFullPath(shapefiles)} does not exist");
        }

        return (new SyntheticOptions
        {
            Overdoses = overdoses,
            Seizures = seizures,
            Seed = seed,
            Start = start,
            End = end,
            ShapefilesDirectory = shapefiles,
        }, outDir);
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

    private static int Count(Dictionary<string, string> values, string name) =>
        !values.TryGetValue(name, out var text)
            ? throw new ArgumentException($"{name} is required")
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count)
                ? count
                : throw new ArgumentException($"{name} must be a whole number from 0 to {int.MaxValue}, not '{text}'");

    private static DateOnly Date(string name, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new ArgumentException($"{name} must be a date as YYYY-MM-DD, not '{text}'");
}
