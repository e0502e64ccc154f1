using System.Diagnostics;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Reference;
using GeoOrs.Analysis.Tests.Spatial;
using Xunit.Abstractions;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class GetisOrdTests(ITestOutputHelper output)
{
    // A chain of five features 0 - 1 - 2 - 3 - 4 with x = 1, 2, 3, 4, 10.
    private static readonly double[] X = [1, 2, 3, 4, 10];
    private static readonly SpatialWeights Chain = SpatialWeights.FromNeighbors([[1], [0, 2], [1, 3], [2, 4], [3]]);

    // Gi*: n = 5, x̄ = 20 / 5 = 4, deviations z = -3, -2, -1, 0, 6, Σz² = 50, S² = 50 / 5 = 10.
    // With self, W_i = S1_i = k_i = 2, 3, 3, 3, 2, so Var = S² (n k − k²) / (n − 1) = 10 · 2 · 3 / 4 = 15
    // for k = 2 and 10 · 3 · 2 / 4 = 15 for k = 3.
    // Numerators Σ_N x − x̄ W = Σ_N z: 0: -3-2 = -5; 1: -3-2-1 = -6; 2: -2-1+0 = -3; 3: -1+0+6 = 5; 4: 0+6 = 6.
    // z = numerator / √15; G* = Σ_N x / Σ x = 3/20, 6/20, 9/20, 17/20, 14/20.
    [Fact]
    public void Gi_star_on_a_chain_by_hand()
    {
        var results = GetisOrd.Compute(X, Chain);
        double[] numerators = [-5, -6, -3, 5, 6];
        double[] g = [0.15, 0.30, 0.45, 0.85, 0.70];
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(numerators[i] / Math.Sqrt(15), results[i].Z, 1e-12);
            Assert.Equal(g[i], results[i].G, 1e-12);
        }

        // |z| = 1.549 at most: p = 0.121, not significant at 90 %.
        Assert.Equal(0.12133525035848, results[1].P, 1e-10);
        Assert.All(results, r => Assert.Equal(0, r.Bin));
    }

    // Gi (self excluded): mean and S² of the n − 1 = 4 other values, Var = S²_(i) ((n−1) k − k²) / (n − 2).
    // 0: others 2, 3, 4, 10: mean 4.75, S² = (2.75² + 1.75² + 0.75² + 5.25²) / 4 = 38.75 / 4 = 9.6875;
    //    k = 1, numerator 2 − 4.75 = −2.75, Var = 9.6875 · 3 / 3, z = −2.75 / √9.6875 = −0.88354.
    // 3: others 1, 2, 3, 10: mean 4, S² = (9 + 4 + 1 + 36) / 4 = 12.5; k = 2, numerator 3 + 10 − 8 = 5,
    //    Var = 12.5 · (8 − 4) / 3 = 50 / 3, z = 5 / √(50/3) = √1.5.
    // 4: others 1, 2, 3, 4: mean 2.5, S² = 1.25; k = 1, numerator 4 − 2.5 = 1.5, Var = 1.25, z = 1.5 / √1.25.
    // G = Σ_N x / (Σ x − x_i): 2 / 19, 13 / 16, 4 / 10.
    [Fact]
    public void Gi_without_self_on_a_chain_by_hand()
    {
        var results = GetisOrd.Compute(X, Chain, star: false);
        Assert.Equal(-2.75 / Math.Sqrt(9.6875), results[0].Z, 1e-12);
        Assert.Equal(Math.Sqrt(1.5), results[3].Z, 1e-12);
        Assert.Equal(1.5 / Math.Sqrt(1.25), results[4].Z, 1e-12);
        Assert.Equal(2.0 / 19, results[0].G, 1e-12);
        Assert.Equal(13.0 / 16, results[3].G, 1e-12);
        Assert.Equal(0.4, results[4].G, 1e-12);
    }

    [Fact]
    public void Row_standardised_weights_give_the_same_z_scores()
    {
        var binary = GetisOrd.Compute(X, Chain);
        var rowStandardised = GetisOrd.Compute(X, Chain.RowStandardized());
        var rowStandardisedWithSelf = GetisOrd.Compute(X, Chain.WithSelf().RowStandardized());
        Assert.Equal(binary, rowStandardised);
        Assert.Equal(binary, rowStandardisedWithSelf);
        Assert.Equal(GetisOrd.Compute(X, Chain, star: false), GetisOrd.Compute(X, Chain.WithSelf().RowStandardized(), star: false));
    }

    [Fact]
    public void Equal_values_have_zero_variance()
    {
        var results = GetisOrd.Compute([7, 7, 7, 7, 7], Chain);
        Assert.All(results, r => Assert.Equal((0.0, 1.0, 0), (r.Z, r.P, r.Bin)));
        Assert.Equal(2.0 / 5, results[0].G, 1e-15); // 14 / 35

        // Gi of feature 4: the others (7, 7, 7, 7) are all equal; the rest vary.
        var gi = GetisOrd.Compute([7, 7, 7, 7, 1], Chain, star: false);
        Assert.Equal((0.0, 1.0, 0), (gi[4].Z, gi[4].P, gi[4].Bin));
        Assert.NotEqual(0.0, gi[3].Z);
    }

    [Fact]
    public void Island_has_zero_variance_for_gi_but_not_for_gi_star()
    {
        // island: feature 4 cut off. Gi* of 4 is its own neighbourhood: k = 1, Var = S² (n − 1) / (n − 1) = S²,
        // z = (10 − 4) / √10.
        var w = SpatialWeights.FromNeighbors([[1], [0, 2], [1, 3], [2], []]);
        Assert.Equal(6 / Math.Sqrt(10), GetisOrd.Compute(X, w)[4].Z, 1e-12);
        var gi = GetisOrd.Compute(X, w, star: false)[4];
        Assert.Equal((0.0, 1.0, 0, 0.0), (gi.Z, gi.P, gi.Bin, gi.G));
    }

    [Fact]
    public void Neighbourhood_of_every_feature_has_zero_variance()
    {
        // Feature 0 neighbours all others: for Gi* W = n, so n S1 − W² = 0.
        var w = SpatialWeights.FromNeighbors([[1, 2, 3, 4], [0], [0], [0], [0]]);
        var r = GetisOrd.Compute(X, w)[0];
        Assert.Equal((0.0, 1.0, 0), (r.Z, r.P, r.Bin));
        Assert.Equal(1.0, r.G);
    }

    [Theory]
    [InlineData(3.0, 0.0099, 3)]
    [InlineData(2.6, 0.01, 3)]
    [InlineData(-2.2, 0.03, -2)]
    [InlineData(2.0, 0.05, 2)]
    [InlineData(1.7, 0.09, 1)]
    [InlineData(-1.65, 0.0999, -1)]
    [InlineData(1.5, 0.13, 0)]
    [InlineData(0.0, 1.0, 0)]
    public void Bins_follow_arcgis_confidence_levels(double z, double p, int bin) => Assert.Equal(bin, GetisOrd.Bin(z, p));

    [Fact]
    public void Gi_star_matches_spdep_localG_on_a_lattice()
    {
        var w = SpatialWeights.FromNeighbors(SpdepReference.LatticeQueen);
        var results = GetisOrd.Compute(SpdepReference.LatticeValues, w);
        var fromRowStandardised = GetisOrd.Compute(SpdepReference.LatticeValues, w.RowStandardized());
        for (int i = 0; i < w.Count; i++)
        {
            AssertClose(SpdepReference.GiStarQueenZ[i], results[i].Z);
            AssertClose(SpdepReference.GiStarQueenZRowStandardised[i], fromRowStandardised[i].Z);
        }
    }

    [Fact]
    public void Gi_matches_spdep_localG_on_a_lattice()
    {
        var w = SpatialWeights.FromNeighbors(SpdepReference.LatticeQueen);
        var results = GetisOrd.Compute(SpdepReference.LatticeValues, w, star: false);
        for (int i = 0; i < w.Count; i++)
        {
            AssertClose(SpdepReference.GiQueenZ[i], results[i].Z);
            AssertClose(SpdepReference.GiQueenG[i], results[i].G);
            AssertClose(SpdepReference.GiQueenP[i], results[i].P, absolute: 0);
        }
    }

    [Fact]
    public void Gi_star_of_an_island_matches_spdep()
    {
        var w = SpatialWeights.FromNeighbors(RookWithIsland());
        var results = GetisOrd.Compute(SpdepReference.LatticeValues, w);
        for (int i = 0; i < w.Count; i++)
        {
            AssertClose(SpdepReference.GiStarRookIslandZ[i], results[i].Z);
        }
    }

    [Fact]
    public void False_discovery_rate_judges_bins_on_adjusted_p_values()
    {
        var w = SpatialWeights.FromNeighbors(SpdepReference.LatticeQueen);
        var raw = GetisOrd.Compute(SpdepReference.LatticeValues, w);
        var fdr = GetisOrd.Compute(SpdepReference.LatticeValues, w, fdr: true);
        var adjusted = FalseDiscoveryRate.Adjust([.. raw.Select(r => r.P)]);
        for (int i = 0; i < raw.Count; i++)
        {
            Assert.Equal(raw[i].Z, fdr[i].Z);
            Assert.Equal(raw[i].P, fdr[i].P); // P stays unadjusted
            Assert.Equal(GetisOrd.Bin(raw[i].Z, adjusted[i]), fdr[i].Bin);
            Assert.True(Math.Abs(fdr[i].Bin) <= Math.Abs(raw[i].Bin));
        }

        Assert.Contains(Enumerable.Range(0, raw.Count), i => fdr[i].Bin != raw[i].Bin);
    }

    [Fact]
    public void Mismatched_or_non_finite_values_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => GetisOrd.Compute([1, 2, 3], Chain));
        Assert.Throws<ArgumentException>(() => GetisOrd.Compute([1, 2, double.NaN, 4, 5], Chain));
    }

    [Fact]
    public void Hundred_thousand_hexagon_centres_with_a_distance_band()
    {
        // Centres of a pointy-top hexagon grid, 1 km apart: 250 rows of 400, odd rows shifted half a spacing,
        // rows √3/2 km apart. The band of 1.01 km joins each centre to its six neighbours.
        const int Rows = 250, Columns = 400;
        const double Spacing = 1000;
        var points = new (double X, double Y)[Rows * Columns];
        var values = new double[points.Length];
        var random = new Random(5);
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Columns; c++)
            {
                int i = (r * Columns) + c;
                points[i] = ((c + (r % 2 * 0.5)) * Spacing, r * Spacing * Math.Sqrt(3) / 2);
                values[i] = random.Next(10) + (r > 100 && r < 110 && c > 200 && c < 210 ? 20 : 0);
            }
        }

        // Timed for the record, not asserted (speed belongs in bench/); the second runs are after JIT warm-up.
        var clock = Stopwatch.StartNew();
        var weights = DistanceBandWeights.Build(points, 1.01 * Spacing);
        var built = clock.Elapsed;
        clock.Restart();
        var results = GetisOrd.Compute(values, weights);
        var computed = clock.Elapsed;
        clock.Restart();
        DistanceBandWeights.Build(points, 1.01 * Spacing);
        var builtAgain = clock.Elapsed;
        clock.Restart();
        GetisOrd.Compute(values, weights, fdr: true);
        var computedAgain = clock.Elapsed;
        output.WriteLine(
            $"100,000 hexagon centres: distance-band weights {built.TotalMilliseconds:F0} ms (again {builtAgain.TotalMilliseconds:F0} ms), " +
            $"Gi* {computed.TotalMilliseconds:F0} ms (again, with FDR, {computedAgain.TotalMilliseconds:F0} ms)");

        Assert.Equal(6, weights.NeighborCount((150 * Columns) + 150));
        Assert.Equal(2, weights.NeighborCount(0));
        Assert.Equal(points.Length, results.Count);
        Assert.Equal(3, results[(105 * Columns) + 205].Bin); // inside the planted hot spot
    }

    internal static IReadOnlyList<IReadOnlyList<int>> RookWithIsland()
    {
        // Rook neighbours of the 10 x 10 lattice with cell index 99 cut off, as in spdep_reference.R.
        var rows = NearestNeighborWeightsTests.Rows(ContiguityWeights.Rook(ContiguityWeightsTests.Lattice(10, 10)));
        return [.. rows.Select((row, i) => i == 99 ? [] : row.Where(j => j != 99).ToArray())];
    }

    /// <summary>|expected − actual| ≤ relative · |expected| + absolute.</summary>
    internal static void AssertClose(double expected, double actual, double relative = 1e-10, double absolute = 1e-13)
    {
        double tolerance = (relative * Math.Abs(expected)) + absolute;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected:R}, actual {actual:R}");
    }
}
