using GeoOrs.Analysis.Spikes;

namespace GeoOrs.Analysis.Tests.Spikes;

public class FixedThresholdTests
{
    [Fact]
    public void Alerts_at_the_threshold_and_above()
    {
        var days = FixedThreshold.Compute(EarsTests.Days(0, 2, 3, 4), 3);
        Assert.Equal([false, false, true, true], days.Select(d => d.Alert));
        Assert.Equal([0.0, 2, 3, 4], days.Select(d => d.Statistic!.Value));
        Assert.All(days, d => Assert.Equal(3, d.Threshold));
        Assert.All(days, d => Assert.Null(d.Expected));
    }

    [Fact]
    public void Needs_no_baseline_nor_consecutive_days()
    {
        var day = new DateOnly(2024, 5, 1);
        var days = FixedThreshold.Compute([(day, 5), (day.AddDays(10), 1)], 5);
        Assert.True(days[0].Alert);
        Assert.False(days[1].Alert);
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedThreshold.Compute([(day, 5)], 0));
    }
}
