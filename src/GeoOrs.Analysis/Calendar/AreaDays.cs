namespace GeoOrs.Analysis.Calendar;

/// <summary>
/// The days of an area made of counties that may keep different time zones (a HIDTA region, a county
/// with its neighbours): the area's day D is the sum of each member county's own local day D, and
/// its "today" is the earliest of its members' local dates, so that no member's day is counted
/// before it has begun there (docs/adr/0021-local-days.md).
/// </summary>
/// <remarks>
/// A date in a zone is the one <see cref="LocalDays.Of"/> gives (the IANA time zone database's
/// rules). At 00:30 on 5 July in New York it is still 4 July in Chicago: an area of Eastern and
/// Central counties has 4 July as its today until midnight in Chicago, while its Eastern members'
/// 5 July has begun. Zones of the United States differ by at most six hours (Eastern to Hawaii), so
/// the earliest and latest dates of an instant differ by at most one day.
/// </remarks>
public static class AreaDays
{
    /// <summary>An area's today: the earliest of its members' local dates at <paramref name="now"/>.</summary>
    /// <param name="now">The instant.</param>
    /// <param name="zones">The member counties' zones (at least one).</param>
    /// <returns>The earliest local date.</returns>
    /// <exception cref="ArgumentException">No zone is given.</exception>
    public static DateOnly Today(DateTimeOffset now, IEnumerable<TimeZoneInfo> zones) => Dates(now, zones).Min();

    /// <summary>The latest of the zones' local dates at <paramref name="now"/>: the last day any member has begun.</summary>
    /// <param name="now">The instant.</param>
    /// <param name="zones">The zones (at least one).</param>
    /// <returns>The latest local date.</returns>
    /// <exception cref="ArgumentException">No zone is given.</exception>
    public static DateOnly Latest(DateTimeOffset now, IEnumerable<TimeZoneInfo> zones) => Dates(now, zones).Max();

    /// <summary>
    /// The days of an area over a window: each member's counts per local day added on the same index
    /// (member day D to area day D), up to the area's last day.
    /// </summary>
    /// <param name="members">Each member county's counts per local day from the window's first (index 0), or null for a member without events.</param>
    /// <param name="days">The area's days: its last day is the window's first + <paramref name="days"/> − 1.</param>
    /// <returns>The area's counts per day, or null when no member has events.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="days"/> is negative.</exception>
    public static int[]? Sum(IEnumerable<int[]?> members, int days)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        int[]? sum = null;
        foreach (var counts in members)
        {
            if (counts is null)
            {
                continue;
            }

            sum ??= new int[days];
            for (var d = 0; d < Math.Min(days, counts.Length); d++)
            {
                sum[d] += counts[d];
            }
        }

        return sum;
    }

    private static IEnumerable<DateOnly> Dates(DateTimeOffset now, IEnumerable<TimeZoneInfo> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        var dates = zones.Select(z => LocalDays.Of(now, z)).ToList();
        return dates.Count > 0 ? dates : throw new ArgumentException("an area has at least one zone", nameof(zones));
    }
}
