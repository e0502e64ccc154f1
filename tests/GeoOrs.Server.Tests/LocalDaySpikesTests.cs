using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The spike job on local days, on a database of its own (other tests count the same Chicago evening
/// on the shared one), with ODMAP's fixed thresholds set through <c>/api/admin/thresholds</c> and one
/// run over 29 June – 8 July 2024 (<c>Analysis:AsOf</c> 2024-07-08, that local date in every area):
/// <list type="bullet">
/// <item><c>chicago_evening_spike</c>: five overdoses at 9:30 pm on 4 July in Cook County, Illinois
/// (17031), 02:30 UTC on 5 July; threshold 5 for the county and for its HIDTA.</item>
/// <item><c>hidta_spanning_zones</c>: Calhoun County, Florida (12013, Central time), with its
/// neighbours, among them Liberty County (12077, Eastern time) across the Apalachicola: four
/// overdoses at 11:30 pm Central on 4 July in Calhoun and four at 00:30 Eastern on 5 July in Liberty,
/// the same instants (04:30 UTC on 5 July); threshold 4 for Calhoun with its neighbours.</item>
/// </list>
/// </summary>
public sealed class LocalDaySpikesFixture : IAsyncLifetime
{
    public const string Cook = "17031", Calhoun = "12013", Liberty = "12077";
    private const string AsOf = "2024-07-08";

    private ScratchDatabase? _scratch;

    public GeoOrsFactory Factory { get; private set; } = null!;

    public string ChicagoHidta { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _scratch = await PostGis.CreateScratchDatabaseAsync();
        Factory = GeoOrsFactory.WithScheduler(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = _scratch.ConnectionString,
            ["Analysis:AsOf"] = AsOf,
            ["Analysis:SpikeDays"] = "10",
        });
        using var admin = Factory.CreateClient("admin");
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
        async Task AddAsync(string fixture, string county, double lat, double lon, string at, int count)
        {
            using var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri(
                FormattableString.Invariant($"/api/boundaries/lookup?lon={lon}&lat={lat}"), UriKind.Relative)));
            Assert.Equal(county, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
            var instant = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture);
            for (var i = 0; i < count; i++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{fixture}-{county}-{i},{instant.AddMinutes(i):yyyy-MM-ddTHH:mm:sszzz},{lat},{lon},false\n");
            }
        }

        await AddAsync("chicago_evening_spike", Cook, 41.85, -87.70, "2024-07-04T21:30:00-05:00", 5);
        await AddAsync("hidta_spanning_zones", Calhoun, 30.45, -85.20, "2024-07-04T23:30:00-05:00", 4);
        await AddAsync("hidta_spanning_zones", Liberty, 30.25, -84.88, "2024-07-05T00:30:00-04:00", 4);
        using (var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
        }

        await using var dataSource = GeoOrsDataSource.Create(_scratch.ConnectionString);
        await using (var command = dataSource.CreateCommand("SELECT min(hidta_id) FROM hidta_counties WHERE geoid = $1"))
        {
            command.Parameters.AddWithValue(Cook);
            ChicagoHidta = (string)(await command.ExecuteScalarAsync())!;
        }

        foreach (var (area, threshold) in new[] { ($"county/{Cook}", 5), ($"hidta/{Uri.EscapeDataString(ChicagoHidta)}", 5), ($"county_neighbors/{Calhoun}", 4) })
        {
            using var put = await admin.PutAsJsonAsync(new Uri($"/api/admin/thresholds/{area}", UriKind.Relative), new { threshold });
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var since = DateTime.UtcNow;
        using (var start = await admin.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "spikes" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        await AnalysisJobsTests.SucceededRunAfterAsync(dataSource, "spikes", since, 180, lastDay: AsOf);
    }

    /// <summary>The threshold alerts of an area (KIND:ID): their days and counts, in order.</summary>
    public async Task<List<(string Day, int Observed)>> ThresholdAlertsAsync(string area)
    {
        using var admin = Factory.CreateClient("admin");
        var alerts = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/alerts?area={Uri.EscapeDataString(area)}&method=threshold", UriKind.Relative));
        return [.. alerts.EnumerateArray().Select(a => (a.GetProperty("day").GetString()!, a.GetProperty("observed").GetInt32())).Order()];
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_scratch is not null)
        {
            await _scratch.DisposeAsync();
        }
    }
}

[Trait("Category", "Slow")]
public class LocalDaySpikesTests(LocalDaySpikesFixture fixture) : IClassFixture<LocalDaySpikesFixture>
{
    [Fact]
    public async Task Chicago_evening_spike_alerts_on_4_july_for_cook_county_and_its_hidta()
    {
        // Counted in UTC, all five would fall on 5 July; in Chicago they happened on the 4th.
        Assert.Equal([("2024-07-04", 5)], await fixture.ThresholdAlertsAsync($"county:{LocalDaySpikesFixture.Cook}"));
        Assert.Equal([("2024-07-04", 5)], await fixture.ThresholdAlertsAsync($"hidta:{fixture.ChicagoHidta}"));
    }

    [Fact]
    public async Task Hidta_spanning_zones_sums_each_member_countys_own_local_day()
    {
        // The same eight instants: Calhoun's four on its 4 July (Central), Liberty's four on its 5 July
        // (Eastern). Counted in UTC, all eight would fall on 5 July; in one zone, on one day.
        Assert.Equal([("2024-07-04", 4), ("2024-07-05", 4)], await fixture.ThresholdAlertsAsync($"county_neighbors:{LocalDaySpikesFixture.Calhoun}"));
    }
}
