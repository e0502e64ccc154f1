using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>event_on_chicago_evening</c> through the server: an overdose at 9:30 pm on 4 July 2024 in Cook
/// County (02:30 UTC on 5 July) is stored on 4 July and counts there in the areas endpoint (county,
/// state, HIDTA) and the county-aggregates OGC items asked for by from/to (as many as the events on
/// their county's local 4 July and 5 July, counted from the zones: the shared database's synthetic
/// events may fall on the same days), and in a point and a cluster tile of 4 July, not of 5 July
/// (docs/adr/0021-local-days.md).
/// </summary>
public class LocalDayEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const double Lon = -87.70, Lat = 41.85;
    private const string Evening = "2024-07-05T02:30:00Z";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _hidta;
    private static string? _externalId;

    /// <summary>Ingests the event once; returns Cook County's (first) HIDTA.</summary>
    private async Task<string> SeedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_hidta is not null)
            {
                return _hidta;
            }

            using var admin = factory.CreateClient("admin");
            using var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri(
                string.Create(CultureInfo.InvariantCulture, $"/api/boundaries/lookup?lon={Lon}&lat={Lat}"), UriKind.Relative)));
            Assert.Equal("17031", lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
            var hidta = lookup.RootElement.GetProperty("hidta").EnumerateArray().First().GetProperty("id").GetString()!;

            var externalId = $"event_on_chicago_evening-{Guid.NewGuid():N}";
            var csv = string.Create(CultureInfo.InvariantCulture,
                $"external_id,occurred_at,lat,lon,fatal\n{externalId},2024-07-04T21:30:00-05:00,{Lat},{Lon},false\n");
            using var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
            _externalId = externalId;
            _hidta = hidta;
            return hidta;
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task<long> AreaOverdosesAsync(string kind, string id, string day)
    {
        using var client = factory.CreateClient("analyst");
        using var area = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/areas/{kind}/{id}?from={day}&to={day}", UriKind.Relative)));
        return area.RootElement.GetProperty("measures").GetProperty("overdoses").GetInt64();
    }

    /// <summary>An area's overdoses on a day, counted from the events on their county's local date (other tests' synthetic events may share the state's day).</summary>
    private static async Task<long> LocalTruthAsync(string kind, string id, string day)
    {
        var members = kind switch
        {
            "county" => "e.county_fips = $1",
            "state" => "left(e.county_fips, 2) = $1",
            _ => "e.county_fips IN (SELECT h.geoid FROM hidta_counties h WHERE h.hidta_id = $1)",
        };
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand($"""
            SELECT count(*) FROM overdose_events e JOIN counties c ON c.geoid = e.county_fips
            WHERE {members} AND (e.occurred_at AT TIME ZONE c.time_zone)::date = $2::date
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(day);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Event_on_chicago_evening_counts_on_4_july_in_the_areas_endpoint()
    {
        var hidta = await SeedAsync();
        foreach (var (kind, id) in new[] { ("county", "17031"), ("state", "17"), ("hidta", hidta) })
        {
            foreach (var day in new[] { "2024-07-04", "2024-07-05" })
            {
                Assert.Equal(await LocalTruthAsync(kind, id, day), await AreaOverdosesAsync(kind, id, day));
            }

            Assert.True(await LocalTruthAsync(kind, id, "2024-07-04") >= 1, $"{kind} {id} holds the evening on 4 July");
        }

        // The evening itself is stored on 4 July (other tests' synthetic events may share Cook County's days).
        var dataSource = await PostGis.DataSourceAsync();
        await using var stored = dataSource.CreateCommand(
            "SELECT local_day FROM overdose_events WHERE external_id = $1");
        stored.Parameters.AddWithValue(_externalId!);
        Assert.Equal(new DateOnly(2024, 7, 4), (DateOnly)(await stored.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Event_on_chicago_evening_is_in_the_4_july_point_and_cluster_tiles_and_ogc_items()
    {
        await SeedAsync();
        using var admin = factory.CreateClient("admin");

        async Task<int> PointsAsync(string day)
        {
            var tile = TileMath.TileOf(Lon, Lat, 14);
            var bytes = await admin.GetByteArrayAsync(new Uri($"/tiles/overdoses/{tile}.mvt?from={day}&to={day}", UriKind.Relative));
            return MvtDecoder.Decode(bytes).SelectMany(l => l.Items).Count(f => Equals(f.Properties["occurred_at"], Evening));
        }

        Assert.Equal(1, await PointsAsync("2024-07-04"));
        Assert.Equal(0, await PointsAsync("2024-07-05"));

        // A cluster tile reads a window of days from the events, and a whole month from the cells (its local month).
        async Task<double> ClusteredAsync(string from, string to)
        {
            var bytes = await admin.GetByteArrayAsync(new Uri($"/tiles/overdoses/{TileMath.TileOf(Lon, Lat, 6)}.mvt?from={from}&to={to}", UriKind.Relative));
            return MvtDecoder.Decode(bytes).SelectMany(l => l.Items).Sum(f => Convert.ToDouble(f.Properties["count"], CultureInfo.InvariantCulture));
        }

        Assert.True(await ClusteredAsync("2024-07-04", "2024-07-04") >= 1);
        Assert.True(await ClusteredAsync("2024-07-01", "2024-07-31") >= 1);

        async Task<long> ItemsAsync(string day)
        {
            using var item = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"/ogc/collections/county-aggregates/items/17031?from={day}&to={day}", UriKind.Relative)));
            return item.RootElement.GetProperty("properties").GetProperty("overdoses").GetInt64();
        }

        foreach (var day in new[] { "2024-07-04", "2024-07-05" })
        {
            Assert.Equal(await LocalTruthAsync("county", "17031", day), await ItemsAsync(day));
        }

        // datetime on the event collections stays instants: the evening is 02:30 UTC on 5 July.
        using var events = JsonDocument.Parse(await admin.GetStringAsync(new Uri(
            "/ogc/collections/overdose-events/items?datetime=2024-07-05T02:30:00Z&bbox=-87.8,41.8,-87.6,41.9", UriKind.Relative)));
        Assert.Contains(events.RootElement.GetProperty("features").EnumerateArray(), f => f.GetProperty("properties").GetProperty("occurred_at").GetString() == Evening);
    }
}
