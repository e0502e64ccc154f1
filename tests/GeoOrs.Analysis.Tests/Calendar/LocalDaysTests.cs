using GeoOrs.Analysis.Calendar;

namespace GeoOrs.Analysis.Tests.Calendar;

public class LocalDaysTests
{
    private static readonly TimeZoneInfo Chicago = LocalDays.Zone("America/Chicago");
    private static readonly TimeZoneInfo Phoenix = LocalDays.Zone("America/Phoenix");
    private static readonly TimeZoneInfo Indianapolis = LocalDays.Zone("America/Indiana/Indianapolis");

    private static DateOnly Day(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void An_evening_in_chicago_is_that_day_there_though_the_next_day_in_utc()
    {
        var at = At("2024-07-04T21:30:00-05:00");
        Assert.Equal(Day("2024-07-05"), DateOnly.FromDateTime(at.UtcDateTime));
        Assert.Equal(Day("2024-07-04"), LocalDays.Of(at, Chicago));
    }

    [Fact]
    public void Arizona_keeps_no_daylight_saving_time()
    {
        // 23:30 in Phoenix all year round is 06:30 UTC the next day; in Chicago, an hour later in winter, two in summer.
        Assert.Equal(Day("2024-07-04"), LocalDays.Of(At("2024-07-05T06:30:00Z"), Phoenix));
        Assert.Equal(Day("2024-01-04"), LocalDays.Of(At("2024-01-05T06:30:00Z"), Phoenix));
        Assert.Equal(Day("2024-07-05"), LocalDays.Of(At("2024-07-05T06:30:00Z"), Chicago));
        Assert.Equal(TimeSpan.FromHours(24), Length(Day("2024-03-10"), Phoenix));
    }

    [Fact]
    public void Indiana_counts_in_central_and_eastern_time_by_county()
    {
        // 23:30 Eastern in Indianapolis is 22:30 Central in Lake County: the same instant, the same date in both.
        var evening = At("2024-07-04T23:30:00-04:00");
        Assert.Equal(Day("2024-07-04"), LocalDays.Of(evening, Indianapolis));
        Assert.Equal(Day("2024-07-04"), LocalDays.Of(evening, Chicago));

        // Half an hour after midnight Eastern is still the evening before in Central time.
        var pastMidnight = At("2024-07-05T00:30:00-04:00");
        Assert.Equal(Day("2024-07-05"), LocalDays.Of(pastMidnight, Indianapolis));
        Assert.Equal(Day("2024-07-04"), LocalDays.Of(pastMidnight, Chicago));
    }

    [Fact]
    public void Both_instants_of_the_repeated_hour_fall_on_the_day_daylight_saving_time_ends()
    {
        // 3 November 2024 in Chicago: 1:30 am happens at 06:30 UTC (CDT) and again at 07:30 UTC (CST).
        Assert.Equal(Day("2024-11-03"), LocalDays.Of(At("2024-11-03T06:30:00Z"), Chicago));
        Assert.Equal(Day("2024-11-03"), LocalDays.Of(At("2024-11-03T07:30:00Z"), Chicago));
        var (start, end) = LocalDays.Span(Day("2024-11-03"), Chicago);
        Assert.Equal(At("2024-11-03T05:00:00Z"), start);
        Assert.Equal(At("2024-11-04T06:00:00Z"), end);
        Assert.Equal(TimeSpan.FromHours(25), end - start);
    }

    [Fact]
    public void The_hour_that_does_not_exist_when_daylight_saving_time_starts_loses_no_instant()
    {
        // 10 March 2024 in Chicago: clocks go from 1:59:59 CST to 3:00 CDT; 08:30 UTC is 3:30 am.
        Assert.Equal(Day("2024-03-10"), LocalDays.Of(At("2024-03-10T07:59:59Z"), Chicago));
        Assert.Equal(Day("2024-03-10"), LocalDays.Of(At("2024-03-10T08:30:00Z"), Chicago));
        Assert.Equal(TimeSpan.FromHours(23), Length(Day("2024-03-10"), Chicago));
        Assert.Equal(TimeSpan.FromHours(24), Length(Day("2024-03-11"), Chicago));
    }

    [Fact]
    public void Consecutive_days_tile_time_with_no_gap_or_overlap()
    {
        foreach (var zone in new[] { Chicago, Phoenix, Indianapolis, LocalDays.Zone("Pacific/Honolulu"), LocalDays.Zone("America/Adak") })
        {
            var day = Day("2024-01-01");
            var (_, end) = LocalDays.Span(day, zone);
            for (var i = 0; i < 366; i++)
            {
                day = day.AddDays(1);
                var (start, next) = LocalDays.Span(day, zone);
                Assert.Equal(end, start);
                Assert.Equal(day, LocalDays.Of(start, zone));
                Assert.Equal(day, LocalDays.Of(next.AddTicks(-1), zone));
                end = next;
            }
        }
    }

    [Theory]
    [InlineData("2024-07-01", "2024-07-01")] // a Monday
    [InlineData("2024-07-07", "2024-07-01")] // the Sunday after it
    [InlineData("2024-07-08", "2024-07-08")]
    [InlineData("2025-01-01", "2024-12-30")] // a week across the new year
    public void Weeks_start_on_monday(string day, string monday) =>
        Assert.Equal(Day(monday), LocalDays.WeekStart(Day(day)));

    [Theory]
    [InlineData("2025-03-30", 1, "2025-03-24", "2025-03-30")] // a Sunday ends its own week
    [InlineData("2025-03-31", 1, "2025-03-24", "2025-03-30")] // a Monday: its week has only begun
    [InlineData("2025-03-29", 2, "2025-03-10", "2025-03-23")] // a Saturday: the week before is the last complete one
    [InlineData("2025-01-05", 1, "2024-12-30", "2025-01-05")] // a week across the new year
    public void Complete_weeks_run_from_monday_to_sunday(string day, int weeks, string first, string last)
    {
        var (from, to) = LocalDays.CompleteWeeks(Day(day), weeks);
        Assert.Equal(Day(first), from);
        Assert.Equal(Day(last), to);
        Assert.Equal(DayOfWeek.Monday, from.DayOfWeek);
        Assert.Equal(7 * weeks, to.DayNumber - from.DayNumber + 1);
    }

    private static TimeSpan Length(DateOnly day, TimeZoneInfo zone)
    {
        var (start, end) = LocalDays.Span(day, zone);
        return end - start;
    }
}
