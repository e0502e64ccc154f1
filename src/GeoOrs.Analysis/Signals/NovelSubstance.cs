namespace GeoOrs.Analysis.Signals;

/// <summary>The first day of a drug in an area after a look-back without it.</summary>
/// <param name="Day">The day it appeared.</param>
/// <param name="Count">Its events that day (overdoses and seizures naming it).</param>
/// <param name="DaysSinceLast">Days since it was last recorded in the area; null when it was not among the days given (none within the look-back).</param>
public sealed record NovelDay(DateOnly Day, int Count, int? DaysSinceLast);

/// <summary>
/// Finds the days a drug appears in an area where it was not recorded for a look-back: the first
/// xylazine of a county, the first nitazene of a region. The "new psychoactive substance" signal of
/// drug early-warning systems (EMCDDA, <i>EU Early Warning System on new psychoactive substances:
/// operating guidelines</i>, 2019; CDC, <i>Overdose Data to Action</i> "emerging drug threats"),
/// applied to one area's own records.
/// </summary>
/// <remarks>
/// A day D with events of the drug is novel when none was recorded on the days D − L … D − 1 (L the
/// look-back), and the area has been watched for the whole look-back: its first event of any kind
/// lies on or before D − L. Without that last condition every drug would be "novel" in the first
/// year of an area's data.
/// </remarks>
public static class NovelSubstance
{
    /// <summary>The novel days of one drug in one area within a window.</summary>
    /// <param name="days">The days with events of the drug, in any order (days with a count of 0 are ignored).</param>
    /// <param name="watchedSince">The area's first day with an event of any kind.</param>
    /// <param name="lookbackDays">L, at least 1.</param>
    /// <param name="first">The window's first day.</param>
    /// <param name="last">The window's last day.</param>
    /// <returns>The novel days in the window, in order (at most one per look-back).</returns>
    public static IReadOnlyList<NovelDay> Find(IEnumerable<(DateOnly Day, int Count)> days, DateOnly watchedSince, int lookbackDays, DateOnly first, DateOnly last)
    {
        ArgumentNullException.ThrowIfNull(days);
        ArgumentOutOfRangeException.ThrowIfLessThan(lookbackDays, 1);
        var found = new List<NovelDay>();
        DateOnly? previous = null;
        foreach (var (day, count) in days.Where(d => d.Count > 0 && d.Day <= last).OrderBy(d => d.Day))
        {
            int? since = previous is { } p ? day.DayNumber - p.DayNumber : null;
            if (day >= first && (since is null || since > lookbackDays) && watchedSince.DayNumber <= day.DayNumber - lookbackDays)
            {
                found.Add(new NovelDay(day, count, since));
            }

            previous = day;
        }

        return found;
    }
}
