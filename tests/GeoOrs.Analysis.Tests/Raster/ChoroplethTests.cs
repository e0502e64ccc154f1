using GeoOrs.Analysis.Raster;
using NetTopologySuite.Geometries;

namespace GeoOrs.Analysis.Tests.Raster;

public class ChoroplethTests
{
    private static readonly GeometryFactory Factory = new();

    private static Polygon Square(double x0, double y0, double x1, double y1) => Factory.CreatePolygon(
        [new(x0, y0), new(x1, y0), new(x1, y1), new(x0, y1), new(x0, y0)]);

    [Fact]
    public void Each_area_takes_its_class_colour_and_areas_without_value_stay_clear()
    {
        double[] breaks = [10, 20, 30];
        Rgba32[] colors = [new(255, 0, 0), new(0, 255, 0), new(0, 0, 255)];
        var image = Choropleth.RenderTile(64, [(Square(0, 0, 32, 64), 15), (Square(32, 0, 64, 32), 30), (Square(32, 32, 64, 64), null)], breaks, colors);

        Assert.Equal(new Rgba32(0, 255, 0, Choropleth.FillAlpha), image.GetPixel(10, 20)); // 15 is in class 1
        Assert.Equal(new Rgba32(0, 0, 255, Choropleth.FillAlpha), image.GetPixel(50, 10)); // 30 is in class 2 (bounds inclusive)
        Assert.Equal(0, image.GetPixel(50, 50).A); // no value
        Assert.True(image.GetPixel(32, 16).A > 0, "the shared edge is outlined");
    }

    [Fact]
    public void Legend_has_a_swatch_per_class_and_a_title()
    {
        double[] breaks = [1.5, 12, 250];
        var colors = ColorRamp.YlOrRd.Classes(3);
        var legend = Choropleth.RenderLegend("Rate per 100,000", 0, breaks, colors);
        Assert.True(legend.Width >= BitmapFont.Measure("Rate per 100,000") + 16);
        for (var i = 0; i < 3; i++)
        {
            var top = 8 + BitmapFont.Height + 8 + (i * 20);
            Assert.Equal(colors[i], legend.GetPixel(8 + 8, top + 8)); // the middle of swatch i
        }

        // Ink in the title's row, white around it.
        Assert.Contains(Enumerable.Range(8, BitmapFont.Measure("RATE")), x => legend.GetPixel(x, 8 + 3).R < 128);
        Assert.Equal(Rgba32.White, legend.GetPixel(legend.Width - 1, 0));
    }

    [Fact]
    public void Font_draws_the_glyph_dots_and_clips_at_the_edge()
    {
        var image = new Rgba32Image(12, 9);
        BitmapFont.Draw(image, "1", 1, 1, Rgba32.Black);
        // HD44780 "1": rows 0x04 0x0C 0x04 0x04 0x04 0x04 0x0E.
        Assert.Equal(255, image.GetPixel(1 + 2, 1).A);
        Assert.Equal(0, image.GetPixel(1 + 1, 1).A);
        Assert.Equal(255, image.GetPixel(1 + 1, 2).A);
        Assert.Equal(255, image.GetPixel(1 + 1, 7).A);
        Assert.Equal(255, image.GetPixel(1 + 3, 7).A);
        Assert.Equal(11, BitmapFont.Measure("ab"));
        BitmapFont.Draw(image, "WWWW", 5, 5, Rgba32.Black); // runs off the image: no exception
    }
}
