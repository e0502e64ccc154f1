using System.Buffers.Binary;
using GeoOrs.Analysis.Raster;
using NetTopologySuite.Geometries;
using SkiaSharp;

namespace GeoOrs.Analysis.Tests.Raster;

public class ChoroplethTests
{
    private static readonly GeometryFactory Factory = new();

    private static Polygon Square(double x0, double y0, double x1, double y1, params LinearRing[] holes) => Factory.CreatePolygon(
        Factory.CreateLinearRing([new(x0, y0), new(x1, y0), new(x1, y1), new(x0, y1), new(x0, y0)]), holes);

    private static LinearRing Ring(double x0, double y0, double x1, double y1) =>
        Factory.CreateLinearRing([new(x0, y0), new(x0, y1), new(x1, y1), new(x1, y0), new(x0, y0)]);

    private static (byte R, byte G, byte B, byte A) Pixel(MiniPngDecoder.Decoded png, int x, int y)
    {
        var i = ((y * png.Width) + x) * 4;
        return (png.Pixels[i], png.Pixels[i + 1], png.Pixels[i + 2], png.Pixels[i + 3]);
    }

    /// <summary>Equal within one step per channel: Skia keeps pixels premultiplied, PNG stores them straight.</summary>
    private static void AssertNear(Rgba32 expected, (byte R, byte G, byte B, byte A) actual)
    {
        Assert.True(Math.Abs(expected.R - actual.R) <= 1 && Math.Abs(expected.G - actual.G) <= 1
            && Math.Abs(expected.B - actual.B) <= 1 && expected.A == actual.A, $"expected {expected}, got {actual}");
    }

    private static MiniPngDecoder.Decoded Decode(byte[] png)
    {
        var decoded = MiniPngDecoder.Decode(png);
        Assert.Equal((8, 6, 0), ((int)decoded.BitDepth, (int)decoded.ColorType, (int)decoded.Interlace)); // 8-bit RGBA, not interlaced
        return decoded;
    }

    [Fact]
    public void Each_area_takes_its_class_colour_and_areas_without_value_stay_clear()
    {
        double[] breaks = [10, 20, 30];
        Rgba32[] colors = [new(255, 0, 0), new(0, 255, 0), new(0, 0, 255)];
        var png = Decode(Choropleth.RenderTile(64, [(Square(0, 0, 32, 64), 15), (Square(32, 0, 64, 32), 30), (Square(32, 32, 64, 64), null)], breaks, colors));

        Assert.Equal((64, 64), (png.Width, png.Height));
        AssertNear(new Rgba32(0, 255, 0, Choropleth.FillAlpha), Pixel(png, 10, 20)); // 15 is in class 1
        AssertNear(new Rgba32(0, 0, 255, Choropleth.FillAlpha), Pixel(png, 50, 10)); // 30 is in class 2 (bounds inclusive)
        Assert.Equal(0, Pixel(png, 50, 50).A); // no value
        // The shared edge (x = 32) is outlined: white over the fills, so lighter and more opaque than either.
        var edge = Pixel(png, 32, 16);
        Assert.True(edge.A > Choropleth.FillAlpha && edge.R > 60 && edge.G > 60, $"the shared edge is outlined in white over the fills: {edge}");
    }

    [Fact]
    public void Polygon_edges_are_anti_aliased()
    {
        // A triangle whose hypotenuse crosses pixels at every fraction: pixels it cuts take partial cover.
        var triangle = Factory.CreatePolygon([new(4, 4), new(60, 4), new(4, 41), new(4, 4)]);
        var png = Decode(Choropleth.RenderTile(64, [(triangle, 1)], [1], [new Rgba32(200, 30, 30)]));

        AssertNear(new Rgba32(200, 30, 30, Choropleth.FillAlpha), Pixel(png, 10, 10));
        Assert.Equal(0, Pixel(png, 50, 40).A);
        // Along the hypotenuse, away from the outline's middle, the alpha runs through intermediate
        // values: partial fills and partial strokes, none of which a one-bit (aliased) fill would give.
        var alphas = new HashSet<byte>();
        for (var y = 6; y < 40; y++)
        {
            for (var x = 0; x < 64; x++)
            {
                alphas.Add(Pixel(png, x, y).A);
            }
        }

        Assert.True(alphas.Count(a => a is > 0 and < 255 && a != Choropleth.FillAlpha) >= 10,
            $"intermediate alphas on the diagonal edge: {string.Join(' ', alphas.Order())}");
        // And colours between the class colour and clear (straight colour kept, partial alpha).
        Assert.Contains(Enumerable.Range(0, 64), x => Pixel(png, x, 20) is { A: > 0 and < Choropleth.FillAlpha - 20, R: > 150 });
    }

    [Fact]
    public void Holes_stay_clear_and_multipolygons_fill_every_part()
    {
        var ring = Square(4, 4, 60, 60, Ring(20, 20, 44, 44));
        var parts = Factory.CreateMultiPolygon([ring, Square(26, 26, 38, 38)]); // an island in the hole
        var png = Decode(Choropleth.RenderTile(64, [(parts, 5)], [10], [new Rgba32(10, 120, 200)]));

        AssertNear(new Rgba32(10, 120, 200, Choropleth.FillAlpha), Pixel(png, 10, 10));
        Assert.Equal(0, Pixel(png, 23, 23).A); // inside the hole
        AssertNear(new Rgba32(10, 120, 200, Choropleth.FillAlpha), Pixel(png, 32, 32)); // the island
    }

