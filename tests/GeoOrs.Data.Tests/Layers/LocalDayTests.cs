using System.Globalization;
using System.Text;
using GeoOrs.Data.Access;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Migrations;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Layers;

/// <summary>
/// A scratch database with the shipped boundaries and time zones, and one HIDTA made for these tests
/// (<c>hidta_spanning_zones</c>: Lake County, Indiana, on Central time and Marion County, Indiana, on
/// Eastern time). Each test ingests its own events on days no other test of the class uses.
/// </summary>
public sealed class LocalDayDatabase : IAsyncLifetime
{
    /// <summary>The fixture HIDTA spanning two zones.</summary>
    public const string SpanningHidta = "hidta_spanning_zones";

    private ScratchDatabase? _scratch;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _scratch = await PostGis.CreateScratchDatabaseAsync();
        DataSource = GeoOrsDataSource.Create(_scratch.ConnectionString);
        await Migrator.MigrateAsync(DataSource);
        await BoundaryLoader.LoadAsync(DataSource, PostGis.Shapefiles);
        await using var command = DataSource.CreateCommand($"""
            INSERT INTO hidta_regions (id, name) VALUES ('{SpanningHidta}', 'Central and Eastern (test)');
            INSERT INTO hidta_counties (hidta_id, geoid) VALUES ('{SpanningHidta}', '18089'), ('{SpanningHidta}', '18097');
            """);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (_scratch is not null)
        {
            await _scratch.DisposeAsync();
        }
    }
}

/// <summary>
/// Every event counts on its county's own calendar day (docs/adr/0021-local-days.md): ingest stores
/// the local day, the aggregates and cells are keyed by it, and a window of days (from/to) of the
/// county, state and HIDTA layers (the areas endpoint's measures) compares it.
/// </summary>
public class LocalDayTests(LocalDayDatabase db) : IClassFixture<LocalDayDatabase>
{
    // Points well inside their counties (away from the generalised lake and state shores).
    private static readonly (double Lat, double Lon) Chicago = (41.85, -87.70); // Cook, Illinois (17031): America/Chicago
    private static readonly (double Lat, double Lon) Phoenix = (33.45, -112.07); // Maricopa, Arizona (04013): America/Phoenix, no DST
    private static readonly (double Lat, double Lon) Gary = (41.55, -87.35); // Lake, Indiana (18089): America/Chicago
    private static readonly (double Lat, double Lon) Indianapolis = (39.77, -86.16); // Marion, Indiana (18097): America/Indiana/Indianapolis

    private NpgsqlDataSource DataSource => db.DataSource;

    internal static Task<IngestBatch> IngestAsync(NpgsqlDataSource dataSource, string agency, params (string Id, string At, (double Lat, double Lon) Point)[] events)
    {
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
        foreach (var (id, at, (lat, lon)) in events)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{id},{at},{lat:F5},{lon:F5},false\n");
        }

