using GeoOrs.Analysis.Raster;

namespace GeoOrs.Analysis.Tests.Raster;

public class ColorRampAndBreaksTests
{
    private static readonly double[] Grouped = [1, 2, 3, 10, 11, 12, 30, 31];

    [Fact]
    public void Ramps_give_their_end_colours()
    {
        Assert.Equal(new Rgba32(0x44, 0x01, 0x54), ColorRamp.Viridis.ColorAt(0));
        Assert.Equal(new Rgba32(0xFD, 0xE7, 0x25), ColorRamp.Viridis.ColorAt(1));
        Assert.Equal(new Rgba32(0xFF, 0xFF, 0xCC), ColorRamp.YlOrRd.ColorAt(0));
        Assert.Equal(new Rgba32(0x80, 0x00, 0x26), ColorRamp.YlOrRd.ColorAt(1));
        Assert.Equal(ColorRamp.YlOrRd.ColorAt(1), ColorRamp.YlOrRd.ColorAt(7));
        Assert.Same(ColorRamp.Viridis, ColorRamp.FromName("VIRIDIS"));
        // Midpoint of a 9-stop ramp is exactly its 5th stop.
        Assert.Equal(new Rgba32(0xFD, 0x8D, 0x3C), ColorRamp.YlOrRd.ColorAt(0.5));
    }

    [Fact]
    public void Classes_span_the_ramp()
    {
        var c = ColorRamp.Viridis.Classes(5);
        Assert.Equal(5, c.Count);
        Assert.Equal(ColorRamp.Viridis.ColorAt(0), c[0]);
        Assert.Equal(ColorRamp.Viridis.ColorAt(1), c[4]);
        Assert.Equal(ColorRamp.YlOrRd.Stops, ColorRamp.YlOrRd.Classes(9));
    }

    [Fact]
    public void Quantile_breaks()
    {
        Assert.Equal([3.0, 12, 31], ClassBreaks.Quantiles(Grouped, 3));
        Assert.Equal([2.0, 11, 31], ClassBreaks.Quantiles([1, 2, 10, 11, 30, 31], 3));
        Assert.Equal([10.0, 31], ClassBreaks.Quantiles(Grouped, 2)); // 4th of 8 values
        Assert.Equal([10.0, 31], ClassBreaks.Quantiles(Grouped.Append(double.NaN), 2));
    }

    [Fact]
    public void Jenks_finds_the_natural_groups()
    {
        Assert.Equal([3.0, 12, 31], ClassBreaks.Jenks(Grouped, 3));
        Assert.Equal([12.0, 31], ClassBreaks.Jenks(Grouped, 2));
        Assert.Equal([31.0], ClassBreaks.Jenks(Grouped, 1));
        Assert.Equal([1.0, 2, 3], ClassBreaks.Jenks([3, 1, 2], 5));
        Assert.Equal([3.0, 12, 31], ClassBreaks.Jenks(Grouped.Reverse(), 3));
    }

    [Fact]
    public void Jenks_handles_a_few_thousand_values()
    {
        var rnd = new Random(5);
        var v = Enumerable.Range(0, 3000).Select(i => (i % 3 * 100.0) + rnd.NextDouble()).ToArray();
        var b = ClassBreaks.Jenks(v, 3);
        Assert.InRange(b[0], 0.9, 1.0);
        Assert.InRange(b[1], 100.9, 101.0);
        Assert.InRange(b[2], 200.9, 201.0);
    }

    [Fact]
    public void ClassOf_uses_inclusive_upper_bounds()
    {
        double[] breaks = [3, 12, 31];
        Assert.Equal(0, ClassBreaks.ClassOf(-5, breaks));
        Assert.Equal(0, ClassBreaks.ClassOf(3, breaks));
        Assert.Equal(1, ClassBreaks.ClassOf(3.0001, breaks));
        Assert.Equal(1, ClassBreaks.ClassOf(12, breaks));
        Assert.Equal(2, ClassBreaks.ClassOf(30, breaks));
        Assert.Equal(2, ClassBreaks.ClassOf(99, breaks));
        Assert.Equal(-1, ClassBreaks.ClassOf(double.NaN, breaks));
    }
}
