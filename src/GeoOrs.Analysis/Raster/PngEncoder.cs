using System.Buffers.Binary;
using System.IO.Compression;

namespace GeoOrs.Analysis.Raster;

/// <summary>
/// Writes an <see cref="Rgba32Image"/> as a PNG file (RFC 2083; W3C "Portable Network Graphics
/// (PNG) Specification", 3rd ed.): the 8-byte signature, an IHDR chunk (8-bit depth, colour type 6
/// truecolour with alpha, compression 0, filter method 0, no interlace), one IDAT chunk holding the
/// filtered scanlines as a zlib stream (RFC 1950, written by <see cref="ZLibStream"/>) and IEND.
/// Every chunk ends with the <see cref="Crc32"/> of its type and data.
/// </summary>
public static class PngEncoder
{
    private const int BytesPerPixel = 4;

    private static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Encodes the image as PNG bytes.</summary>
    /// <param name="image">The image.</param>
    /// <param name="filter">Scanline filtering; <see cref="PngFilter.Adaptive"/> by default.</param>
    /// <param name="compression">zlib effort; <see cref="CompressionLevel.Fastest"/> by default (tiles are served fresh).</param>
    /// <returns>The PNG file.</returns>
    public static byte[] Encode(Rgba32Image image, PngFilter filter = PngFilter.Adaptive, CompressionLevel compression = CompressionLevel.Fastest)
    {
        using var ms = new MemoryStream();
        Write(ms, image, filter, compression);
        return ms.ToArray();
    }

    /// <summary>Writes the image as PNG to <paramref name="output"/> (which is left open).</summary>
    /// <param name="output">A writable stream.</param>
    /// <param name="image">The image.</param>
    /// <param name="filter">Scanline filtering; <see cref="PngFilter.Adaptive"/> by default.</param>
    /// <param name="compression">zlib effort; <see cref="CompressionLevel.Fastest"/> by default.</param>
    public static void Write(Stream output, Rgba32Image image, PngFilter filter = PngFilter.Adaptive, CompressionLevel compression = CompressionLevel.Fastest)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(image);
        if (filter is < PngFilter.None or > PngFilter.Adaptive)
        {
            throw new ArgumentOutOfRangeException(nameof(filter));
        }

        output.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 6;  // colour type: truecolour with alpha
        ihdr[10] = 0; // compression method: deflate
        ihdr[11] = 0; // filter method 0 (adaptive, five types)
        ihdr[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, ihdr);

        using (var idat = new MemoryStream((image.Height * (image.Stride + 1) / 4) + 64))
        {
            using (var z = new ZLibStream(idat, compression, leaveOpen: true))
            {
                WriteScanlines(z, image, filter);
            }

            WriteChunk(output, "IDAT"u8, idat.GetBuffer().AsSpan(0, (int)idat.Length));
        }

        WriteChunk(output, "IEND"u8, []);
    }

    private static void WriteScanlines(Stream z, Rgba32Image image, PngFilter filter)
    {
        var stride = image.Stride;
        var pixels = image.Pixels;
        var zero = new byte[stride];
        var candidates = new byte[5][];
        for (var i = 0; i < 5; i++)
        {
            candidates[i] = new byte[stride + 1];
            candidates[i][0] = (byte)i;
        }

        for (var y = 0; y < image.Height; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(y * stride, stride);
            ReadOnlySpan<byte> prior = y == 0 ? zero : pixels.Slice((y - 1) * stride, stride);
            byte[] chosen;
            if (filter == PngFilter.Adaptive)
            {
                chosen = candidates[0];
                var best = long.MaxValue;
                for (var t = 0; t < 5; t++)
                {
                    var sum = Apply((PngFilter)t, row, prior, candidates[t].AsSpan(1));
                    if (sum < best)
                    {
                        best = sum;
                        chosen = candidates[t];
                    }
                }
            }
            else
            {
                chosen = candidates[(int)filter];
                Apply(filter, row, prior, chosen.AsSpan(1));
            }

            z.Write(chosen, 0, stride + 1);
        }
    }

    /// <summary>Filters one row (W3C PNG §9.2) and returns the sum of |signed byte| of the output.</summary>
    private static long Apply(PngFilter type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, Span<byte> dst)
    {
        long sum = 0;
        var n = row.Length;
        switch (type)
        {
            case PngFilter.None:
                row.CopyTo(dst);
                for (var i = 0; i < n; i++)
                {
                    sum += Math.Abs((int)(sbyte)row[i]);
                }

                break;
            case PngFilter.Sub:
                for (var i = 0; i < n; i++)
                {
                    var left = i >= BytesPerPixel ? row[i - BytesPerPixel] : 0;
                    var v = (byte)(row[i] - left);
                    dst[i] = v;
                    sum += Math.Abs((int)(sbyte)v);
                }

                break;
            case PngFilter.Up:
                for (var i = 0; i < n; i++)
                {
                    var v = (byte)(row[i] - prior[i]);
                    dst[i] = v;
                    sum += Math.Abs((int)(sbyte)v);
                }

                break;
            case PngFilter.Average:
                for (var i = 0; i < n; i++)
                {
                    var left = i >= BytesPerPixel ? row[i - BytesPerPixel] : 0;
                    var v = (byte)(row[i] - ((left + prior[i]) >> 1));
                    dst[i] = v;
                    sum += Math.Abs((int)(sbyte)v);
                }

                break;
            default:
                for (var i = 0; i < n; i++)
                {
                    int a = 0, c = 0;
                    if (i >= BytesPerPixel)
                    {
                        a = row[i - BytesPerPixel];
                        c = prior[i - BytesPerPixel];
                    }

                    var v = (byte)(row[i] - Paeth(a, prior[i], c));
                    dst[i] = v;
                    sum += Math.Abs((int)(sbyte)v);
                }

                break;
        }

        return sum;
    }

    /// <summary>The Paeth predictor (Alan W. Paeth; W3C PNG §9.4), ties broken in the order a, b, c.</summary>
    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        return pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        var crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }
}
