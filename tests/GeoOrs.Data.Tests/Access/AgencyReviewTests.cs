using System.Text;
using GeoOrs.Data.Access;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Migrations;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Access;

/// <summary>
/// Migration 0014 on a database that holds events from before it: those a non-admin key (or a token)
/// stored under another agency than its batch's are listed and flagged, nothing else is, and nothing
/// is deleted; admins settle each by confirming it or reattributing it to the sender's agency.
/// </summary>
public class AgencyReviewTests
{


    /// <summary>
    /// A scratch database migrated to 0013 with: an analyst of agB whose batch stored one event as agA
    /// (and one as agB, and a seizure as agA); an admin whose batch stored an event as agC; the command
    /// line's batch of synthetic events; a token's batch of agJ that stored one as agK; and agB's batch
    /// that stored 'dup' as agA while agB has a 'dup' of its own. Then migration 0014.
    /// </summary>
    private static async Task<NpgsqlDataSource> LegacyDatabaseAsync(ScratchDatabase scratch)
    {
        var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        foreach (var migration in Migrator.All.Where(m => m.Version < 14))
        {
            await TestSql.ExecuteAsync(dataSource, migration.Sql);
        }

        await TestSql.ExecuteAsync(dataSource, """
            INSERT INTO api_keys (prefix, sha256, role, agency) VALUES
                ('aaaa0001', '\x01', 'analyst', 'agB'), ('bbbb0001', '\x02', 'admin', 'agAdmin');
            INSERT INTO ingest_batches (id, kind, agency, sender, format, status) OVERRIDING SYSTEM VALUE VALUES
                (1001, 'overdoses', 'agB', 'aaaa0001@127.0.0.1', 'csv', 'committed'),
                (1002, 'overdoses', 'agAdmin', 'bbbb0001@::1', 'csv', 'committed'),
                (1003, 'overdoses', 'unattributed', 'overdoses.csv', 'csv', 'committed'),
                (1004, 'overdoses', 'agJ', 'jwt:alice@10.0.0.1', 'ndjson', 'committed'),
                (1005, 'seizures', 'agB', 'aaaa0001@127.0.0.1', 'csv', 'committed');
            INSERT INTO overdose_events (id, source_agency, external_id, occurred_at, geom, location_precision, fatal, batch_id) OVERRIDING SYSTEM VALUE
            SELECT id, agency, ext, '2023-05-01T00:00:00Z', ST_SetSRID(ST_MakePoint(-76.61, 39.29), 4326), 'exact', true, batch
            FROM (VALUES (101, 'agA', 'e1', 1001), (102, 'agB', 'e2', 1001), (103, 'agC', 'e3', 1002), (104, 'SYNTHETIC (GeoOrs generator)', 'e4', 1003),
                         (105, 'agK', 'e5', 1004), (106, 'agA', 'dup', 1001), (107, 'agB', 'dup', 1001)) v (id, agency, ext, batch);
            INSERT INTO seizure_events (id, agency, external_id, seized_at, geom, drug, quantity, unit, batch_id) OVERRIDING SYSTEM VALUE
            VALUES (201, 'agA', 's1', '2023-05-01T00:00:00Z', ST_SetSRID(ST_MakePoint(-106.49, 31.76), 4326), 'cocaine', 1, 'kg', 1005);
            """);
        await TestSql.ExecuteAsync(dataSource, Migrator.All.Single(m => m.Version == 14).Sql);

        // And the migrations after it, as a server's start would apply them.
        foreach (var migration in Migrator.All.Where(m => m.Version > 14))
        {
            await TestSql.ExecuteAsync(dataSource, migration.Sql);
        }

        // PostGIS came with these statements, after the data source learnt the database's types (the
        // migrator reloads them itself).
        await dataSource.ReloadTypesAsync();
        return dataSource;
    }

    [Fact]
    public async Task Events_a_non_admin_sender_stored_under_another_agency_are_listed_and_flagged_and_nothing_else_is()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = await LegacyDatabaseAsync(scratch);

        var listed = await AgencyReview.ListAsync(dataSource, open: true, limit: 100);
        Assert.Equal(
            [("overdoses", 101L, "agA", "agB"), ("overdoses", 105L, "agK", "agJ"), ("overdoses", 106L, "agA", "agB"), ("seizures", 201L, "agA", "agB")],
            listed.Select(r => (r.Kind, r.EventId, r.EventAgency, r.BatchAgency)).Order());
        Assert.All(listed, r => Assert.Null(r.Resolution));
        Assert.Equal("aaaa0001@127.0.0.1", listed.Single(r => r.EventId == 101).Sender);

