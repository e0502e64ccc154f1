using GeoOrs.Analysis.Raster;


namespace GeoOrs.Analysis.Tests.Raster;

public class PngEncoderTests
{
    private static Rgba32Image Noisy(int w, int h, int seed)
    {
        var img = new Rgba32Image(w, h);
        var rnd = new Random(seed);
        rnd.NextBytes(img.Pixels);
        return img;
    }

    /// <summary>Smooth gradients plus flat areas and noise, so the adaptive chooser picks several filter types.</summary>
    private static Rgba32Image Mixed(int w, int h)
    {
        var img = new Rgba32Image(w, h);
        var rnd = new Random(7);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var c = (y % 5) switch
                {
                    0 => new Rgba32((byte)(x * 3), (byte)(x * 5), (byte)(x * 7), 255),
                    1 => new Rgba32((byte)(x * 3), (byte)(x * 5), (byte)(x * 7), 255),
                    2 => new Rgba32((byte)(x + y), (byte)(x * y), (byte)(x ^ y), (byte)(255 - x)),
                    3 => new Rgba32((byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256)),
                    _ => new Rgba32(10, 20, 30, 40),
                };
                img.SetPixel(x, y, c);
            }
        }

        return img;
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(MiniPngDecoder.BitwiseCrc("IEND"u8), Crc32.Compute("IEND"u8));
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8)); // the CRC every PNG ends with
    }

    [Fact]
    public void Header_and_chunks_are_valid()
    {
        var img = new Rgba32Image(3, 2);
        img.SetPixel(0, 0, new Rgba32(255, 0, 0));
        img.SetPixel(2, 1, new Rgba32(0, 0, 255, 128));
        var png = PngEncoder.Encode(img);
        var d = MiniPngDecoder.Decode(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], d.ChunkTypes);
        Assert.Equal((3, 2, (byte)8, (byte)6, (byte)0, (byte)0, (byte)0), (d.Width, d.Height, d.BitDepth, d.ColorType, d.Compression, d.Filter, d.Interlace));
        Assert.Equal(img.Pixels.ToArray(), d.Pixels);
        Assert.Equal([0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82], png[^12..]);
    }

    [Theory]
    [InlineData(PngFilter.None)]
    [InlineData(PngFilter.Sub)]
    [InlineData(PngFilter.Up)]
    [InlineData(PngFilter.Average)]
    [InlineData(PngFilter.Paeth)]
    [InlineData(PngFilter.Adaptive)]
    public void Pixels_round_trip_with_every_filter(PngFilter filter)
    {
        foreach (var img in new[] { Noisy(17, 9, 1), Mixed(40, 25), new Rgba32Image(1, 1) })
        {
            var d = MiniPngDecoder.Decode(PngEncoder.Encode(img, filter));
            Assert.Equal(img.Pixels.ToArray(), d.Pixels);
            if (filter != PngFilter.Adaptive)
            {
                Assert.All(d.FilterTypes, f => Assert.Equal((byte)filter, f));
            }
        }
    }

    [Fact]
    public void Adaptive_filtering_uses_several_filter_types_and_round_trips()
    {
        var img = Mixed(64, 40);
        var d = MiniPngDecoder.Decode(PngEncoder.Encode(img));
        Assert.Equal(img.Pixels.ToArray(), d.Pixels);
        Assert.True(d.FilterTypes.Distinct().Count() >= 3, string.Join(",", d.FilterTypes));
        // A flat row repeating the row above is best filtered by Up (all zeros).
        Assert.Equal(2, d.FilterTypes[1]);
    }

    [Fact]
    public void Write_leaves_the_stream_open_and_matches_Encode()
    {
        var img = Mixed(20, 20);
        using var ms = new MemoryStream();
        PngEncoder.Write(ms, img);
        ms.WriteByte(0);
        Assert.Equal(PngEncoder.Encode(img), ms.ToArray()[..^1]);
    }
}
