using System.Globalization;
using System.Text.RegularExpressions;

namespace GeoOrs.Data.Features;

/// <summary>
/// The <c>datetime</c> parameter of OGC API – Features Part 1 (OGC 17-069r4, 7.15.4): an RFC 3339
/// date-time instant, a date, or an interval <c>start/end</c> whose ends are either and whose open
/// end is <c>..</c> or empty. An instant matches events at exactly that time; a date is the whole UTC
/// day (as a start, its first moment; as an end, its last); an interval is closed. Both ends open
/// (<c>../..</c>) is taken as no time filter.
/// </summary>
/// <param name="Start">The first matching time, or null for no lower bound.</param>
/// <param name="End">The bound after the last matching time, or null for no upper bound.</param>
/// <param name="EndInclusive">Whether <paramref name="End"/> itself matches (a date-time end) or not (the day after a date end).</param>
public sealed partial record TimeInterval(DateTimeOffset? Start, DateTimeOffset? End, bool EndInclusive)
{
    /// <summary>The first day when the start was given as a date, else null.</summary>
    public DateOnly? StartDay { get; private init; }

    /// <summary>The last day when the end was given as a date, else null.</summary>
    public DateOnly? EndDay { get; private init; }

    /// <summary>Whether the start was given as a date or left open, as <see cref="TryParseDays"/> needs.</summary>
    private bool StartIsDayOrOpen => Start is null || StartDay is not null;

    /// <summary>Whether the end was given as a date or left open.</summary>
    private bool EndIsDayOrOpen => End is null || EndDay is not null;

    /// <summary>Reads a <c>datetime</c> value.</summary>
    /// <param name="value">The parameter's text.</param>
    /// <param name="interval">The interval when valid.</param>
    /// <param name="error">Why it is not, else null.</param>
    /// <returns>Whether the value is valid.</returns>
    public static bool TryParse(string? value, out TimeInterval interval, out string? error)
    {
        interval = new TimeInterval(null, null, false);
        error = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "'datetime' is empty; give an RFC 3339 date-time, a date, or an interval start/end ('..' for an open end)";
            return false;
        }

        var parts = value.Split('/');
        if (parts.Length > 2)
        {
            error = $"'datetime' must be an instant or one interval start/end (got '{value}')";
            return false;
        }

        if (parts.Length == 1)
        {
            if (!TryBound(parts[0], out var at, out var day) || at is null)
            {
                error = $"'datetime' must be an RFC 3339 date-time such as 2003-02-12T23:20:52Z, a date such as 2003-02-12, or an interval (got '{value}')";
                return false;
            }

            if (!EventDays.Contains(at.Value))
            {
                error = OutOfRange(value);
                return false;
            }

            interval = day is { } d
                ? new TimeInterval(at, DayAfter(d), false) { StartDay = d, EndDay = d }
                : new TimeInterval(at, at, true);
            return true;
        }

        if (!TryBound(parts[0], out var start, out var startDay) || !TryBound(parts[1], out var end, out var endDay))
        {
            error = $"each end of a 'datetime' interval must be an RFC 3339 date-time, a date, '..' or empty (got '{value}')";
            return false;
        }

        if ((start is { } startsAt && !EventDays.Contains(startsAt)) || (end is { } endsAt && !EventDays.Contains(endsAt)))
        {
            error = OutOfRange(value);
            return false;
        }

        var exclusiveEnd = endDay is { } last ? DayAfter(last) : end;
        if (start is { } s && exclusiveEnd is { } e && (endDay is null ? s > e : s >= e))
        {
            error = $"'datetime' starts after it ends (got '{value}')";
            return false;
        }

        interval = new TimeInterval(start, exclusiveEnd, end is not null && endDay is null) { StartDay = startDay, EndDay = endDay };
        return true;
    }

    /// <summary>
    /// Reads a <c>datetime</c> value that names whole days only: a date or an interval of dates,
    /// either end open. The days are inclusive, as <c>from</c> and <c>to</c> of a layer, and local:
    /// each event counts on its county's calendar (docs/adr/0021-local-days.md).
    /// </summary>
    /// <param name="value">The parameter's text.</param>
    /// <param name="from">The first day, or null.</param>
    /// <param name="to">The last day, or null.</param>
    /// <param name="error">Why the value is not valid, else null.</param>
    /// <returns>Whether the value is valid.</returns>
    public static bool TryParseDays(string? value, out DateOnly? from, out DateOnly? to, out string? error)
    {
        from = to = null;
        if (!TryParse(value, out var interval, out error))
        {
            return false;
        }

        if (!interval.StartIsDayOrOpen || !interval.EndIsDayOrOpen)
        {
            error = $"this collection sums whole local days (each county's own calendar): 'datetime' must be a date or an interval of dates such as 2003-01-01/2003-03-31 (got '{value}')";
            return false;
        }

        from = interval.StartDay;
        to = interval.EndDay;
        return true;
    }

    private static string OutOfRange(string value) =>
        $"'datetime' must lie from {EventDays.Range} (UTC; no event lies outside), got '{value}'";

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The first moment after a day, or null (no upper bound) after 9999-12-31, the last day there is.</summary>
    private static DateTimeOffset? DayAfter(DateOnly day) => day == DateOnly.MaxValue ? null : Midnight(day.AddDays(1));

    /// <summary>One end: open (both null), a date (its midnight and the day) or a date-time (the instant).</summary>
    private static bool TryBound(string text, out DateTimeOffset? at, out DateOnly? day)
    {
        at = null;
        day = null;
        if (text is "" or "..")
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            day = d;
            at = Midnight(d);
            return true;
        }

        if (!Rfc3339().IsMatch(text) ||
            !DateTimeOffset.TryParse(text.ToUpperInvariant(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            return false;
        }

        at = instant.ToUniversalTime();
        return true;
    }

    /// <summary>RFC 3339 section 5.6 <c>date-time</c>: a full date, T, a time with optional fraction, and Z or an offset.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
