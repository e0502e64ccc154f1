namespace GeoOrs.Analysis.Spikes;

/// <summary>
/// The CDC Early Aberration Reporting System's C1, C2 and C3 detectors on a daily count series
/// (Hutwagner L, Thompson W, Seeman GM, Treadwell T, "The bioterrorism preparedness and response
/// Early Aberration Reporting System (EARS)", J Urban Health 2003;80(2 Suppl 1):i89–i96; the
/// formulas as written out by Fricker RD, Hegler BL, Dunfee DA, "Comparing syndromic surveillance
/// detection methods: EARS' versus a CUSUM-based methodology", Stat Med 2008;27:3407–3429).
/// </summary>
/// <remarks>
/// <para>
/// For day t with count Y(t), C1 and C2 are one-sided standardised differences from a 7-day
/// moving baseline, C(t) = (Y(t) − Ȳ(t)) / max(S(t), minSigma), where Ȳ is the baseline mean and
/// S its sample standard deviation (divisor 6):
/// </para>
/// <list type="bullet">
/// <item>C1's baseline is the 7 days before the day, t−7 … t−1;</item>
/// <item>C2's is t−9 … t−3: a 2-day guard band keeps the first days of an outbreak out of the
/// baseline it is compared with;</item>
/// <item>C3(t) = Σ_{i=t−2}^{t} max(0, C2(i) − 1), the day's and the two previous days' C2
/// excesses over one standard deviation.</item>
/// </list>
/// <para>
/// A day alerts when its statistic is strictly greater than the threshold: by default 3 for C1
/// and C2 and 2 for C3, the CDC's EARS values as Fricker, Hegler &amp; Dunfee (2008) give them
/// (R's earsC notes that its default α for C1/C2 and for C3 correspond to "about 3" and "about
/// 2"). The first statistic is on the 8th day for C1, the 10th for C2 and the 12th for C3 (the
/// 1-based indices baseline + 1, + 3 and + 5 of R's surveillance::earsC); earlier days have a null
/// statistic and never alert.
/// </para>
/// <para>
/// <b>minSigma.</b> A baseline of identical counts has S = 0; the floor keeps the statistic finite.
/// With the default 0.2 a single case after seven days without any is C1 = 1/0.2 = 5 and alerts:
/// sparse series alert on every isolated case, and callers monitoring small areas should raise
/// minSigma (R's documentation cites Howard Burkom suggesting 0.5 or 1 for sparse data) or use
/// <see cref="FixedThreshold"/>.
/// </para>
/// <para>
/// <b>R's surveillance::earsC</b> (Salmon M, Schumacher D, Höhle M, "Monitoring count time series
/// in R: aberration detection in public health surveillance", J Stat Softw 2016;70(10)) computes
/// the same baselines, but expresses the threshold as a normal quantile, z = qnorm(1 − α), and
/// its default minSigma is 0. Its defaults α = 0.001 (C1, C2) and, when α is left out of the
/// control list, 0.025 (C3) give z = 3.0902 and 1.9600, where the EARS convention kept here uses
/// the round 3 and 2. earsC alarms when the count exceeds its <c>upperbound</c>
/// Ȳ + z·max(S, minSigma), which for C1 and C2 is exactly <c>Statistic &gt; threshold</c> here
/// (pass <c>threshold: 3.090232306167813</c> to reproduce its default α; its default minSigma = 0
/// is not accepted here, since a constant baseline would divide by zero). For C3 its code sets the
/// upperbound to Y(t) + S(t)·(z − Σ_{i=t−2}^{t−1} max(0, C2(i) − 1)), floored at 0, so its alarm
/// depends only on the two previous days' excesses (and Y(t) &gt; 0), not on the day's own; this
/// class follows the published definition of C3, which includes the day's own term. The tests
/// check C1, C2 and the parts of C3 against surveillance 1.20.3 on a made-up series.
/// </para>
/// <para>
/// The input must hold one entry per consecutive day: a day without events is a zero count, not
/// a missing day (see <see cref="Series.FillDays(IReadOnlyList{ValueTuple{DateOnly, int}})"/>).
/// </para>
/// </remarks>
public static class Ears
{
    /// <summary>The number of days in each baseline window.</summary>
    public const int BaselineDays = 7;

    /// <summary>The number of days between C2's baseline and the day tested.</summary>
    public const int GuardDays = 2;

    /// <summary>
    /// EARS C1: each day against the mean and standard deviation of the 7 days before it.
    /// </summary>
    /// <param name="series">One count per consecutive day, oldest first.</param>
    /// <param name="minSigma">The smallest standard deviation used, &gt; 0.</param>
    /// <param name="threshold">The statistic a day must exceed to alert.</param>
    /// <returns>One <see cref="SpikeDay"/> per input day, in the same order.</returns>
    /// <exception cref="ArgumentException">Days are not consecutive or a count is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minSigma"/> is not positive or <paramref name="threshold"/> not finite.</exception>
    public static IReadOnlyList<SpikeDay> C1(IReadOnlyList<(DateOnly Date, int Count)> series, double minSigma = 0.2, double threshold = 3)
        => Shewhart(series, minSigma, threshold, lag: 1);

