using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Reference;
using GeoOrs.Analysis.Tests.Spatial;
using static GeoOrs.Analysis.Tests.Hotspots.GetisOrdTests;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class GlobalMoranTests
{
    // A chain 0 - 1 - 2 - 3 - 4 with x = 1, 2, 3, 4, 10 and binary weights.
    private static readonly double[] X = [1, 2, 3, 4, 10];
    private static readonly SpatialWeights Chain = SpatialWeights.FromNeighbors([[1], [0, 2], [1, 3], [2, 4], [3]]);

    // n = 5, z = -3, -2, -1, 0, 6, Σz² = 50, Σz⁴ = 81 + 16 + 1 + 0 + 1296 = 1394.
    // S0 = 8 (4 links, both ways); Σ_ij w z_i z_j = 2 (6 + 2 + 0 + 0) = 16; I = (5/8)(16/50) = 0.2; E = -1/4.
    // S1 = ½ Σ (w_ij + w_ji)² = ½ · 8 · 4 = 16; S2 = Σ (2 k_i)² = 4 + 16 + 16 + 16 + 4 = 56.
    // b2 = 5 · 1394 / 50² = 2.788.
    // A = n((n² − 3n + 3) S1 − n S2 + 3 S0²) = 5 (13 · 16 − 280 + 192) = 600.
    // B = b2 ((n² − n) S1 − 2n S2 + 6 S0²) = 2.788 (320 − 560 + 384) = 401.472.
    // Var = (A − B) / ((n−1)(n−2)(n−3) S0²) − E² = 198.528 / 1536 − 0.0625 = 0.06675.
    // Z = 0.45 / √0.06675 = 1.74175; two-sided P = 0.08155.
    [Fact]
    public void Moran_on_a_chain_by_hand()
    {
        var r = GlobalMoran.Compute(X, Chain);
        Assert.Equal(0.2, r.I, 1e-12);
        Assert.Equal(-0.25, r.Expectation, 1e-15);
        Assert.Equal(0.06675, r.Variance, 1e-12);
        Assert.Equal(0.45 / Math.Sqrt(0.06675), r.Z, 1e-12);
        Assert.Equal(0.0815514553537816, r.P, 1e-12);
        Assert.Equal(r.P / 2, GlobalMoran.Compute(X, Chain, Alternative.Greater).P, 1e-15);
        Assert.Equal(1 - (r.P / 2), GlobalMoran.Compute(X, Chain, Alternative.Less).P, 1e-15);
    }

    [Fact]
    public void Matches_spdep_moran_test_with_row_standardised_queen_weights()
    {
        var queen = SpatialWeights.FromNeighbors(SpdepReference.LatticeQueen).RowStandardized();
        AssertResult(SpdepReference.GlobalMoranQueenW, GlobalMoran.Compute(SpdepReference.LatticeValues, queen));
    }

    [Fact]
    public void Matches_spdep_moran_test_with_binary_rook_weights_one_sided()
    {
        var rook = ContiguityWeights.Rook(ContiguityWeightsTests.Lattice(10, 10));
        AssertResult(SpdepReference.GlobalMoranRookBGreater, GlobalMoran.Compute(SpdepReference.LatticeValues, rook, Alternative.Greater));
    }

    [Fact]
    public void Islands_reduce_n_as_spdep_adjust_n()
    {
        var w = SpatialWeights.FromNeighbors(RookWithIsland()).RowStandardized();
        var r = GlobalMoran.Compute(SpdepReference.LatticeValues, w);
        Assert.Equal(-1.0 / 98, r.Expectation, 1e-15); // n = 99 features with neighbours
        AssertResult(SpdepReference.GlobalMoranRookIslandW, r);
    }

    [Fact]
    public void Asymmetric_nearest_neighbour_weights_match_spdep()
    {
        var points = SpdepReference.PointsX.Zip(SpdepReference.PointsY).ToArray();
        var knn = NearestNeighborWeights.Build(points, 4);
        AssertResult(SpdepReference.GlobalMoranKnnW, GlobalMoran.Compute(SpdepReference.PointValues, knn.RowStandardized()));
        AssertResult(SpdepReference.GlobalMoranKnnBLess, GlobalMoran.Compute(SpdepReference.PointValues, knn, Alternative.Less));
    }

    [Fact]
    public void Equal_values_have_no_statistic()
    {
        Assert.Equal(new GlobalMoranResult(0, -0.25, 0, 0, 1), GlobalMoran.Compute([2, 2, 2, 2, 2], Chain));
    }

    [Fact]
    public void Fewer_than_four_features_with_neighbours_give_no_test()
    {
        // 0 - 1 - 2: I = (3/4) · (z0 z1 + z1 z2) · 2 / Σz² with z = -1, 0, 1 → 0; E = -1/2; no variance (n − 3 = 0).
        var r = GlobalMoran.Compute([1, 2, 3], SpatialWeights.FromNeighbors([[1], [0, 2], [1]]));
        Assert.Equal(new GlobalMoranResult(0, -0.5, 0, 0, 1), r);
    }

    private static void AssertResult(double[] expected, GlobalMoranResult actual)
    {
        AssertClose(expected[0], actual.I);
        AssertClose(expected[1], actual.Expectation);
        AssertClose(expected[2], actual.Variance);
        AssertClose(expected[3], actual.Z);
        AssertClose(expected[4], actual.P, 1e-9, absolute: 0);
    }
}
