using System.Globalization;

namespace GeoOrs.Data.Synthetic;

/// <summary>
/// When events happen: a day in [start, end] drawn with a weekly and a seasonal rhythm, and a time
/// of day drawn from local-hour weights and written in UTC.
/// </summary>
/// <remarks>
/// <para>
/// A day's weight is its weekday's weight times a seasonal factor
/// <c>1 + a·(1 + cos(2π(d − 196)/365.25))/2</c>, where d is the day of the year: 1 in mid-January,
/// 1 + a in mid-July.
/// </para>
/// <para>
/// For background events, the hour is drawn in local time and shifted to UTC by the county's rough
/// offset (its longitude over 15°, daylight saving ignored). The shift wraps within the drawn UTC
/// day, so every timestamp falls on a date in [start, end] and never after <c>end</c>'s last second.
/// </para>
/// <para>
/// A planted spike's events are drawn on the county's own local day instead
/// (<see cref="SampleLocalTime"/>): days are counted on each county's calendar
/// (docs/adr/0021-local-days.md), and a spike's evening must stay on its day there rather than fall
/// half on the day before. An hour whose instant would come after <c>end</c>'s last UTC second (the
/// evening of the last day) is drawn again, so no timestamp lies beyond the period.
/// </para>
/// </remarks>
internal sealed class EventCalendar
{
    private readonly string[] _dates;
    private readonly double[] _dayWeights;
    private readonly AliasTable _days;
    private readonly AliasTable _hours;
    private readonly DateTime _endUtc;

    /// <summary>Builds the calendar.</summary>
    /// <param name="start">The first day.</param>
    /// <param name="end">The last day (inclusive).</param>
    /// <param name="weekdayWeights">Weights indexed by <see cref="DayOfWeek"/> (Sunday = 0).</param>
    /// <param name="seasonalAmplitude">The summer excess a (0.2 makes mid-July 1.2× mid-January).</param>
    /// <param name="localHourWeights">24 weights for the local hours 0–23.</param>
    public EventCalendar(DateOnly start, DateOnly end, double[] weekdayWeights, double seasonalAmplitude, double[] localHourWeights)
    {
        Start = start;
        _endUtc = end.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        int count = end.DayNumber - start.DayNumber + 1;
        _dates = new string[count];
        _dayWeights = new double[count];
        for (int i = 0; i < count; i++)
        {
            var date = start.AddDays(i);
            _dates[i] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            double season = 1 + (seasonalAmplitude * (1 + Math.Cos(2 * Math.PI * (date.DayOfYear - 196) / 365.25)) / 2);
            _dayWeights[i] = weekdayWeights[(int)date.DayOfWeek] * season;
        }

        _days = new AliasTable(_dayWeights);
        _hours = new AliasTable(localHourWeights);
    }

    /// <summary>The first day.</summary>
    public DateOnly Start { get; }

    /// <summary>The number of days.</summary>
    public int DayCount => _dates.Length;

    /// <summary>The share of all events expected on a day.</summary>
    /// <param name="day">The day's index from <see cref="Start"/>.</param>
    /// <returns>The day's weight over the total.</returns>
    public double Share(int day) => _dayWeights[day] / _days.Total;

    /// <summary>The date of a day as <c>yyyy-MM-dd</c>.</summary>
    /// <param name="day">The day's index.</param>
    /// <returns>The date text.</returns>
    public string DateText(int day) => _dates[day];

    /// <summary>Draws a day.</summary>
    /// <param name="random">The random stream.</param>
    /// <returns>The day's index.</returns>
    public int SampleDay(SyntheticRandom random) => _days.Sample(random);

    /// <summary>Draws a time of day, as seconds since midnight UTC, for an event at <paramref name="lon"/>.</summary>
    /// <param name="random">The random stream.</param>
    /// <param name="lon">The event's longitude, which sets its rough UTC offset.</param>
    /// <returns>Seconds in [0, 86,400).</returns>
    public int SampleSecondOfDay(SyntheticRandom random, double lon)
    {
        int localHour = _hours.Sample(random);
        int utcHour = (((localHour - UtcOffsetHours(lon)) % 24) + 24) % 24;
        return (utcHour * 3600) + random.NextInt(3600);
    }

    /// <summary>
    /// Draws an instant on a local day of a zone: a local hour from the weights and a second within
    /// it, converted to UTC (an hour the clocks skip counts as the hour after it; a repeated hour as its
    /// standard-time instant). Draws the hour and second the way <see cref="SampleSecondOfDay"/> does,
    /// again while the instant would fall after the period's last UTC second.
    /// </summary>
    /// <param name="random">The random stream.</param>
    /// <param name="day">The day's index: the local date <see cref="Start"/> + <paramref name="day"/>.</param>
    /// <param name="zone">The county's zone.</param>
    /// <returns>The instant (UTC), on that local date in <paramref name="zone"/>.</returns>
    public DateTime SampleLocalTime(SyntheticRandom random, int day, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var midnight = Start.AddDays(day).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (true)
        {
            var local = midnight.AddHours(_hours.Sample(random)).AddSeconds(random.NextInt(3600));
            if (zone.IsInvalidTime(local))
            {
                local = local.AddHours(1);
            }

            var utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
            if (utc < _endUtc)
            {
                return utc;
            }
        }
    }

    /// <summary>The rough standard-time UTC offset of a US longitude, −10 (Hawaii, the Aleutians) to −5 (Eastern).</summary>
    /// <param name="lon">The longitude; eastern longitudes (the western Aleutians) count as west of −180.</param>
    /// <returns>Whole hours.</returns>
    public static int UtcOffsetHours(double lon)
    {
        double west = lon > 0 ? lon - 360 : lon;
        return Math.Clamp((int)Math.Round(west / 15, MidpointRounding.AwayFromZero), -10, -5);
    }
}
