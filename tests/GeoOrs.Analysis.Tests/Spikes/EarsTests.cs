using GeoOrs.Analysis.Spikes;

namespace GeoOrs.Analysis.Tests.Spikes;

public class EarsTests
{
    private static readonly DateOnly Start = new(2024, 3, 1);

    internal static (DateOnly Date, int Count)[] Days(params int[] counts)
        => [.. counts.Select((c, i) => (Start.AddDays(i), c))];

    [Fact]
    public void C1_on_a_flat_baseline_then_a_spike_by_hand()
    {
        // Baseline 2,3,2,3,2,3,2: mean 17/7 = 2.4286; deviations −3/7 (four times) and +4/7 (three
        // times), Σd² = (4·9 + 3·16)/49 = 12/7, s² = (12/7)/6 = 2/7, s = 0.53452.
        // C1 = (9 − 17/7)/0.53452 = (46/7)/0.53452 = 12.294.
        var day = Ears.C1(Days(2, 3, 2, 3, 2, 3, 2, 9))[7];
        Assert.Equal(17.0 / 7, day.Expected!.Value, 1e-12);
        Assert.Equal(0.5345224838248488, day.Sigma!.Value, 1e-12);
        Assert.Equal(12.29401712797152, day.Statistic!.Value, 1e-10);
        Assert.Equal(3, day.Threshold);
        Assert.True(day.Alert);
        Assert.Equal(Start.AddDays(7), day.Date);
        Assert.Equal(9, day.Count);
    }

    [Fact]
    public void Days_without_a_full_baseline_have_no_statistic()
    {
        // C1 needs 7 days before the day, C2 9, C3 11 (C2 on the day and the two before).
        var counts = Enumerable.Repeat(50, 12).ToArray();
        Assert.Equal(7, Ears.C1(Days(counts)).Count(d => d.Statistic is null));
        Assert.Equal(9, Ears.C2(Days(counts)).Count(d => d.Statistic is null));
        Assert.Equal(11, Ears.C3(Days(counts)).Count(d => d.Statistic is null));
        foreach (var day in Ears.C1(Days(1, 2, 90, 3, 4, 5, 6)))
        {
            Assert.Null(day.Statistic);
            Assert.Null(day.Threshold);
            Assert.Null(day.Expected);
            Assert.False(day.Alert);
        }
        Assert.Empty(Ears.C1([]));
        Assert.All(Ears.C3(Days(9, 9, 9)), d => Assert.Null(d.Statistic));
    }

    [Fact]
    public void A_zero_variance_baseline_uses_minSigma()
    {
        // Seven 2s: s = 0, so σ = minSigma = 0.2 and a 3 is (3 − 2)/0.2 = 5 standard deviations.
        var days = Days(2, 2, 2, 2, 2, 2, 2, 3);
        var c1 = Ears.C1(days)[7];
        Assert.Equal(0.2, c1.Sigma);
        Assert.Equal(5, c1.Statistic!.Value, 1e-12);
        Assert.True(c1.Alert);
        // With minSigma 0.5 it is 2 and does not alert; after seven zeros a single case is 1/0.5 = 2.
        Assert.Equal(2, Ears.C1(days, minSigma: 0.5)[7].Statistic!.Value, 1e-12);
        Assert.False(Ears.C1(days, minSigma: 0.5)[7].Alert);
        Assert.Equal(2, Ears.C1(Days(0, 0, 0, 0, 0, 0, 0, 1), minSigma: 0.5)[7].Statistic!.Value, 1e-12);
        // The same count as the baseline is 0.
        Assert.Equal(0, Ears.C1(Days(2, 2, 2, 2, 2, 2, 2, 2))[7].Statistic);
    }

    [Fact]
    public void Alerts_are_strictly_above_the_threshold()
    {
        // Baseline 1,3,1,3,1,3,2: mean 2, Σd² = 6, s = 1 exactly; 5 gives C1 = 3.0 = threshold.
        var at = Ears.C1(Days(1, 3, 1, 3, 1, 3, 2, 5))[7];
        Assert.Equal(3.0, at.Statistic);
        Assert.False(at.Alert);
        var above = Ears.C1(Days(1, 3, 1, 3, 1, 3, 2, 6))[7];
        Assert.Equal(4.0, above.Statistic);
        Assert.True(above.Alert);
        Assert.True(Ears.C1(Days(1, 3, 1, 3, 1, 3, 2, 5), threshold: 2.5)[7].Alert);
    }

    [Fact]
    public void A_drop_is_negative_and_never_alerts()
    {
        var day = Ears.C1(Days(9, 9, 9, 9, 9, 9, 9, 0))[7];
        Assert.Equal(-45, day.Statistic!.Value, 1e-9);
        Assert.False(day.Alert);
    }

