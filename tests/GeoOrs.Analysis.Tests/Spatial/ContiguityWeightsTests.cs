using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Reference;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GeoOrs.Analysis.Tests.Spatial;

public class ContiguityWeightsTests
{
    private static readonly WKTReader Wkt = new();

    /// <summary>Unit squares on a rows × columns lattice, numbered row by row (as spdep's cell2nb).</summary>
    internal static Geometry[] Lattice(int rows, int columns)
    {
        var squares = new Geometry[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                squares[(r * columns) + c] = Wkt.Read($"POLYGON (({c} {r}, {c + 1} {r}, {c + 1} {r + 1}, {c} {r + 1}, {c} {r}))");
            }
        }

        return squares;
    }

    private static int[][] Rows(SpatialWeights w) =>
        [.. Enumerable.Range(0, w.Count).Select(i => w.Neighbors(i).ToArray())];

    // 3 x 3 grid:  6 7 8
    //              3 4 5
    //              0 1 2
    // Queen: corners touch 3 cells (2 by an edge, 1 by a corner), edge cells 5, the centre 8: 4*3 + 4*5 + 8 = 40.
    // Rook: corners 2, edge cells 3, centre 4: 4*2 + 4*3 + 4 = 24.
    [Fact]
    public void Queen_on_a_three_by_three_grid()
    {
        var w = ContiguityWeights.Queen(Lattice(3, 3));
        Assert.Equal([1, 3, 4], w.Neighbors(0).ToArray());
        Assert.Equal([0, 2, 3, 4, 5], w.Neighbors(1).ToArray());
        Assert.Equal([0, 1, 2, 3, 5, 6, 7, 8], w.Neighbors(4).ToArray());
        Assert.Equal(40, w.PairCount);
        Assert.True(w.IsSymmetric());
        Assert.Empty(w.Islands);
    }

    [Fact]
    public void Rook_on_a_three_by_three_grid()
    {
        var w = ContiguityWeights.Rook(Lattice(3, 3));
        Assert.Equal([1, 3], w.Neighbors(0).ToArray());
        Assert.Equal([0, 2, 4], w.Neighbors(1).ToArray());
        Assert.Equal([1, 3, 5, 7], w.Neighbors(4).ToArray());
        Assert.Equal(24, w.PairCount);
        Assert.True(w.IsSymmetric());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Clean_lattice_gives_the_same_weights_with_and_without_the_fallback(bool exactOnly)
    {
        var lattice = Lattice(3, 3);
        Assert.Equal(Rows(ContiguityWeights.Queen(lattice)), Rows(ContiguityWeights.Queen(lattice, exactOnly)));
        Assert.Equal(Rows(ContiguityWeights.Rook(lattice)), Rows(ContiguityWeights.Rook(lattice, exactOnly)));
    }

    [Fact]
    public void Ten_by_ten_queen_lattice_matches_spdep_cell2nb()
    {
        Assert.Equal(SpdepReference.LatticeQueen, Rows(ContiguityWeights.Queen(Lattice(10, 10))));
    }

    [Fact]
    public void Vertex_in_the_middle_of_an_edge_needs_the_fallback()
    {
        // t_junction: A = [0,1]², B = [1,2] x [-1,2]; A's right edge lies inside B's left edge, no shared vertex.
        Geometry[] polygons =
        [
            Wkt.Read("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"),
            Wkt.Read("POLYGON ((1 -1, 2 -1, 2 2, 1 2, 1 -1))"),
        ];
        Assert.Equal([1], ContiguityWeights.Queen(polygons).Neighbors(0).ToArray());
        Assert.Equal([1], ContiguityWeights.Rook(polygons).Neighbors(0).ToArray());
        Assert.Equal([0, 1], ContiguityWeights.Queen(polygons, exactCoordinatesOnly: true).Islands);
        Assert.Equal([0, 1], ContiguityWeights.Rook(polygons, exactCoordinatesOnly: true).Islands);
    }

    [Fact]
    public void Edges_split_differently_share_a_vertex_but_no_edge()
    {
        // shared_endpoint_split_edge: A = [0,1]², B = [1,2] x [0,2]. They share vertex (1 0); the boundary
        // from (1 0) to (1 1) is one edge of A but part of B's edge (1 0)-(1 2). Queen by the shared vertex;
        // rook only through the fallback.
        Geometry[] polygons =
        [
            Wkt.Read("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"),
            Wkt.Read("POLYGON ((1 0, 2 0, 2 2, 1 2, 1 0))"),
        ];
        Assert.Equal([1], ContiguityWeights.Queen(polygons, exactCoordinatesOnly: true).Neighbors(0).ToArray());
        Assert.Equal([1], ContiguityWeights.Rook(polygons).Neighbors(0).ToArray());
        Assert.Equal([0, 1], ContiguityWeights.Rook(polygons, exactCoordinatesOnly: true).Islands);
    }

    [Fact]
    public void Corner_touch_is_queen_but_not_rook()
    {
        Geometry[] polygons =
        [
            Wkt.Read("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"),
            Wkt.Read("POLYGON ((1 1, 2 1, 2 2, 1 2, 1 1))"),
        ];
        Assert.Equal([1], ContiguityWeights.Queen(polygons).Neighbors(0).ToArray());
        Assert.Equal([0, 1], ContiguityWeights.Rook(polygons).Islands);
    }

    [Fact]
    public void Polygon_filling_a_hole_is_a_neighbour_of_the_polygon_around_it()
    {
        // polygon_with_hole: the ring (1 1, 3 1, 3 3, 1 3) is the hole of 0 and the shell of 1.
        Geometry[] polygons =
        [
            Wkt.Read("POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 1 3, 3 3, 3 1, 1 1))"),
            Wkt.Read("POLYGON ((1 1, 3 1, 3 3, 1 3, 1 1))"),
        ];
        Assert.Equal([1], ContiguityWeights.Rook(polygons, exactCoordinatesOnly: true).Neighbors(0).ToArray());
        Assert.Equal([0], ContiguityWeights.Queen(polygons).Neighbors(1).ToArray());
    }

    [Fact]
    public void Envelopes_overlapping_without_contact_are_not_neighbours()
    {
        // l_shape_and_square_in_its_notch: the square sits in the notch of the L, 0.5 away from it.
        Geometry[] polygons =
        [
            Wkt.Read("POLYGON ((0 0, 4 0, 4 1, 1 1, 1 4, 0 4, 0 0))"),
            Wkt.Read("POLYGON ((1.5 1.5, 3 1.5, 3 3, 1.5 3, 1.5 1.5))"),
        ];
        Assert.Equal([0, 1], ContiguityWeights.Queen(polygons).Islands);
        Assert.Equal([0, 1], ContiguityWeights.Rook(polygons).Islands);
    }

    [Fact]
    public void Empty_polygon_and_multipolygon_parts()
    {
        // multipolygon_part_touches: 2 has a part far away that touches 0's edge exactly.
        Geometry[] polygons =
        [
            Wkt.Read("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"),
            Wkt.Read("POLYGON EMPTY"),
            Wkt.Read("MULTIPOLYGON (((10 10, 11 10, 11 11, 10 11, 10 10)), ((1 0, 2 0, 2 1, 1 1, 1 0)))"),
        ];
        var w = ContiguityWeights.Rook(polygons);
        Assert.Equal([2], w.Neighbors(0).ToArray());
        Assert.Equal([1], w.Islands);
    }
}
