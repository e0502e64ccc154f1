using System.Buffers.Binary;

namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// Record offsets and content lengths of a shapefile, from its index file (<c>.shx</c>): after the
/// 100-byte header, one 8-byte record per shape holding the record's offset in the main file and
/// its content length, both big-endian integers counted in 16-bit words (ESRI Shapefile Technical
/// Description, July 1998, "Organization of the Index File"). Without an index file the same
/// information is recovered by walking the record headers of the main file.
/// </summary>
internal sealed class ShapefileIndex
{
    private readonly long[] _offsets;
    private readonly int[] _contentLengths;

    private ShapefileIndex(long[] offsets, int[] contentLengths)
    {
        _offsets = offsets;
        _contentLengths = contentLengths;
    }

    /// <summary>The number of records.</summary>
    public int Count => _offsets.Length;

    /// <summary>The byte offset in the main file of the record header of record <paramref name="index"/> (0-based).</summary>
    public long Offset(int index) => _offsets[index];

    /// <summary>The content length in bytes (excluding the 8-byte record header) of record <paramref name="index"/>.</summary>
    public int ContentLength(int index) => _contentLengths[index];

    /// <summary>Reads an index file.</summary>
    /// <param name="shxPath">The path of the <c>.shx</c> file.</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">The file is not a shapefile index or is truncated.</exception>
    public static ShapefileIndex ReadShx(string shxPath)
    {
        using var stream = new FileStream(shxPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var header = ShapefileHeader.Read(stream, shxPath);
        long declared = header.FileLength;
        long actual = stream.Length;
        if (declared < ShapefileHeader.Size || (declared - ShapefileHeader.Size) % 8 != 0)
        {
            throw new InvalidDataException(
                $"{shxPath}: the header declares a file length of {declared} bytes, which is not 100 + 8 * n.");
        }

        if (declared > actual)
        {
            throw new InvalidDataException(
                $"{shxPath}: the index file is truncated: the header declares {declared} bytes but the file has {actual}.");
        }

        long count = (declared - ShapefileHeader.Size) / 8;
        if (count > int.MaxValue)
        {
            throw new InvalidDataException($"{shxPath}: too many records ({count}).");
        }

        var bytes = new byte[count * 8];
        stream.ReadExactly(bytes);
        var offsets = new long[count];
        var lengths = new int[count];
        for (int i = 0; i < offsets.Length; i++)
        {
            var entry = bytes.AsSpan(i * 8, 8);
            offsets[i] = 2L * (uint)BinaryPrimitives.ReadInt32BigEndian(entry);
            long length = 2L * BinaryPrimitives.ReadInt32BigEndian(entry[4..]);
            if (offsets[i] < ShapefileHeader.Size || length < 0 || length > int.MaxValue - 8)
            {
                throw new InvalidDataException(
                    $"{shxPath}: record {i + 1}: invalid index entry (offset {offsets[i]} bytes, content length {length} bytes).");
            }

            lengths[i] = (int)length;
        }

        return new ShapefileIndex(offsets, lengths);
    }

    /// <summary>
    /// Builds the index by walking the record headers of the main file (record number and content
    /// length, big-endian), for a shapefile that has no <c>.shx</c>.
    /// </summary>
    /// <param name="shp">The main file, any position; it is left at an unspecified position.</param>
    /// <param name="shpPath">The path of the main file, for error messages.</param>
    /// <returns>The index.</returns>
    public static ShapefileIndex ScanShp(Stream shp, string shpPath)
    {
        var offsets = new List<long>();
        var lengths = new List<int>();
        long length = shp.Length;
        long position = ShapefileHeader.Size;
        Span<byte> recordHeader = stackalloc byte[8];
        while (position + 8 <= length)
        {
            shp.Position = position;
            shp.ReadExactly(recordHeader);
            long contentLength = 2L * BinaryPrimitives.ReadInt32BigEndian(recordHeader[4..]);
            if (contentLength < 0 || contentLength > int.MaxValue - 8)
            {
                throw new InvalidDataException(
                    $"{shpPath}: record {offsets.Count + 1}: invalid content length {contentLength} bytes in the record header.");
            }

            offsets.Add(position);
            lengths.Add((int)contentLength);
            position += 8 + contentLength;
        }

        return new ShapefileIndex([.. offsets], [.. lengths]);
    }
}
