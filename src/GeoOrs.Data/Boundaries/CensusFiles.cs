using System.Globalization;
using System.Text;
using GeoOrs.Data.Csv;

namespace GeoOrs.Data.Boundaries;

/// <summary>One county's population estimate for one year.</summary>
/// <param name="Geoid">The 5-digit county FIPS code.</param>
/// <param name="Year">The estimate's year.</param>
/// <param name="Population">Residents.</param>
public readonly record struct CountyPopulation(string Geoid, int Year, int Population);

/// <summary>Finds and reads the Census files of a boundary folder (see shapefiles/README.md).</summary>
public static class CensusFiles
{
    /// <summary>The one file in <paramref name="directory"/> matching <paramref name="pattern"/>.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="pattern">A file pattern such as <c>*county*.shp</c>.</param>
    /// <returns>The file's path.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">No file matches.</exception>
    /// <exception cref="InvalidDataException">Several files match.</exception>
    public static string FindOne(string directory, string pattern)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"boundary folder {directory} does not exist");
        }

        var found = Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).ToArray();
        return found.Length switch
        {
            1 => found[0],
            0 => throw new FileNotFoundException($"no file matching {pattern} in {directory}"),
            _ => throw new InvalidDataException($"more than one file matches {pattern} in {directory}: {string.Join(", ", found.Select(Path.GetFileName))}"),
        };
    }

    /// <summary>
    /// Reads the county rows (SUMLEV 050) of a Census Population Estimates <c>co-est</c> file, one
    /// value per county and <c>POPESTIMATEyyyy</c> column. State and county codes are zero-padded
    /// (some re-saved copies strip the zeros, and the leading zero of SUMLEV).
    /// </summary>
    /// <param name="path">The CSV.</param>
    /// <returns>The estimates, streamed.</returns>
    /// <exception cref="InvalidDataException">A column is missing or a value is not a whole number.</exception>
    public static IEnumerable<CountyPopulation> ReadPopulation(string path)
    {
        var name = Path.GetFileName(path);
        // Only ASCII columns are read, so place names in another encoding do no harm.
        using var csv = new CsvReader(new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true));
        var header = csv.Read() ?? throw new InvalidDataException($"{name} is empty");
        int Column(string column) => Array.IndexOf(header, column) is var i and >= 0
            ? i
            : throw new InvalidDataException($"{name} has no column {column}");
        var sumlev = Column("SUMLEV");
        var state = Column("STATE");
        var county = Column("COUNTY");
        var years = header
            .Select((column, index) => (column, index))
            .Where(c => c.column.StartsWith("POPESTIMATE", StringComparison.Ordinal) && c.column.Length == 15
                && int.TryParse(c.column.AsSpan(11), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(c => (Year: int.Parse(c.column.AsSpan(11), NumberStyles.None, CultureInfo.InvariantCulture), Index: c.index))
            .ToList();
        if (years.Count == 0)
        {
            throw new InvalidDataException($"{name} has no POPESTIMATEyyyy column");
        }

        while (csv.Read() is { } row)
        {
            if (row.Length != header.Length)
            {
                throw new InvalidDataException($"{name} line {csv.RecordLine}: {row.Length} fields where the header has {header.Length}");
            }

            if (row[sumlev].TrimStart('0') != "50")
            {
                continue; // state totals (040)
            }

            var geoid = row[state].PadLeft(2, '0') + row[county].PadLeft(3, '0');
            foreach (var (year, index) in years)
            {
                if (!int.TryParse(row[index], NumberStyles.None, CultureInfo.InvariantCulture, out var people))
                {
                    throw new InvalidDataException($"{name} line {csv.RecordLine}: POPESTIMATE{year} is not a whole number: '{row[index]}'");
                }

                yield return new CountyPopulation(geoid, year, people);
            }
        }
    }
}
