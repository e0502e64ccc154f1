using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Reference;

namespace GeoOrs.Analysis.Tests.Spatial;

public class NearestNeighborWeightsTests
{
    // Five points on a line: x = 0, 1, 3, 6, 10; gaps 1, 2, 3, 4.
    private static readonly (double X, double Y)[] Line = [(0, 0), (1, 0), (3, 0), (6, 0), (10, 0)];

    [Fact]
    public void One_nearest_neighbour_on_a_line_is_not_symmetric()
    {
        // 0 -> 1 (1); 1 -> 0 (1 < 2); 2 -> 1 (2 < 3); 3 -> 2 (3 < 4); 4 -> 3 (4).
        var w = NearestNeighborWeights.Build(Line, 1);
        Assert.Equal([[1], [0], [1], [2], [3]], Rows(w));
        Assert.False(w.IsSymmetric());
        Assert.Empty(w.Islands);
    }

    [Fact]
    public void Two_nearest_neighbours_on_a_line_break_a_tie_by_index()
    {
        // 2 (x = 3): 1 at 2, then 0 and 3 both at 3 -> the lower index, 0.
        // 3 (x = 6): 2 at 3, 4 at 4. 4 (x = 10): 3 at 4, 2 at 7.
        var w = NearestNeighborWeights.Build(Line, 2);
        Assert.Equal([[1, 2], [0, 2], [0, 1], [2, 4], [2, 3]], Rows(w));
    }

    [Fact]
    public void Equally_spaced_points_take_the_lower_index_on_ties()
    {
        // x = 0..4: the inner points have both neighbours at distance 1; k = 1 takes the left one.
        (double, double)[] points = [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)];
        Assert.Equal([[1], [0], [1], [2], [3]], Rows(NearestNeighborWeights.Build(points, 1)));

        // Reversed order: the tie now goes to the right-hand point, which has the lower index.
        (double, double)[] reversed = [(4, 0), (3, 0), (2, 0), (1, 0), (0, 0)];
        Assert.Equal([[1], [0], [1], [2], [3]], Rows(NearestNeighborWeights.Build(reversed, 1)));
    }

    [Fact]
    public void Coincident_points_are_nearest_neighbours()
    {
        (double, double)[] points = [(5, 5), (0, 0), (5, 5), (1, 0)];
        var w = NearestNeighborWeights.Build(points, 1);
        Assert.Equal([[2], [3], [0], [1]], Rows(w));
    }

    [Fact]
    public void Matches_spdep_knearneigh_on_random_points()
    {
        var points = SpdepReference.PointsX.Zip(SpdepReference.PointsY).ToArray();
        Assert.Equal(SpdepReference.Knn4, Rows(NearestNeighborWeights.Build(points, 4)));
    }

    [Fact]
    public void Matches_a_brute_force_search_on_a_lattice_full_of_ties()
    {
        // Integer points on a 40 x 40 grid with many duplicates: every distance ties with others.
        var random = new Random(3);
        var points = Enumerable.Range(0, 2000).Select(_ => ((double)random.Next(40), (double)random.Next(40))).ToArray();
        var w = NearestNeighborWeights.Build(points, 7);
        for (int i = 0; i < points.Length; i++)
        {
            var expected = Enumerable.Range(0, points.Length).Where(j => j != i)
                .OrderBy(j => Distance2(points[i], points[j])).ThenBy(j => j).Take(7).Order().ToArray();
            Assert.Equal(expected, w.Neighbors(i).ToArray());
        }
    }

    [Fact]
    public void K_must_be_between_one_and_the_number_of_points_less_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NearestNeighborWeights.Build(Line, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NearestNeighborWeights.Build(Line, 5));
        Assert.Equal(4, NearestNeighborWeights.Build(Line, 4).Neighbors(0).Length);
        Assert.Throws<ArgumentException>(() => NearestNeighborWeights.Build([(0, 0), (double.NaN, 1)], 1));
    }

    internal static double Distance2((double X, double Y) a, (double X, double Y) b) =>
        ((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y));

    internal static int[][] Rows(SpatialWeights w) =>
        [.. Enumerable.Range(0, w.Count).Select(i => w.Neighbors(i).ToArray())];
}
