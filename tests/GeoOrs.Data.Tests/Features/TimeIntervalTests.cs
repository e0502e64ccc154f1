using GeoOrs.Data.Features;

namespace GeoOrs.Data.Tests.Features;

public class TimeIntervalTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 0, int s = 0, int ms = 0) => new(y, m, d, h, min, s, ms, TimeSpan.Zero);

    [Fact]
    public void Instant_is_start_and_end_inclusive()
    {
        Assert.True(TimeInterval.TryParse("2003-02-12T23:20:52Z", out var at, out _));
        Assert.Equal(new TimeInterval(Utc(2003, 2, 12, 23, 20, 52), Utc(2003, 2, 12, 23, 20, 52), true), at);

        Assert.True(TimeInterval.TryParse("2003-02-12t18:20:52.5-05:00", out var local, out _));
        Assert.Equal(Utc(2003, 2, 12, 23, 20, 52, 500), local.Start);
        Assert.Equal(TimeSpan.Zero, local.Start!.Value.Offset);
    }

    [Fact]
    public void Date_is_its_whole_utc_day()
    {
        Assert.True(TimeInterval.TryParse("2003-02-28", out var day, out _));
        Assert.Equal(Utc(2003, 2, 28), day.Start);
        Assert.Equal(Utc(2003, 3, 1), day.End);
        Assert.False(day.EndInclusive);
        Assert.Equal(new DateOnly(2003, 2, 28), day.StartDay);
        Assert.Equal(new DateOnly(2003, 2, 28), day.EndDay);
    }

    [Theory]
    [InlineData("2003-01-01/2003-01-31", "2003-01-01T00:00:00Z", "2003-02-01T00:00:00Z", false)]
    [InlineData("2003-01-01T06:00:00Z/2003-01-31T06:00:00Z", "2003-01-01T06:00:00Z", "2003-01-31T06:00:00Z", true)]
    [InlineData("../2003-01-31", null, "2003-02-01T00:00:00Z", false)]
    [InlineData("/2003-01-31T06:00:00Z", null, "2003-01-31T06:00:00Z", true)]
    [InlineData("2003-01-01T06:00:00+01:00/..", "2003-01-01T05:00:00Z", null, false)]
    [InlineData("2003-01-01/", "2003-01-01T00:00:00Z", null, false)]
    [InlineData("../..", null, null, false)]
    [InlineData("/", null, null, false)]
    [InlineData("2003-01-01/2003-01-01", "2003-01-01T00:00:00Z", "2003-01-02T00:00:00Z", false)]
    [InlineData("2003-01-01T12:00:00Z/2003-01-01T12:00:00Z", "2003-01-01T12:00:00Z", "2003-01-01T12:00:00Z", true)]
    public void Intervals_are_closed_with_open_ends(string value, string? start, string? end, bool endInclusive)
    {
        Assert.True(TimeInterval.TryParse(value, out var interval, out var error), error);
        Assert.Equal(start is null ? null : DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), interval.Start);
        Assert.Equal(end is null ? null : DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), interval.End);
        Assert.Equal(endInclusive, interval.EndInclusive);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("..")]
    [InlineData("2003-02-30")]
    [InlineData("2003-2-3")]
    [InlineData("20030203")]
    [InlineData("2003-02-03T10:00:00")]
    [InlineData("2003-02-03T10:00Z")]
    [InlineData("2003-02-03 10:00:00Z")]
    [InlineData("2003-02-03T10:00:00+0100")]
    [InlineData("2003-02-03T24:00:01Z")]
    [InlineData("2003-02-03T10:00:00.12345678Z")]
    [InlineData("2003-02-04/2003-02-03")]
    [InlineData("2003-02-04T00:00:00Z/2003-02-03")]
    [InlineData("2003-02-03T10:00:01Z/2003-02-03T10:00:00Z")]
    [InlineData("2003-01-01/2003-01-02/2003-01-03")]
    [InlineData("yesterday/..")]
    [InlineData("2003-01-01; DROP TABLE overdose_events")]
    public void Malformed_values_are_refused(string? value)
    {
        Assert.False(TimeInterval.TryParse(value, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("2003-01-05", "2003-01-05", "2003-01-05")]
    [InlineData("2003-01-01/2003-03-31", "2003-01-01", "2003-03-31")]
    [InlineData("../2003-03-31", null, "2003-03-31")]
    [InlineData("2003-01-01/..", "2003-01-01", null)]
    [InlineData("../..", null, null)]
    public void Days_for_a_layer_window(string value, string? from, string? to)
    {
        Assert.True(TimeInterval.TryParseDays(value, out var first, out var last, out var error), error);
        Assert.Equal(from is null ? null : DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), first);
        Assert.Equal(to is null ? null : DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture), last);
    }

    [Theory]
    [InlineData("2003-01-05T00:00:00Z")]
    [InlineData("2003-01-01/2003-03-31T00:00:00Z")]
    [InlineData("2003-01-01T00:00:00Z/..")]
    public void A_layer_window_refuses_date_times(string value)
    {
        Assert.False(TimeInterval.TryParseDays(value, out _, out _, out var error));
        Assert.Contains("whole local days", error, StringComparison.Ordinal);
    }
}
