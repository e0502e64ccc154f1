using System.Text;
using NetTopologySuite;
using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Shapefiles;

// GeoOrs.Data.Geometry is a namespace; this alias makes 'Geometry' mean the NTS type here.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Reads an ESRI shapefile: geometries from the main file (<c>.shp</c>), record offsets from the
/// index file (<c>.shx</c>), attributes from the dBASE file (<c>.dbf</c>), the attribute encoding
/// from the code page file (<c>.cpg</c>) and the coordinate system from the projection file
/// (<c>.prj</c>).
/// </summary>
/// <remarks>
/// <para>
/// Format references: ESRI Shapefile Technical Description, an ESRI White Paper, July 1998; and
/// the dBASE III/IV file format. Header fields are big- or
/// little-endian as the specification says; record contents are little-endian.
/// </para>
/// <para>
/// Geometries: Point, MultiPoint, PolyLine and Polygon and their Z and M variants. X and Y are
/// read, Z is kept, M is ignored. A PolyLine gives a LineString (one part) or a MultiLineString.
/// A Polygon gives a <see cref="Polygon"/> when it has one outer ring and a
/// <see cref="MultiPolygon"/> when it has several; clockwise rings are outer rings and
/// counter-clockwise rings are holes, each assigned to the smallest outer ring containing it.
/// Null shapes (and shapes with no points), which GDAL reports as a null geometry, give an empty
/// geometry: POINT EMPTY in point files, MULTIPOINT/MULTILINESTRING/MULTIPOLYGON EMPTY in
/// multipoint/polyline/polygon files. MultiPatch is not supported.
/// </para>
/// <para>
/// Records whose dBASE deletion flag is set (<c>'*'</c>) are skipped by
/// <see cref="ReadFeatures"/>, as GDAL skips them; <see cref="Count"/> still includes them, like
/// GDAL's feature count of the layer, and the record numbers of the other features are unchanged.
/// </para>
/// <para>
/// Files are read through one buffered <see cref="FileStream"/> each; record bytes are decoded
/// with <see cref="System.Buffers.Binary.BinaryPrimitives"/> from a reused buffer. The
/// <c>.shx</c> is optional (records are then found by walking the main file), and so is the
/// <c>.dbf</c> (features then have no attributes). An instance is not thread-safe and supports one
/// enumeration of <see cref="ReadFeatures"/> at a time.
/// </para>
/// </remarks>
public sealed class ShapefileReader : IDisposable
{
    private readonly string _shpPath;
    private readonly FileStream _shp;
    private readonly ShapefileIndex _index;
    private readonly DbaseReader? _dbf;
    private readonly ShapeRecordReader _records;
    private readonly ShapefileAttributes _noAttributes;
    private byte[] _buffer = new byte[4096];
    private bool _reading;
    private bool _disposed;

    private ShapefileReader(
        string shpPath, FileStream shp, ShapefileHeader header, ShapefileIndex index, DbaseReader? dbf,
        string? projectionWkt, GeometryFactory factory)
    {
        _shpPath = shpPath;
        _shp = shp;
        _index = index;
        _dbf = dbf;
        _records = new ShapeRecordReader(factory, header.ShapeType, shpPath);
        _noAttributes = new ShapefileAttributes(new FieldNameIndex([]), []);
        ShapeType = header.ShapeType;
        Bounds = header.Bounds;
        ProjectionWkt = projectionWkt;
        Factory = factory;
    }

    /// <summary>The path of the main file (<c>.shp</c>).</summary>
    public string Path => _shpPath;

    /// <summary>The shape type declared by the main file header.</summary>
    public ShapeType ShapeType { get; }

    /// <summary>The number of records, from the index file (deleted dBASE records included).</summary>
    public int Count => _index.Count;

    /// <summary>The X/Y bounding box declared by the main file header.</summary>
    public Envelope Bounds { get; }

    /// <summary>The attribute fields, in file order (empty when there is no <c>.dbf</c>).</summary>
    public IReadOnlyList<ShapefileField> Fields => _dbf?.Fields ?? [];

    /// <summary>The content of the <c>.prj</c> file (ESRI or OGC WKT), or <see langword="null"/> when there is none.</summary>
    public string? ProjectionWkt { get; }

    /// <summary>
    /// The encoding of the attribute text: the <c>.cpg</c> code page, else the dBASE language driver
    /// ID, else Windows-1252 (a superset of ISO-8859-1's printable characters; GDAL 3.6 leaves such
    /// text undecoded).
    /// </summary>
    public Encoding Encoding => _dbf?.Encoding ?? DbaseEncoding.Resolve(null, 0);

    /// <summary>The factory that builds the geometries (its SRID is the geometries' SRID).</summary>
    public GeometryFactory Factory { get; }

