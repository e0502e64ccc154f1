using GeoOrs.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// ODMAP's fixed threshold: an admin sets "3 overdoses in a day" for Crook County, Wyoming, and the
/// spike job alerts on the day of May 1995 that reached it (a window no other test uses).
/// </summary>
public class AlertThresholdsTests
{
    private const string Crook = "56011";

    [Fact]
    public async Task A_threshold_set_by_an_admin_makes_the_spike_job_alert_on_the_day_that_reaches_it()
    {
        // The scheduler on: this server's worker runs the spike run it enqueues (its schedule never fires).
        await using var factory = GeoOrsFactory.WithScheduler(new Dictionary<string, string?>
        {
            ["Analysis:AsOf"] = "1995-05-31",
            ["Analysis:SpikeDays"] = "31",
        });
        using var admin = factory.CreateClient("admin");
        using var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/boundaries/lookup?lon=-104.57&lat=44.59", UriKind.Relative)));
        Assert.Equal(Crook, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());

        var run = Guid.NewGuid().ToString("N")[..8];
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
        for (var i = 0; i < 3; i++)
        {
            csv.Append($"thr-{run}-a{i},1995-05-05T1{i}:00:00Z,44.59,-104.57,false\n");
        }

        for (var i = 0; i < 2; i++)
        {
            csv.Append($"thr-{run}-b{i},1995-05-12T1{i}:00:00Z,44.59,-104.57,false\n");
        }

        using (var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
        }

        using (var put = await admin.PutAsJsonAsync(new Uri($"/api/admin/thresholds/county/{Crook}", UriKind.Relative), new { threshold = 3 }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var listed = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/admin/thresholds", UriKind.Relative));
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("area_id").GetString() == Crook && t.GetProperty("threshold").GetInt32() == 3);

        var since = DateTime.UtcNow;
        using (var start = await admin.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "spikes" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        // Another test's server with the scheduler on may take the job, and run spikes of its own: wait for this run (its last day).
        await AnalysisJobsTests.SucceededRunAfterAsync(dataSource, "spikes", since, 120, lastDay: "1995-05-31");
        var alerts = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/alerts?area=county:{Crook}&method=threshold", UriKind.Relative));
        var alert = Assert.Single(alerts.EnumerateArray());
        Assert.Equal("1995-05-05", alert.GetProperty("day").GetString());
        Assert.Equal(3, alert.GetProperty("observed").GetInt32());

        using (var bad = await admin.PutAsJsonAsync(new Uri($"/api/admin/thresholds/county/{Crook}", UriKind.Relative), new { threshold = 0 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var badKind = await admin.PutAsJsonAsync(new Uri("/api/admin/thresholds/state/56", UriKind.Relative), new { threshold = 3 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        }

        using (var delete = await admin.DeleteAsync(new Uri($"/api/admin/thresholds/county/{Crook}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using var analyst = factory.CreateClient("analyst");
        using var refused = await analyst.GetAsync(new Uri("/api/admin/thresholds", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Setting_a_threshold_again_replaces_it_and_concurrent_first_settings_leave_one_row()
    {
        await using var factory = new GeoOrsFactory();
        using var admin = factory.CreateClient("admin");
        var area = new Uri($"/api/admin/thresholds/hidta/thr-{Guid.NewGuid():N}", UriKind.Relative);
        var id = area.OriginalString[(area.OriginalString.LastIndexOf('/') + 1)..];

        var first = await Task.WhenAll(Enumerable.Range(2, 4).Select(n => admin.PutAsJsonAsync(area, new { threshold = n })));
        Assert.All(first, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var response in first)
        {
            response.Dispose();
        }

        using (var again = await admin.PutAsJsonAsync(area, new { threshold = 9 }))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(9, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("threshold").GetInt32());
        }

        var listed = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/admin/thresholds", UriKind.Relative));
        var mine = Assert.Single(listed.EnumerateArray(), t => t.GetProperty("area_id").GetString() == id);
        Assert.Equal("hidta", mine.GetProperty("area_kind").GetString());
        Assert.Equal(9, mine.GetProperty("threshold").GetInt32());

        using (var delete = await admin.DeleteAsync(area))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var after = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/admin/thresholds", UriKind.Relative));
        Assert.DoesNotContain(after.EnumerateArray(), t => t.GetProperty("area_id").GetString() == id);
    }
}
