using GeoOrs.Analysis.Density;

namespace GeoOrs.Analysis.Tests.Density;

public class KernelDensityTests
{
    [Fact]
    public void A_single_point_integrates_to_one()
    {
        // h = 10 over 0.5-unit cells: 1,256 cells under the kernel.
        var grid = KernelDensity.Grid([(50, 50)], 0, 0, 0.5, 200, 200, 10);
        var mass = 0.0;
        foreach (var v in grid)
        {
            mass += v * 0.25;
        }
        Assert.Equal(1, mass, 0.01);
    }

    [Fact]
    public void Values_by_hand()
    {
        // 5 × 5 unit cells from (0, 0), centres 0.5 … 4.5; a point on the centre cell (2.5, 2.5), h = 2.
        var grid = KernelDensity.Grid([(2.5, 2.5)], 0, 0, 1, 5, 5, 2);
        // d = 0: 3/(π·4) = 0.238732.
        Assert.Equal(3 / (4 * Math.PI), grid[2, 2], 1e-15);
        // d = 1 = h/2: 3/(4π)·(1 − 1/4)² = 27/(64π) = 0.134287.
        Assert.Equal(27 / (64 * Math.PI), grid[2, 3], 1e-15);
        Assert.Equal(27 / (64 * Math.PI), grid[1, 2], 1e-15);
        // d = √2: 3/(4π)·(1 − 2/4)² = 0.059683.
        Assert.Equal(3 / (16 * Math.PI), grid[1, 1], 1e-15);
        // d = 2 = h: (1 − 1)² = 0; d = √5 > h: 0.
        Assert.Equal(0, grid[2, 4]);
        Assert.Equal(0, grid[0, 1]);
    }

    [Fact]
    public void Nothing_at_or_beyond_the_bandwidth()
    {
        var (px, py, h) = (13.3, 7.9, 4.2);
        var grid = KernelDensity.Grid([(px, py)], 0, 0, 0.7, 40, 30, h);
        for (var r = 0; r < 30; r++)
        {
            for (var c = 0; c < 40; c++)
            {
                var x = (c + 0.5) * 0.7;
                var y = (30 - r - 0.5) * 0.7;
                var d = Math.Sqrt(((x - px) * (x - px)) + ((y - py) * (y - py)));
                if (d >= h)
                {
                    Assert.Equal(0, grid[r, c]);
                }
                else if (d < h * 0.999)
                {
                    Assert.True(grid[r, c] > 0, $"cell [{r}, {c}] at {d:F3} < h is 0");
                }
            }
        }
    }

    [Fact]
    public void Row_zero_is_the_top()
    {
        // A point in the top-left cell of a 3 × 3 grid from (10, 20): row 0 spans y 22–23.
        var grid = KernelDensity.Grid([(10.5, 22.5)], 10, 20, 1, 3, 3, 1.5);
        Assert.Equal(3 / (Math.PI * 2.25), grid[0, 0], 1e-15);
        Assert.Equal(0, grid[2, 0]);
        Assert.Equal(0, grid[0, 2]);
    }

    [Fact]
    public void Symmetric_about_the_point()
    {
        var grid = KernelDensity.Grid([(4.5, 4.5)], 0, 0, 1, 9, 9, 3.7);
        for (var r = 0; r < 9; r++)
        {
            for (var c = 0; c < 9; c++)
            {
                Assert.Equal(grid[r, c], grid[8 - r, c], 1e-15);
                Assert.Equal(grid[r, c], grid[r, 8 - c], 1e-15);
                Assert.Equal(grid[r, c], grid[c, r], 1e-15);
            }
        }
    }

    [Fact]
    public void Weights_scale_and_points_add_up()
    {
        (double, double)[] points = [(3.2, 4.1), (5.9, 2.2)];
        var one = KernelDensity.Grid(points[..1], 0, 0, 0.5, 20, 20, 2.5);
        var two = KernelDensity.Grid(points[1..], 0, 0, 0.5, 20, 20, 2.5);
        var weighted = KernelDensity.Grid(points, 0, 0, 0.5, 20, 20, 2.5, [3, 0.5]);
        var unweighted = KernelDensity.Grid(points, 0, 0, 0.5, 20, 20, 2.5);
        for (var r = 0; r < 20; r++)
        {
            for (var c = 0; c < 20; c++)
            {
                Assert.Equal((3 * one[r, c]) + (0.5 * two[r, c]), weighted[r, c], 1e-14);
                Assert.Equal(one[r, c] + two[r, c], unweighted[r, c], 1e-14);
            }
        }
    }

