using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Reference;
using static GeoOrs.Analysis.Tests.Hotspots.GetisOrdTests;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class LocalMoranTests
{
    // A chain 0 - 1 - 2 - 3 - 4 with x = 1, 2, 3, 4, 10, row-standardised.
    private static readonly double[] X = [1, 2, 3, 4, 10];
    private static readonly SpatialWeights Chain = SpatialWeights.FromNeighbors([[1], [0, 2], [1, 3], [2, 4], [3]]).RowStandardized();

    // n = 5, x̄ = 4, z = -3, -2, -1, 0, 6, m2 = Σz² / n = 50 / 5 = 10.
    // Spatial lags of z: 0: z1 = -2; 1: (-3 - 1) / 2 = -2; 2: (-2 + 0) / 2 = -1; 3: (-1 + 6) / 2 = 2.5; 4: z3 = 0.
    // I = z_i / m2 · lag: 0.6, 0.4, 0.1, 0, 0.
    // E = -z_i² W_i / ((n − 1) m2), W_i = 1: -9/40, -4/40, -1/40, 0, -36/40.
    // Var = (z_i/m2)² · n/(n−2) · (W_i(2) − W_i²/(n−1)) · (m2 − z_i²/(n−1)), W_i(2) = 1/k:
    //   0: 0.09 · 5/3 · (1 − 1/4) · (10 − 9/4)  = 0.871875
    //   1: 0.04 · 5/3 · (1/2 − 1/4) · (10 − 1) = 0.15
    //   2: 0.01 · 5/3 · (1/2 − 1/4) · (10 − 1/4) = 0.040625
    //   4: 0.36 · 5/3 · (1 − 1/4) · (10 − 9)    = 0.45
    // Z = (I − E) / √Var: 0.825/√0.871875, 0.5/√0.15, 0.125/√0.040625, —, 0.9/√0.45.
    // Feature 3 has z = 0: I = E = Var = 0, so Z = 0 and P = 1.
    [Fact]
    public void Local_moran_on_a_chain_by_hand()
    {
        var results = LocalMoran.Compute(X, Chain, permutations: 0);
        double[] i = [0.6, 0.4, 0.1, 0, 0];
        double[] e = [-0.225, -0.1, -0.025, 0, -0.9];
        double[] variance = [0.871875, 0.15, 0.040625, 0, 0.45];
        for (int k = 0; k < 5; k++)
        {
            Assert.Equal(i[k], results[k].I, 1e-12);
            Assert.Equal(e[k], results[k].Expectation, 1e-12);
            Assert.Equal(variance[k], results[k].Variance, 1e-12);
            if (variance[k] > 0)
            {
                Assert.Equal((i[k] - e[k]) / Math.Sqrt(variance[k]), results[k].Z, 1e-12);
            }
        }

        Assert.Equal((0.0, 1.0, 1.0), (results[3].Z, results[3].P, results[3].PseudoP));
        Assert.Equal(0.1967056, results[1].P, 1e-7); // 2 Φ̄(1.29099) = 2 · 0.0983528
    }

    // Lags of x: 2, (1+3)/2 = 2, (2+4)/2 = 3, (3+10)/2 = 6.5, 4; their mean 17.5 / 5 = 3.5; x̄ = 4.
    // 0: 1 ≤ 4, 2 ≤ 3.5: LL; 1: LL; 2: 3 ≤ 4, 3 ≤ 3.5: LL; 3: 4 ≤ 4 (not above), 6.5 > 3.5: LH; 4: HH.
    [Fact]
    public void Quadrants_compare_value_and_lag_with_their_means()
    {
        var results = LocalMoran.Compute(X, Chain, permutations: 0);
        Assert.Equal(["LL", "LL", "LL", "LH", "HH"], results.Select(r => r.Quadrant));
    }

    // Conditional permutations keep x_i and draw its neighbours' values from the other four, without replacement.
    // 0 (x = 1, neighbour value 2): draws 2, 3, 4 or 10; as large or larger: 4/4, as small or smaller: 1/4 -> p ≈ 0.25.
    // 1 (x = 2, neighbour sum 1 + 3 = 4): pairs of {1, 3, 4, 10} sum to 4, 5, 11, 7, 13, 14; ≤ 4: 1/6 -> p ≈ 1/6.
    // 2 (x = 3, neighbour sum 2 + 4 = 6): pairs of {1, 2, 4, 10} sum to 3, 5, 11, 6, 12, 14; ≥ 6: 4/6, ≤ 6: 3/6
    //   -> p ≈ 1/2 (GeoDa's rule, R − #≥, would give 2/6: the tie counts on both sides here).
    // 4 (x = 10, neighbour value 4): draws 1, 2, 3 or 4; ≥ 4: 1/4 -> p ≈ 0.25.
    [Fact]
    public void Pseudo_p_values_of_conditional_permutations_by_hand()
    {
        var results = LocalMoran.Compute(X, Chain, permutations: 9999, seed: 42);
        Assert.Equal(0.25, results[0].PseudoP, 0.015);
        Assert.Equal(1 / 6.0, results[1].PseudoP, 0.015);
        Assert.Equal(0.5, results[2].PseudoP, 0.015);
        Assert.Equal(1.0, results[3].PseudoP);
        Assert.Equal(0.25, results[4].PseudoP, 0.015);
    }

    [Fact]
    public void Permutations_are_reproducible_for_a_seed()
    {
        var a = LocalMoran.Compute(SpdepReference.LatticeValues, Lattice(), 199, seed: 9);
        var b = LocalMoran.Compute(SpdepReference.LatticeValues, Lattice(), 199, seed: 9);
        var c = LocalMoran.Compute(SpdepReference.LatticeValues, Lattice(), 199, seed: 10);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(r => r.PseudoP), c.Select(r => r.PseudoP));
        Assert.All(a, r => Assert.InRange(r.PseudoP, 1 / 200.0, 1.0));
    }

    [Fact]
    public void Pseudo_p_values_agree_roughly_with_the_normal_approximation()
    {
        // Strong clusters are significant both ways; features far from significance are not.
        var results = LocalMoran.Compute(SpdepReference.LatticeValues, Lattice(), 999);
        foreach (var r in results)
        {
            if (r.P < 0.001)
            {
                Assert.True(r.PseudoP < 0.02, $"P {r.P}, pseudo p {r.PseudoP}");
            }

            if (r.P > 0.5)
            {
                Assert.True(r.PseudoP > 0.1, $"P {r.P}, pseudo p {r.PseudoP}");
            }
        }
    }

    [Fact]
    public void Matches_spdep_localmoran_on_a_lattice()
    {
        var results = LocalMoran.Compute(SpdepReference.LatticeValues, Lattice(), permutations: 0);
        for (int i = 0; i < results.Count; i++)
        {
            AssertClose(SpdepReference.LocalMoranI[i], results[i].I);
            AssertClose(SpdepReference.LocalMoranE[i], results[i].Expectation);
            AssertClose(SpdepReference.LocalMoranVar[i], results[i].Variance);
            AssertClose(SpdepReference.LocalMoranZ[i], results[i].Z);
            AssertClose(SpdepReference.LocalMoranP[i], results[i].P, absolute: 0);
            Assert.Equal(SpdepReference.LocalMoranQuadrant[i], results[i].Quadrant);
        }
    }

    [Fact]
    public void Equal_values_have_zero_variance_and_no_quadrant()
    {
        var results = LocalMoran.Compute([3, 3, 3, 3, 3], Chain);
        Assert.All(results, r => Assert.Equal(new LocalMoranResult(0, 0, 0, 0, 1, 1, ""), r));
    }

    [Fact]
    public void Others_all_equal_give_zero_variance()
    {
        // Feature 4 differs and the other four are equal: permuting them changes nothing.
        var r = LocalMoran.Compute([1, 1, 1, 1, 6], Chain)[4];
        Assert.Equal((0.0, 0.0, 1.0, 1.0), (r.Variance, r.Z, r.P, r.PseudoP));
        Assert.Equal("HL", r.Quadrant);
    }

    [Fact]
    public void Island_has_no_statistic_and_no_quadrant()
    {
        var w = SpatialWeights.FromNeighbors([[1], [0, 2], [1, 3], [2], []]).RowStandardized();
        Assert.Equal(new LocalMoranResult(0, 0, 0, 0, 1, 1, ""), LocalMoran.Compute(X, w)[4]);

        // The lag mean leaves the island out: lags 2, 2, 3, 3 -> mean 2.5, so feature 2 (lag 3) is "LH".
        Assert.Equal("LH", LocalMoran.Compute(X, w, 0)[2].Quadrant);
    }

    [Fact]
    public void Self_neighbours_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => LocalMoran.Compute(X, Chain.WithSelf()));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalMoran.Compute(X, Chain, -1));
    }

    private static SpatialWeights Lattice() => SpatialWeights.FromNeighbors(SpdepReference.LatticeQueen).RowStandardized();
}
