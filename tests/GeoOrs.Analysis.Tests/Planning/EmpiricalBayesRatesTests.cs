using GeoOrs.Analysis.Planning;

namespace GeoOrs.Analysis.Tests.Planning;

public class EmpiricalBayesRatesTests
{
    [Fact]
    public void Two_areas_by_hand()
    {
        // y = 1, 10; n = 10, 100: r = 0.1, 0.1; m = 11/110 = 0.1; the rates agree, s² = 0 − 0.1/55 < 0 → 0: both m.
        Assert.Equal([0.1, 0.1], EmpiricalBayesRates.Smooth([1, 10], [10, 100]));

        // y = 5, 10; n = 10, 100: m = 15/110; Σn(r − m)²/Σn = (10 (0.5 − m)² + 100 (0.1 − m)²)/110; n̄ = 55.
        double m = 15.0 / 110, s2 = ((10 * Math.Pow(0.5 - m, 2)) + (100 * Math.Pow(0.1 - m, 2))) / 110 - (m / 55);
        double small = m + (s2 / (s2 + (m / 10)) * (0.5 - m)), large = m + (s2 / (s2 + (m / 100)) * (0.1 - m));
        var smoothed = EmpiricalBayesRates.Smooth([5, 10], [10, 100]);
        Assert.Equal(small, smoothed[0], 12);
        Assert.Equal(large, smoothed[1], 12);
        Assert.True(smoothed[0] < 0.5 && smoothed[0] > m); // the small area is drawn toward m more
        Assert.True(Math.Abs(smoothed[1] - 0.1) < Math.Abs(smoothed[0] - 0.5));
    }

    [Fact]
    public void Areas_without_population_take_the_overall_rate_and_bad_input_is_refused()
    {
        var smoothed = EmpiricalBayesRates.Smooth([5, 10, 3], [10, 100, 0]);
        Assert.Equal(15.0 / 110, smoothed[2], 12);
        Assert.Equal([0.0, 0.0], EmpiricalBayesRates.Smooth([0, 0], [0, 0]));
        Assert.Throws<ArgumentException>(() => EmpiricalBayesRates.Smooth([1], [1, 2]));
        Assert.Throws<ArgumentException>(() => EmpiricalBayesRates.Smooth([-1], [1]));
    }
}
