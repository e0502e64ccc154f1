using GeoOrs.Data.Entities;
using GeoOrs.Data.Alerts;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Alerts;

public class AlertStoreTests
{
    private static NewAlert Alert(string area, int day) =>
        new("county", area, null, "ears_c1", new DateOnly(2024, 7, day), 6, 1.5, 4.2, 3.0);

    [Fact]
    public async Task A_second_run_storing_alerts_waits_for_the_first_to_commit_so_seq_order_is_visibility_order()
    {
        var dataSource = await PostGis.DataSourceAsync();
        var area = "store-" + Guid.NewGuid().ToString("N")[..10];

        await using var first = await dataSource.OpenConnectionAsync();
        await using var firstRun = await first.BeginTransactionAsync();
        Assert.Single(await AlertStore.AddAsync(first, firstRun, null, [Alert(area, 1)]));

        // The second run (autocommit: one statement) waits while the first is open.
        await using var second = await dataSource.OpenConnectionAsync();
        var secondRun = AlertStore.AddAsync(second, null, null, [Alert(area, 2)]);
        await Task.Delay(300);
        Assert.False(secondRun.IsCompleted);

        await firstRun.CommitAsync();
        Assert.Single(await secondRun.WaitAsync(TimeSpan.FromSeconds(10)));
        await using var db = GeoOrsDbContext.Create(dataSource);
        var stored = await AlertQuery.AfterAsync(db, 0, null, new AlertFilter("county", area), 10);
        Assert.Equal([Alert(area, 1).Id, Alert(area, 2).Id], stored.Select(a => a.Id));
        Assert.True(stored[0].Seq < stored[1].Seq);
    }

    [Fact]
    public async Task Alerts_are_stored_once_by_id_and_queued_for_the_webhooks_whose_area_and_methods_match()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var db = GeoOrsDbContext.Create(dataSource);
        var area = "store-" + Guid.NewGuid().ToString("N")[..10];
        var everyMethod = await Webhooks.CreateAsync(db, "http://127.0.0.1:9/a", Webhooks.NewSecret(), "Store Test", null, "county", area, []);
        var ewmaOnly = await Webhooks.CreateAsync(db, "http://127.0.0.1:9/b", Webhooks.NewSecret(), "Store Test", null, "county", area, ["ewma"]);
        var elsewhere = await Webhooks.CreateAsync(db, "http://127.0.0.1:9/c", Webhooks.NewSecret(), "Store Test", null, "hidta", area, []);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            Assert.Single(await AlertStore.AddAsync(connection, null, null, [Alert(area, 3)]));
            Assert.Empty(await AlertStore.AddAsync(connection, null, null, [Alert(area, 3)]));

            Assert.Equal(1, (await Webhooks.DeliveriesAsync(db, everyMethod.Id, 10)).Counts.Pending);
            Assert.Equal(0, (await Webhooks.DeliveriesAsync(db, ewmaOnly.Id, 10)).Counts.Pending);
            Assert.Equal(0, (await Webhooks.DeliveriesAsync(db, elsewhere.Id, 10)).Counts.Pending);
            Assert.Equal(Alert(area, 3).Id, (await Webhooks.DeliveriesAsync(db, everyMethod.Id, 10)).Recent.Single().AlertId);
        }
        finally
        {
            foreach (var hook in new[] { everyMethod, ewmaOnly, elsewhere })
            {
                await Webhooks.DeleteAsync(db, hook.Id);
            }
        }
    }
}
