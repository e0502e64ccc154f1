using System.Buffers.Binary;
using System.Text;

namespace GeoOrs.Data.Tests.Shapefiles;

/// <summary>
/// Writes small shapefiles byte by byte (.shp, .shx, .dbf and optionally .cpg and .prj) following the
/// ESRI Shapefile Technical Description (July 1998) and the dBASE III file format, so that tests can
/// build exactly the edge case they need.
/// </summary>
internal sealed class ShapefileBuilder(ShapeType shapeType)
{
    private readonly List<(string Name, char Type, int Length, int Decimals)> _fields = [];
    private readonly List<(byte[] Content, byte[]?[] Values, bool Deleted)> _records = [];

    /// <summary>Encoding of the text values written to the .dbf.</summary>
    public Encoding TextEncoding { get; set; } = Encoding.UTF8;

    /// <summary>Byte 29 of the dBASE header.</summary>
    public byte LanguageDriver { get; set; }

    /// <summary>Content of the .cpg file, or null for none.</summary>
    public string? CodePage { get; set; }

    /// <summary>Content of the .prj file, or null for none.</summary>
    public string? Projection { get; set; }

    /// <summary>Whether to write the .shx index.</summary>
    public bool WriteIndex { get; set; } = true;

    /// <summary>Adds a dBASE field.</summary>
    public ShapefileBuilder Field(string name, char type, int length, int decimals = 0)
    {
        _fields.Add((name, type, length, decimals));
        return this;
    }

    /// <summary>Adds a record: its shape content and its attribute values as text (null = blank).</summary>
    public ShapefileBuilder Record(byte[] content, params string?[] values) => Add(content, values, deleted: false);

    /// <summary>Adds a record whose dBASE deletion flag is set.</summary>
    public ShapefileBuilder DeletedRecord(byte[] content, params string?[] values) => Add(content, values, deleted: true);

    /// <summary>Adds a record with raw attribute bytes (for testing encodings byte by byte).</summary>
    public ShapefileBuilder RawRecord(byte[] content, params byte[]?[] values)
    {
        Assert.Equal(_fields.Count, values.Length);
        _records.Add((content, values, false));
        return this;
    }

    /// <summary>Writes the files and returns the .shp path.</summary>
    /// <param name="directory">The target directory.</param>
    /// <param name="name">The base name.</param>
    public string Write(string directory, string name)
    {
        string shp = Path.Combine(directory, name + ".shp");
        var main = new MemoryStream();
        var index = new MemoryStream();
        main.Write(new byte[100]);
        index.Write(new byte[100]);
        var bounds = new double[] { double.MaxValue, double.MaxValue, double.MinValue, double.MinValue };
        for (int i = 0; i < _records.Count; i++)
        {
            byte[] content = _records[i].Content;
            var entry = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(entry, (int)(main.Position / 2));
            BinaryPrimitives.WriteInt32BigEndian(entry.AsSpan(4), content.Length / 2);
            index.Write(entry);

            var recordHeader = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(recordHeader, i + 1);
            BinaryPrimitives.WriteInt32BigEndian(recordHeader.AsSpan(4), content.Length / 2);
            main.Write(recordHeader);
            main.Write(content);
            Extend(bounds, content);
        }

        if (bounds[0] > bounds[2])
        {
            bounds = [0, 0, 0, 0];
        }

        File.WriteAllBytes(shp, WithHeader(main.ToArray(), bounds));
        if (WriteIndex)
        {
            File.WriteAllBytes(Path.ChangeExtension(shp, ".shx"), WithHeader(index.ToArray(), bounds));
        }

        File.WriteAllBytes(Path.ChangeExtension(shp, ".dbf"), Dbf());
        if (CodePage is not null)
        {
            File.WriteAllText(Path.ChangeExtension(shp, ".cpg"), CodePage);
        }

        if (Projection is not null)
        {
            File.WriteAllText(Path.ChangeExtension(shp, ".prj"), Projection);
        }

        return shp;
    }

    /// <summary>Record content of a Null shape.</summary>
    public static byte[] NullShape() => new byte[4];

