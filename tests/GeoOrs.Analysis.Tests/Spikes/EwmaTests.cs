using GeoOrs.Analysis.Spikes;

namespace GeoOrs.Analysis.Tests.Spikes;

public class EwmaTests
{
    [Fact]
    public void A_step_change_by_hand()
    {
        // 35 days of 5, then 8s; λ = 0.3, baseline 28 days ending 3 days before, minSigma 1.
        // √(λ/(2 − λ)) = √(0.3/1.7) = 0.420084. The baselines of days 35–37 are all 5s (μ = 5,
        // s = 0, σ = 1):
        //   day 35: E = 0.3·8 + 0.7·5     = 5.9,   Z = 0.9/0.420084  = 2.1424, no alert;
        //   day 36: E = 0.3·8 + 0.7·5.9   = 6.53,  Z = 1.53/0.420084 = 3.6421, alert;
        //   day 37: E = 0.3·8 + 0.7·6.53  = 6.971, Z = 1.971/0.420084 = 4.6919.
        // Day 38's baseline (days 8–35) takes in the first 8: μ = (27·5 + 8)/28 = 5.10714,
        // s = 0.567 < 1; E = 7.2797, Z = (7.2797 − 5.10714)/0.420084 = 5.1717.
        var counts = Enumerable.Repeat(5, 35).Concat(Enumerable.Repeat(8, 5)).ToArray();
        var days = Ewma.Compute(EarsTests.Days(counts), minSigma: 1);

        Assert.All(days.Take(30), d => Assert.Null(d.Statistic));
        Assert.All(days.Skip(30).Take(5), d => Assert.Equal(0, d.Statistic));
        Assert.Equal(2.142428528562856, days[35].Statistic!.Value, 1e-9);
        Assert.False(days[35].Alert);
        Assert.Equal(3.642128498556852, days[36].Statistic!.Value, 1e-9);
        Assert.True(days[36].Alert);
        Assert.Equal(4.691918477552648, days[37].Statistic!.Value, 1e-9);
        Assert.Equal(5.107142857142857, days[38].Expected!.Value, 1e-12);
        Assert.Equal(1, days[38].Sigma);
        Assert.Equal(5.171720447544607, days[38].Statistic!.Value, 1e-9);
        Assert.Equal(3, days[38].Threshold);
    }

    [Fact]
    public void Lambda_1_with_a_7_day_baseline_is_EARS()
    {
        // With λ = 1, E(t) = Y(t) and √(λ/(2 − λ)) = 1: a Shewhart chart. A 2-day guard band is
        // then C2, none is C1.
        var series = EarsTests.Days(ReferenceSeries.Counts);
        var asC2 = Ewma.Compute(series, lambda: 1, baselineDays: 7, guardDays: 2, minSigma: 0.5);
        var asC1 = Ewma.Compute(series, lambda: 1, baselineDays: 7, guardDays: 0, minSigma: 0.5);
        Assert.Equal(Ears.C2(series, minSigma: 0.5), asC2);
        Assert.Equal(Ears.C1(series, minSigma: 0.5), asC1);
    }

    [Fact]
    public void The_guard_band_keeps_recent_days_out_of_the_baseline()
    {
        // Day 10 is tested against days 1–7 with guardDays 2 and against days 3–9 with 0; the 50
        // on day 8 only enters the second.
        var counts = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 50, 1, 1 };
        var guarded = Ewma.Compute(EarsTests.Days(counts), baselineDays: 7, guardDays: 2)[10];
        var unguarded = Ewma.Compute(EarsTests.Days(counts), baselineDays: 7, guardDays: 0)[10];
        Assert.Equal(1, guarded.Expected);
        Assert.Equal(8, unguarded.Expected!.Value, 1e-12);
    }

    [Fact]
    public void Too_short_series_and_parameters()
    {
        Assert.All(Ewma.Compute(EarsTests.Days([.. Enumerable.Repeat(3, 30)])), d => Assert.Null(d.Statistic));
        Assert.Empty(Ewma.Compute([]));
        var days = EarsTests.Days(1, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ewma.Compute(days, lambda: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ewma.Compute(days, lambda: 1.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ewma.Compute(days, baselineDays: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ewma.Compute(days, guardDays: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ewma.Compute(days, minSigma: 0));
    }
}
