using System.Diagnostics;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Spatial;
using Xunit.Abstractions;
using static GeoOrs.Analysis.Tests.Hotspots.GetisOrdTests;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class EmergingHotSpotsTests(ITestOutputHelper output)
{
    // Bins written as characters, oldest first: 'H' a significant hot bin (z = 2.5, p = 0.01), 'C' a significant
    // cold bin (z = -2.5, p = 0.01), '.' not significant (z = 0.4, p = 0.69), 'h' / 'c' hot / cold exactly at
    // alpha (p = 0.05, significant since p ≤ alpha), 'x' / 'y' a positive / negative z just above alpha
    // (p = 0.0500001, not significant).
    private static (double[] Z, double[] P) Bins(string pattern)
    {
        var z = new double[pattern.Length];
        var p = new double[pattern.Length];
        for (int t = 0; t < pattern.Length; t++)
        {
            (z[t], p[t]) = pattern[t] switch
            {
                'H' => (2.5, 0.01),
                'C' => (-2.5, 0.01),
                'h' => (1.96, 0.05),
                'c' => (-1.96, 0.05),
                'x' => (1.95, 0.0500001),
                'y' => (-1.95, 0.0500001),
                _ => (0.4, 0.69),
            };
        }

        return (z, p);
    }

    [Theory]
    // No pattern: nothing significant, a single quiet bin, on-and-off hot or cold history that is quiet in the
    // final bin (ArcGIS Pro's sporadic needs a hot final bin), 80 % hot then quiet (historical needs 90 %).
    [InlineData("..........", 0, "no_pattern")]
    [InlineData(".", 0, "no_pattern")]
    [InlineData("", 0, "no_pattern")]
    [InlineData("..H..H....", 0, "no_pattern")]
    [InlineData("..C..C....", 0, "no_pattern")]
    [InlineData("HHHHHHHH..", 0, "no_pattern")]
    [InlineData("HHHHHHHHHx", 0, "historical_hot_spot")] // final z positive but p just above alpha: not hot
    [InlineData(".........x", 0, "no_pattern")]
    // New: hot (cold) in the final bin only; a single bin; exactly at alpha counts.
    [InlineData(".........H", 0, "new_hot_spot")]
    [InlineData("H", 0, "new_hot_spot")]
    [InlineData("H", 1, "new_hot_spot")]
    [InlineData(".........h", 0, "new_hot_spot")]
    [InlineData(".........C", 0, "new_cold_spot")]
    [InlineData("C", 0, "new_cold_spot")]
    [InlineData("yyyyyyyyyc", 0, "new_cold_spot")]
    // Consecutive: one final run of at least two, never before, under 90 %.
    [InlineData("........HH", 0, "consecutive_hot_spot")]
    [InlineData("......HHHH", 1, "consecutive_hot_spot")]
    [InlineData("..HHHHHHHH", 1, "consecutive_hot_spot")] // 8 of 10
    [InlineData("HH", 0, "persistent_hot_spot")] // 2 of 2 is 100 %, not under 90 %
    [InlineData("........CC", 0, "consecutive_cold_spot")]
    [InlineData("...CCCCCCC", -1, "consecutive_cold_spot")]
    // 90 % or more, final bin included: the trend decides. Exactly 90 % (9 of 10, 18 of 20) counts.
    [InlineData(".HHHHHHHHH", 1, "intensifying_hot_spot")]
    [InlineData(".HHHHHHHHH", 0, "persistent_hot_spot")]
    [InlineData(".HHHHHHHHH", -1, "diminishing_hot_spot")]
    [InlineData("HHHHHHHHHH", 0, "persistent_hot_spot")]
    [InlineData("H.HHHHHHHH", -1, "diminishing_hot_spot")]
    [InlineData("..HHHHHHHHHHHHHHHHHH", 1, "intensifying_hot_spot")]
    [InlineData("CHHHHHHHHH", 0, "persistent_hot_spot")] // a cold bin but 90 % hot: not oscillating
    [InlineData(".CCCCCCCCC", -1, "intensifying_cold_spot")]
    [InlineData(".CCCCCCCCC", 0, "persistent_cold_spot")]
    [InlineData(".CCCCCCCCC", 1, "diminishing_cold_spot")]
    [InlineData("CCCCCCCCCC", 0, "persistent_cold_spot")]
    // 10 of 11 is 90.9 %; 9 of 11 is 81.8 % and falls to sporadic.
    [InlineData("H.HHHHHHHHH", 0, "persistent_hot_spot")]
    [InlineData("H..HHHHHHHH", 0, "sporadic_hot_spot")]
    // Sporadic: hot in the final bin and on and off before, under 90 %, never cold.
    [InlineData("..H..H...H", 0, "sporadic_hot_spot")]
    [InlineData("HHHHHH.HH", 1, "sporadic_hot_spot")] // 8 of 9
    [InlineData("H.......HH", 0, "sporadic_hot_spot")]
    [InlineData("..C..C...C", 0, "sporadic_cold_spot")]
    [InlineData("C.......CC", 0, "sporadic_cold_spot")]
    // Oscillating: a significant bin of the other kind before, under 90 % of the final kind.
    [InlineData("..C......H", 0, "oscillating_hot_spot")] // would be new but for the cold bin
    [InlineData("C.....HHHH", 0, "oscillating_hot_spot")] // would be consecutive
    [InlineData("CH.H.H.H.H", 0, "oscillating_hot_spot")]
    [InlineData("..H......C", 0, "oscillating_cold_spot")]
    [InlineData("HHHHHHHHHC", 0, "oscillating_cold_spot")] // 90 % hot, but the final bin is cold
    [InlineData("HHHHHHHHHc", 0, "oscillating_cold_spot")]
    // Historical: the final bin not significant, at least 90 % of one kind, whatever the trend.
    [InlineData("HHHHHHHHH.", 0, "historical_hot_spot")]
    [InlineData("HHHHHHHHH.", -1, "historical_hot_spot")]
    [InlineData("HHHHHHHHHHHHHHHHHH..", 0, "historical_hot_spot")] // 18 of 20
    [InlineData("CCCCCCCCC.", 0, "historical_cold_spot")]
    [InlineData("CCCCCCCCC.", 1, "historical_cold_spot")]
    public void Classifies_hand_built_sequences(string pattern, int trend, string expected)
    {
        var (z, p) = Bins(pattern);
        var category = EmergingHotSpots.Classify(z, p, trend);
        Assert.Equal(expected, category.Name());
    }

    [Fact]
    public void Every_category_is_reached_by_the_hand_built_sequences()
    {
        var reached = typeof(EmergingHotSpotsTests).GetMethod(nameof(Classifies_hand_built_sequences))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).Single()[2]).ToHashSet();
        Assert.Equal(EmergingHotSpotCategories.All.Select(c => c.Name()).ToHashSet(), reached);
    }

    [Fact]
    public void Alpha_sets_which_bins_are_significant()
    {
        // p = 0.03 is significant at 0.05 but not at 0.01.
        double[] z = [0.1, 0.1, 2.2];
        double[] p = [0.9, 0.9, 0.03];
        Assert.Equal(EmergingHotSpotCategory.NewHotSpot, EmergingHotSpots.Classify(z, p, 0));
        Assert.Equal(EmergingHotSpotCategory.NoPattern, EmergingHotSpots.Classify(z, p, 0, alpha: 0.01));
    }

    [Fact]
    public void Classification_rejects_bad_input()
    {
        Assert.Throws<ArgumentException>(() => EmergingHotSpots.Classify([1.0, 2.0], [0.5], 0));
        Assert.Throws<ArgumentException>(() => EmergingHotSpots.Classify([1.0], [1.5], 0));
        Assert.Throws<ArgumentException>(() => EmergingHotSpots.Classify([double.NaN], [0.5], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmergingHotSpots.Classify([1.0], [0.5], 0, alpha: 1));
    }

    [Fact]
    public void Names_are_stable_snake_case_and_round_trip()
    {
        Assert.Equal(17, EmergingHotSpotCategories.All.Count);
        Assert.Equal("no_pattern", EmergingHotSpotCategory.NoPattern.Name());
        Assert.Equal("new_hot_spot", EmergingHotSpotCategory.NewHotSpot.Name());
        Assert.Equal("historical_cold_spot", EmergingHotSpotCategory.HistoricalColdSpot.Name());
        Assert.Equal(17, EmergingHotSpotCategories.All.Select(c => c.Name()).Distinct().Count());
        foreach (var category in EmergingHotSpotCategories.All)
        {
            string name = category.Name();
            Assert.Matches("^[a-z]+(_[a-z]+)*$", name);
            Assert.True(EmergingHotSpotCategories.TryParse(name, out var parsed));
            Assert.Equal(category, parsed);
            Assert.Equal(category != EmergingHotSpotCategory.NoPattern, category.IsHot() != category.IsCold());
            Assert.Equal(name.EndsWith("_hot_spot", StringComparison.Ordinal), category.IsHot());
        }

        Assert.False(EmergingHotSpotCategories.TryParse("New Hot Spot", out _));
        Assert.False(EmergingHotSpotCategories.TryParse(null, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((EmergingHotSpotCategory)17).Name());
    }

    // A chain of four locations 0 - 1 - 2 - 3 over two bins, x (location: bin 0, bin 1):
    // 0: 1, 2; 1: 0, 5; 2: 3, 1; 3: 2, 2. N = 8 bins, x̄ = 16 / 8 = 2, deviations by bin:
    // bin 0: -1, -2, 1, 0; bin 1: 0, 3, -1, 0. Σ dev² = 16, S² = 16 / 8 = 2.
    // With k = 1 the neighbourhood of (i, 1) is W*(i) in bins 0 and 1; of (i, 0) only bin 0.
    // (0, 0): W*(0) = {0, 1}, m = 2, numerator -1 - 2 = -3, Var = S² m (N - m) / (N - 1) = 2 · 2 · 6 / 7 = 24 / 7.
    // (1, 0): W*(1) = {0, 1, 2}, m = 3, numerator -1 - 2 + 1 = -2, Var = 2 · 3 · 5 / 7 = 30 / 7.
    // (2, 1): W*(2) = {1, 2, 3} in both bins, m = 6, numerator (-2 + 1 + 0) + (3 - 1 + 0) = 1, Var = 2 · 6 · 2 / 7 = 24 / 7.
    // (1, 1): m = 6, numerator (-1 - 2 + 1) + (0 + 3 - 1) = 0.
    // With k = 0, (2, 1): W*(2) in bin 1 only, m = 3, numerator 3 - 1 + 0 = 2, Var = 30 / 7.
    private static readonly SpatialWeights Chain = SpatialWeights.FromNeighbors([[1], [0, 2], [1, 3], [2]]);
    private static readonly double[][] ChainSeries = [[1, 2], [0, 5], [3, 1], [2, 2]];

    [Fact]
    public void Space_time_gi_star_on_a_chain_by_hand()
    {
        var r = EmergingHotSpots.Compute(ChainSeries, Chain);
        Assert.Equal(-3 / Math.Sqrt(24.0 / 7), r[0].Z[0], 1e-12);
        Assert.Equal(-2 / Math.Sqrt(30.0 / 7), r[1].Z[0], 1e-12);
        Assert.Equal(1 / Math.Sqrt(24.0 / 7), r[2].Z[1], 1e-12);
        Assert.Equal(0, r[1].Z[1], 1e-12);
        Assert.Equal(StandardNormal.TwoSided(r[0].Z[0]), r[0].P[0]);

        var spatialOnly = EmergingHotSpots.Compute(ChainSeries, Chain, timeStep: 0);
        Assert.Equal(2 / Math.Sqrt(30.0 / 7), spatialOnly[2].Z[1], 1e-12);
        Assert.Equal(r[0].Z[0], spatialOnly[0].Z[0]); // the first bin has no past either way
    }

    [Fact]
    public void One_bin_is_the_spatial_gi_star()
    {
        double[] x = [1, 2, 3, 4, 10];
        var chain = SpatialWeights.FromNeighbors([[1], [0, 2], [1, 3], [2, 4], [3]]);
        var spatial = GetisOrd.Compute(x, chain);
        var emerging = EmergingHotSpots.Compute([.. x.Select(v => new[] { v })], chain, timeStep: 3);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(spatial[i].Z, emerging[i].Z[0], 1e-12);
            Assert.Equal(spatial[i].Bin, emerging[i].Bins[0]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)] // longer than the series: every earlier bin joins
    public void Space_time_gi_star_matches_a_brute_force_computation_on_a_lattice(int timeStep)
    {
        // A 5 x 4 lattice with queen neighbours, 6 bins of pseudo-random counts; the brute force builds the full
        // (nT) x (nT) space-time weight matrix and applies Ord & Getis's Gi* formula to it directly.
        var lattice = ContiguityWeights.Queen(ContiguityWeightsTests.Lattice(5, 4));
        int n = lattice.Count, steps = 6;
        var random = new Random(3);
        var series = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, steps).Select(_ => (double)random.Next(8)).ToArray()).ToArray();
        var results = EmergingHotSpots.Compute(series, lattice, timeStep);

        int total = n * steps;
        var values = new double[total];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < steps; t++)
            {
                values[(i * steps) + t] = series[i][t];
            }
        }

        double mean = values.Average();
        double s = Math.Sqrt(values.Sum(v => v * v) / total - (mean * mean));
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < steps; t++)
            {
                double lag = 0, weights = 0;
                for (int j = 0; j < n; j++)
                {
                    for (int u = 0; u < steps; u++)
                    {
                        bool spatial = j == i || lattice.Weight(i, j) != 0;
                        double w = spatial && u <= t && u >= t - timeStep ? 1 : 0;
                        lag += w * values[(j * steps) + u];
                        weights += w;
                    }
                }

                // W = S1 for binary weights.
                double z = (lag - (mean * weights)) / (s * Math.Sqrt(((total * weights) - (weights * weights)) / (total - 1)));
                AssertClose(z, results[i].Z[t], relative: 1e-10, absolute: 1e-12);
            }
        }
    }

    [Fact]
    public void Equal_values_have_zero_variance()
    {
        var series = Enumerable.Range(0, 4).Select(_ => new double[] { 3, 3, 3, 3, 3 }).ToArray();
        var results = EmergingHotSpots.Compute(series, Chain);
        foreach (var r in results)
        {
            Assert.All(r.Z, z => Assert.Equal(0, z));
            Assert.All(r.P, p => Assert.Equal(1, p));
            Assert.All(r.Bins, b => Assert.Equal(0, b));
            Assert.Equal(0, r.Trend.Trend);
            Assert.Equal(EmergingHotSpotCategory.NoPattern, r.Category);
        }
    }

    [Fact]
    public void A_neighbourhood_of_every_bin_has_zero_variance()
    {
        // Two neighbouring locations, two bins, k = 1: the neighbourhood of (i, 1) is all four bins.
        var pair = SpatialWeights.FromNeighbors([[1], [0]]);
        var r = EmergingHotSpots.Compute([[1, 5], [2, 9]], pair);
        Assert.Equal((0.0, 1.0), (r[0].Z[1], r[0].P[1]));
        Assert.NotEqual(0, r[0].Z[0]);
    }

    [Fact]
    public void An_island_is_its_own_neighbourhood()
    {
        // 0 - 1 neighbours, 2 an island; x: 0: 1, 1; 1: 1, 1; 2: 0, 4. N = 6, x̄ = 8 / 6 = 4/3.
        // Deviations: -1/3 four times, -4/3, 8/3; Σ dev² = 4/9 + 16/9 + 64/9 = 28/3, S² = 14/9.
        // k = 1, (2, 1): bins (2, 0) and (2, 1), m = 2, numerator 4/3, Var = 14/9 · 2 · 4 / 5 = 112/45.
        // k = 0, (2, 1): m = 1, numerator 8/3, Var = 14/9 · 5 / 5, z = (8/3) / (√14 / 3) = 8 / √14.
        var w = SpatialWeights.FromNeighbors([[1], [0], []]);
        double[][] series = [[1, 1], [1, 1], [0, 4]];
        Assert.Equal(4.0 / 3 / Math.Sqrt(112.0 / 45), EmergingHotSpots.Compute(series, w)[2].Z[1], 1e-12);
        Assert.Equal(8 / Math.Sqrt(14), EmergingHotSpots.Compute(series, w, timeStep: 0)[2].Z[1], 1e-12);
    }

    [Fact]
    public void False_discovery_rate_judges_bins_and_categories_on_adjusted_p_values()
    {
        var (series, lattice) = PlantedCube(seed: 9);
        var raw = EmergingHotSpots.Compute(series, lattice);
        var fdr = EmergingHotSpots.Compute(series, lattice, fdr: true);
        var adjusted = FalseDiscoveryRate.Adjust([.. raw.SelectMany(r => r.P)]);
        int steps = series[0].Length;
        bool anyDiffers = false;
        for (int i = 0; i < raw.Count; i++)
        {
            Assert.Equal(raw[i].Z, fdr[i].Z);
            Assert.Equal(raw[i].P, fdr[i].P);
            var judged = adjusted.AsSpan(i * steps, steps).ToArray();
            Assert.Equal([.. raw[i].Z.Select((z, t) => GetisOrd.Bin(z, judged[t]))], fdr[i].Bins);
            Assert.Equal(EmergingHotSpots.Classify(raw[i].Z, judged, raw[i].Trend.Trend), fdr[i].Category);
            anyDiffers |= !raw[i].Bins.SequenceEqual(fdr[i].Bins);
        }

        Assert.True(anyDiffers);
    }

    [Fact]
    public void Planted_patterns_on_a_lattice()
    {
        var (series, lattice) = PlantedCube(seed: 1);
        var results = EmergingHotSpots.Compute(series, lattice);
        string At(int row, int column) => results[(row * 20) + column].Category.Name();

        // Block A flares up in the last three weeks: hot only there, never before.
        Assert.Equal("consecutive_hot_spot", At(4, 4));
        // Block B is hot every week with a count rising week by week.
        Assert.Equal("intensifying_hot_spot", At(14, 14));
        Assert.Equal(1, results[(14 * 20) + 14].Trend.Trend);
        // Block C was high every week but the last two; with k = 1 the eleventh week still sees the tenth, so 11 of
        // the 12 bins are hot (92 %) and the final one is not.
        Assert.Equal("historical_hot_spot", At(4, 14));
        Assert.Equal(11, results[(4 * 20) + 14].Bins.Count(b => b > 0));
        // Far from every block, nothing.
        Assert.Equal("no_pattern", At(17, 3));
    }

    [Fact]
    public void Rejects_malformed_cubes()
    {
        Assert.Throws<ArgumentException>(() => EmergingHotSpots.Compute([[1.0, 2.0]], Chain));
        Assert.Throws<ArgumentException>(() => EmergingHotSpots.Compute([[1.0, 2.0], [1.0], [1.0, 2.0], [1.0, 2.0]], Chain));
        Assert.Throws<ArgumentException>(() => EmergingHotSpots.Compute([[1.0, 2.0], [1.0, double.NaN], [1.0, 2.0], [1.0, 2.0]], Chain));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmergingHotSpots.Compute(ChainSeries, Chain, timeStep: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmergingHotSpots.Compute(ChainSeries, Chain, alpha: 0));
        Assert.Empty(EmergingHotSpots.Compute([], SpatialWeights.FromNeighbors([])));
    }

    [Fact]
    public void Hundred_thousand_hexagons_over_a_year_of_weeks()
    {
        // 100,000 hexagon centres 1 km apart (as in GetisOrdTests), 52 weekly bins of counts 0-3, and a block of
        // cells whose counts climb from the 40th week on.
        const int Rows = 250, Columns = 400, Weeks = 52;
        const double Spacing = 1000;
        var points = new (double X, double Y)[Rows * Columns];
        var series = new double[points.Length][];
        var random = new Random(5);
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Columns; c++)
            {
                int i = (r * Columns) + c;
                points[i] = ((c + (r % 2 * 0.5)) * Spacing, r * Spacing * Math.Sqrt(3) / 2);
                bool planted = r > 100 && r < 110 && c > 200 && c < 210;
                series[i] = [.. Enumerable.Range(0, Weeks).Select(w => random.Next(4) + (planted && w >= 40 ? 2.0 * (w - 39) : 0))];
            }
        }

        var weights = DistanceBandWeights.Build(points, 1.01 * Spacing);
        var clock = Stopwatch.StartNew();
        var results = EmergingHotSpots.Compute(series, weights, fdr: true);
        output.WriteLine(
            $"100,000 hexagons x 52 weeks, with FDR: {clock.Elapsed.TotalMilliseconds:F0} ms; " +
            string.Join(", ", results.GroupBy(r => r.Category).OrderBy(g => g.Key).Select(g => $"{g.Key.Name()} {g.Count()}")));

        // The FDR correction over the 5.2 million bins keeps the noise (one bin in twenty significant at 0.05
        // without it) out of the locations' histories and leaves the planted block's final run.
        Assert.Equal(points.Length, results.Count);
        Assert.Equal("consecutive_hot_spot", results[(105 * Columns) + 205].Category.Name());
        Assert.All(results.Where((r, i) => Math.Abs((i / Columns) - 105) > 10), r => Assert.Equal(EmergingHotSpotCategory.NoPattern, r.Category));
    }

    /// <summary>
    /// A 20 x 20 lattice (rook neighbours) over 12 weeks: background counts 0-2, block A (rows and columns 3-5)
    /// at 12 in the last three weeks, block B (rows and columns 13-15) at 4 + 2·week every week, block C (rows
    /// 3-5, columns 13-15) at 10 in every week but the last two.
    /// </summary>
    private static (double[][] Series, SpatialWeights Lattice) PlantedCube(int seed)
    {
        const int Side = 20, Weeks = 12;
        var lattice = ContiguityWeights.Rook(ContiguityWeightsTests.Lattice(Side, Side));
        var random = new Random(seed);
        var series = new double[Side * Side][];
        for (int row = 0; row < Side; row++)
        {
            for (int column = 0; column < Side; column++)
            {
                bool a = row is >= 3 and <= 5 && column is >= 3 and <= 5;
                bool b = row is >= 13 and <= 15 && column is >= 13 and <= 15;
                bool c = row is >= 3 and <= 5 && column is >= 13 and <= 15;
                series[(row * Side) + column] = [.. Enumerable.Range(0, Weeks).Select(week =>
                    a && week >= Weeks - 3 ? 12
                    : b ? 4 + (2.0 * week)
                    : c && week < Weeks - 2 ? 10
                    : random.Next(3))];
            }
        }

        return (series, lattice);
    }
}
