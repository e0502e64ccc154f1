using System.Diagnostics;
using System.Text.RegularExpressions;
using GeoOrs.Data;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A server over a database of its own holding the demo data (the real Allegheny County and Tempe
/// files and a small synthetic set), loaded once for the brief tests.
/// </summary>
public sealed class DemoBriefs : IAsyncLifetime
{
    /// <summary>Allegheny County, Pennsylvania.</summary>
    public const string Allegheny = "42003";

    private ScratchDatabase? _scratch;

    public GeoOrsFactory Factory { get; private set; } = null!;

    public string ConnectionString => _scratch!.ConnectionString;

    public async Task InitializeAsync()
    {
        _scratch = await PostGis.CreateScratchDatabaseAsync();
        Factory = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = _scratch.ConnectionString,
            ["Demo:Enabled"] = "true",
            ["Demo:SyntheticOverdoses"] = "3000",
            ["Demo:SyntheticSeizures"] = "3000",
            ["Http:PublicBaseUrl"] = "https://geoors.example.org/base",
        });
        _ = Factory.Services;
        await using var dataSource = GeoOrsDataSource.Create(_scratch.ConnectionString);
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (true)
        {
            await using (var command = dataSource.CreateCommand("SELECT count(*) FROM ingest_batches WHERE sender LIKE 'demo:%' AND status = 'committed'"))
            {
                if ((long)(await command.ExecuteScalarAsync())! >= 4)
                {
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "the demo data did not load in four minutes");
            await Task.Delay(500);
        }
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_scratch is not null)
        {
            await _scratch.DisposeAsync();
        }
    }

    /// <summary>The text of a PDF as <c>pdftotext -layout</c> (poppler-utils) reads it.</summary>
    public static async Task<string> PdfTextAsync(byte[] pdf)
    {
        var file = Path.Combine(Path.GetTempPath(), $"geoors-brief-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            var info = new ProcessStartInfo("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var text = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"pdftotext failed: {error}");
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The figures of a row of a brief's text: the numbers after its label on its line, as printed
    /// (thousands separators and the minus sign read); a cell that starts with no number ("withheld",
    /// "no change", "new") as null.
    /// </summary>
    public static List<double?> RowFigures(string text, string label)
    {
        var line = text.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(label + " ", StringComparison.Ordinal) && Regex.IsMatch(l[label.Length..], @"^\s{2,}"));
        return [.. Regex.Split(line[label.Length..].Trim(), @"\s{2,}").Select(cell =>
            Regex.Match(cell.Replace(",", "", StringComparison.Ordinal).Replace('\u2212', '-'), @"^[+-]?\d+(\.\d+)?") is { Success: true } number
                ? double.Parse(number.Value, System.Globalization.CultureInfo.InvariantCulture)
                : (double?)null)];
    }

    /// <summary>
    /// The whole numbers from 1 to 9 printed outside the data notes (which name the disclosure rule's
    /// own figures and the data versions): dates, decimals and percentages are not counts.
    /// </summary>
    public static List<string> SmallCounts(string text)
    {
        var notes = text.IndexOf("Data notes", StringComparison.Ordinal);
        Assert.True(notes > 0, "the brief has no data notes");
        var body = Regex.Replace(text[..notes], @"\d{4}-\d{2}-\d{2}", " ");
        return [.. Regex.Matches(body, @"(?<![\d.,])[+\u2212-]?\d[\d,]*(\.\d+)?%?(?![\d.,])")
            .Select(m => m.Value)
            .Where(v => !v.EndsWith('%') && !v.Contains('.', StringComparison.Ordinal)
                && long.Parse(v.TrimStart('+', '-', '\u2212').Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 9)];
    }
}
