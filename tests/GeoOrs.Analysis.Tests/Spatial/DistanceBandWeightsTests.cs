using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Reference;
using static GeoOrs.Analysis.Tests.Spatial.NearestNeighborWeightsTests;

namespace GeoOrs.Analysis.Tests.Spatial;

public class DistanceBandWeightsTests
{
    // Five points on a line: x = 0, 1, 3, 6, 10; gaps 1, 2, 3, 4.
    private static readonly (double X, double Y)[] Line = [(0, 0), (1, 0), (3, 0), (6, 0), (10, 0)];

    [Fact]
    public void Band_of_two_leaves_the_far_points_as_islands()
    {
        // 0-1 (1), 1-2 (2) are within 2; 3 is 3 from its nearest, 4 is 4 from its nearest.
        var w = DistanceBandWeights.Build(Line, 2);
        Assert.Equal([[1], [0, 2], [1], [], []], Rows(w));
        Assert.Equal([3, 4], w.Islands);
    }

    [Fact]
    public void Band_edge_is_inclusive()
    {
        // Within 3: 0-1 (1), 0-2 (3), 1-2 (2), 2-3 (3); 4 is 4 from 3.
        var w = DistanceBandWeights.Build(Line, 3);
        Assert.Equal([[1, 2], [0, 2], [0, 1, 3], [2], []], Rows(w));
        Assert.True(w.IsSymmetric());
    }

    [Fact]
    public void Zero_band_joins_only_coincident_points()
    {
        (double, double)[] points = [(2, 2), (0, 0), (2, 2)];
        Assert.Equal([[2], [], [0]], Rows(DistanceBandWeights.Build(points, 0)));
    }

    [Fact]
    public void Matches_spdep_dnearneigh_on_random_points()
    {
        var points = SpdepReference.PointsX.Zip(SpdepReference.PointsY).ToArray();
        Assert.Equal(SpdepReference.Band250, Rows(DistanceBandWeights.Build(points, 250)));
    }

    [Fact]
    public void Matches_a_brute_force_search_on_random_points()
    {
        var random = new Random(11);
        var points = Enumerable.Range(0, 1500).Select(_ => (random.NextDouble() * 1000, random.NextDouble() * 1000)).ToArray();
        var w = DistanceBandWeights.Build(points, 40);
        for (int i = 0; i < points.Length; i++)
        {
            var expected = Enumerable.Range(0, points.Length).Where(j => j != i && Distance2(points[i], points[j]) <= 40 * 40).ToArray();
            Assert.Equal(expected, w.Neighbors(i).ToArray());
        }
    }

    [Fact]
    public void Negative_or_infinite_band_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DistanceBandWeights.Build(Line, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DistanceBandWeights.Build(Line, double.PositiveInfinity));
    }
}