    [Fact]
    public void Legend_has_a_swatch_per_class_and_a_title()
    {
        double[] breaks = [1.5, 12, 250];
        var colors = ColorRamp.YlOrRd.Classes(3);
        var legend = Decode(Choropleth.RenderLegend("Rate per 100,000", 0, breaks, colors));
        using var font = Choropleth.LegendFont();
        var line = (int)Math.Ceiling(font.Spacing);
        Assert.True(legend.Width >= font.MeasureText("Rate per 100,000") + 16);
        for (var i = 0; i < 3; i++)
        {
            var top = Choropleth.SwatchTop(line, i);
            Assert.Equal((colors[i].R, colors[i].G, colors[i].B, (byte)255), Pixel(legend, Choropleth.Margin + 8, top + 8)); // the middle of swatch i
        }

        Assert.Equal((255, 255, 255, 255), Pixel(legend, legend.Width - 1, 0));
        var title = Enumerable.Range(0, legend.Width).SelectMany(x => Enumerable.Range(Choropleth.Margin, line).Select(y => Pixel(legend, x, y).R)).ToList();
        Assert.Contains(title, r => r < 80); // ink
        Assert.True(title.Distinct().Count(r => r is > 60 and < 230) > 10, "the title's glyphs are anti-aliased: greys between ink and paper");

        var noted = Decode(Choropleth.RenderLegend("Rate per 100,000", 0, breaks, colors, "Public figures perturbed +/-6, 1-9 withheld"));
        Assert.Equal(legend.Height + 6 + line, noted.Height);
        Assert.Contains(Enumerable.Range(0, noted.Width), x => Pixel(noted, x, noted.Height - Choropleth.Margin - (line / 2)).R < 80);
    }

    [Fact]
    public void Legend_text_is_set_in_the_shipped_dejavu_sans()
    {
        var file = ShippedFont();
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(file)!, "LICENSE.txt")), "the font's licence ships beside it");
        Assert.Contains("Bitstream Vera", File.ReadAllText(Path.Combine(Path.GetDirectoryName(file)!, "LICENSE.txt")), StringComparison.Ordinal);

        // The typeface the legends use is the shipped file: its family, and its glyph count as the
        // file's own 'maxp' table states it (read here without Skia).
        Assert.Equal("DejaVu Sans", Choropleth.Typeface.FamilyName);
        Assert.Equal(GlyphCountOf(File.ReadAllBytes(file)), Choropleth.Typeface.GlyphCount);

        // The title's band of a legend is, pixel for pixel, the title drawn with the file loaded
        // independently from the repository.
        const string Title = "Overdoses (mixed case, 0–9)";
        var legend = Decode(Choropleth.RenderLegend(Title, 0, [1, 2], ColorRamp.YlOrRd.Classes(2)));
        using var typeface = SKTypeface.FromFile(file);
        using var font = new SKFont(typeface, Choropleth.TextSize) { Edging = SKFontEdging.Antialias, Subpixel = true };
        using var bitmap = new SKBitmap(new SKImageInfo(legend.Width, legend.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.White);
        using (var canvas = new SKCanvas(bitmap))
        using (var ink = new SKPaint { IsAntialias = true, Color = new SKColor(Choropleth.Ink.R, Choropleth.Ink.G, Choropleth.Ink.B) })
        {
            canvas.DrawText(Title, Choropleth.Margin, Choropleth.Margin - font.Metrics.Ascent, SKTextAlign.Left, font, ink);
        }

        var inked = 0;
        for (var y = 0; y < Choropleth.Margin + (int)Math.Ceiling(font.Spacing); y++)
        {
            for (var x = 0; x < legend.Width; x++)
            {
                var expected = bitmap.GetPixel(x, y);
                var actual = Pixel(legend, x, y);
                Assert.Equal((expected.Red, expected.Green, expected.Blue), (actual.R, actual.G, actual.B));
                inked += actual.R < 128 ? 1 : 0;
            }
        }

        Assert.True(inked > 100, $"{inked} dark pixels in the title");
    }

    [Fact]
    public void An_empty_classification_says_no_data()
    {
        var legend = Decode(Choropleth.RenderLegend("Seized grams", 0, [], []));
        using var font = Choropleth.LegendFont();
        Assert.True(legend.Width >= font.MeasureText("Seized grams") + 16);
        var top = Choropleth.SwatchTop((int)Math.Ceiling(font.Spacing), 0);
        Assert.Equal((255, 255, 255, 255), Pixel(legend, Choropleth.Margin + 8, top + 8)); // no swatch
        Assert.Contains(Enumerable.Range(Choropleth.Margin + Choropleth.Swatch, legend.Width - Choropleth.Margin - Choropleth.Swatch),
            x => Pixel(legend, x, top + (Choropleth.Swatch / 2)).R < 128); // "No data"
    }

    /// <summary>The repository's copy of the legend font, found upwards from the test binaries.</summary>
    private static string ShippedFont()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "src", "GeoOrs.Analysis", "Raster", "Fonts", "DejaVuSans.ttf");
            if (File.Exists(file))
            {
                return file;
            }
        }

        throw new FileNotFoundException("src/GeoOrs.Analysis/Raster/Fonts/DejaVuSans.ttf above " + AppContext.BaseDirectory);
    }

    /// <summary>numGlyphs of an OpenType font's 'maxp' table (OpenType spec, table directory and maxp).</summary>
    private static int GlyphCountOf(byte[] font)
    {
        var tables = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        for (var i = 0; i < tables; i++)
        {
            var record = font.AsSpan(12 + (i * 16), 16);
            if (record[..4].SequenceEqual("maxp"u8))
            {
                var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(record[8..]);
                return BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(offset + 4));
            }
        }

        throw new InvalidDataException("no maxp table");
    }
}