        Assert.Equal(3L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events WHERE agency_flagged"));
        var flagged = await TestSql.ScalarAsync<long[]>(dataSource, "SELECT array_agg(id ORDER BY id) FROM overdose_events WHERE agency_flagged");
        Assert.Equal(new long[] { 101, 105, 106 }, flagged);
        Assert.Equal(1L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM seizure_events WHERE agency_flagged"));
        Assert.Equal(7L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events")); // nothing deleted
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events WHERE key_prefix IS NOT NULL"));
    }

    [Fact]
    public async Task An_admin_reattributes_or_confirms_and_the_rightful_agency_can_then_store_its_event()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = await LegacyDatabaseAsync(scratch);
        var listed = await AgencyReview.ListAsync(dataSource, open: true, limit: 100);
        long ReviewOf(long eventId) => listed.Single(r => r.EventId == eventId).Id;

        // Before: agA's own upload of e1 is held by the event agB's key stored under agA's name.
        var before = await IngestAsync(dataSource, "agA", "e1");
        Assert.Equal((0, 1, 1), (before.Accepted, before.Duplicates, before.HeldForReview));

        Assert.Equal(AgencyReviewOutcome.Settled, await AgencyReview.SettleAsync(dataSource, ReviewOf(101), "reattributed", "cccc0001", "agB's key sent it"));
        Assert.Equal("agB", await TestSql.ScalarAsync<string>(dataSource, "SELECT source_agency FROM overdose_events WHERE id = 101"));
        Assert.False(await TestSql.ScalarAsync<bool>(dataSource, "SELECT agency_flagged FROM overdose_events WHERE id = 101"));
        var settled = await AgencyReview.GetAsync(dataSource, ReviewOf(101));
        Assert.Equal(("reattributed", "cccc0001", "agB's key sent it"), (settled!.Resolution, settled.ResolvedBy, settled.Note));
        Assert.Equal(AgencyReviewOutcome.AlreadySettled, await AgencyReview.SettleAsync(dataSource, ReviewOf(101), "confirmed", "cccc0001", null));

        // After: agA's upload of e1 is stored as agA's.
        var after = await IngestAsync(dataSource, "agA", "e1");
        Assert.Equal((1, 0, 0), (after.Accepted, after.Duplicates, after.HeldForReview));

        // agB already has a 'dup' of its own: that one cannot be moved there, but may be confirmed.
        Assert.Equal(AgencyReviewOutcome.Conflict, await AgencyReview.SettleAsync(dataSource, ReviewOf(106), "reattributed", "cccc0001", null));
        Assert.Equal("agA", await TestSql.ScalarAsync<string>(dataSource, "SELECT source_agency FROM overdose_events WHERE id = 106"));
        Assert.Equal(AgencyReviewOutcome.Settled, await AgencyReview.SettleAsync(dataSource, ReviewOf(106), "confirmed", "cccc0001", null));
        Assert.Equal(("agA", false), (await TestSql.ScalarAsync<string>(dataSource, "SELECT source_agency FROM overdose_events WHERE id = 106"),
            await TestSql.ScalarAsync<bool>(dataSource, "SELECT agency_flagged FROM overdose_events WHERE id = 106")));

        Assert.Equal(AgencyReviewOutcome.Settled, await AgencyReview.SettleAsync(dataSource, ReviewOf(201), "reattributed", "cccc0001", null));
        Assert.Equal("agB", await TestSql.ScalarAsync<string>(dataSource, "SELECT agency FROM seizure_events WHERE id = 201"));
        Assert.Equal(AgencyReviewOutcome.NotFound, await AgencyReview.SettleAsync(dataSource, 999_999, "confirmed", null, null));
        Assert.Equal([ReviewOf(105)], (await AgencyReview.ListAsync(dataSource, open: true, limit: 100)).Select(r => r.Id));
    }

    private static Task<IngestBatch> IngestAsync(NpgsqlDataSource dataSource, string agency, string externalId)
    {
        var csv = $"external_id,occurred_at,lat,lon,fatal\r\n{externalId},2023-05-01T00:00:00Z,39.29,-76.61,true\r\n";
        var sender = new IngestSender("dddd0001", Role.Analyst, agency, new HashSet<string>(), "POST /api/ingest/overdoses");
        return Ingestor.IngestAsync(dataSource, new IngestRequest(EventKind.Overdoses, IngestFormat.Csv, new MemoryStream(Encoding.UTF8.GetBytes(csv)), agency, null,
            ColumnMapping.Canonical(EventKind.Overdoses), By: sender), TimeProvider.System);
    }
}
