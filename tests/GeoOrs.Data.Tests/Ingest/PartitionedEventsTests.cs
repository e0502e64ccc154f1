using System.Globalization;
using System.Text;
using GeoOrs.Data.Access;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Migrations;
using GeoOrs.Data.Tiles;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Ingest;

/// <summary>
/// The event tables partitioned by UTC month (migration 0025, docs/adr/0025-partitioned-events.md):
/// the move of a database at 0024 loses no event and changes no aggregate; ingest makes the partition
/// of a month that has none; a key re-sent with a time in another month is still a duplicate; and
/// retention drops whole months with their keys, leaving aggregates and cells equal to a recount of
/// what is left and the kind's version moved on. Each test has a scratch database of its own.
/// </summary>
public class PartitionedEventsTests
{
    private static readonly (double Lat, double Lon) Chicago = (41.85, -87.70); // Cook, Illinois (17031): America/Chicago
    private static readonly (double Lat, double Lon) Baltimore = (39.29, -76.61); // Baltimore city (24510): America/New_York

    /// <summary>Every aggregate row and cell of both kinds, as text (the measures that are sums of doubles rounded).</summary>
    private const string Aggregates = """
        SELECT coalesce(string_agg(r, E'\n' ORDER BY r), '') FROM (
            SELECT 'od ' || county_fips || ' ' || day || ' ' || events::text || fatal::text || naloxone::text || fatal_naloxone::text AS r FROM overdose_daily
            UNION ALL SELECT 'om ' || county_fips || ' ' || month || ' ' || events::text || fatal::text || naloxone::text || events_key::text || fatal_key::text FROM overdose_monthly
            UNION ALL SELECT 'oc ' || cell || ' ' || month || ' ' || n || ' ' || f || ' ' || x || ' ' || fx || ' ' || round(sx::numeric, 3) || ' ' || round(sy::numeric, 3) FROM overdose_cells
            UNION ALL SELECT 'sd ' || county_fips || ' ' || day || ' ' || events::text FROM seizure_daily
            UNION ALL SELECT 'sm ' || county_fips || ' ' || month || ' ' || events::text || events_key::text FROM seizure_monthly
            UNION ALL SELECT 'sc ' || cell || ' ' || month || ' ' || n || ' ' || round(g::numeric, 3) FROM seizure_cells
        ) rows
        """;

    /// <summary>Every event of both kinds, every column, as one digest.</summary>
    private const string Events = """
        SELECT md5(coalesce((SELECT string_agg(e::text, E'\n' ORDER BY e.id) FROM overdose_events e), '')
                   || coalesce((SELECT string_agg(e::text, E'\n' ORDER BY e.id) FROM seizure_events e), ''))
        """;



    /// <summary>Aggregates and cells as a recount makes them (the database is left recounted).</summary>
    private static async Task<string> RecountAsync(NpgsqlDataSource dataSource)
    {
        await TestSql.ExecuteAsync(dataSource, "SELECT geoors_rebuild_aggregates(), geoors_rebuild_cells()");
        return await TestSql.ScalarAsync<string>(dataSource, Aggregates);
    }

    private static Task<IngestBatch> IngestAsync(NpgsqlDataSource dataSource, string agency, params (string Id, string At, (double Lat, double Lon) Point)[] events)
    {
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal,suspected_drugs\n");
        foreach (var (id, at, (lat, lon)) in events)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{id},{at},{lat:F5},{lon:F5},{(id.Length % 2 == 0 ? "true" : "false")},fentanyl\n");
        }

