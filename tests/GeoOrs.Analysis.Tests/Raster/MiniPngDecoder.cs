using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GeoOrs.Analysis.Tests.Raster;

/// <summary>
/// A deliberately independent, minimal PNG reader (8-bit RGBA, non-interlaced only) used to check the
/// PNG tiles and legends SkiaSharp encodes: verifies the signature and every chunk CRC (with a bitwise
/// CRC-32), parses IHDR, inflates the concatenated IDAT zlib stream and reverses the five filter
/// types of W3C PNG §9.
/// </summary>
internal static class MiniPngDecoder
{
    internal sealed record Decoded(int Width, int Height, byte BitDepth, byte ColorType, byte Compression, byte Filter, byte Interlace,
        byte[] Pixels, byte[] FilterTypes, List<string> ChunkTypes);

    public static Decoded Decode(byte[] png)
    {
        byte[] sig = [137, 80, 78, 71, 13, 10, 26, 10];
        Assert.Equal(sig, png[..8]);
        var pos = 8;
        var types = new List<string>();
        byte[]? ihdr = null;
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            var len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, len);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.Equal(BitwiseCrc(png.AsSpan(pos + 4, len + 4)), crc);
            types.Add(type);
            if (type == "IHDR")
            {
                ihdr = data.ToArray();
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            pos += 12 + len;
        }

        Assert.Equal(png.Length, pos);
        Assert.NotNull(ihdr);
        Assert.Equal(13, ihdr.Length);
        var w = BinaryPrimitives.ReadInt32BigEndian(ihdr);
        var h = BinaryPrimitives.ReadInt32BigEndian(ihdr.AsSpan(4));
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var bytes = raw.ToArray();
        var stride = w * 4;
        Assert.Equal(h * (stride + 1), bytes.Length);
        var pixels = new byte[h * stride];
        var filters = new byte[h];
        for (var y = 0; y < h; y++)
        {
            var f = bytes[y * (stride + 1)];
            filters[y] = f;
            for (var i = 0; i < stride; i++)
            {
                int v = bytes[(y * (stride + 1)) + 1 + i];
                int a = i >= 4 ? pixels[(y * stride) + i - 4] : 0;
                int b = y > 0 ? pixels[((y - 1) * stride) + i] : 0;
                int c = i >= 4 && y > 0 ? pixels[((y - 1) * stride) + i - 4] : 0;
                v += f switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"filter {f}"),
                };
                pixels[(y * stride) + i] = (byte)v;
            }
        }

        return new Decoded(w, h, ihdr[8], ihdr[9], ihdr[10], ihdr[11], ihdr[12], pixels, filters, types);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var bt in data)
        {
            crc ^= bt;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
