using System.Net;
using System.Text;
using System.Text.Json;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>sunday_night_in_los_angeles</c>: weekly series run from Monday on local days. Three overdoses
/// and a seizure at 10 pm on Sunday 8 July 2001 in Los Angeles County (06037), 05:00 UTC on Monday
/// 9 July, count in the week of Monday 2 July (a window no other test uses).
/// </summary>
public class LocalWeeksTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string LosAngeles = "06037";
    private const string Lat = "34.05", Lon = "-118.25";

    [Fact]
    public async Task A_sunday_night_in_los_angeles_counts_in_that_sundays_week()
    {
        using var admin = factory.CreateClient("admin");
        using (var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"/api/boundaries/lookup?lon={Lon}&lat={Lat}", UriKind.Relative))))
        {
            Assert.Equal(LosAngeles, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
        }

        var before = await WeeksAsync();
        Assert.Equal(["2001-07-02", "2001-07-09"], before.Keys);

        var run = Guid.NewGuid().ToString("N")[..8];
        var overdoses = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
        for (var i = 0; i < 3; i++)
        {
            overdoses.Append($"sunday_night_in_los_angeles-{run}-{i},2001-07-08T22:0{i}:00-07:00,{Lat},{Lon},false\n");
        }

        using (var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(overdoses.ToString(), Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
        }

        var seizure = $"external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\nsunday_night_in_los_angeles-{run},2001-07-08T22:30:00-07:00,{Lat},{Lon},cocaine,1,g,\n";
        using (var ingest = await admin.PostAsync(new Uri("/api/ingest/seizures", UriKind.Relative), new StringContent(seizure, Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
        }

        var after = await WeeksAsync();
        Assert.Equal((before["2001-07-02"].Overdoses + 3, before["2001-07-02"].Seizures + 1), after["2001-07-02"]);
        Assert.Equal(before["2001-07-09"], after["2001-07-09"]); // Monday in UTC, still Sunday there
    }

    /// <summary>The county's weekly overdoses and seizures over 2–15 July 2001, by the week's Monday.</summary>
    private async Task<Dictionary<string, (long Overdoses, long Seizures)>> WeeksAsync()
    {
        using var analyst = factory.CreateClient("analyst");
        using var area = JsonDocument.Parse(await analyst.GetStringAsync(new Uri($"/api/areas/county/{LosAngeles}?from=2001-07-02&to=2001-07-15", UriKind.Relative)));
        return area.RootElement.GetProperty("weekly").EnumerateArray().ToDictionary(
            w => w.GetProperty("week").GetString()!, w => (w.GetProperty("overdoses").GetInt64(), w.GetProperty("seizures").GetInt64()));
    }
}
