namespace GeoOrs.Analysis.Spikes;

/// <summary>
/// An exponentially weighted moving average (EWMA) chart on a daily count series (Roberts SW,
/// "Control chart tests based on geometric moving averages", Technometrics 1959;1(3):239–250),
/// with a sliding baseline and a guard band as in the EWMA detector of ESSENCE (Burkom HS,
/// "Alerting algorithms for biosurveillance", in Lombardo JS, Buckeridge DL (eds.), Disease
/// Surveillance: A Public Health Informatics Approach, Wiley 2007).
/// </summary>
/// <remarks>
/// <para>The variant implemented, exactly:</para>
/// <list type="number">
/// <item>The smoothed value starts at the first count, E(0) = Y(0), and runs over the whole
/// series: E(t) = λ·Y(t) + (1 − λ)·E(t−1).</item>
/// <item>Day t's baseline is the <c>baselineDays</c> days t − g − B … t − g − 1 (B =
/// <c>baselineDays</c>, g = <c>guardDays</c>); with the defaults, 28 days ending 3 days before
/// the day, so the two most recent days cannot mask a rise that has just begun. μ(t) is their mean
/// and s(t) their sample standard deviation (divisor B − 1); σ(t) = max(s(t), minSigma).</item>
/// <item>The statistic is Z(t) = (E(t) − μ(t)) / (σ(t)·√(λ/(2 − λ))), one-sided; the day alerts
/// when Z(t) &gt; threshold. √(λ/(2 − λ))·σ is the asymptotic standard deviation of an EWMA of
/// independent values with standard deviation σ (Roberts 1959); the finite-baseline corrections
/// some implementations add for the variance of μ(t) are not applied.</item>
/// <item>Days before t = B + g have no statistic (null) and never alert.</item>
/// </list>
/// <para>
/// The input must hold one entry per consecutive day (see
/// <see cref="Series.FillDays(IReadOnlyList{ValueTuple{DateOnly, int}})"/>).
/// <see cref="SpikeDay.Expected"/> is μ(t) and <see cref="SpikeDay.Sigma"/> is σ(t), the
/// baseline's, not the EWMA's, standard deviation.
/// </para>
/// </remarks>
public static class Ewma
{
    /// <summary>Runs the EWMA chart over a daily series.</summary>
    /// <param name="series">One count per consecutive day, oldest first.</param>
    /// <param name="lambda">The smoothing weight λ of the newest day, 0 &lt; λ ≤ 1 (λ = 1 is a Shewhart chart).</param>
    /// <param name="baselineDays">The number of days in the baseline, at least 2.</param>
    /// <param name="guardDays">The number of days left out between the baseline and the day tested, at least 0.</param>
    /// <param name="threshold">The statistic a day must exceed to alert.</param>
    /// <param name="minSigma">The smallest baseline standard deviation used, &gt; 0.</param>
    /// <returns>One <see cref="SpikeDay"/> per input day, in the same order.</returns>
    /// <exception cref="ArgumentException">Days are not consecutive or a count is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its range.</exception>
    public static IReadOnlyList<SpikeDay> Compute(
        IReadOnlyList<(DateOnly Date, int Count)> series,
        double lambda = 0.3,
        int baselineDays = 28,
        int guardDays = 2,
        double threshold = 3,
        double minSigma = 0.2)
    {
        var counts = Series.ConsecutiveCounts(series, nameof(series));
        if (!(lambda > 0 && lambda <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be in (0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(baselineDays, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(guardDays);
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be finite.");
        }
        if (!(minSigma > 0) || double.IsInfinity(minSigma))
        {
            throw new ArgumentOutOfRangeException(nameof(minSigma), minSigma, "minSigma must be a positive finite number.");
        }

        var spread = Math.Sqrt(lambda / (2 - lambda));
        var first = (long)baselineDays + guardDays;
        var result = new SpikeDay[counts.Length];
        var smoothed = 0.0;
        for (var t = 0; t < counts.Length; t++)
        {
            smoothed = t == 0 ? counts[0] : (lambda * counts[t]) + ((1 - lambda) * smoothed);
            var (date, count) = series[t];
            if (t < first)
            {
                result[t] = new SpikeDay(date, count, null, null, false);
                continue;
            }
            var (mean, sd) = MovingBaseline.MeanAndSd(counts, t - guardDays - baselineDays, baselineDays);
            var sigma = Math.Max(sd, minSigma);
            var z = (smoothed - mean) / (sigma * spread);
            result[t] = new SpikeDay(date, count, z, threshold, z > threshold) { Expected = mean, Sigma = sigma };
        }
        return result;
    }
}
