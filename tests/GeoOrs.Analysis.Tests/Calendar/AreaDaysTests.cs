using GeoOrs.Analysis.Calendar;

namespace GeoOrs.Analysis.Tests.Calendar;

public class AreaDaysTests
{
    private static readonly TimeZoneInfo Chicago = LocalDays.Zone("America/Chicago");
    private static readonly TimeZoneInfo NewYork = LocalDays.Zone("America/New_York");
    private static readonly TimeZoneInfo Honolulu = LocalDays.Zone("Pacific/Honolulu");

    private static DateOnly Day(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void An_area_spanning_central_and_eastern_time_is_still_on_the_central_date_after_midnight_in_new_york()
    {
        var pastMidnight = At("2024-07-05T00:30:00-04:00");
        Assert.Equal(Day("2024-07-04"), AreaDays.Today(pastMidnight, [NewYork, Chicago]));
        Assert.Equal(Day("2024-07-05"), AreaDays.Latest(pastMidnight, [NewYork, Chicago]));
        Assert.Equal(Day("2024-07-05"), AreaDays.Today(pastMidnight, [NewYork]));
    }

    [Fact]
    public void An_area_in_one_zone_has_that_zones_date()
    {
        var evening = At("2024-07-04T21:30:00-05:00");
        Assert.Equal(Day("2024-07-04"), AreaDays.Today(evening, [Chicago, Chicago]));
        Assert.Equal(Day("2024-07-04"), AreaDays.Latest(evening, [Chicago]));
    }

    [Fact]
    public void Honolulu_is_the_last_to_reach_a_date()
    {
        // 09:59 UTC on 1 August is 23:59 on 31 July in Honolulu, already 1 August everywhere else.
        var at = At("2024-08-01T09:59:00Z");
        Assert.Equal(Day("2024-07-31"), AreaDays.Today(at, [NewYork, Chicago, Honolulu]));
        Assert.Equal(Day("2024-08-01"), AreaDays.Today(at.AddMinutes(1), [NewYork, Chicago, Honolulu]));
    }

    [Fact]
    public void An_area_without_zones_has_no_today() =>
        Assert.Throws<ArgumentException>(() => AreaDays.Today(At("2024-07-04T12:00:00Z"), []));

    [Fact]
    public void Members_counts_of_the_same_local_day_add_up_to_the_days_of_the_area()
    {
        // An Eastern and a Central county: each one's own day D is the area's day D.
        int[] eastern = [1, 0, 4, 2];
        int[] central = [0, 3, 1, 5];
        Assert.Equal([1, 3, 5], AreaDays.Sum([eastern, null, central], 3)!);
        Assert.Equal([1, 3, 5, 7], AreaDays.Sum([eastern, central], 4)!);
        Assert.Null(AreaDays.Sum([null, null], 4));
    }
}
