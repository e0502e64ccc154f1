using System.Buffers.Binary;
using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Shapefiles;

// GeoOrs.Data.Geometry is a namespace; this alias makes 'Geometry' mean the NTS type here.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Decodes the content of one main-file record (everything after the 8-byte record header) into a
/// NetTopologySuite geometry, following the record layouts of the ESRI Shapefile Technical
/// Description (July 1998). All fields of the record content are little-endian.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Point (1), PointM (21): Point of X, Y; PointZ (11): Point of X, Y, Z. M values are ignored.</item>
/// <item>MultiPoint (8, 18, 28): MultiPoint (with Z for 18).</item>
/// <item>
/// PolyLine (3, 13, 23): LineString for one part, MultiLineString for several; a one-point part is
/// repeated to make a two-point line.
/// </item>
/// <item>
/// Polygon (5, 15, 25): Polygon for one outer ring, MultiPolygon for several (see
/// <see cref="PolygonAssembler"/>); unclosed rings are closed.
/// </item>
/// <item>
/// Null (0), and shapes with no parts or no points (GDAL reports both as a null geometry): an empty
/// geometry of the file's shape type, see <see cref="Empty"/>.
/// </item>
/// </list>
/// </remarks>
internal sealed class ShapeRecordReader
{
    private readonly GeometryFactory _factory;
    private readonly string _path;
    private readonly Geometry _empty;

    /// <summary>Creates a reader building geometries with <paramref name="factory"/>.</summary>
    /// <param name="factory">The geometry factory.</param>
    /// <param name="fileShapeType">The shape type of the file header, which decides the type of empty geometries.</param>
    /// <param name="path">The main file path, for error messages.</param>
    public ShapeRecordReader(GeometryFactory factory, ShapeType fileShapeType, string path)
    {
        _factory = factory;
        _path = path;
        _empty = Empty(factory, fileShapeType);
    }

    /// <summary>
    /// The empty geometry standing for a Null shape in a file of the given type: POINT EMPTY for
    /// point files, MULTIPOINT EMPTY, MULTILINESTRING EMPTY and MULTIPOLYGON EMPTY for multipoint,
    /// polyline and polygon files (the types that can hold any shape of the file), and
    /// GEOMETRYCOLLECTION EMPTY for a file of Null shapes.
    /// </summary>
    /// <param name="factory">The geometry factory.</param>
    /// <param name="fileShapeType">The shape type of the file.</param>
    /// <returns>An empty geometry.</returns>
    public static Geometry Empty(GeometryFactory factory, ShapeType fileShapeType) => fileShapeType switch
    {
        ShapeType.Point or ShapeType.PointZ or ShapeType.PointM => factory.CreatePoint(),
        ShapeType.MultiPoint or ShapeType.MultiPointZ or ShapeType.MultiPointM => factory.CreateMultiPoint(),
        ShapeType.PolyLine or ShapeType.PolyLineZ or ShapeType.PolyLineM => factory.CreateMultiLineString(),
        ShapeType.Polygon or ShapeType.PolygonZ or ShapeType.PolygonM => factory.CreateMultiPolygon(),
        _ => factory.CreateGeometryCollection(),
    };

    /// <summary>Decodes one record's content.</summary>
    /// <param name="content">The record content, starting with the shape type.</param>
    /// <param name="recordNumber">The 1-based record number, for error messages.</param>
    /// <returns>The geometry; an empty geometry (a new instance) for a Null shape or a shape without points.</returns>
    /// <exception cref="InvalidDataException">The content is shorter than its layout requires or is inconsistent.</exception>
    public Geometry Read(ReadOnlySpan<byte> content, int recordNumber)
    {
        if (content.Length == 0)
        {
            // A zero-length content is treated as a Null shape, as shapelib does.
            return _empty.Copy();
        }

        Require(content, 4, recordNumber, "shape type");
        var type = (ShapeType)BinaryPrimitives.ReadInt32LittleEndian(content);
        return type switch
        {
            ShapeType.Null => _empty.Copy(),
            ShapeType.Point or ShapeType.PointM => ReadPoint(content, hasZ: false, recordNumber),
            ShapeType.PointZ => ReadPoint(content, hasZ: true, recordNumber),
            ShapeType.MultiPoint or ShapeType.MultiPointM => ReadMultiPoint(content, hasZ: false, recordNumber),
            ShapeType.MultiPointZ => ReadMultiPoint(content, hasZ: true, recordNumber),
            ShapeType.PolyLine or ShapeType.PolyLineM => ReadPolyLine(content, hasZ: false, recordNumber),
            ShapeType.PolyLineZ => ReadPolyLine(content, hasZ: true, recordNumber),
            ShapeType.Polygon or ShapeType.PolygonM => ReadPolygon(content, hasZ: false, recordNumber),
            ShapeType.PolygonZ => ReadPolygon(content, hasZ: true, recordNumber),
            ShapeType.MultiPatch => throw new NotSupportedException(
                $"{_path}: record {recordNumber}: MultiPatch shapes are not supported."),
            _ => throw Invalid(recordNumber, $"unknown shape type {(int)type}"),
        };
    }