        return Ingestor.IngestAsync(dataSource, new IngestRequest(EventKind.Overdoses, IngestFormat.Csv, new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), agency, null,
            ColumnMapping.Canonical(EventKind.Overdoses)), TimeProvider.System);
    }

    private static async Task<NpgsqlDataSource> MigratedAsync(ScratchDatabase scratch)
    {
        var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);
        return dataSource;
    }

    [Fact]
    public async Task Migration_moves_every_event_into_monthly_partitions_and_leaves_the_aggregates_a_recount()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        foreach (var migration in Migrator.All.Where(m => m.Version < 25))
        {
            await TestSql.ExecuteAsync(dataSource, migration.Sql);
        }

        await dataSource.ReloadTypesAsync();
        await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);

        // 3,000 overdoses and 400 seizures over 14 months, at every hour (month ends in every zone),
        // placed in their counties as ingest places them, their days and masked points by the triggers;
        // the aggregates and cells as ingest keeps them: a recount.
        await TestSql.ExecuteAsync(dataSource, """
            INSERT INTO overdose_events (source_agency, external_id, occurred_at, geom, location_precision, fatal, naloxone_administered, suspected_drugs, county_fips)
            SELECT 'ag' || (i % 3), 'od-' || i, timestamptz '2022-11-15 00:00Z' + (i * interval '3 hours 17 minutes'),
                   p, 'exact', i % 4 = 0, i % 3 = 0, CASE WHEN i % 2 = 0 THEN ARRAY['fentanyl'] ELSE ARRAY['heroin', 'xylazine'] END,
                   (SELECT c.geoid FROM counties c WHERE ST_Contains(c.geom, p))
            FROM generate_series(1, 3000) i,
                 LATERAL (SELECT ST_SetSRID(ST_MakePoint(-122 + (i % 50) * 1.0, 34 + (i % 9) * 1.0), 4326) AS p) pt;
            INSERT INTO seizure_events (agency, external_id, seized_at, geom, drug, quantity, unit, quantity_grams, county_fips)
            SELECT 'ag' || (i % 2), 'sz-' || i, timestamptz '2023-01-01 00:00Z' + (i * interval '19 hours'),
                   p, 'cocaine', i, 'g', i, (SELECT c.geoid FROM counties c WHERE ST_Contains(c.geom, p))
            FROM generate_series(1, 400) i,
                 LATERAL (SELECT ST_SetSRID(ST_MakePoint(-100 + (i % 20) * 1.0, 33 + (i % 7) * 1.0), 4326) AS p) pt;
            SELECT geoors_rebuild_aggregates(), geoors_rebuild_cells();
            """);
        var events = await TestSql.ScalarAsync<string>(dataSource, Events);
        var aggregates = await TestSql.ScalarAsync<string>(dataSource, Aggregates);
        var months = await TestSql.ScalarAsync<long>(dataSource, "SELECT count(DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')) FROM overdose_events");
        var lastId = await TestSql.ScalarAsync<long>(dataSource, "SELECT max(id) FROM overdose_events");
        Assert.True(months >= 14);
        Assert.Contains("od ", aggregates, StringComparison.Ordinal);
        Assert.Contains("sd ", aggregates, StringComparison.Ordinal);

        await TestSql.ExecuteAsync(dataSource, Migrator.All.Single(m => m.Version == 25).Sql);

        Assert.Equal("p", await TestSql.ScalarAsync<string>(dataSource, "SELECT relkind::text FROM pg_class WHERE oid = 'overdose_events'::regclass"));
        Assert.Equal("p", await TestSql.ScalarAsync<string>(dataSource, "SELECT relkind::text FROM pg_class WHERE oid = 'seizure_events'::regclass"));
        Assert.Equal(events, await TestSql.ScalarAsync<string>(dataSource, Events));
        Assert.Equal(3000L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events"));
        Assert.Equal(400L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM seizure_events"));
        Assert.Equal(aggregates, await TestSql.ScalarAsync<string>(dataSource, Aggregates));
        Assert.Equal(aggregates, await RecountAsync(dataSource));

        // Each event in its month's partition; a partition for every month with events (and the months ahead).
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM overdose_events e
            WHERE e.tableoid::regclass::text <> geoors_event_partition_name('overdose_events', (e.occurred_at AT TIME ZONE 'UTC')::date)
            """));
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM seizure_events e
            WHERE e.tableoid::regclass::text <> geoors_event_partition_name('seizure_events', (e.seized_at AT TIME ZONE 'UTC')::date)
            """));
        Assert.True((await EventPartitions.MonthsAsync(dataSource, EventKind.Overdoses)).Count >= months + 3);

        // Every partition has the parent's indexes and triggers; no default partition.
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM pg_inherits i
            WHERE i.inhparent IN ('overdose_events'::regclass, 'seizure_events'::regclass)
              AND ((SELECT count(*) FROM pg_index x WHERE x.indrelid = i.inhrelid) <> (SELECT count(*) FROM pg_index x WHERE x.indrelid = i.inhparent)
                   OR (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = i.inhrelid AND t.tgparentid <> 0) <> 3)
            """));
        Assert.Equal(7L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM pg_index WHERE indrelid = 'overdose_events'::regclass"));
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM pg_partitioned_table WHERE partdefid <> 0 AND partrelid IN ('overdose_events'::regclass, 'seizure_events'::regclass)
            """));

        // The keys came along, and hold: the same agency and external id again is refused in any month.
        Assert.Equal(3400L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM event_keys"));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => TestSql.ExecuteAsync(dataSource, """
            INSERT INTO overdose_events (source_agency, external_id, occurred_at, geom, location_precision, fatal)
            VALUES ('ag1', 'od-1', '2023-06-01T00:00:00Z', ST_SetSRID(ST_MakePoint(-76.61, 39.29), 4326), 'exact', false)
            """));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, refused.SqlState);

        // A row written with SQL gets its local day from the partition's trigger, and its key; deleted, it takes its key along.
        await TestSql.ExecuteAsync(dataSource, """
            INSERT INTO seizure_events (agency, external_id, seized_at, geom, drug, quantity, unit, county_fips)
            VALUES ('ag9', 'sz-new', '2023-03-01T03:00:00Z', ST_SetSRID(ST_MakePoint(-76.61, 39.29), 4326), 'cocaine', 1, 'g', '24510')
            """);
        Assert.Equal(3401L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM event_keys"));
        Assert.Equal(new DateTime(2023, 2, 28), await TestSql.ScalarAsync<DateTime>(dataSource, "SELECT local_day::timestamp FROM seizure_events WHERE external_id = 'sz-new'"));
        await TestSql.ExecuteAsync(dataSource, "DELETE FROM seizure_events WHERE external_id = 'sz-new'");
        Assert.Equal(3400L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM event_keys"));

        // Ids go on from the old table's sequence.
        Assert.True(await TestSql.ScalarAsync<long>(dataSource, "SELECT nextval(pg_get_serial_sequence('overdose_events', 'id'))") > lastId);
    }

    [Fact]
    public async Task Ingest_makes_a_missing_months_partition_and_a_key_resent_in_another_month_is_a_duplicate()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = await MigratedAsync(scratch);
        Assert.DoesNotContain(new DateOnly(1995, 3, 1), await EventPartitions.MonthsAsync(dataSource, EventKind.Overdoses));

        var first = await IngestAsync(dataSource, "agA", ("e1", "1995-03-10T12:00:00Z", Baltimore), ("e2", "1995-03-11T12:00:00Z", Baltimore));
        Assert.Equal(("committed", 2, 0), (first.Status, first.Accepted, first.Duplicates));
        Assert.Contains(new DateOnly(1995, 3, 1), await EventPartitions.MonthsAsync(dataSource, EventKind.Overdoses));
        var id = await Ingestor.EventIdAsync(dataSource, EventKind.Overdoses, "agA", "e1");
        Assert.NotNull(id);

        // e1 again, a year and more later (another partition), beside a new event: the same report as
        // a duplicate in the same month gives, and nothing of e1 is stored twice.
        var again = await IngestAsync(dataSource, "agA", ("e1", "1996-07-01T12:00:00Z", Chicago), ("e3", "1996-07-01T13:00:00Z", Chicago));
        Assert.Equal(("committed", 1, 1, 0), (again.Status, again.Accepted, again.Duplicates, again.Rejected));
        Assert.Empty(again.Errors);
        Assert.Equal(1L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events WHERE source_agency = 'agA' AND external_id = 'e1'"));
        Assert.Equal(id, await Ingestor.EventIdAsync(dataSource, EventKind.Overdoses, "agA", "e1"));

        // Another agency's e1 is its own event.
        var other = await IngestAsync(dataSource, "agB", ("e1", "1996-07-01T12:00:00Z", Chicago));
        Assert.Equal((1, 0), (other.Accepted, other.Duplicates));
        Assert.Equal(4L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM event_keys WHERE kind = 'overdoses'"));
        Assert.Equal(await RecountAsync(dataSource), await TestSql.ScalarAsync<string>(dataSource, Aggregates));
    }

    [Fact]
    public async Task Retention_drops_whole_months_with_their_keys_and_leaves_aggregates_a_recount_of_what_is_left()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = await MigratedAsync(scratch);

        // January to April 2020, in Chicago (UTC-6) and Baltimore (UTC-5), and two just after 1 March
        // 00:00 UTC that count on 29 February in their zones.
        var events = new List<(string, string, (double, double))>();
        for (var day = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc); day < new DateTime(2020, 5, 1, 0, 0, 0, DateTimeKind.Utc); day = day.AddHours(31))
        {
            events.Add(($"r-{day:yyyyMMddHH}", $"{day:yyyy-MM-ddTHH:mm:ss}Z", day.Day % 2 == 0 ? Chicago : Baltimore));
        }

        events.Add(("edge-chicago", "2020-03-01T03:00:00Z", Chicago));
        events.Add(("edge-baltimore", "2020-03-01T04:30:00Z", Baltimore));
        var batch = await IngestAsync(dataSource, "agR", [.. events]);
        Assert.Equal(events.Count, batch.Accepted);
        var version = await TestSql.ScalarAsync<long>(dataSource, "SELECT version FROM data_versions WHERE kind = 'overdoses'");
        Assert.Equal(2L, await TestSql.ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM overdose_events WHERE occurred_at >= '2020-03-01T00:00:00Z' AND local_day = '2020-02-29'
            """));

        // Nothing before 2019-12: nothing dropped, nothing bumped.
        Assert.Equal(0, await EventPartitions.DropBeforeAsync(dataSource, EventKind.Overdoses, new DateOnly(2019, 12, 1)));
        Assert.Equal(version, await TestSql.ScalarAsync<long>(dataSource, "SELECT version FROM data_versions WHERE kind = 'overdoses'"));

        Assert.Equal(2, await EventPartitions.DropBeforeAsync(dataSource, EventKind.Overdoses, new DateOnly(2020, 3, 1)));

        var months = await EventPartitions.MonthsAsync(dataSource, EventKind.Overdoses);
        Assert.DoesNotContain(new DateOnly(2020, 1, 1), months);
        Assert.DoesNotContain(new DateOnly(2020, 2, 1), months);
        Assert.Contains(new DateOnly(2020, 3, 1), months);
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events WHERE occurred_at < '2020-03-01T00:00:00Z'"));
        var left = events.Count(e => string.CompareOrdinal(e.Item2, "2020-03-01") >= 0);
        Assert.Equal((long)left, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events"));
        Assert.Equal((long)left, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM event_keys WHERE kind = 'overdoses'"));
        Assert.True(await TestSql.ScalarAsync<long>(dataSource, "SELECT version FROM data_versions WHERE kind = 'overdoses'") > version);

        // What is left is what a recount of it makes: February holds only the two edge events.
        var kept = await TestSql.ScalarAsync<string>(dataSource, Aggregates);
        Assert.Equal(await RecountAsync(dataSource), kept);
        Assert.Equal(2L, await TestSql.ScalarAsync<long>(dataSource, "SELECT coalesce(sum(events[1]), 0) FROM overdose_monthly WHERE month = '2020-02-01'"));
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_daily WHERE day < '2020-02-29'"));
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_cells WHERE month < '2020-02-01'"));

        // A dropped event's key is free again: sent again, it is stored (in a partition made anew).
        var resent = await IngestAsync(dataSource, "agR", events[0]);
        Assert.Equal((1, 0), (resent.Accepted, resent.Duplicates));
        Assert.Contains(new DateOnly(2020, 1, 1), await EventPartitions.MonthsAsync(dataSource, EventKind.Overdoses));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EventPartitions.DropBeforeAsync(dataSource, EventKind.Overdoses, new DateOnly(2020, 3, 2)));
    }

    [Fact]
    public async Task A_windowed_point_or_cluster_tile_reads_only_the_partitions_of_its_window()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = await MigratedAsync(scratch);
        var events = Enumerable.Range(0, 8).Select(m => ($"p-{m}", $"2021-{m + 1:00}-15T12:00:00Z", Baltimore)).ToArray();
        Assert.Equal(8, (await IngestAsync(dataSource, "agP", events)).Accepted);

        // 5–20 March 2021 (local days): the time bound reaches from 4 March to 21 March in UTC, March only.
        var query = new LayerQuery(new DateOnly(2021, 3, 5), new DateOnly(2021, 3, 20)) { View = AccessView.Everything };
        var layer = VectorTileLayers.All["overdoses"];
        foreach (var tile in new[] { new GeoOrs.Analysis.Tiles.TileId(12, 1176, 1561), new GeoOrs.Analysis.Tiles.TileId(5, 9, 12) })
        {
            await using var command = dataSource.CreateCommand("EXPLAIN " + layer.SqlFor(tile.Z, query.View));
            VectorTileLayer.Bind(command.Parameters, tile, query);
            var plan = new StringBuilder();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.AppendLine(reader.GetString(0));
                }
            }

            var text = plan.ToString();
            Assert.Contains("overdose_events_y2021m03", text, StringComparison.Ordinal);
            foreach (var month in new[] { "y2021m01", "y2021m02", "y2021m04", "y2021m08" })
            {
                Assert.DoesNotContain("overdose_events_" + month, text, StringComparison.Ordinal);
            }
        }

        // And the tile holds March's event: the bound leaves the answer as it was.
        var (_, features) = await layer.TileAsync(dataSource, new GeoOrs.Analysis.Tiles.TileId(12, 1176, 1561), query);
        Assert.Equal(1, features);
    }

    [Fact]
    public void A_local_days_time_bound_holds_every_zone_from_utc_minus_12_to_plus_14()
    {
        var from = new DateOnly(2024, 3, 1);
        var end = new DateOnly(2024, 4, 1);
        var lower = new DateTimeOffset(from.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var upper = new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        foreach (var offset in new[] { -12, -10, -5, 0, 5.5, 12, 13, 14 })
        {
            var zone = TimeSpan.FromHours(offset);

            // The first instant of the first day and the last of the last day, in that zone.
            var first = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), zone);
            var last = new DateTimeOffset(end.ToDateTime(TimeOnly.MinValue), zone).AddTicks(-1);
            Assert.True(first >= lower && last < upper, $"UTC{offset:+0.#;-0.#}");
        }

        Assert.Equal(
            "e.occurred_at >= ((@a)::date - 1)::timestamp AT TIME ZONE 'UTC' AND e.occurred_at < ((@b)::date + 1)::timestamp AT TIME ZONE 'UTC'",
            EventPartitions.TimeBound("e.occurred_at", "@a", "@b"));
        Assert.Equal(new DateOnly(2025, 11, 1), EventPartitions.RetentionStart(new DateTimeOffset(2026, 2, 28, 23, 0, 0, TimeSpan.FromHours(-5)), 4));
    }
}
