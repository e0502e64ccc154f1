using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using static GeoOrs.Analysis.Tests.Hotspots.GetisOrdTests;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class IncrementalSpatialAutocorrelationTests
{
    [Theory]
    [InlineData(WeightStyle.RowStandardized)]
    [InlineData(WeightStyle.Binary)]
    public void Each_band_matches_global_moran_with_its_distance_band_weights(WeightStyle style)
    {
        // 400 random points (some coincident) in a 1 km square with values that cluster, and bands from below the
        // nearest spacing (islands) to a third of the square.
        var random = new Random(21);
        var points = Enumerable.Range(0, 400).Select(_ => (X: Math.Round(random.NextDouble() * 1000), Y: Math.Round(random.NextDouble() * 1000))).ToArray();
        points[7] = points[3];
        points[8] = points[3];
        var values = points.Select(p => Math.Floor(p.X / 250) + random.Next(3)).ToArray();
        double[] distances = [5, 20, 20, 50, 100, 200, 333];
        var results = IncrementalSpatialAutocorrelation.Compute(points, values, distances, style);
        for (int s = 0; s < distances.Length; s++)
        {
            var w = DistanceBandWeights.Build(points, distances[s]);
            var expected = GlobalMoran.Compute(values, style == WeightStyle.RowStandardized ? w.RowStandardized() : w);
            AssertClose(expected.I, results[s].I, relative: 1e-11, absolute: 1e-14);
            AssertClose(expected.Expectation, results[s].Expectation, relative: 1e-14);
            AssertClose(expected.Variance, results[s].Variance, relative: 1e-9, absolute: 1e-15);
            AssertClose(expected.Z, results[s].Z, relative: 1e-9, absolute: 1e-11);
            AssertClose(expected.P, results[s].P, relative: 1e-8, absolute: 1e-14);
        }

        Assert.Equal(results[1], results[2]); // a repeated distance gives the same result
    }

    [Fact]
    public void A_chain_by_hand_with_binary_weights()
    {
        // The chain of GlobalMoranTests: x = 1, 2, 3, 4, 10 at 0, 1, 2, 3, 4 on a line; the band of 1 joins
        // consecutive points: I = 0.2, Z = 0.45 / √0.06675 (worked out there). A band of 0 has no pairs: I = 0, P = 1.
        (double, double)[] line = [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)];
        var results = IncrementalSpatialAutocorrelation.Compute(line, [1, 2, 3, 4, 10], [0, 1], WeightStyle.Binary);
        Assert.Equal(new GlobalMoranResult(0, 0, 0, 0, 1), results[0]);
        Assert.Equal(0.2, results[1].I, 1e-12);
        Assert.Equal(0.45 / Math.Sqrt(0.06675), results[1].Z, 1e-12);
    }

    [Fact]
    public void Equal_values_have_zero_variance()
    {
        (double, double)[] line = [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)];
        var results = IncrementalSpatialAutocorrelation.Compute(line, [3, 3, 3, 3, 3], [1, 2]);
        Assert.All(results, r => Assert.Equal((0.0, 0.0, 1.0), (r.I, r.Z, r.P)));
    }

    [Fact]
    public void Rejects_bad_distances_and_values()
    {
        (double, double)[] line = [(0, 0), (1, 0), (2, 0)];
        Assert.Throws<ArgumentOutOfRangeException>(() => IncrementalSpatialAutocorrelation.Compute(line, [1, 2, 3], [2, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => IncrementalSpatialAutocorrelation.Compute(line, [1, 2, 3], [-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => IncrementalSpatialAutocorrelation.Compute(line, [1, 2, 3], [double.PositiveInfinity]));
        Assert.Throws<ArgumentException>(() => IncrementalSpatialAutocorrelation.Compute(line, [1, 2], [1]));
        Assert.Throws<ArgumentException>(() => IncrementalSpatialAutocorrelation.Compute([(0, 0), (double.NaN, 0)], [1, 2], [1]));
        Assert.Empty(IncrementalSpatialAutocorrelation.Compute(line, [1, 2, 3], []));
    }
}
