using System.Diagnostics;
using GeoOrs.Analysis.Raster;
using NetTopologySuite.Geometries;
using Xunit.Abstractions;

namespace GeoOrs.Analysis.Tests.Raster;

public class PolygonRasterizerTests(ITestOutputHelper output)
{
    private static readonly GeometryFactory Factory = new();

    private static List<(double X, double Y)> Rect(double x0, double y0, double x1, double y1) =>
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)];

    private static Polygon Poly(params Coordinate[][] rings) =>
        Factory.CreatePolygon(Factory.CreateLinearRing(rings[0]), [.. rings.Skip(1).Select(Factory.CreateLinearRing)]);

    private static Coordinate[] Square(double x0, double y0, double x1, double y1, bool clockwise = false) => clockwise
        ? [new(x0, y0), new(x0, y1), new(x1, y1), new(x1, y0), new(x0, y0)]
        : [new(x0, y0), new(x1, y0), new(x1, y1), new(x0, y1), new(x0, y0)];

    [Fact]
    public void Ten_by_ten_square_fills_exactly_its_pixels()
    {
        var img = new Rgba32Image(20, 20);
        var red = new Rgba32(200, 10, 10);
        PolygonRasterizer.Fill(img, Poly(Square(5, 3, 15, 13)), red);
        for (var y = 0; y < 20; y++)
        {
            for (var x = 0; x < 20; x++)
            {
                var inside = x is >= 5 and < 15 && y is >= 3 and < 13;
                Assert.Equal(inside ? red : Rgba32.Transparent, img.GetPixel(x, y));
            }
        }
    }

    [Fact]
    public void Half_pixel_offset_edges_give_half_coverage()
    {
        // x from 2.5 to 6, y from 1 to 4.5: column 2 and row 4 are half covered, (2,4) a quarter.
        var cov = PolygonRasterizer.Coverage(8, 6, [Rect(2.5, 1, 6, 4.5)]);
        const float Tol = 1f / 16;
        Assert.Equal(0.5f, cov[(2 * 8) + 2], Tol);
        Assert.Equal(0.5f, cov[(4 * 8) + 4], Tol);
        Assert.Equal(0.25f, cov[(4 * 8) + 2], Tol);
        Assert.Equal(1f, cov[(2 * 8) + 4], 1e-6f);
        Assert.Equal(0f, cov[(2 * 8) + 1]);
        Assert.Equal(0f, cov[(5 * 8) + 4]);

        var img = new Rgba32Image(8, 6);
        PolygonRasterizer.Fill(img, [Rect(2.5, 1, 6, 4.5)], Rgba32.Black);
        Assert.InRange(img.GetPixel(2, 2).A, 120, 136);
    }

    [Fact]
    public void Hole_stays_empty_for_either_ring_orientation_and_rule()
    {
        foreach (var holeClockwise in new[] { false, true })
        {
            var poly = Poly(Square(0, 0, 10, 10), Square(3, 3, 7, 7, holeClockwise));
            foreach (var rule in new[] { FillRule.NonZero, FillRule.EvenOdd })
            {
                var cov = PolygonRasterizer.Coverage(12, 12, poly, rule);
                for (var y = 0; y < 12; y++)
                {
                    for (var x = 0; x < 12; x++)
                    {
                        var expected = x < 10 && y < 10 && !(x is >= 3 and < 7 && y is >= 3 and < 7) ? 1f : 0f;
                        Assert.Equal(expected, cov[(y * 12) + x], 1e-6f);
                    }
                }
            }
        }
    }

    [Fact]
    public void Raw_rings_hole_with_even_odd()
    {
        var cov = PolygonRasterizer.Coverage(10, 10, [Rect(0, 0, 10, 10), Rect(4, 4, 6, 6)], FillRule.EvenOdd);
        Assert.Equal(0f, cov[(5 * 10) + 5]);
        Assert.Equal(1f, cov[(1 * 10) + 1], 1e-6f);
        Assert.Equal(100 - 4, cov.Sum(), 1e-3);
        // Same orientation, non-zero: the inner ring winds 2, so it is filled.
        var nz = PolygonRasterizer.Coverage(10, 10, [Rect(0, 0, 10, 10), Rect(4, 4, 6, 6)], FillRule.NonZero);
        Assert.Equal(1f, nz[(5 * 10) + 5], 1e-6f);
    }

    [Fact]
    public void Triangle_total_coverage_equals_its_area()
    {
        List<(double X, double Y)> tri = [(1.3, 2.7), (27.9, 6.1), (9.4, 24.8)];
        var area = Math.Abs(((tri[1].X - tri[0].X) * (tri[2].Y - tri[0].Y)) - ((tri[2].X - tri[0].X) * (tri[1].Y - tri[0].Y))) / 2;
        var cov = PolygonRasterizer.Coverage(32, 32, [tri]);
        Assert.Equal(area, cov.Sum(), area * 0.01);
    }

    [Fact]
    public void Geometry_is_clipped_to_the_image()
    {
        var cov = PolygonRasterizer.Coverage(10, 10, Poly(Square(-50, 5, 500, 1e6)));
        Assert.Equal(50f, cov.Sum(), 1e-3);
        var img = new Rgba32Image(10, 10);
        PolygonRasterizer.StrokeRings(img, Poly(Square(-50, 5.5, 500, 1e6)), Rgba32.Black);
        Assert.Equal(255, img.GetPixel(3, 5).A);
        Assert.Equal(0, img.GetPixel(3, 2).A);
    }

    [Fact]
    public void Wu_stroke_splits_intensity_between_straddled_pixels()
    {
        var img = new Rgba32Image(20, 12);
        // Top edge on the boundary between rows 4 and 5 (each gets ~half); bottom edge through the
        // centres of row 9 (fully covered); left edge through column 2's centre.
        PolygonRasterizer.StrokeRings(img, [Rect(2.5, 5.0, 18.0, 9.5)], Rgba32.Black);
        Assert.InRange(img.GetPixel(10, 4).A, 120, 136);
        Assert.InRange(img.GetPixel(10, 5).A, 120, 136);
        Assert.Equal(0, img.GetPixel(10, 3).A);
        Assert.Equal(0, img.GetPixel(10, 7).A);
        Assert.Equal(255, img.GetPixel(10, 9).A);
        Assert.Equal(0, img.GetPixel(10, 10).A);
        Assert.Equal(255, img.GetPixel(2, 7).A);
        Assert.Equal(0, img.GetPixel(1, 7).A);
    }

    [Fact]
    public void Blend_is_source_over()
    {
        var img = new Rgba32Image(1, 1);
        img.Fill(new Rgba32(0, 0, 255));
        img.BlendPixel(0, 0, new Rgba32(255, 0, 0), 0.5);
        Assert.Equal(new Rgba32(128, 0, 128), img.GetPixel(0, 0));
        var clear = new Rgba32Image(1, 1);
        clear.BlendPixel(0, 0, new Rgba32(255, 0, 0, 128), 1);
        Assert.Equal(new Rgba32(255, 0, 0, 128), clear.GetPixel(0, 0));
    }

    [Fact]
    public void Hundred_vertex_polygon_timing()
    {
        var ring = new List<(double X, double Y)>();
        for (var i = 0; i < 100; i++)
        {
            var a = 2 * Math.PI * i / 100;
            var r = 100 + (20 * Math.Sin(7 * a));
            ring.Add((128 + (r * Math.Cos(a)), 128 + (r * Math.Sin(a))));
        }

        var img = new Rgba32Image(256, 256);
        for (var i = 0; i < 20; i++)
        {
            PolygonRasterizer.Fill(img, [ring], Rgba32.Black);
        }

        var sw = Stopwatch.StartNew();
        const int N = 200;
        for (var i = 0; i < N; i++)
        {
            PolygonRasterizer.Fill(img, [ring], new Rgba32(10, 20, 30, 200));
            PolygonRasterizer.StrokeRings(img, [ring], Rgba32.White);
        }

        output.WriteLine($"100-vertex ~200 px polygon fill+stroke: {sw.Elapsed.TotalMilliseconds / N:F3} ms");
    }
}
