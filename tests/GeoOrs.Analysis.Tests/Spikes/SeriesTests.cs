using GeoOrs.Analysis.Spikes;

namespace GeoOrs.Analysis.Tests.Spikes;

public class SeriesTests
{
    private static readonly DateOnly Jan1 = new(2024, 1, 1);

    [Fact]
    public void FillDays_puts_zeros_in_the_gaps()
    {
        var filled = Series.FillDays([(Jan1, 2), (Jan1.AddDays(3), 5), (Jan1.AddDays(4), 1)]);
        Assert.Equal(
            [(Jan1, 2), (Jan1.AddDays(1), 0), (Jan1.AddDays(2), 0), (Jan1.AddDays(3), 5), (Jan1.AddDays(4), 1)],
            filled);
    }

    [Fact]
    public void FillDays_across_a_month_and_a_leap_day()
    {
        var filled = Series.FillDays([(new DateOnly(2024, 2, 27), 1), (new DateOnly(2024, 3, 2), 4)]);
        Assert.Equal(5, filled.Count);
        Assert.Equal(new DateOnly(2024, 2, 29), filled[2].Date);
        Assert.Equal([1, 0, 0, 0, 4], filled.Select(d => d.Count));
    }

    [Fact]
    public void FillDays_of_nothing_or_one_day()
    {
        Assert.Empty(Series.FillDays([]));
        Assert.Equal([(Jan1, 7)], Series.FillDays([(Jan1, 7)]));
    }

    [Fact]
    public void FillDays_over_a_range_pads_both_ends()
    {
        var filled = Series.FillDays([(Jan1.AddDays(1), 3)], Jan1, Jan1.AddDays(3));
        Assert.Equal([(Jan1, 0), (Jan1.AddDays(1), 3), (Jan1.AddDays(2), 0), (Jan1.AddDays(3), 0)], filled);
        Assert.Equal([(Jan1, 0), (Jan1.AddDays(1), 0)], Series.FillDays([], Jan1, Jan1.AddDays(1)));
    }

    [Fact]
    public void FillDays_rejects_unsorted_duplicate_and_out_of_range_dates()
    {
        Assert.Throws<ArgumentException>(() => Series.FillDays([(Jan1.AddDays(2), 1), (Jan1, 1)]));
        Assert.Throws<ArgumentException>(() => Series.FillDays([(Jan1, 1), (Jan1, 2)]));
        Assert.Throws<ArgumentException>(() => Series.FillDays([(Jan1, 1)], Jan1.AddDays(1), Jan1.AddDays(5)));
        Assert.Throws<ArgumentException>(() => Series.FillDays([], Jan1.AddDays(1), Jan1));
    }

    [Fact]
    public void Detectors_reject_gaps_and_negative_counts()
    {
        (DateOnly, int)[] gap = [(Jan1, 1), (Jan1.AddDays(2), 1)];
        Assert.Throws<ArgumentException>(() => Ears.C1(gap));
        Assert.Throws<ArgumentException>(() => Ears.C2(gap));
        Assert.Throws<ArgumentException>(() => Ears.C3(gap));
        Assert.Throws<ArgumentException>(() => Ewma.Compute(gap));
        (DateOnly, int)[] negative = [(Jan1, 1), (Jan1.AddDays(1), -1)];
        Assert.Throws<ArgumentException>(() => Ears.C1(negative));
        Assert.Throws<ArgumentException>(() => FixedThreshold.Compute(negative, 3));
    }

    [Fact]
    public void A_filled_series_is_accepted_and_its_zeros_enter_the_baseline()
    {
        // Events on days 0, 3, 5, 6 and 7 only; the missing days 1, 2 and 4 are zeros, so day 7's
        // C1 baseline is 1, 0, 0, 1, 0, 1, 1: mean 4/7, s = √((4·(3/7)² + 3·(4/7)²)/6) = √(2/7).
        var days = Series.FillDays([(Jan1, 1), (Jan1.AddDays(3), 1), (Jan1.AddDays(5), 1), (Jan1.AddDays(6), 1), (Jan1.AddDays(7), 4)]);
        var day7 = Ears.C1(days)[7];
        Assert.Equal(4.0 / 7, day7.Expected!.Value, 1e-12);
        Assert.Equal(Math.Sqrt(2.0 / 7), day7.Sigma!.Value, 1e-12);
        Assert.Equal((4 - (4.0 / 7)) / Math.Sqrt(2.0 / 7), day7.Statistic!.Value, 1e-12);
    }
}
