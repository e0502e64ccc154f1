namespace GeoOrs.Analysis.Spikes;

/// <summary>
/// Daily count series as the spike detectors take them: one entry per calendar day, in order,
/// with no gaps.
/// </summary>
/// <remarks>
/// Event tables only hold days on which something happened. A day missing from such a series is a
/// day with no events, so it is filled with a zero count; leaving it out would shift every
/// baseline window of <see cref="Ears"/> and <see cref="Ewma"/> onto the wrong days.
/// </remarks>
public static class Series
{
    /// <summary>
    /// Fills the days missing between the first and the last date of a series with zero counts.
    /// </summary>
    /// <param name="series">Daily counts in strictly increasing date order; may be empty.</param>
    /// <returns>One entry per day from the first date to the last, the given counts kept.</returns>
    /// <exception cref="ArgumentException">The dates are not strictly increasing (unsorted or duplicated).</exception>
    public static IReadOnlyList<(DateOnly Date, int Count)> FillDays(IReadOnlyList<(DateOnly Date, int Count)> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0)
        {
            return [];
        }
        return FillDays(series, series[0].Date, series[^1].Date);
    }

    /// <summary>
    /// Fills every day from <paramref name="first"/> to <paramref name="last"/> that the series
    /// does not hold with a zero count, so a series can be brought up to today even when the last
    /// events were days ago.
    /// </summary>
    /// <param name="series">Daily counts in strictly increasing date order, all within the range; may be empty.</param>
    /// <param name="first">The first day of the result.</param>
    /// <param name="last">The last day of the result, not before <paramref name="first"/>.</param>
    /// <returns>One entry per day from <paramref name="first"/> to <paramref name="last"/>.</returns>
    /// <exception cref="ArgumentException">
    /// The dates are not strictly increasing, a date lies outside the range, or the range is reversed.
    /// </exception>
    public static IReadOnlyList<(DateOnly Date, int Count)> FillDays(
        IReadOnlyList<(DateOnly Date, int Count)> series, DateOnly first, DateOnly last)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (last < first)
        {
            throw new ArgumentException($"The range ends ({last:O}) before it starts ({first:O}).", nameof(last));
        }
        for (var i = 0; i < series.Count; i++)
        {
            var date = series[i].Date;
            if (i > 0 && date <= series[i - 1].Date)
            {
                throw new ArgumentException(
                    $"Dates must be strictly increasing: {date:O} follows {series[i - 1].Date:O} at index {i}.", nameof(series));
            }
            if (date < first || date > last)
            {
                throw new ArgumentException($"{date:O} lies outside {first:O}..{last:O}.", nameof(series));
            }
        }

        var days = last.DayNumber - first.DayNumber + 1;
        var result = new (DateOnly Date, int Count)[days];
        var next = 0;
        for (var d = 0; d < days; d++)
        {
            var date = first.AddDays(d);
            var count = 0;
            if (next < series.Count && series[next].Date == date)
            {
                count = series[next].Count;
                next++;
            }
            result[d] = (date, count);
        }
        return result;
    }

    /// <summary>
    /// Checks that a series has one entry per consecutive day and no negative count, and returns
    /// the counts as doubles.
    /// </summary>
    internal static double[] ConsecutiveCounts(IReadOnlyList<(DateOnly Date, int Count)> series, string paramName)
    {
        ArgumentNullException.ThrowIfNull(series, paramName);
        var counts = new double[series.Count];
        for (var i = 0; i < series.Count; i++)
        {
            var (date, count) = series[i];
            if (i > 0 && date.DayNumber != series[i - 1].Date.DayNumber + 1)
            {
                throw new ArgumentException(
                    $"Days must be consecutive: {date:O} follows {series[i - 1].Date:O} at index {i}. "
                    + "Fill missing days with zeros first (Series.FillDays).", paramName);
            }
            if (count < 0)
            {
                throw new ArgumentException($"Counts cannot be negative: {count} on {date:O}.", paramName);
            }
            counts[i] = count;
        }
        return counts;
    }
}
