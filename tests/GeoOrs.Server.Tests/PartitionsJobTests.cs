using System.Net;
using System.Text;
using GeoOrs.Data;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Tiles;
using GeoOrs.Server.Analysis;
using GeoOrs.Server.Hosting;
using GeoOrs.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The event-partitions job on a database of its own (docs/adr/0025-partitioned-events.md): it makes
/// the partitions of this month and the next two, and with <c>Retention:EventMonths</c> drops the
/// older months' events, which the server's county measures stop counting as soon as the job is done
/// (the data version moved on: nothing cached survives).
/// </summary>
public class PartitionsJobTests
{
    [Fact]
    public async Task Retention_drops_the_months_before_the_kept_ones_and_the_areas_stop_counting_them()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        var now = DateTimeOffset.UtcNow;
        var kept = EventPartitions.RetentionStart(now, 6);
        var old = kept.AddMonths(-3);
        await using var server = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = scratch.ConnectionString,
            ["Retention:EventMonths"] = "6",
        });
        using var admin = server.CreateClient("admin");
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n")
            .Append($"old-1,{old:yyyy-MM}-10T15:00:00Z,39.29,-76.61,true\n")
            .Append($"old-2,{old:yyyy-MM}-11T15:00:00Z,39.29,-76.61,false\n")
            .Append($"kept-1,{kept:yyyy-MM}-10T15:00:00Z,39.29,-76.61,true\n")
            .ToString();
        using (var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
        }

        var window = $"from={old.AddMonths(-1):yyyy-MM-dd}&to={kept.AddMonths(1).AddDays(-1):yyyy-MM-dd}";
        async Task<long> OverdosesAsync()
        {
            using var doc = System.Text.Json.JsonDocument.Parse(await admin.GetStringAsync(new Uri($"/api/areas/county/24510?{window}", UriKind.Relative)));
            return doc.RootElement.GetProperty("measures").GetProperty("overdoses").GetInt64();
        }

        Assert.Equal(3, await OverdosesAsync());
        var versions = server.Services.GetRequiredService<DataVersions>();
        var stamp = versions.StampOf(DataKind.Overdoses);

        await ActivatorUtilities.CreateInstance<PartitionsJob>(server.Services).RunAsync(CancellationToken.None);

        var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await using (dataSource)
        {
            var months = await EventPartitions.MonthsAsync(dataSource, EventKind.Overdoses);
            Assert.DoesNotContain(new DateOnly(old.Year, old.Month, 1), months);
            Assert.Contains(kept, months);
            var thisMonth = EventPartitions.MonthOf(now);
            Assert.Contains(thisMonth.AddMonths(EventPartitions.MonthsAhead), months);
            Assert.Contains(thisMonth, await EventPartitions.MonthsAsync(dataSource, EventKind.Seizures));
        }

        // The commit's notification reaches the server's versions; its caches then count what is left.
        for (var waited = 0; versions.StampOf(DataKind.Overdoses) == stamp; waited++)
        {
            Assert.True(waited < 100, "the drop's new data version reaches the server within 10 s");
            await Task.Delay(100);
        }

        Assert.Equal(1, await OverdosesAsync());
    }
}