    [Fact]
    public void Points_off_the_grid_reach_in_or_not()
    {
        // 1 unit left of a 4 × 4 grid with h = 1.6: the first column, centres 1.5 away along x, is reached.
        var near = KernelDensity.Grid([(-1, 2)], 0, 0, 1, 4, 4, 1.6);
        Assert.True(near[2, 0] > 0);
        Assert.Equal(0, near[2, 1]);
        var far = KernelDensity.Grid([(-100, 2), (1e300, -1e300)], 0, 0, 1, 4, 4, 1.6);
        Assert.All(far.Cast<double>(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Many_points_on_a_large_grid_only_touch_their_neighbourhoods()
    {
        // 50,000 points on 500 × 500 cells with h = 2 cells: about 13 cells each. Visiting every
        // cell for every point would be 1.25·10¹⁰ kernel evaluations. Points away from the edges
        // keep their whole unit mass on the grid.
        var random = new Random(7);
        var points = Enumerable.Range(0, 50_000).Select(_ => (5 + (random.NextDouble() * 490), 5 + (random.NextDouble() * 490))).ToArray();
        var grid = KernelDensity.Grid(points, 0, 0, 1, 500, 500, 2);
        var mass = grid.Cast<double>().Sum();
        Assert.Equal(50_000, mass, 50_000 * 0.05);
    }

    [Fact]
    public void Default_bandwidth_when_the_standard_distance_is_smaller()
    {
        // The corners of a 2 × 2 square: mean centre (1, 1), every distance √2, so Dm = √2 and
        // SD = √(4·1/4 + 4·1/4) = √2 < √(1/ln 2)·√2. h = 0.9·√2·4^(−0.2) = 0.9·1.41421·0.757858 = 0.964596.
        var h = KernelDensity.DefaultBandwidth([(0, 0), (2, 0), (0, 2), (2, 2)]);
        Assert.Equal(0.964596116282664, h, 1e-12);
    }

    [Fact]
    public void Default_bandwidth_when_an_outlier_makes_the_median_smaller()
    {
        // x = −1, 0, 0, 1, 10 on y = 0: mean centre (2, 0); distances 3, 2, 2, 1, 8, so Dm = 2 and
        // SD = √((9 + 4 + 4 + 1 + 64)/5) = √16.4 = 4.0497 > √(1/ln 2)·2 = 2.40224.
        // h = 0.9·2.40224·5^(−0.2) = 0.9·2.40224·0.724780 = 1.566988.
        (double, double)[] points = [(-1, 0), (0, 0), (0, 0), (1, 0), (10, 0)];
        Assert.Equal(1.5669883718567759, KernelDensity.DefaultBandwidth(points), 1e-12);
        // Unit weights change nothing; doubling every weight doubles n: h·2^(−0.2).
        Assert.Equal(1.5669883718567759, KernelDensity.DefaultBandwidth(points, [1, 1, 1, 1, 1]), 1e-12);
        Assert.Equal(1.5669883718567759 * Math.Pow(2, -0.2), KernelDensity.DefaultBandwidth(points, [2, 2, 2, 2, 2]), 1e-12);
    }

    [Fact]
    public void Default_bandwidth_of_an_even_count_takes_the_middle_distances()
    {
        // x = 0, 1, 3, 8 on y = 0: mean 3, distances 3, 2, 0, 5 → sorted 0, 2, 3, 5, Dm = 2.5;
        // SD = √((9 + 4 + 0 + 25)/4) = √9.5 = 3.0822 ≥ √(1/ln 2)·2.5 = 3.0028, so the median wins.
        // h = 0.9·3.0028·4^(−0.2).
        var h = KernelDensity.DefaultBandwidth([(0, 0), (1, 0), (3, 0), (8, 0)]);
        Assert.Equal(0.9 * Math.Sqrt(1 / Math.Log(2)) * 2.5 * Math.Pow(4, -0.2), h, 1e-12);
    }

    [Fact]
    public void Degenerate_and_invalid_input()
    {
        Assert.Equal(0, KernelDensity.DefaultBandwidth([(5, 5)]));
        Assert.Equal(0, KernelDensity.DefaultBandwidth([(5, 5), (5, 5)]));
        Assert.Throws<ArgumentException>(() => KernelDensity.DefaultBandwidth([]));
        Assert.Throws<ArgumentException>(() => KernelDensity.DefaultBandwidth([(double.NaN, 0)]));
        Assert.Throws<ArgumentException>(() => KernelDensity.DefaultBandwidth([(0, 0)], [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDensity.Grid([(0, 0)], 0, 0, 1, 2, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDensity.Grid([(0, 0)], 0, 0, 0, 2, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDensity.Grid([(0, 0)], 0, 0, 1, 0, 2, 1));
        Assert.Throws<ArgumentException>(() => KernelDensity.Grid([(0, 0)], 0, 0, 1, 2, 2, 1, [1, 2]));
        Assert.Throws<ArgumentException>(() => KernelDensity.Grid([(0, 0)], 0, 0, 1, 2, 2, 1, [-1]));
        Assert.All(KernelDensity.Grid([], 0, 0, 1, 3, 2, 1).Cast<double>(), v => Assert.Equal(0, v));
    }
}
