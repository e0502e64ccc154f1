using System.Diagnostics;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using Xunit.Abstractions;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class ScaleOfAnalysisTests(ITestOutputHelper output)
{
    // Five points on a line at x = 0, 1, 3, 6, 10: nearest-neighbour distances 1, 1, 2, 3, 4, mean 2.2,
    // population sd √(((-1.2)² · 2 + (-0.2)² + 0.8² + 1.8²) / 5) = √1.36 = 1.166; the cut-off 2.2 + 3 · 1.166 = 5.70
    // keeps all five. The cell size is 2 · 2.2 = 4.4.
    private static readonly (double X, double Y)[] Line = [(0, 0), (1, 0), (3, 0), (6, 0), (10, 0)];

    [Fact]
    public void Cell_size_is_twice_the_mean_nearest_neighbour_distance()
    {
        Assert.Equal(4.4, ScaleOfAnalysis.HexagonCellSize(Line), 1e-12);
    }

    [Fact]
    public void Coincident_incidents_count_as_one_location()
    {
        // A thousand events at each of the five addresses, shuffled: the same five locations, the same 4.4; the zero
        // distances between events at one address are never taken.
        var random = new Random(2);
        var events = Enumerable.Range(0, 5000).Select(i => Line[i % 5]).OrderBy(_ => random.Next()).ToArray();
        Assert.Equal(4.4, ScaleOfAnalysis.HexagonCellSize(events), 1e-12);
    }

    [Fact]
    public void Locational_outliers_do_not_set_the_cell_size()
    {
        // A 10 x 10 lattice 10 m apart (nearest neighbour 10) and one incident 10 km away: the 101 distances have
        // mean (1000 + d) / 101 ≈ 108 and sd ≈ 980, so the far one (d ≈ 9,900) is beyond the cut-off and the rest give 20.
        var points = Lattice(10, 10, 10).Append((10_000.0, 10_000.0)).ToArray();
        Assert.Equal(20, ScaleOfAnalysis.HexagonCellSize(points), 1e-12);
    }

    [Fact]
    public void Over_a_hundred_thousand_locations_a_systematic_sample_is_measured_against_all()
    {
        // 160,000 lattice points 5 m apart: every nearest neighbour is 5 m, so the sample gives exactly 10, and
        // in any input order.
        var lattice = Lattice(400, 400, 5).ToArray();
        Assert.Equal(10, ScaleOfAnalysis.HexagonCellSize(lattice));
        var random = new Random(4);
        Assert.Equal(10, ScaleOfAnalysis.HexagonCellSize([.. lattice.OrderBy(_ => random.Next())]));

        // 250,000 random points: the sample's neighbours are searched among all points, so its mean is that of all
        // points (computed here from all of them, with the same outlier rule) to within sampling error, not the
        // √2.5-times larger one of a thinned pattern.
        var points = Enumerable.Range(0, 250_000).Select(_ => (random.NextDouble() * 100_000, random.NextDouble() * 100_000)).ToArray();
        var knn = NearestNeighborWeights.Build(points, 1);
        var all = Enumerable.Range(0, points.Length).Select(i => Distance(points[i], points[knn.Neighbors(i)[0]])).ToArray();
        double mean = all.Average(), sd = Math.Sqrt(all.Average(d => (d - mean) * (d - mean)));
        double expected = 2 * all.Where(d => d <= mean + (3 * sd)).Average();
        Assert.InRange(ScaleOfAnalysis.HexagonCellSize(points) / expected, 0.995, 1.005);
    }

    [Fact]
    public void Cell_size_needs_two_distinct_locations()
    {
        Assert.Throws<ArgumentException>(() => ScaleOfAnalysis.HexagonCellSize([(1, 1), (1, 1), (1, 1)]));
        Assert.Throws<ArgumentException>(() => ScaleOfAnalysis.HexagonCellSize([(1, 1), (double.NaN, 1)]));
        Assert.Throws<ArgumentException>(() => ScaleOfAnalysis.HexagonCellSize([]));
    }

    [Fact]
    public void Million_incidents_at_fifty_thousand_addresses()
    {
        // Timed for the record; ten million take a few seconds (see the remarks of HexagonCellSize).
        var random = new Random(6);
        var addresses = Enumerable.Range(0, 50_000).Select(_ => (random.NextDouble() * 50_000, random.NextDouble() * 50_000)).ToArray();
        var incidents = Enumerable.Range(0, 1_000_000).Select(_ => addresses[random.Next(addresses.Length)]).ToArray();
        var clock = Stopwatch.StartNew();
        double size = ScaleOfAnalysis.HexagonCellSize(incidents);
        output.WriteLine($"1,000,000 incidents at 50,000 addresses: cell size {size:F1} m in {clock.ElapsedMilliseconds} ms");

        // Under complete spatial randomness the mean nearest-neighbour distance is 1 / (2 √λ), λ = 50,000 / (50 km)²,
        // so 2 d̄ ≈ 1 / √λ = 223.6 m (a little more from edge effects).
        Assert.InRange(size, 220, 232);
    }

    // Sixty points on a line 1 apart, in alternating blocks of six at 10 and six at 0. Nearest-neighbour distances
    // are all 1: the bands are 1, 2, ..., 10. Moran's z-scores (row-standardised): 5.48, 6.20, 5.65, 4.15, 1.77,
    // -1.41, -3.33, -4.23, -4.25, -3.47 — they rise to the band of 2 and fall after it: the first significant peak.
    private static readonly (double X, double Y)[] Sixty = [.. Enumerable.Range(0, 60).Select(i => ((double)i, 0.0))];
    private static readonly double[] Blocks = [.. Enumerable.Range(0, 60).Select(i => i / 6 % 2 == 0 ? 10.0 : 0)];

    [Fact]
    public void The_first_significant_peak_is_chosen()
    {
        var choice = ScaleOfAnalysis.DistanceBand(Sixty, Blocks);
        Assert.Equal(DistanceBandChoice.Peak, choice.Method);
        Assert.Equal(2, choice.Distance);
        Assert.Equal((1.0, 1.0), (choice.Start, choice.Increment));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], choice.Profile.Select(s => s.Distance));
        double[] z = [5.4846, 6.2010, 5.6500, 4.1452, 1.7710, -1.4087, -3.3309, -4.2314, -4.2538, -3.4709];
        Assert.Equal(z, choice.Profile.Select(s => Math.Round(s.Z, 4)));
        Assert.Equal(3, choice.K); // 5 % of 60 is 3

        // Each step is global Moran's I on brute-force neighbour lists within the band, row-standardised.
        foreach (var step in choice.Profile)
        {
            var neighbors = Sixty.Select((p, i) => (IReadOnlyList<int>)[.. Enumerable.Range(0, 60).Where(j => j != i && Distance(p, Sixty[j]) <= step.Distance)]).ToArray();
            var expected = GlobalMoran.Compute(Blocks, SpatialWeights.FromNeighbors(neighbors).RowStandardized());
            GetisOrdTests.AssertClose(expected.Z, step.Z, relative: 1e-9);
            GetisOrdTests.AssertClose(expected.I, step.I, relative: 1e-11);
        }
    }

    [Fact]
    public void A_peak_must_exceed_the_critical_z_score()
    {
        var choice = ScaleOfAnalysis.DistanceBand(Sixty, Blocks, criticalZ: 6.5);
        Assert.Equal(DistanceBandChoice.KthNeighbor, choice.Method);
    }

    [Fact]
    public void The_first_and_last_distances_are_never_peaks()
    {
        // A linear trend along a line of 20: z rises with every band up to 9 (11.37) and falls at 10 (11.29), so 9
        // is the peak; with nine bands the profile only rises, and its last (highest) step is not a peak.
        var line = Enumerable.Range(0, 20).Select(i => ((double)i, 0.0)).ToArray();
        var trend = Enumerable.Range(0, 20).Select(i => (double)i).ToArray();
        Assert.Equal((DistanceBandChoice.Peak, 9.0), Chosen(ScaleOfAnalysis.DistanceBand(line, trend)));
        Assert.Equal(DistanceBandChoice.KthNeighbor, ScaleOfAnalysis.DistanceBand(line, trend, steps: 9).Method);
        Assert.Equal(DistanceBandChoice.KthNeighbor, ScaleOfAnalysis.DistanceBand(line, trend, steps: 2).Method);
        Assert.Equal(DistanceBandChoice.KthNeighbor, ScaleOfAnalysis.DistanceBand(line, trend, steps: 1).Method);
    }

    [Fact]
    public void Without_a_peak_the_mean_distance_to_the_kth_neighbour()
    {
        // Twenty points on a line 1 apart with alternating values 0, 1, 0, 1, ...: z = -4.08 at the band of 1 and
        // below 0.5 after, never a significant peak. k = 5 % of 20 = 1, clamped to 3. The third nearest neighbour
        // is 3 away for the two end points and 2 away for the other eighteen: (2 · 3 + 18 · 2) / 20 = 2.1.
        var line = Enumerable.Range(0, 20).Select(i => ((double)i, 0.0)).ToArray();
        var alternating = Enumerable.Range(0, 20).Select(i => (double)(i % 2)).ToArray();
        var choice = ScaleOfAnalysis.DistanceBand(line, alternating);
        Assert.Equal(DistanceBandChoice.KthNeighbor, choice.Method);
        Assert.Equal(3, choice.K);
        Assert.Equal(2.1, choice.Distance, 1e-12);
        Assert.Equal(10, choice.Profile.Count);
        Assert.True(choice.Profile.Max(s => s.Z) < 1.96);

        // Equal values have no variance at any distance: z = 0 everywhere, no peak.
        var flat = ScaleOfAnalysis.DistanceBand(line, [.. line.Select(_ => 4.0)]);
        Assert.Equal((DistanceBandChoice.KthNeighbor, 2.1), (flat.Method, Math.Round(flat.Distance, 12)));
        Assert.All(flat.Profile, s => Assert.Equal(0, s.Z));
    }

    [Fact]
    public void Coincident_features_do_not_shrink_the_start_or_the_increment()
    {
        // Ten points on a line 1 apart, with two more features at x = 5 (n = 12). The nearest other location is 1
        // away for every location, so the bands start at 1 and grow by 1 (a zero distance would make the increment
        // 10/12). k = 3, and here coincident features are neighbours at 0: the third nearest is 1 away for the three
        // at 5 and for 4 and 6, 2 away for 1, 2, 3, 7 and 8, 3 away for 0 and 9: (5 · 1 + 5 · 2 + 2 · 3) / 12 = 1.75.
        var points = Enumerable.Range(0, 10).Select(i => ((double)i, 0.0)).Concat([(5.0, 0.0), (5.0, 0.0)]).ToArray();
        var choice = ScaleOfAnalysis.DistanceBand(points, [.. points.Select(_ => 1.0)]);
        Assert.Equal((1.0, 1.0), (choice.Start, choice.Increment));
        Assert.Equal((DistanceBandChoice.KthNeighbor, 3), (choice.Method, choice.K));
        Assert.Equal(1.75, choice.Distance, 1e-12);
    }

    [Theory]
    [InlineData(4, 3)] // 5 % is 0; clamped to 3, which is also n - 1
    [InlineData(3, 2)] // 3 is clamped to n - 1
    [InlineData(20, 3)]
    [InlineData(79, 3)]
    [InlineData(80, 4)]
    [InlineData(200, 10)]
    [InlineData(600, 30)]
    [InlineData(1000, 30)] // 5 % is 50; clamped to 30
    public void K_is_five_percent_clamped_to_three_and_thirty(int n, int k)
    {
        // Points on a line 1 apart with equal values (no peak): the mean distance to the k-th nearest, by brute force.
        var line = Enumerable.Range(0, n).Select(i => ((double)i, 0.0)).ToArray();
        var choice = ScaleOfAnalysis.DistanceBand(line, [.. line.Select(_ => 1.0)]);
        Assert.Equal(k, choice.K);
        double expected = line.Average(p => line.Where(q => q != p).Select(q => Distance(p, q)).Order().ElementAt(k - 1));
        Assert.Equal(expected, choice.Distance, 1e-9);
    }

    [Fact]
    public void A_full_hexagon_grid_starts_at_its_spacing()
    {
        // Pointy-top hexagon centres 1 km apart (HexGrid): every nearest neighbour is 1 km away (to rounding), so the
        // bands are 1, 2, ... 10 km, and the first has the six touching cells although the centres' distances are
        // rounded a little either side of 1,000.
        var grid = new HexGrid(1000);
        var cells = new List<(double X, double Y)>();
        var values = new List<double>();
        var random = new Random(8);
        for (int r = 0; r < 30; r++)
        {
            for (int q = -r / 2; q < 30 - (r / 2); q++)
            {
                cells.Add(grid.Center(q, r));
                values.Add(random.Next(5) + (r is > 10 and < 16 && q + (r / 2) is > 10 and < 16 ? 6 : 0));
            }
        }

        var choice = ScaleOfAnalysis.DistanceBand(cells, values);
        Assert.Equal(1000, choice.Start, 1e-6);
        Assert.Equal(1000, choice.Increment, 1e-6);
        var first = GlobalMoran.Compute(values, DistanceBandWeights.Build(cells, 1010).RowStandardized());
        GetisOrdTests.AssertClose(first.Z, choice.Profile[0].Z, relative: 1e-9);
        output.WriteLine($"{choice.Method} {choice.Distance:F0}: " + string.Join(", ", choice.Profile.Select(s => $"{s.Distance:F0} {s.Z:F2}")));
    }

    [Fact]
    public void Locational_outliers_do_not_set_the_start()
    {
        // A 10 x 10 lattice 1 apart and one feature 1,000 away: without it the largest nearest-neighbour distance is 1.
        var points = Lattice(10, 10, 1).Append((1000.0, 1000.0)).ToArray();
        var choice = ScaleOfAnalysis.DistanceBand(points, [.. points.Select((_, i) => (double)(i % 7))]);
        Assert.Equal((1.0, 1.0), (choice.Start, choice.Increment));
    }

    [Fact]
    public void Rejects_bad_input()
    {
        Assert.Throws<ArgumentException>(() => ScaleOfAnalysis.DistanceBand(Line, [1, 2]));
        Assert.Throws<ArgumentException>(() => ScaleOfAnalysis.DistanceBand([(1, 1), (1, 1)], [1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScaleOfAnalysis.DistanceBand(Line, [1, 2, 3, 4, 5], steps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScaleOfAnalysis.DistanceBand(Line, [1, 2, 3, 4, 5], criticalZ: double.NaN));
        Assert.Throws<ArgumentException>(() => ScaleOfAnalysis.DistanceBand(Line, [1, 2, 3, 4, double.NaN]));
    }

    [Fact]
    public void Hundred_thousand_hexagons()
    {
        // The hexagons of GetisOrdTests: 100,000 centres 1 km apart with a planted block. Ten bands up to 10 km,
        // about 360 neighbours per cell at the last.
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

        var clock = Stopwatch.StartNew();
        var choice = ScaleOfAnalysis.DistanceBand(points, values);
        output.WriteLine($"100,000 hexagons: {choice.Method} {choice.Distance:F0} m in {clock.ElapsedMilliseconds} ms; z: " +
            string.Join(", ", choice.Profile.Select(s => $"{s.Distance:F0} {s.Z:F2}")));

        // The planted block is about 9 cells across: clustering peaks at 6 km.
        Assert.Equal((DistanceBandChoice.Peak, 6000.0), (choice.Method, Math.Round(choice.Distance, 6)));
    }

    private static (string Method, double Distance) Chosen(DistanceBandChoice choice) => (choice.Method, choice.Distance);

    private static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    private static IEnumerable<(double X, double Y)> Lattice(int rows, int columns, double spacing) =>
        from r in Enumerable.Range(0, rows) from c in Enumerable.Range(0, columns) select (c * spacing, r * spacing);
}