        return Ingestor.IngestAsync(dataSource, new IngestRequest(EventKind.Overdoses, IngestFormat.Csv, new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), agency, null,
            ColumnMapping.Canonical(EventKind.Overdoses)), TimeProvider.System);
    }

    private async Task IngestAsync(params (string Id, string At, (double Lat, double Lon) Point)[] events)
    {
        var batch = await IngestAsync(DataSource, "local days", events);
        Assert.Equal(("committed", events.Length), (batch.Status, batch.Accepted));
    }

    /// <summary>The overdoses an area layer counts for an admin over the days <paramref name="from"/>..<paramref name="to"/>, as the areas endpoint reads them.</summary>
    internal static async Task<long> OverdosesAsync(NpgsqlDataSource dataSource, string layer, string id, string from, string? to = null)
    {
        var query = new LayerQuery(DateOnly.Parse(from, CultureInfo.InvariantCulture), DateOnly.Parse(to ?? from, CultureInfo.InvariantCulture)) { View = AccessView.Everything };
        var measures = await AreaSummary.MeasuresAsync(dataSource, AreaLayer.All[layer], id, query);
        Assert.NotNull(measures);
        return measures.Value.GetProperty("overdoses").GetInt64();
    }

    private Task<long> OverdosesAsync(string layer, string id, string from, string? to = null) => OverdosesAsync(DataSource, layer, id, from, to);

    /// <summary>The stored county and local day of an event.</summary>
    private async Task<(string County, DateOnly Day)> StoredAsync(string externalId)
    {
        await using var command = DataSource.CreateCommand("SELECT county_fips, local_day FROM overdose_events WHERE external_id = $1");
        command.Parameters.AddWithValue(externalId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), externalId);
        return (reader.GetString(0), reader.GetFieldValue<DateOnly>(1));
    }

    private static DateOnly Day(string day) => DateOnly.Parse(day, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Event_on_chicago_evening_counts_on_4_july_in_county_state_and_hidta()
    {
        // 9:30 pm in Chicago on Independence Day is 02:30 UTC on 5 July.
        await IngestAsync(("event_on_chicago_evening", "2024-07-04T21:30:00-05:00", Chicago));
        Assert.Equal(("17031", Day("2024-07-04")), await StoredAsync("event_on_chicago_evening"));

        var hidta = await ScalarAsync<string>("SELECT min(hidta_id) FROM hidta_counties WHERE geoid = '17031'");
        foreach (var (layer, id) in new[] { ("counties", "17031"), ("states", "17"), ("hidta", hidta) })
        {
            Assert.Equal(1L, await OverdosesAsync(layer, id, "2024-07-04"));
            Assert.Equal(0L, await OverdosesAsync(layer, id, "2024-07-05"));
            Assert.Equal(0L, await OverdosesAsync(layer, id, "2024-07-03"));
            Assert.Equal(1L, await OverdosesAsync(layer, id, "2024-07-01", "2024-07-31")); // the whole month, from the monthly rows
        }

        Assert.Equal(1L, await ScalarAsync<long>("SELECT events[1]::bigint FROM overdose_daily WHERE county_fips = '17031' AND day = '2024-07-04'"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM overdose_daily WHERE county_fips = '17031' AND day = '2024-07-05'"));
    }

    [Fact]
    public async Task Arizona_keeps_no_dst()
    {
        // 11:30 pm in Phoenix in July is UTC−7 (Mountain Standard Time all year): 06:30 UTC the next day.
        await IngestAsync(("arizona_keeps_no_dst", "2024-07-10T23:30:00-07:00", Phoenix));
        Assert.Equal(("04013", Day("2024-07-10")), await StoredAsync("arizona_keeps_no_dst"));
        Assert.Equal(1L, await OverdosesAsync("counties", "04013", "2024-07-10"));
        Assert.Equal(0L, await OverdosesAsync("counties", "04013", "2024-07-11"));
        Assert.Equal(1L, await OverdosesAsync("states", "04", "2024-07-10"));
    }

    [Fact]
    public async Task Indiana_split_zones_count_their_own_day_for_one_instant()
    {
        // 04:30 UTC on 1 August: 11:30 pm on 31 July in Lake County (Central), 12:30 am on 1 August in Marion County (Eastern).
        await IngestAsync(("indiana_split_zones-lake", "2024-08-01T04:30:00Z", Gary), ("indiana_split_zones-marion", "2024-08-01T04:30:00Z", Indianapolis));
        Assert.Equal(("18089", Day("2024-07-31")), await StoredAsync("indiana_split_zones-lake"));
        Assert.Equal(("18097", Day("2024-08-01")), await StoredAsync("indiana_split_zones-marion"));
        Assert.Equal((1L, 0L), (await OverdosesAsync("counties", "18089", "2024-07-31"), await OverdosesAsync("counties", "18089", "2024-08-01")));
        Assert.Equal((0L, 1L), (await OverdosesAsync("counties", "18097", "2024-07-31"), await OverdosesAsync("counties", "18097", "2024-08-01")));
        Assert.Equal((1L, 1L), (await OverdosesAsync("states", "18", "2024-07-31"), await OverdosesAsync("states", "18", "2024-08-01")));

        // Each in its own local month: July for Lake, August for Marion.
        Assert.Equal(1L, await ScalarAsync<long>("SELECT events[1]::bigint FROM overdose_monthly WHERE county_fips = '18089' AND month = '2024-07-01'"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT events[1]::bigint FROM overdose_monthly WHERE county_fips = '18097' AND month = '2024-08-01'"));
    }

    [Fact]
    public async Task Dst_repeated_hour_counts_both_events_once_on_their_day()
    {
        // 1:30 am on 3 November 2024 happens twice in Chicago: at −05:00 (CDT) and an hour later at −06:00 (CST).
        await IngestAsync(("dst_repeated_hour-cdt", "2024-11-03T01:30:00-05:00", Chicago), ("dst_repeated_hour-cst", "2024-11-03T01:30:00-06:00", Chicago));
        Assert.Equal(Day("2024-11-03"), (await StoredAsync("dst_repeated_hour-cdt")).Day);
        Assert.Equal(Day("2024-11-03"), (await StoredAsync("dst_repeated_hour-cst")).Day);
        Assert.Equal(2L, await OverdosesAsync("counties", "17031", "2024-11-03"));
        Assert.Equal(0L, await OverdosesAsync("counties", "17031", "2024-11-02"));
        Assert.Equal(0L, await OverdosesAsync("counties", "17031", "2024-11-04"));
        Assert.Equal(2L, await OverdosesAsync("counties", "17031", "2024-11-01", "2024-11-30"));
    }

    [Fact]
    public async Task Dst_skipped_hour_counts_the_event_after_it_once_on_its_day()
    {
        // On 10 March 2024 Chicago's clocks go from 2:00 to 3:00 am: 3:30 am CDT is 08:30 UTC.
        await IngestAsync(("dst_skipped_hour", "2024-03-10T03:30:00-05:00", Chicago));
        Assert.Equal(Day("2024-03-10"), (await StoredAsync("dst_skipped_hour")).Day);
        Assert.Equal(1L, await OverdosesAsync("counties", "17031", "2024-03-10"));
        Assert.Equal(0L, await OverdosesAsync("counties", "17031", "2024-03-09"));
        Assert.Equal(0L, await OverdosesAsync("counties", "17031", "2024-03-11"));
    }

    [Fact]
    public async Task Hidta_spanning_zones_counts_each_members_events_on_that_members_day()
    {
        // 04:30 UTC on 1 September: 31 August in Lake County (Central), 1 September in Marion County (Eastern).
        await IngestAsync(("hidta_spanning_zones-lake", "2024-09-01T04:30:00Z", Gary), ("hidta_spanning_zones-marion", "2024-09-01T04:30:00Z", Indianapolis));
        Assert.Equal(1L, await OverdosesAsync("hidta", LocalDayDatabase.SpanningHidta, "2024-08-31"));
        Assert.Equal(1L, await OverdosesAsync("hidta", LocalDayDatabase.SpanningHidta, "2024-09-01"));
        Assert.Equal(2L, await OverdosesAsync("hidta", LocalDayDatabase.SpanningHidta, "2024-08-31", "2024-09-01"));
        Assert.Equal(1L, await OverdosesAsync("hidta", LocalDayDatabase.SpanningHidta, "2024-08-01", "2024-08-31")); // Lake's, in its August
        Assert.Equal(1L, await OverdosesAsync("hidta", LocalDayDatabase.SpanningHidta, "2024-09-01", "2024-09-30")); // Marion's, in its September
    }

    [Fact]
    public async Task Outside_every_county_an_event_keeps_its_utc_date()
    {
        var batch = await IngestAsync(DataSource, "local days", ("outside_every_county", "2024-07-04T21:30:00-05:00", (36.0, -70.0)));
        Assert.Equal(1, batch.OutsideCounties);
        Assert.Equal(Day("2024-07-05"), await ScalarAsync<DateOnly>("SELECT local_day FROM overdose_events WHERE external_id = 'outside_every_county'"));
    }

    [Fact]
    public async Task A_row_written_by_sql_gets_its_local_day_from_the_trigger()
    {
        await using (var insert = DataSource.CreateCommand("""
            INSERT INTO overdose_events (source_agency, external_id, occurred_at, geom, location_precision, fatal, county_fips)
            VALUES ('local days', 'written_by_sql', '2024-07-04T21:30:00-05:00', ST_SetSRID(ST_MakePoint(-87.70, 41.85), 4326), 'exact', false, '17031')
            """))
        {
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(Day("2024-07-04"), await ScalarAsync<DateOnly>("SELECT local_day FROM overdose_events WHERE external_id = 'written_by_sql'"));
        await using var delete = DataSource.CreateCommand("DELETE FROM overdose_events WHERE external_id = 'written_by_sql'");
        await delete.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Incremental_aggregates_and_cells_equal_a_recount_across_dst_changes_and_zone_boundaries()
    {
        // Evenings and nights around both DST changes of 2023 and three month ends (a year the other tests leave alone), in six zones and outside every county.
        (double Lat, double Lon)[] points = [Chicago, Phoenix, Gary, Indianapolis, (34.05, -118.24), (40.73, -73.99), (36.0, -70.0)];
        DateTime[] around = [new(2023, 3, 12, 6, 0, 0), new(2023, 11, 5, 5, 0, 0), new(2023, 3, 31, 23, 0, 0), new(2023, 10, 31, 22, 0, 0), new(2023, 12, 31, 23, 0, 0)];
        var random = new Random(21);
        for (var batch = 0; batch < 4; batch++)
        {
            var events = Enumerable.Range(0, 300).Select(i =>
            {
                var (lat, lon) = points[random.Next(points.Length)];
                var at = around[random.Next(around.Length)].AddMinutes(random.Next(-12 * 60, 12 * 60));
                return ($"incremental-{batch}-{i}", $"{at:yyyy-MM-ddTHH:mm:ss}Z", (lat + (random.NextDouble() * 0.02), lon + (random.NextDouble() * 0.02)));
            }).ToArray();
            await IngestAsync(events);
        }

        // Ingest's days are SQL's.
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM overdose_events WHERE local_day <> geoors_local_day(occurred_at, county_fips)"));
        Assert.True(await ScalarAsync<long>("SELECT count(*) FROM overdose_events WHERE local_day <> (occurred_at AT TIME ZONE 'UTC')::date") > 100);

        const string Aggregates = """
            SELECT string_agg(r, E'\n' ORDER BY r) FROM (
                SELECT 'd ' || county_fips || ' ' || day || ' ' || events::text || fatal::text || naloxone::text AS r FROM overdose_daily
                UNION ALL SELECT 'm ' || county_fips || ' ' || month || ' ' || events::text || fatal::text || events_key::text FROM overdose_monthly
                UNION ALL SELECT 'c ' || cell || ' ' || month || ' ' || n || ' ' || f || ' ' || x || ' ' || fx FROM overdose_cells
            ) rows
            """;
        var kept = await ScalarAsync<string>(Aggregates);
        await using (var rebuild = DataSource.CreateCommand("SELECT geoors_rebuild_aggregates(), geoors_rebuild_cells()"))
        {
            await rebuild.ExecuteNonQueryAsync();
        }

        Assert.Equal(await ScalarAsync<string>(Aggregates), kept);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// A boundary load that changes a county's time zone, or gives the zones for the first time, moves
/// that county's stored events to their new local day and rebuilds the aggregates and cells with them,
/// with no step of the operator's.
/// </summary>
public class LocalDayRecountTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_zone_change_at_a_boundary_load_recounts_the_countys_days_and_the_aggregates()
    {
        var shipped = await File.ReadAllLinesAsync(Path.Combine(PostGis.Shapefiles, "county_timezones.csv"));
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);

        // 11:30 pm in Chicago on 4 July: 12:30 am on 5 July in New York.
        var batch = await LocalDayTests.IngestAsync(dataSource, "recount", ("zone_change", "2024-07-04T23:30:00-05:00", (41.85, -87.70)));
        Assert.Equal("committed", batch.Status);
        Assert.Equal(1L, await LocalDayTests.OverdosesAsync(dataSource, "counties", "17031", "2024-07-04"));
        var version = await ScalarAsync<long>(dataSource, "SELECT version FROM data_versions WHERE kind = 'overdoses'");

        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, shipped.Select(l => l.StartsWith("17031,", StringComparison.Ordinal) ? "17031,Cook,America/New_York" : l));
            var moved = await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles, file);
            Assert.Equal((1, 1L), (moved.ZonesChanged, moved.EventsRedated));
            Assert.Equal(new DateOnly(2024, 7, 5), await ScalarAsync<DateOnly>(dataSource, "SELECT local_day FROM overdose_events WHERE external_id = 'zone_change'"));
            Assert.Equal((0L, 1L), (await LocalDayTests.OverdosesAsync(dataSource, "counties", "17031", "2024-07-04"),
                                    await LocalDayTests.OverdosesAsync(dataSource, "counties", "17031", "2024-07-05")));
            Assert.True(await ScalarAsync<long>(dataSource, "SELECT version FROM data_versions WHERE kind = 'overdoses'") > version);

            // The same zones again: nothing to recount.
            var same = await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles, file);
            Assert.Equal((0, 0L), (same.ZonesChanged, same.EventsRedated));
        }
        finally
        {
            File.Delete(file);
        }

        // A database whose counties had no zones yet (loaded before zones came with the boundaries),
        // its events on their UTC days: the next load gives the zones and the local days.
        await using (var before = dataSource.CreateCommand("""
            UPDATE counties SET time_zone = NULL;
            UPDATE overdose_events SET local_day = (occurred_at AT TIME ZONE 'UTC')::date;
            SELECT geoors_rebuild_aggregates(), geoors_rebuild_cells();
            """))
        {
            await before.ExecuteNonQueryAsync();
        }

        Assert.Equal(0L, await LocalDayTests.OverdosesAsync(dataSource, "counties", "17031", "2024-07-04"));
        var first = await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);
        Assert.Equal(3220, first.ZonesChanged);
        Assert.Equal(1L, first.EventsRedated);
        Assert.Equal((1L, 0L), (await LocalDayTests.OverdosesAsync(dataSource, "counties", "17031", "2024-07-04"),
                                await LocalDayTests.OverdosesAsync(dataSource, "counties", "17031", "2024-07-05")));
        Assert.Equal(1L, await ScalarAsync<long>(dataSource, "SELECT sum(n) FROM overdose_cells WHERE month = '2024-07-01' AND cell >> 26 = 0"));
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