    /// <summary>Record content of a Point.</summary>
    public static byte[] Point(double x, double y)
    {
        var content = new byte[20];
        BinaryPrimitives.WriteInt32LittleEndian(content, (int)ShapeType.Point);
        BinaryPrimitives.WriteDoubleLittleEndian(content.AsSpan(4), x);
        BinaryPrimitives.WriteDoubleLittleEndian(content.AsSpan(12), y);
        return content;
    }

    /// <summary>Record content of a PointZ (X, Y, Z and, unless null, M).</summary>
    public static byte[] PointZ(double x, double y, double z, double? m)
    {
        var content = new byte[m is null ? 28 : 36];
        BinaryPrimitives.WriteInt32LittleEndian(content, (int)ShapeType.PointZ);
        BinaryPrimitives.WriteDoubleLittleEndian(content.AsSpan(4), x);
        BinaryPrimitives.WriteDoubleLittleEndian(content.AsSpan(12), y);
        BinaryPrimitives.WriteDoubleLittleEndian(content.AsSpan(20), z);
        if (m is not null)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(content.AsSpan(28), m.Value);
        }

        return content;
    }

    /// <summary>Record content of a Polygon (type 5) with the given rings, written as given.</summary>
    public static byte[] Polygon(params (double X, double Y)[][] rings) => Parts(ShapeType.Polygon, rings, null, null);

    /// <summary>Record content of a PolyLine (type 3).</summary>
    public static byte[] PolyLine(params (double X, double Y)[][] parts) => Parts(ShapeType.PolyLine, parts, null, null);

    /// <summary>Record content of a PolyLineZ (type 13) with Z and M values per point.</summary>
    public static byte[] PolyLineZ((double X, double Y)[][] parts, double[] z, double[] m) => Parts(ShapeType.PolyLineZ, parts, z, m);

    /// <summary>Record content of a PolyLineM (type 23) with M values per point.</summary>
    public static byte[] PolyLineM((double X, double Y)[][] parts, double[] m) => Parts(ShapeType.PolyLineM, parts, null, m);

    /// <summary>A clockwise (outer ring) axis-aligned square, closed.</summary>
    public static (double X, double Y)[] ClockwiseSquare(double minX, double minY, double maxX, double maxY) =>
        [(minX, minY), (minX, maxY), (maxX, maxY), (maxX, minY), (minX, minY)];

    /// <summary>A counter-clockwise (hole) axis-aligned square, closed.</summary>
    public static (double X, double Y)[] CounterClockwiseSquare(double minX, double minY, double maxX, double maxY) =>
        [(minX, minY), (maxX, minY), (maxX, maxY), (minX, maxY), (minX, minY)];

    private ShapefileBuilder Add(byte[] content, string?[] values, bool deleted)
    {
        Assert.Equal(_fields.Count, values.Length);
        _records.Add((content, [.. values.Select(v => v is null ? null : TextEncoding.GetBytes(v))], deleted));
        return this;
    }

    private static byte[] Parts(ShapeType type, (double X, double Y)[][] parts, double[]? z, double[]? m)
    {
        var points = parts.SelectMany(p => p).ToArray();
        int size = 44 + (4 * parts.Length) + (16 * points.Length);
        if (z is not null)
        {
            size += 16 + (8 * points.Length);
        }

        if (m is not null)
        {
            size += 16 + (8 * points.Length);
        }

        var content = new byte[size];
        var span = content.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, (int)type);
        double[] box = points.Length == 0
            ? [0, 0, 0, 0]
            : [points.Min(p => p.X), points.Min(p => p.Y), points.Max(p => p.X), points.Max(p => p.Y)];
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span[(4 + (8 * i))..], box[i]);
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[36..], parts.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], points.Length);
        int start = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[(44 + (4 * i))..], start);
            start += parts[i].Length;
        }

        int at = 44 + (4 * parts.Length);
        foreach (var (x, y) in points)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span[at..], x);
            BinaryPrimitives.WriteDoubleLittleEndian(span[(at + 8)..], y);
            at += 16;
        }

        foreach (var values in new[] { z, m })
        {
            if (values is null)
            {
                continue;
            }

            Assert.Equal(points.Length, values.Length);
            BinaryPrimitives.WriteDoubleLittleEndian(span[at..], values.Min());
            BinaryPrimitives.WriteDoubleLittleEndian(span[(at + 8)..], values.Max());
            at += 16;
            foreach (double value in values)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(span[at..], value);
                at += 8;
            }
        }

        return content;
    }

    /// <summary>Grows the file bounds with the X/Y extent of one record's content.</summary>
    private static void Extend(double[] bounds, byte[] content)
    {
        if (content.Length < 4)
        {
            return;
        }

        var type = (ShapeType)BinaryPrimitives.ReadInt32LittleEndian(content);
        double minX, minY, maxX, maxY;
        if (type is ShapeType.Point or ShapeType.PointZ or ShapeType.PointM)
        {
            minX = maxX = BinaryPrimitives.ReadDoubleLittleEndian(content.AsSpan(4));
            minY = maxY = BinaryPrimitives.ReadDoubleLittleEndian(content.AsSpan(12));
        }
        else if (type != ShapeType.Null && content.Length >= 36)
        {
            minX = BinaryPrimitives.ReadDoubleLittleEndian(content.AsSpan(4));
            minY = BinaryPrimitives.ReadDoubleLittleEndian(content.AsSpan(12));
            maxX = BinaryPrimitives.ReadDoubleLittleEndian(content.AsSpan(20));
            maxY = BinaryPrimitives.ReadDoubleLittleEndian(content.AsSpan(28));
        }
        else
        {
            return;
        }

        bounds[0] = Math.Min(bounds[0], minX);
        bounds[1] = Math.Min(bounds[1], minY);
        bounds[2] = Math.Max(bounds[2], maxX);
        bounds[3] = Math.Max(bounds[3], maxY);
    }

    /// <summary>Prepends the 100-byte main file / index header to a body.</summary>
    private byte[] WithHeader(byte[] body, double[] bounds)
    {
        var header = body.AsSpan(0, 100);
        BinaryPrimitives.WriteInt32BigEndian(header, 9994);
        BinaryPrimitives.WriteInt32BigEndian(header[24..], body.Length / 2);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], 1000);
        BinaryPrimitives.WriteInt32LittleEndian(header[32..], (int)shapeType);
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(header[(36 + (8 * i))..], bounds[i]);
        }

        return body;
    }

    /// <summary>The dBASE III file: header, field descriptors, 0x0D, records, 0x1A.</summary>
    private byte[] Dbf()
    {
        int headerLength = 32 + (32 * _fields.Count) + 1;
        int recordLength = 1 + _fields.Sum(f => f.Length);
        var dbf = new MemoryStream();
        var header = new byte[32];
        header[0] = 0x03;
        header[1] = 125;
        header[2] = 1;
        header[3] = 2;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), _records.Count);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(8), (short)headerLength);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(10), (short)recordLength);
        header[29] = LanguageDriver;
        dbf.Write(header);
        foreach (var (name, type, length, decimals) in _fields)
        {
            var descriptor = new byte[32];
            Encoding.ASCII.GetBytes(name).CopyTo(descriptor, 0);
            descriptor[11] = (byte)type;
            descriptor[16] = (byte)length;
            descriptor[17] = (byte)decimals;
            dbf.Write(descriptor);
        }

        dbf.WriteByte(0x0D);
        foreach (var (_, values, deleted) in _records)
        {
            dbf.WriteByte(deleted ? (byte)'*' : (byte)' ');
            for (int i = 0; i < _fields.Count; i++)
            {
                var (_, type, length, _) = _fields[i];
                var cell = Enumerable.Repeat((byte)' ', length).ToArray();
                var value = values[i] ?? [];
                Assert.True(value.Length <= length, $"value too long for field {_fields[i].Name}");

                // Numbers are right-aligned, text left-aligned, as dBASE writes them.
                int at = type is 'N' or 'F' ? length - value.Length : 0;
                value.CopyTo(cell, at);
                dbf.Write(cell);
            }
        }

        dbf.WriteByte(0x1A);
        return dbf.ToArray();
    }
}

/// <summary>The shape types of the ESRI Shapefile Technical Description (July 1998), table 1.</summary>
internal enum ShapeType
{
    Null = 0,
    Point = 1,
    PolyLine = 3,
    Polygon = 5,
    MultiPoint = 8,
    PointZ = 11,
    PolyLineZ = 13,
    PolygonZ = 15,
    MultiPointZ = 18,
    PointM = 21,
    PolyLineM = 23,
    PolygonM = 25,
    MultiPointM = 28,
    MultiPatch = 31,
}
