namespace GeoOrs.Analysis.Spikes;

/// <summary>
/// A fixed count threshold on daily counts: the "N overdoses in 24 hours" spike alert of ODMAP
/// (the Overdose Detection Mapping Application Program of the Washington/Baltimore HIDTA), applied
/// here to calendar days rather than to a sliding 24-hour window.
/// </summary>
/// <remarks>
/// Every day has a statistic, its count; the day alerts when the count is at least the threshold
/// (<c>Statistic ≥ Threshold</c>, unlike the strict inequality of <see cref="Ears"/> and
/// <see cref="Ewma"/>). No baseline is involved, so the days need not be consecutive;
/// <see cref="SpikeDay.Expected"/> and <see cref="SpikeDay.Sigma"/> are null.
/// </remarks>
public static class FixedThreshold
{
    /// <summary>Marks each day whose count is at least <paramref name="threshold"/>.</summary>
    /// <param name="series">Daily counts, in any order.</param>
    /// <param name="threshold">The count that alerts, at least 1.</param>
    /// <returns>One <see cref="SpikeDay"/> per input day, in the same order.</returns>
    /// <exception cref="ArgumentException">A count is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is less than 1.</exception>
    public static IReadOnlyList<SpikeDay> Compute(IReadOnlyList<(DateOnly Date, int Count)> series, int threshold)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        var result = new SpikeDay[series.Count];
        for (var i = 0; i < series.Count; i++)
        {
            var (date, count) = series[i];
            if (count < 0)
            {
                throw new ArgumentException($"Counts cannot be negative: {count} on {date:O}.", nameof(series));
            }
            result[i] = new SpikeDay(date, count, count, threshold, count >= threshold);
        }
        return result;
    }
}
