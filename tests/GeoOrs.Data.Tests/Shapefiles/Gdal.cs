using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Xunit.Sdk;

namespace GeoOrs.Data.Tests.Shapefiles;

/// <summary>
/// Runs GDAL's command-line tools (Debian package gdal-bin) as the reference implementation.
/// A missing GDAL fails the test; it never skips it.
/// </summary>
internal static class Gdal
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Exports a shapefile (or the result of an SQLite-dialect query on it) as CSV with the geometry
    /// as WKT in the first column, through <c>ogr2ogr -f CSV /vsistdout/ ... -lco GEOMETRY=AS_WKT</c>.
    /// </summary>
    /// <param name="shpPath">The shapefile.</param>
    /// <param name="sqliteSql">An optional query for <c>-dialect SQLite -sql</c>.</param>
    /// <param name="openOptions">Shapefile driver open options (<c>-oo</c>), e.g. <c>ENCODING=CP1252</c>.</param>
    /// <returns>The header row and the data rows.</returns>
    public static (string[] Header, List<string[]> Rows) ExportCsv(string shpPath, string? sqliteSql = null, params string[] openOptions)
    {
        var arguments = new List<string> { "-f", "CSV", "/vsistdout/", shpPath };
        if (sqliteSql is not null)
        {
            arguments.AddRange(["-dialect", "SQLite", "-sql", sqliteSql]);
        }

        foreach (string option in openOptions)
        {
            arguments.AddRange(["-oo", option]);
        }

        arguments.AddRange(["-lco", "GEOMETRY=AS_WKT"]);
        var rows = CsvText.Parse(Run("ogr2ogr", arguments));
        Assert.NotEmpty(rows);
        return (rows[0], rows.GetRange(1, rows.Count - 1));
    }

    /// <summary>Runs a GDAL tool and returns its standard output; fails on a non-zero exit code.</summary>
    /// <param name="tool">The tool, e.g. <c>ogr2ogr</c> or <c>ogrinfo</c>.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>The standard output, decoded as UTF-8.</returns>
    public static string Run(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new XunitException(
                $"GDAL's '{tool}' could not be started ({ex.Message}). These tests compare the shapefile reader " +
                "with GDAL and need its command-line tools: run 'apt-get install gdal-bin'.");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new XunitException($"{tool} {string.Join(' ', start.ArgumentList)} did not finish within {Timeout}.");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new XunitException(
                    $"{tool} {string.Join(' ', start.ArgumentList)} exited with code {process.ExitCode}: {error.Result}");
            }

            return output.Result;
        }
    }
}
