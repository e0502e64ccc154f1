using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using GeoOrs.Data.Csv;
using NetTopologySuite.Features;
using NetTopologySuite.IO.Esri;
using NetTopologySuite.IO.Esri.Shapefiles.Readers;

namespace GeoOrs.Data.Boundaries;

/// <summary>One county's population estimate for one year.</summary>
/// <param name="Geoid">The 5-digit county FIPS code.</param>
/// <param name="Year">The estimate's year.</param>
/// <param name="Population">Residents.</param>
public readonly record struct CountyPopulation(string Geoid, int Year, int Population);

/// <summary>Finds and reads the Census files of a boundary folder (see shapefiles/README.md).</summary>
public static class CensusFiles
{
    static CensusFiles()
    {
        // The shapefile library looks code pages up through Encoding.GetEncoding, which knows the
        // Windows and DOS code pages only with this provider registered (before its first use).
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>
    /// Opens a shapefile with NetTopologySuite.IO.Esri's reader, its attribute text decoded with
    /// <see cref="ShapefileEncoding"/>. Enumerate the reader for the features (records flagged
    /// deleted in the <c>.dbf</c> are passed over); its <c>Projection</c> is the <c>.prj</c>'s WKT.
    /// </summary>
    /// <param name="shpPath">The <c>.shp</c> file; the <c>.shx</c>, <c>.dbf</c>, <c>.cpg</c> and <c>.prj</c> lie beside it.</param>
    /// <returns>The open reader; dispose it to close the files.</returns>
    /// <exception cref="FileNotFoundException">The <c>.shp</c> or <c>.dbf</c> file is missing.</exception>
    /// <exception cref="InvalidDataException">The <c>.shp</c> file is truncated or not a shapefile.</exception>
    public static ShapefileReader OpenShapefile(string shpPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(shpPath);
        foreach (var extension in (string[])[".shp", ".dbf"])
        {
            var file = Path.ChangeExtension(shpPath, extension);
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"{Path.GetFileName(file)} is missing beside {Path.GetFileName(shpPath)}", file);
            }
        }

        CheckLength(shpPath);

        try
        {
            return Shapefile.OpenRead(shpPath, new ShapefileReaderOptions { Encoding = ShapefileEncoding(shpPath) });
        }
        catch (Exception e) when (e is ShapefileException or NotSupportedException or EndOfStreamException or ArgumentException)
        {
            throw new InvalidDataException($"{Path.GetFileName(shpPath)}: not a shapefile GeoOrs can read ({e.Message})", e);
        }
    }

    /// <summary>
    /// Refuses a <c>.shp</c> shorter than its header says (bytes 24–27, big-endian, in 16-bit words;
    /// ESRI Shapefile Technical Description, July 1998): the library reads a short header as zeros
    /// and a cut record as a shorter shape, without an error.
    /// </summary>
    private static void CheckLength(string shpPath)
    {
        Span<byte> header = stackalloc byte[100];
        long actual;
        using (var stream = File.OpenRead(shpPath))
        {
            actual = stream.Length;
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            {
                throw new InvalidDataException($"{Path.GetFileName(shpPath)}: the file is shorter than the shapefile header's 100 bytes");
            }
        }

        var declared = 2L * BinaryPrimitives.ReadInt32BigEndian(header[24..]);
        if (actual < declared)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(shpPath)}: the file is truncated: its header gives {declared} bytes, it has {actual}"));
        }
    }

    /// <summary>
    /// The features of an open shapefile in file order (records flagged deleted in the <c>.dbf</c>
    /// passed over), with a corrupt or truncated record reported as an <see cref="InvalidDataException"/>
    /// naming the file and the feature rather than as the library's internal error.
    /// </summary>
    /// <param name="reader">The reader <see cref="OpenShapefile"/> opened.</param>
    /// <param name="shpPath">The file's path, for the message.</param>
    /// <returns>The features, read lazily.</returns>
    public static IEnumerable<IFeature> Features(ShapefileReader reader, string shpPath)
    {
        ArgumentNullException.ThrowIfNull(reader);
        IEnumerable<IFeature> features = reader;
        using var enumerator = features.GetEnumerator();
        for (var number = 1; ; number++)
        {
            try
            {
                if (!enumerator.MoveNext())
                {
                    yield break;
                }
            }
            catch (Exception e) when (e is ShapefileException or NotSupportedException or EndOfStreamException or ArgumentException or InvalidOperationException)
            {
                throw new InvalidDataException($"{Path.GetFileName(shpPath)}: feature {number} is corrupt or truncated ({e.Message})", e);
            }

            yield return enumerator.Current;
        }
    }

    /// <summary>
    /// The encoding of a shapefile's attribute text, in GDAL's order: the code page the <c>.cpg</c>
    /// names (<c>UTF-8</c>, ESRI's <c>1252</c>, <c>ANSI 1252</c>, <c>88591</c>, or an encoding name);
    /// else, for a <c>.dbf</c> whose language driver byte is 0 or 3 (none, or "Windows ANSI"),
    /// Windows-1252, which agrees with ISO-8859-1 on every printable Latin-1 character and decodes every
    /// byte (the library would read such text as UTF-8); else <see langword="null"/>: the library
    /// decodes by the language driver's code page.
    /// </summary>
    /// <param name="shpPath">The <c>.shp</c> file.</param>
    /// <returns>The encoding, or <see langword="null"/> to leave it to the language driver.</returns>
    public static Encoding? ShapefileEncoding(string shpPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(shpPath);
        var cpg = Path.ChangeExtension(shpPath, ".cpg");
        if (File.Exists(cpg) && CodePage(File.ReadAllText(cpg, Encoding.ASCII)) is { } named)
        {
            return named;
        }

        var dbf = Path.ChangeExtension(shpPath, ".dbf");
        if (!File.Exists(dbf))
        {
            return null;
        }

        Span<byte> header = stackalloc byte[32];
        using (var stream = File.OpenRead(dbf))
        {
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            {
                return null;
            }
        }

        return header[29] is 0 or 3 ? Encoding.GetEncoding(1252) : null;
    }

    /// <summary>The encoding a <c>.cpg</c> file's text names, or <see langword="null"/> when it names none.</summary>
    private static Encoding? CodePage(string cpg)
    {
        var name = cpg.Trim().TrimStart('\uFEFF').Trim();
        if (name.StartsWith("UTF-8", StringComparison.OrdinalIgnoreCase) || name.StartsWith("UTF8", StringComparison.OrdinalIgnoreCase))
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        }

        if (name.StartsWith("8859", StringComparison.Ordinal))
        {
            // ESRI writes ISO-8859-n as "8859n" ("88591", "885915"), sometimes "8859-n".
            name = "ISO-8859-" + name[4..].TrimStart('-', '_');
        }
        else
        {
            var digits = name.StartsWith("ANSI", StringComparison.OrdinalIgnoreCase) ? name[4..].Trim()
                : name.StartsWith("CP", StringComparison.OrdinalIgnoreCase) ? name[2..].Trim()
                : name;
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                try
                {
                    return Encoding.GetEncoding(number);
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException)
                {
                    return null;
                }
            }
        }

        try
        {
            return name.Length == 0 ? null : Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

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