    /// <summary>
    /// EARS C2: each day against the mean and standard deviation of the 7 days t−9 … t−3, leaving
    /// a 2-day guard band.
    /// </summary>
    /// <param name="series">One count per consecutive day, oldest first.</param>
    /// <param name="minSigma">The smallest standard deviation used, &gt; 0.</param>
    /// <param name="threshold">The statistic a day must exceed to alert.</param>
    /// <returns>One <see cref="SpikeDay"/> per input day, in the same order.</returns>
    /// <exception cref="ArgumentException">Days are not consecutive or a count is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minSigma"/> is not positive or <paramref name="threshold"/> not finite.</exception>
    public static IReadOnlyList<SpikeDay> C2(IReadOnlyList<(DateOnly Date, int Count)> series, double minSigma = 0.2, double threshold = 3)
        => Shewhart(series, minSigma, threshold, lag: GuardDays + 1);

    /// <summary>
    /// EARS C3: C3(t) = Σ_{i=t−2}^{t} max(0, C2(i) − 1), so moderate excesses on three
    /// successive days add up.
    /// </summary>
    /// <param name="series">One count per consecutive day, oldest first.</param>
    /// <param name="minSigma">The smallest standard deviation used in each C2, &gt; 0.</param>
    /// <param name="threshold">The statistic a day must exceed to alert.</param>
    /// <returns>
    /// One <see cref="SpikeDay"/> per input day, in the same order; <see cref="SpikeDay.Expected"/>
    /// and <see cref="SpikeDay.Sigma"/> are those of the day's own C2 baseline.
    /// </returns>
    /// <exception cref="ArgumentException">Days are not consecutive or a count is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minSigma"/> is not positive or <paramref name="threshold"/> not finite.</exception>
    public static IReadOnlyList<SpikeDay> C3(IReadOnlyList<(DateOnly Date, int Count)> series, double minSigma = 0.2, double threshold = 2)
    {
        var counts = Series.ConsecutiveCounts(series, nameof(series));
        CheckParameters(minSigma, threshold);

        var lag = GuardDays + 1;
        var firstC2 = BaselineDays + lag - 1;
        var excess = new double[counts.Length];
        var result = new SpikeDay[counts.Length];
        for (var t = 0; t < counts.Length; t++)
        {
            var (date, count) = series[t];
            if (t < firstC2)
            {
                result[t] = new SpikeDay(date, count, null, null, false);
                continue;
            }
            var (mean, sd) = MovingBaseline.MeanAndSd(counts, t - lag - BaselineDays + 1, BaselineDays);
            var sigma = Math.Max(sd, minSigma);
            excess[t] = Math.Max(0, ((counts[t] - mean) / sigma) - 1);
            if (t < firstC2 + 2)
            {
                result[t] = new SpikeDay(date, count, null, null, false);
                continue;
            }
            var c3 = excess[t - 2] + excess[t - 1] + excess[t];
            result[t] = new SpikeDay(date, count, c3, threshold, c3 > threshold) { Expected = mean, Sigma = sigma };
        }
        return result;
    }

    /// <summary>
    /// C1 and C2: (Y(t) − Ȳ) / max(S, minSigma) over the 7 days ending <paramref name="lag"/> days
    /// before t.
    /// </summary>
    private static SpikeDay[] Shewhart(IReadOnlyList<(DateOnly Date, int Count)> series, double minSigma, double threshold, int lag)
    {
        var counts = Series.ConsecutiveCounts(series, nameof(series));
        CheckParameters(minSigma, threshold);

        var first = BaselineDays + lag - 1;
        var result = new SpikeDay[counts.Length];
        for (var t = 0; t < counts.Length; t++)
        {
            var (date, count) = series[t];
            if (t < first)
            {
                result[t] = new SpikeDay(date, count, null, null, false);
                continue;
            }
            var (mean, sd) = MovingBaseline.MeanAndSd(counts, t - lag - BaselineDays + 1, BaselineDays);
            var sigma = Math.Max(sd, minSigma);
            var statistic = (counts[t] - mean) / sigma;
            result[t] = new SpikeDay(date, count, statistic, threshold, statistic > threshold) { Expected = mean, Sigma = sigma };
        }
        return result;
    }

    private static void CheckParameters(double minSigma, double threshold)
    {
        if (!(minSigma > 0) || double.IsInfinity(minSigma))
        {
            throw new ArgumentOutOfRangeException(nameof(minSigma), minSigma, "minSigma must be a positive finite number.");
        }
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be finite.");
        }
    }
}