    /// <summary>
    /// Opens a shapefile and reads its headers, index, field descriptors, code page and projection.
    /// </summary>
    /// <param name="shpPath">The path of the <c>.shp</c> file; the other files are looked up beside it
    /// with the same base name (lower- or upper-case extensions).</param>
    /// <param name="factory">The geometry factory; by default
    /// <see cref="NtsGeometryServices.Instance"/>'s default factory (SRID 0).</param>
    /// <returns>The open reader; dispose it to close the files.</returns>
    /// <exception cref="FileNotFoundException">The <c>.shp</c> file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// A file is not what it should be (wrong file code, truncated header, record counts of
    /// <c>.shx</c> and <c>.dbf</c> differ); the message names the file.
    /// </exception>
    /// <exception cref="NotSupportedException">The shape type is MultiPatch.</exception>
    public static ShapefileReader Open(string shpPath, GeometryFactory? factory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(shpPath);
        factory ??= NtsGeometryServices.Instance.CreateGeometryFactory();
        var shp = new FileStream(shpPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        DbaseReader? dbf = null;
        try
        {
            var header = ShapefileHeader.Read(shp, shpPath);
            if (header.ShapeType == ShapeType.MultiPatch)
            {
                throw new NotSupportedException($"{shpPath}: MultiPatch shapefiles are not supported.");
            }

            string? shxPath = FindSibling(shpPath, "shx");
            var index = shxPath is not null ? ShapefileIndex.ReadShx(shxPath) : ShapefileIndex.ScanShp(shp, shpPath);

            string? dbfPath = FindSibling(shpPath, "dbf");
            if (dbfPath is not null)
            {
                string? cpgPath = FindSibling(shpPath, "cpg");
                dbf = DbaseReader.Open(dbfPath, cpgPath is null ? null : File.ReadAllText(cpgPath, Encoding.ASCII));
                if (dbf.RecordCount != index.Count)
                {
                    throw new InvalidDataException(
                        $"{dbfPath}: the dBASE file has {dbf.RecordCount} records but {shxPath ?? shpPath} has {index.Count}; " +
                        "the files do not belong together or one of them is truncated.");
                }
            }

            string? prjPath = FindSibling(shpPath, "prj");
            string? wkt = prjPath is null ? null : File.ReadAllText(prjPath).Trim();
            return new ShapefileReader(shpPath, shp, header, index, dbf, string.IsNullOrEmpty(wkt) ? null : wkt, factory);
        }
        catch
        {
            dbf?.Dispose();
            shp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Streams the features in file order, skipping records flagged deleted in the <c>.dbf</c>.
    /// </summary>
    /// <returns>A lazily evaluated sequence; each enumeration reads the files again.</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another enumeration of this reader is in progress (on enumeration).</exception>
    /// <exception cref="InvalidDataException">
    /// A record is truncated or corrupt (on enumeration); the message names the file and the record number.
    /// </exception>
    public IEnumerable<ShapefileFeature> ReadFeatures()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Enumerate();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _dbf?.Dispose();
        _shp.Dispose();
    }

    private IEnumerable<ShapefileFeature> Enumerate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_reading)
        {
            throw new InvalidOperationException(
                $"{_shpPath}: ReadFeatures is already being enumerated; a ShapefileReader supports one enumeration at a time.");
        }

        _reading = true;
        try
        {
            for (int i = 0; i < _index.Count; i++)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var attributes = _noAttributes;
                if (_dbf is not null)
                {
                    if (!_dbf.TryReadRecord(i, out var values))
                    {
                        continue;
                    }

                    attributes = new ShapefileAttributes(_dbf.Names, values);
                }

                yield return new ShapefileFeature(i + 1, ReadGeometry(i), attributes);
            }
        }
        finally
        {
            _reading = false;
        }
    }

    private Geometry ReadGeometry(int index)
    {
        int recordNumber = index + 1;
        long offset = _index.Offset(index);
        int contentLength = _index.ContentLength(index);
        long fileLength = _shp.Length;
        int total = 8 + contentLength;
        if (offset + total > fileLength)
        {
            throw new InvalidDataException(
                $"{_shpPath}: record {recordNumber} is truncated: {total} bytes expected at offset {offset}, " +
                $"but the file ends after {Math.Max(0, fileLength - offset)} of them.");
        }

        if (_buffer.Length < total)
        {
            _buffer = new byte[Math.Max(total, _buffer.Length * 2)];
        }

        if (_shp.Position != offset)
        {
            _shp.Position = offset;
        }

        _shp.ReadExactly(_buffer, 0, total);

        // The record header (record number and content length, big-endian) is not needed: the index
        // gives the content length, as shapelib uses it.
        return _records.Read(_buffer.AsSpan(8, contentLength), recordNumber);
    }

    /// <summary>Finds the file beside <paramref name="shpPath"/> with the given extension, in lower or upper case.</summary>
    private static string? FindSibling(string shpPath, string extension)
    {
        string lower = System.IO.Path.ChangeExtension(shpPath, extension);
        if (File.Exists(lower))
        {
            return lower;
        }

        string upper = System.IO.Path.ChangeExtension(shpPath, extension.ToUpperInvariant());
        return File.Exists(upper) ? upper : null;
    }
}
