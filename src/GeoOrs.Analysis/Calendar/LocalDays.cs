namespace GeoOrs.Analysis.Calendar;

/// <summary>
/// Calendar days as the people of a place keep them: the local date of an instant in an IANA time
/// zone, the instants a local day spans, and the Monday its week starts on (ISO 8601 weeks). Days
/// are counted this way because overdoses cluster in the evening, where a UTC day ends in the United
/// States (docs/adr/0021-local-days.md).
/// </summary>
/// <remarks>
/// The zone's rules are those of the IANA time zone database (tz, "Sources for time zone and daylight
/// saving time data", https://www.iana.org/time-zones), as the operating system ships it and as
/// PostgreSQL's <c>timestamptz AT TIME ZONE</c> applies them. An instant has exactly one local date:
/// in the hour that repeats when daylight saving time ends, both instants of 1:30 am fall on that
/// day, and in the hour that does not exist when it starts no instant is lost. A day with a change
/// lasts 23 or 25 hours and is still one day.
/// </remarks>
public static class LocalDays
{
    /// <summary>The IANA zone of that id (e.g. <c>America/Chicago</c>).</summary>
    /// <param name="id">The zone's id.</param>
    /// <returns>The zone.</returns>
    /// <exception cref="TimeZoneNotFoundException">No zone of that id is installed.</exception>
    public static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    /// <summary>The local date of an instant in a zone.</summary>
    /// <param name="at">The instant.</param>
    /// <param name="zone">The zone.</param>
    /// <returns>The date a wall clock there shows at that instant.</returns>
    public static DateOnly Of(DateTimeOffset at, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
    }

    /// <summary>
    /// The instants of a local day: from its first instant up to (not including) the next day's
    /// first. A day starts at midnight, or at the first instant after it where midnight does not exist.
    /// </summary>
    /// <param name="day">The local date.</param>
    /// <param name="zone">The zone.</param>
    /// <returns>The start (inclusive) and end (exclusive), as UTC instants.</returns>
    public static (DateTimeOffset Start, DateTimeOffset End) Span(DateOnly day, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return (Start(day, zone), Start(day.AddDays(1), zone));
    }

    /// <summary>The Monday of the ISO 8601 week a date is in.</summary>
    /// <param name="day">The date.</param>
    /// <returns>That week's Monday.</returns>
    public static DateOnly WeekStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>
    /// The days of the last <paramref name="weeks"/> complete ISO 8601 weeks (Monday to Sunday) that end
    /// on or before <paramref name="day"/>: the last one ends on <paramref name="day"/> when it is a
    /// Sunday, else on the Sunday before it.
    /// </summary>
    /// <param name="day">The last day that may be counted.</param>
    /// <param name="weeks">The number of weeks (at least one).</param>
    /// <returns>The first week's Monday and the last week's Sunday.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weeks"/> is less than one.</exception>
    public static (DateOnly First, DateOnly Last) CompleteWeeks(DateOnly day, int weeks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weeks, 1);
        var next = WeekStart(day.AddDays(1)); // the Monday after the last complete week
        return (next.AddDays(-7 * weeks), next.AddDays(-1));
    }

    /// <summary>The first instant of a local day.</summary>
    private static DateTimeOffset Start(DateOnly day, TimeZoneInfo zone)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        var clock = midnight;
        while (zone.IsInvalidTime(clock))
        {
            clock = clock.AddMinutes(1); // a gap at midnight (not in the United States, but in some zones): the day starts when it ends
        }

        // An ambiguous midnight (a clock turned back across it) starts at its first, earlier instant.
        var offset = zone.IsAmbiguousTime(clock) ? zone.GetAmbiguousTimeOffsets(clock).Max() : zone.GetUtcOffset(clock);
        return new DateTimeOffset(clock, offset).ToUniversalTime();
    }
}
