using GeoOrs.Analysis.Hotspots;
using NetTopologySuite.Geometries;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class HexGridTests
{
    private static readonly HexGrid Grid = new(1000); // centres 1 km apart; size (centre to vertex) 1000/√3 = 577.35 m

    [Fact]
    public void Centres_of_neighbours_lie_one_spacing_apart_and_map_back_to_their_cell()
    {
        Assert.Equal(577.3502691896258, Grid.Size, 9);
        foreach (var (q, r) in new[] { (0, 0), (3, -2), (-7, 5), (120, 80) })
        {
            var (x, y) = Grid.Center(q, r);
            Assert.Equal((q, r), Grid.CellOf(x, y));
            foreach (var (nq, nr) in HexGrid.Neighbors(q, r))
            {
                var (nx, ny) = Grid.Center(nq, nr);
                Assert.Equal(1000, Math.Sqrt(((nx - x) * (nx - x)) + ((ny - y) * (ny - y))), 6);
            }
        }

        // (1, 0) is 1 km east; (0, 1) is up and to the right: (500, 866.03).
        Assert.Equal((1000.0, 0.0), Grid.Center(1, 0));
        var (ux, uy) = Grid.Center(0, 1);
        Assert.Equal(500, ux, 9);
        Assert.Equal(866.0254037844386, uy, 9);
    }

    [Fact]
    public void A_point_belongs_to_the_hexagon_that_contains_it()
    {
        var factory = new GeometryFactory();
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            double x = (random.NextDouble() - 0.5) * 20_000, y = (random.NextDouble() - 0.5) * 20_000;
            var (q, r) = Grid.CellOf(x, y);
            var hexagon = Grid.Polygon(q, r, factory);
            Assert.True(hexagon.Buffer(1e-6).Contains(factory.CreatePoint(new Coordinate(x, y))), $"({x}, {y}) not in cell ({q}, {r})");
        }
    }

    [Fact]
    public void Hexagons_have_the_area_of_their_spacing_and_tile_without_gaps()
    {
        var factory = new GeometryFactory();
        var hexagon = Grid.Polygon(0, 0, factory);
        Assert.Equal(7, hexagon.NumPoints);
        Assert.Equal(Math.Sqrt(3) / 2 * 1000 * 1000, hexagon.Area, 6); // a regular hexagon of width w has area (√3/2)·w²
        // The centre and its six neighbours cover a flower of seven hexagons: no overlap, no gap, no hole.
        Geometry flower = hexagon;
        foreach (var (q, r) in HexGrid.Neighbors(0, 0))
        {
            var neighbour = Grid.Polygon(q, r, factory);
            Assert.True(hexagon.Distance(neighbour) < 1e-9, $"({q}, {r}) does not touch the centre");
            Assert.True(hexagon.Intersection(neighbour).Area < 1e-6, $"({q}, {r}) overlaps the centre");
            flower = flower.Union(neighbour);
        }

        Assert.Equal(7 * hexagon.Area, flower.Area, 3);
        var single = Assert.IsType<Polygon>(flower.Buffer(1e-6));
        Assert.Equal(0, single.NumInteriorRings);
    }

    [Fact]
    public void Aggregate_counts_points_per_cell_in_row_then_column_order()
    {
        var cells = Grid.Aggregate([(0, 0), (100, -100), (1000, 0), (1020, 30), (1010, -10), (500, 866)]);
        Assert.Equal([(0, 0, 2), (1, 0, 3), (0, 1, 1)], cells.Select(c => (c.Q, c.R, c.Count)).OrderBy(c => c.Item2).ThenBy(c => c.Item1));
        Assert.Equal(6, cells.Sum(c => c.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HexGrid(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HexGrid(double.NaN));
    }
}
