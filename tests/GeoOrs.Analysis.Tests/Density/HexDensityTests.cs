using GeoOrs.Analysis.Density;
using GeoOrs.Analysis.Hotspots;

namespace GeoOrs.Analysis.Tests.Density;

public class HexDensityTests
{
    [Fact]
    public void Point_at_a_centre_gives_the_kernel_peak_there_and_less_one_cell_away()
    {
        var grid = new HexGrid(10);
        var h = 15.0;
        var cells = HexDensity.Compute([(0, 0)], [2], h, grid);

        var centre = cells.Single(c => c.Q == 0 && c.R == 0);
        Assert.Equal(2 * 3 / (Math.PI * h * h), centre.Density, 12);
        Assert.Equal(2, centre.Weight);

        // A neighbour's centre is 10 away: K = 3/(π h²)·(1 − (10/15)²)².
        var neighbour = cells.Single(c => c.Q == 1 && c.R == 0);
        Assert.Equal(2 * 3 / (Math.PI * h * h) * Math.Pow(1 - (100.0 / 225), 2), neighbour.Density, 12);

        // The six neighbours (10 away) are reached, the next ring (17.3 and 20 away) is not.
        Assert.Equal(7, cells.Count);
    }

    [Fact]
    public void Weights_add_and_zero_weights_reach_nothing()
    {
        var grid = new HexGrid(10);
        var cells = HexDensity.Compute([(0, 0), (0, 0), (500, 500)], [1, 3, 0], 5, grid);
        var only = Assert.Single(cells);
        Assert.Equal(4, only.Weight);
        Assert.Equal(4 * 3 / (Math.PI * 25), only.Density, 12);
    }

    [Fact]
    public void Mass_is_kept_on_a_fine_grid()
    {
        // Σ density × cell area ≈ Σ w when cells are small against the bandwidth.
        var grid = new HexGrid(1);
        var cells = HexDensity.Compute([(3, 4), (-7, 2)], [1, 1], 12, grid);
        var area = Math.Sqrt(3) / 2; // a hexagon of spacing s has area s²·√3/2
        Assert.Equal(2, cells.Sum(c => c.Density) * area, 2);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        var grid = new HexGrid(1);
        Assert.Throws<ArgumentException>(() => HexDensity.Compute([(0, 0)], [], 1, grid));
        Assert.Throws<ArgumentException>(() => HexDensity.Compute([(0, 0)], [-1], 1, grid));
        Assert.Throws<ArgumentOutOfRangeException>(() => HexDensity.Compute([(0, 0)], [1], 0, grid));
    }
}