    [Fact]
    public void C2s_guard_band_keeps_a_spike_two_days_back_out_of_the_baseline()
    {
        // Days 0–6: 2,3,2,3,2,3,2; day 7 a spike of 20, day 8 back to 2, day 9 a 9.
        var days = Days(2, 3, 2, 3, 2, 3, 2, 20, 2, 9);

        // C2 on day 9 uses days 0–6 only: the hand example above, 12.294, alerts.
        var c2 = Ears.C2(days)[9];
        Assert.Equal(17.0 / 7, c2.Expected!.Value, 1e-12);
        Assert.Equal(12.29401712797152, c2.Statistic!.Value, 1e-10);
        Assert.True(c2.Alert);

        // C1 on day 9 uses days 2–8, 2,3,2,3,2,20,2, with the 20: mean 34/7 = 4.857,
        // Σd² = 434 − 34²/7 = 268.86, s = √(268.86/6) = 6.6940, C1 = (9 − 4.857)/6.6940 = 0.6189:
        // the spike masks day 9.
        var c1 = Ears.C1(days)[9];
        Assert.Equal(34.0 / 7, c1.Expected!.Value, 1e-12);
        Assert.Equal(0.61889, c1.Statistic!.Value, 1e-4);
        Assert.False(c1.Alert);

        // Day 8 (C2 baseline days −1…5) has no C2 yet.
        Assert.Null(Ears.C2(days)[8].Statistic);
    }

    [Fact]
    public void C2s_baseline_is_days_t_minus_9_to_t_minus_3()
    {
        // Only day 3 differs; it is in C2's baseline t − 9 … t − 3 for days 9–12 (6 ≤ t ≤ 12 and
        // C2 starts on day 9), not for day 13.
        var counts = Enumerable.Repeat(4, 14).ToArray();
        counts[3] = 11;
        var c2 = Ears.C2(Days(counts));
        Assert.Equal(5, c2[10].Expected!.Value, 1e-12); // (6·4 + 11)/7
        Assert.Equal(5, c2[12].Expected!.Value, 1e-12);
        Assert.Equal(4, c2[13].Expected!.Value, 1e-12);
    }

    [Fact]
    public void C3_adds_up_three_moderate_days()
    {
        // Days 0–10 repeat 1,3,1,3,1,3,2 (any 7 in a row: mean 2, s = 1); days 11–13 are 4s, so
        // each has C2 = (4 − 2)/1 = 2 and an excess max(0, C2 − 1) = 1.
        int[] pattern = [1, 3, 1, 3, 1, 3, 2];
        var counts = Enumerable.Range(0, 11).Select(i => pattern[i % 7]).Concat([4, 4, 4]).ToArray();
        var days = Days(counts);
        var c3 = Ears.C3(days);

        // Day 11: C2(9) = (1 − 2)/1 = −1 → 0, C2(10) = (3 − 2)/1 = 1 → 0, C2(11) = 2 → 1: C3 = 1.
        Assert.Equal(1, c3[11].Statistic);
        // Day 12: 0 + 1 + 1 = 2, equal to the threshold: no alert.
        Assert.Equal(2, c3[12].Statistic);
        Assert.False(c3[12].Alert);
        // Day 13: 1 + 1 + 1 = 3 > 2: alert, though no single day's C1 or C2 (2 each) reaches 3.
        Assert.Equal(3, c3[13].Statistic);
        Assert.True(c3[13].Alert);
        Assert.Equal(2, c3[13].Threshold);
        Assert.Equal(2, c3[13].Expected);
        Assert.Equal(1, c3[13].Sigma);
        Assert.DoesNotContain(Ears.C2(days), d => d.Alert);
        Assert.Null(c3[10].Statistic);
    }

    [Fact]
    public void C3_is_the_sum_of_the_C2_excesses()
    {
        var days = Days(ReferenceSeries.Counts);
        var c2 = Ears.C2(days, minSigma: 0.5);
        var c3 = Ears.C3(days, minSigma: 0.5);
        for (var t = 11; t < days.Length; t++)
        {
            var expected = Enumerable.Range(t - 2, 3).Sum(i => Math.Max(0, c2[i].Statistic!.Value - 1));
            Assert.Equal(expected, c3[t].Statistic!.Value, 1e-12);
            Assert.Equal(c2[t].Expected, c3[t].Expected);
        }
    }

    [Fact]
    public void Parameters_are_checked()
    {
        var days = Days(1, 2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ears.C1(days, minSigma: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ears.C2(days, minSigma: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ears.C3(days, threshold: double.PositiveInfinity));
    }
}
