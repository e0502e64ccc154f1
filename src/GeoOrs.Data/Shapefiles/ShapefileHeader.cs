using System.Buffers.Binary;
using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// The 100-byte header shared by the main file (<c>.shp</c>) and the index file (<c>.shx</c>),
/// ESRI Shapefile Technical Description (July 1998), table 1 ("Description of the Main File Header"):
/// <list type="table">
/// <item><term>0</term><description>file code 9994, big-endian integer</description></item>
/// <item><term>24</term><description>file length in 16-bit words including the header, big-endian integer</description></item>
/// <item><term>28</term><description>version 1000, little-endian integer</description></item>
/// <item><term>32</term><description>shape type, little-endian integer</description></item>
/// <item><term>36-99</term><description>Xmin, Ymin, Xmax, Ymax, Zmin, Zmax, Mmin, Mmax, little-endian doubles</description></item>
/// </list>
/// </summary>
internal sealed class ShapefileHeader
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 100;

    /// <summary>The value of the file code field.</summary>
    public const int FileCode = 9994;

    private ShapefileHeader(long fileLength, ShapeType shapeType, Envelope bounds)
    {
        FileLength = fileLength;
        ShapeType = shapeType;
        Bounds = bounds;
    }

    /// <summary>The file length in bytes as declared by the header.</summary>
    public long FileLength { get; }

    /// <summary>The shape type of the file.</summary>
    public ShapeType ShapeType { get; }

    /// <summary>The X/Y bounding box of the file.</summary>
    public Envelope Bounds { get; }

    /// <summary>Reads and validates the header at the start of <paramref name="stream"/>.</summary>
    /// <param name="stream">A stream positioned at 0.</param>
    /// <param name="path">The file path, for error messages.</param>
    /// <returns>The parsed header.</returns>
    /// <exception cref="InvalidDataException">The file is too short or its file code is not 9994.</exception>
    public static ShapefileHeader Read(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[Size];
        int read = stream.ReadAtLeast(header, Size, throwOnEndOfStream: false);
        if (read < Size)
        {
            throw new InvalidDataException(
                $"{path}: the file is {read} bytes long, shorter than the {Size}-byte shapefile header.");
        }

        int fileCode = BinaryPrimitives.ReadInt32BigEndian(header);
        if (fileCode != FileCode)
        {
            throw new InvalidDataException(
                $"{path}: not a shapefile: the file code is {fileCode}, expected {FileCode}.");
        }

        long fileLength = 2L * (uint)BinaryPrimitives.ReadInt32BigEndian(header[24..]);
        int shapeType = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
        if (!Enum.IsDefined((ShapeType)shapeType))
        {
            throw new InvalidDataException($"{path}: unknown shape type {shapeType} in the header.");
        }

        double xMin = BinaryPrimitives.ReadDoubleLittleEndian(header[36..]);
        double yMin = BinaryPrimitives.ReadDoubleLittleEndian(header[44..]);
        double xMax = BinaryPrimitives.ReadDoubleLittleEndian(header[52..]);
        double yMax = BinaryPrimitives.ReadDoubleLittleEndian(header[60..]);
        return new ShapefileHeader(fileLength, (ShapeType)shapeType, new Envelope(xMin, xMax, yMin, yMax));
    }
}
