namespace GeoOrs.Data;

/// <summary>
/// The days an event may fall on, and so the days and times a request may name: 1900-01-01 to
/// 2200-12-31 (UTC). Ingest refuses events before 1900 and in the future, so no answer changes by
/// leaving the rest out; a date outside is the client's error (400), and the date arithmetic of a
/// window (the day after its end, the year before it) stays far from the ends of <see cref="DateOnly"/>.
/// </summary>
public static class EventDays
{
    /// <summary>The range as the messages of a 400 say it.</summary>
    public const string Range = "1900-01-01 to 2200-12-31";

    /// <summary>The first day a request may name.</summary>
    public static DateOnly First { get; } = new(1900, 1, 1);

    /// <summary>The last day a request may name.</summary>
    public static DateOnly Last { get; } = new(2200, 12, 31);

    /// <summary>Whether a day is one a request may name.</summary>
    /// <param name="day">The day.</param>
    /// <returns>Whether it lies from <see cref="First"/> to <see cref="Last"/>.</returns>
    public static bool Contains(DateOnly day) => day >= First && day <= Last;

    /// <summary>Whether a time falls on a day a request may name (its UTC day).</summary>
    /// <param name="time">The time.</param>
    /// <returns>Whether its UTC day lies from <see cref="First"/> to <see cref="Last"/>.</returns>
    public static bool Contains(DateTimeOffset time) => Contains(DateOnly.FromDateTime(time.UtcDateTime));
}