    private Point ReadPoint(ReadOnlySpan<byte> content, bool hasZ, int recordNumber)
    {
        Require(content, hasZ ? 28 : 20, recordNumber, "point");
        var sequence = _factory.CoordinateSequenceFactory.Create(1, hasZ ? 3 : 2, 0);
        sequence.SetX(0, BinaryPrimitives.ReadDoubleLittleEndian(content[4..]));
        sequence.SetY(0, BinaryPrimitives.ReadDoubleLittleEndian(content[12..]));
        if (hasZ)
        {
            sequence.SetZ(0, BinaryPrimitives.ReadDoubleLittleEndian(content[20..]));
        }

        return _factory.CreatePoint(sequence);
    }

    private Geometry ReadMultiPoint(ReadOnlySpan<byte> content, bool hasZ, int recordNumber)
    {
        // Shape type (4), box (32), NumPoints (4), Points[NumPoints] (16 each),
        // then for Z: Zmin, Zmax (16), Zarray[NumPoints] (8 each).
        Require(content, 40, recordNumber, "multipoint header");
        int numPoints = BinaryPrimitives.ReadInt32LittleEndian(content[36..]);
        if (numPoints < 0)
        {
            throw Invalid(recordNumber, $"negative number of points {numPoints}");
        }

        long pointsEnd = 40 + (16L * numPoints);
        Require(content, pointsEnd, recordNumber, $"{numPoints} points");
        if (numPoints == 0)
        {
            return _empty.Copy();
        }

        int zStart = 0;
        if (hasZ)
        {
            Require(content, pointsEnd + 16 + (8L * numPoints), recordNumber, $"Z values of {numPoints} points");
            zStart = (int)pointsEnd + 16;
        }

        var points = new Point[numPoints];
        for (int i = 0; i < numPoints; i++)
        {
            var sequence = _factory.CoordinateSequenceFactory.Create(1, hasZ ? 3 : 2, 0);
            int at = 40 + (16 * i);
            sequence.SetX(0, BinaryPrimitives.ReadDoubleLittleEndian(content[at..]));
            sequence.SetY(0, BinaryPrimitives.ReadDoubleLittleEndian(content[(at + 8)..]));
            if (hasZ)
            {
                sequence.SetZ(0, BinaryPrimitives.ReadDoubleLittleEndian(content[(zStart + (8 * i))..]));
            }

            points[i] = _factory.CreatePoint(sequence);
        }

        return _factory.CreateMultiPoint(points);
    }

    private Geometry ReadPolyLine(ReadOnlySpan<byte> content, bool hasZ, int recordNumber)
    {
        var parts = ReadParts(content, hasZ, recordNumber, minimumPartSize: 2);
        if (parts.Count == 0)
        {
            return _empty.Copy();
        }

        if (parts.Count == 1)
        {
            return _factory.CreateLineString(parts[0]);
        }

        var lines = new LineString[parts.Count];
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = _factory.CreateLineString(parts[i]);
        }

