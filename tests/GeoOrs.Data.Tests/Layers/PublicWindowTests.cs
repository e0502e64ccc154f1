using System.Globalization;
using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;

namespace GeoOrs.Data.Tests.Layers;

/// <summary>
/// The public's last complete month is complete in every area's local dates: its today is the date
/// in Pacific/Honolulu, the westernmost zone of the counties.
/// </summary>
public class PublicWindowTests
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    [Fact]
    public void Month_end_in_hawaii_publishes_july_only_once_its_last_evening_is_over_there()
    {
        // 1 August 09:59 UTC is 31 July 23:59 in Honolulu: July is not complete there yet.
        var before = LayerQuery.PublicToday(At("2024-08-01T09:59:00Z"));
        Assert.Equal(new DateOnly(2024, 7, 31), before);
        Assert.Equal(new DateOnly(2024, 6, 30), LayerQuery.PublicLatest(before));

        var after = LayerQuery.PublicToday(At("2024-08-01T10:00:00Z"));
        Assert.Equal(new DateOnly(2024, 8, 1), after);
        Assert.Equal(new DateOnly(2024, 7, 31), LayerQuery.PublicLatest(after));
        Assert.Equal((new DateOnly(2023, 8, 1), new DateOnly(2024, 7, 31)), LayerQuery.PublicDefault(after));
    }

    [Fact]
    public void A_month_still_filling_in_hawaii_is_refused_to_the_public()
    {
        var july = new LayerQuery(new DateOnly(2024, 7, 1), new DateOnly(2024, 7, 31));
        Assert.False(july.TryFor(AccessView.Public, LayerQuery.PublicToday(At("2024-08-01T09:00:00Z")), out _, out var error));
        Assert.Contains("2024-06-30", error, StringComparison.Ordinal);
        Assert.True(july.TryFor(AccessView.Public, LayerQuery.PublicToday(At("2024-08-01T10:30:00Z")), out var query, out _));
        Assert.Equal(new DateOnly(2024, 7, 31), query.To);
    }
}