        return _factory.CreateMultiLineString(lines);
    }

    private Geometry ReadPolygon(ReadOnlySpan<byte> content, bool hasZ, int recordNumber)
    {
        var parts = ReadParts(content, hasZ, recordNumber, minimumPartSize: 4, closeRings: true);
        if (parts.Count == 0)
        {
            return _empty.Copy();
        }

        var rings = new LinearRing[parts.Count];
        for (int i = 0; i < rings.Length; i++)
        {
            rings[i] = _factory.CreateLinearRing(parts[i]);
        }

        return PolygonAssembler.Assemble(_factory, rings);
    }

    /// <summary>
    /// Reads the parts of a PolyLine or Polygon record: shape type (4), box (32), NumParts (4),
    /// NumPoints (4), Parts[NumParts] (4 each), Points[NumPoints] (16 each), then for Z types
    /// Zmin, Zmax (16) and Zarray[NumPoints] (8 each); an optional M block follows and is ignored.
    /// </summary>
    private List<CoordinateSequence> ReadParts(
        ReadOnlySpan<byte> content, bool hasZ, int recordNumber, int minimumPartSize, bool closeRings = false)
    {
        Require(content, 44, recordNumber, "part and point counts");
        int numParts = BinaryPrimitives.ReadInt32LittleEndian(content[36..]);
        int numPoints = BinaryPrimitives.ReadInt32LittleEndian(content[40..]);
        if (numParts < 0 || numPoints < 0)
        {
            throw Invalid(recordNumber, $"negative number of parts ({numParts}) or points ({numPoints})");
        }

        long pointsStart = 44 + (4L * numParts);
        long pointsEnd = pointsStart + (16L * numPoints);
        Require(content, pointsEnd, recordNumber, $"{numParts} parts and {numPoints} points");
        long zStart = 0;
        if (hasZ)
        {
            Require(content, pointsEnd + 16 + (8L * numPoints), recordNumber, $"Z values of {numPoints} points");
            zStart = pointsEnd + 16;
        }

        var result = new List<CoordinateSequence>(numParts);
        if (numParts == 0 || numPoints == 0)
        {
            return result;
        }

        var partStarts = content[44..(int)pointsStart];
        int previous = -1;
        for (int part = 0; part < numParts; part++)
        {
            int start = BinaryPrimitives.ReadInt32LittleEndian(partStarts[(4 * part)..]);
            if (start < 0 || start >= numPoints || start <= previous)
            {
                throw Invalid(recordNumber,
                    $"part {part} starts at point {start}, outside 0..{numPoints - 1} or not after the previous part");
            }

            previous = start;
        }

        var points = content[(int)pointsStart..(int)pointsEnd];
        var zValues = hasZ ? content[(int)zStart..] : default;
        for (int part = 0; part < numParts; part++)
        {
            int start = BinaryPrimitives.ReadInt32LittleEndian(partStarts[(4 * part)..]);
            int end = part + 1 < numParts ? BinaryPrimitives.ReadInt32LittleEndian(partStarts[(4 * (part + 1))..]) : numPoints;
            result.Add(ReadSequence(points, zValues, start, end - start, minimumPartSize, closeRings));
        }

        return result;
    }

    /// <summary>
    /// Copies <paramref name="count"/> points starting at <paramref name="start"/> into a coordinate
    /// sequence, closing it when asked (first point appended when the last differs) and padding it
    /// with copies of its last point up to <paramref name="minimumSize"/> points, so that degenerate parts still
    /// make valid NetTopologySuite lines and rings (GDAL keeps such parts too).
    /// </summary>
    private CoordinateSequence ReadSequence(
        ReadOnlySpan<byte> points, ReadOnlySpan<byte> zValues, int start, int count, int minimumSize, bool close)
    {
        double firstX = BinaryPrimitives.ReadDoubleLittleEndian(points[(16 * start)..]);
        double firstY = BinaryPrimitives.ReadDoubleLittleEndian(points[((16 * start) + 8)..]);
        int last = start + count - 1;
        double lastX = BinaryPrimitives.ReadDoubleLittleEndian(points[(16 * last)..]);
        double lastY = BinaryPrimitives.ReadDoubleLittleEndian(points[((16 * last) + 8)..]);
        bool addClosing = close && count > 1 && (firstX != lastX || firstY != lastY);
        int size = Math.Max(count + (addClosing ? 1 : 0), minimumSize);
        bool hasZ = !zValues.IsEmpty;
        var sequence = _factory.CoordinateSequenceFactory.Create(size, hasZ ? 3 : 2, 0);
        for (int i = 0; i < size; i++)
        {
            // Points past the part are the closing point and its copies, or copies of the last point.
            int source = i < count ? start + i : (addClosing ? start : last);
            int at = 16 * source;
            sequence.SetX(i, BinaryPrimitives.ReadDoubleLittleEndian(points[at..]));
            sequence.SetY(i, BinaryPrimitives.ReadDoubleLittleEndian(points[(at + 8)..]));
            if (hasZ)
            {
                sequence.SetZ(i, BinaryPrimitives.ReadDoubleLittleEndian(zValues[(8 * source)..]));
            }
        }

        return sequence;
    }

    private void Require(ReadOnlySpan<byte> content, long needed, int recordNumber, string what)
    {
        if (content.Length < needed)
        {
            throw Invalid(recordNumber,
                $"the record content is {content.Length} bytes but {needed} bytes are needed for its {what}; the record is truncated or corrupt");
        }
    }

    private InvalidDataException Invalid(int recordNumber, string detail) =>
        new($"{_path}: record {recordNumber}: {detail}.");
}
