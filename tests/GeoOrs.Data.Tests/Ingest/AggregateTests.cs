using System.Globalization;
using System.Text;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Migrations;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Ingest;

/// <summary>
/// The daily and monthly aggregates that ingest keeps must equal what a full recount from the event
/// tables gives (<c>geoors_rebuild_aggregates()</c>, plain GROUP BY SQL), after batches that repeat
/// events, fall on the same county-days, and place points outside every county.
/// </summary>
public class AggregateTests
{
    private static readonly string[] Drugs = ["fentanyl", "heroin", "cocaine", "methamphetamine", "xylazine", "prescription_opioid", "unknown"];

    private static string Overdoses(int seed, int count, int idOffset)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex\r\n");
        for (var i = 0; i < count; i++)
        {
            // Around Baltimore and its neighbours, a few in the Atlantic (outside every county).
            var (lat, lon) = i % 50 == 0 ? (36.0, -70.0) : (39.1 + (random.NextDouble() * 0.5), -77.0 + (random.NextDouble() * 0.8));
            var when = new DateTime(2019, 12, 20, 0, 0, 0, DateTimeKind.Utc).AddMinutes(random.Next(0, 60 * 24 * 75));
            var drugs = string.Join(';', Drugs.Where(_ => random.NextDouble() < 0.3));
            var naloxone = random.Next(3) switch { 0 => "true", 1 => "false", _ => "" };
            csv.Append(CultureInfo.InvariantCulture,
                $"od{i + idOffset},{when:yyyy-MM-ddTHH:mm:ssZ},{lat:F5},{lon:F5},exact,{(random.NextDouble() < 0.2 ? "true" : "false")},{naloxone},,{drugs},,\r\n");
        }

        return csv.ToString();
    }

    private static string Seizures(int seed, int count)
    {
        var random = new Random(seed);
        string[] units = ["g", "kg", "pills", "oz"];
        var csv = new StringBuilder("external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\r\n");
        for (var i = 0; i < count; i++)
        {
            var when = new DateTime(2020, 1, 25, 0, 0, 0, DateTimeKind.Utc).AddHours(random.Next(0, 24 * 20));
            csv.Append(CultureInfo.InvariantCulture,
                $"sz{i},{when:yyyy-MM-ddTHH:mm:ssZ},{39.2 + (random.NextDouble() * 0.3):F5},{-76.8 + (random.NextDouble() * 0.4):F5},{Drugs[random.Next(Drugs.Length)]},{random.Next(1, 500)},{units[random.Next(units.Length)]},C{i}\r\n");
        }

        return csv.ToString();
    }

    private static Task<IngestBatch> IngestAsync(NpgsqlDataSource dataSource, EventKind kind, string csv, string agency) =>
        Ingestor.IngestAsync(dataSource, new IngestRequest(kind, IngestFormat.Csv, new MemoryStream(Encoding.UTF8.GetBytes(csv)), agency, null,
            ColumnMapping.Canonical(kind)), TimeProvider.System);

    private static async Task<List<string>> SnapshotAsync(NpgsqlDataSource dataSource)
    {
        var rows = new List<string>();
        foreach (var sql in new[]
        {
            "SELECT 'd', county_fips, day, events, fatal, naloxone, fatal_naloxone FROM overdose_daily ORDER BY 2, 3",
            "SELECT 'm', county_fips, month, events, fatal, naloxone, fatal_naloxone FROM overdose_monthly ORDER BY 2, 3",
            "SELECT 'sd', county_fips, day, events, round_all(grams), round_all(dosage_units) FROM seizure_daily ORDER BY 2, 3",
            "SELECT 'sm', county_fips, month, events, round_all(grams), round_all(dosage_units) FROM seizure_monthly ORDER BY 2, 3",
        })
        {
            await using var command = dataSource.CreateCommand(sql.Replace("round_all(grams)", "(SELECT array_agg(round(g::numeric, 6) ORDER BY i) FROM unnest(grams) WITH ORDINALITY u(g, i))::text", StringComparison.Ordinal)
                .Replace("round_all(dosage_units)", "(SELECT array_agg(round(g::numeric, 6) ORDER BY i) FROM unnest(dosage_units) WITH ORDINALITY u(g, i))::text", StringComparison.Ordinal));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var fields = new object[reader.FieldCount];
                reader.GetValues(fields);
                rows.Add(string.Join('|', fields.Select(f => f is Array a ? string.Join(',', a.Cast<object>()) : Convert.ToString(f, CultureInfo.InvariantCulture))));
            }
        }

        return rows;
    }

    [Fact]
    public async Task Aggregates_kept_by_ingest_equal_a_recount_from_the_events()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);

        var first = await IngestAsync(dataSource, EventKind.Overdoses, Overdoses(1, 3000, 0), "a");
        var second = await IngestAsync(dataSource, EventKind.Overdoses, Overdoses(2, 3000, 2000), "a"); // 1,000 repeats of the first
        var other = await IngestAsync(dataSource, EventKind.Overdoses, Overdoses(3, 500, 0), "b");
        var seizures = await IngestAsync(dataSource, EventKind.Seizures, Seizures(4, 800), "a");
        Assert.Equal(("committed", 3000), (first.Status, first.Accepted));
        Assert.Equal(("committed", 2000, 1000), (second.Status, second.Accepted, second.Duplicates));
        Assert.Equal("committed", other.Status);
        Assert.Equal("committed", seizures.Status);
        Assert.True(first.OutsideCounties > 0);

        var kept = await SnapshotAsync(dataSource);
        await using (var rebuild = dataSource.CreateCommand("SELECT geoors_rebuild_aggregates()"))
        {
            await rebuild.ExecuteNonQueryAsync();
        }

        var recounted = await SnapshotAsync(dataSource);
        Assert.True(kept.Count > 100, $"{kept.Count} aggregate rows");
        Assert.Equal(recounted, kept);

        // Slot 1 counts every stored event that has a county.
        await using var totals = dataSource.CreateCommand("""
            SELECT (SELECT sum(events[1]) FROM overdose_daily), (SELECT count(*) FROM overdose_events WHERE county_fips IS NOT NULL),
                   (SELECT sum(events[1]) FROM overdose_monthly)
            """);
        await using var reader = await totals.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
        Assert.Equal(reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The cluster cells: keys and counts as text, and the sums (of positions, of grams), whose order of addition differs.</summary>
    private static async Task<List<(string Row, double[] Sums)>> CellsAsync(NpgsqlDataSource dataSource)
    {
        var rows = new List<(string, double[])>();
        foreach (var (sql, counts) in new[]
        {
            ("SELECT 'o', cell, month, n, f, x, fx, sx, sy, fsx, fsy FROM overdose_cells ORDER BY 2, 3", 7),
            ("SELECT 's', cell, month, n, g, sx, sy FROM seizure_cells ORDER BY 2, 3", 4),
        })
        {
            await using var command = dataSource.CreateCommand(sql);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var fields = new object[reader.FieldCount];
                reader.GetValues(fields);
                rows.Add((string.Join('|', fields.Take(counts).Select(f => Convert.ToString(f, CultureInfo.InvariantCulture))),
                          [.. fields.Skip(counts).Select(Convert.ToDouble)]));
            }
        }

        return rows;
    }

    [Fact]
    public async Task Cluster_cells_kept_by_ingest_equal_a_recount_from_the_events()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);

        // Two agencies, repeats, points outside every county.
        Assert.Equal("committed", (await IngestAsync(dataSource, EventKind.Overdoses, Overdoses(5, 3000, 0), "a")).Status);
        var repeated = await IngestAsync(dataSource, EventKind.Overdoses, Overdoses(6, 3000, 2000), "a");
        Assert.Equal((2000, 1000), (repeated.Accepted, repeated.Duplicates));
        Assert.Equal("committed", (await IngestAsync(dataSource, EventKind.Overdoses, Overdoses(7, 500, 0), "b")).Status);
        Assert.Equal("committed", (await IngestAsync(dataSource, EventKind.Seizures, Seizures(8, 800), "a")).Status);
        Assert.Equal("committed", (await IngestAsync(dataSource, EventKind.Seizures, Seizures(9, 300), "b")).Status);

        var kept = await CellsAsync(dataSource);
        await using (var rebuild = dataSource.CreateCommand("SELECT geoors_rebuild_cells()"))
        {
            await rebuild.ExecuteNonQueryAsync();
        }

        var recounted = await CellsAsync(dataSource);
        Assert.True(kept.Count > 1000, $"{kept.Count} cell rows");
        Assert.Equal(recounted.Select(r => r.Row), kept.Select(r => r.Row));
        foreach (var ((row, sums), (_, expected)) in kept.Zip(recounted))
        {
            Assert.All(sums.Zip(expected), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-9 * Math.Max(1, Math.Abs(p.Second)), $"{row}: {p.First} vs {p.Second}"));
        }

        // Every level counts every event once, at its true and at its masked position.
        await using (var totals = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM overdose_events),
                   (SELECT array_agg(t ORDER BY k) FROM (SELECT cell >> 26 AS k, sum(n) AS t FROM overdose_cells GROUP BY 1) s)
            """))
        await using (var reader = await totals.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal(5500, reader.GetInt64(0));
            var perLevel = reader.GetFieldValue<long[]>(1);
            Assert.Equal(10, perLevel.Length); // five levels, true and masked
            Assert.All(perLevel, t => Assert.Equal(5500, t));
        }

        // The masked positions ingest stored are the ones SQL's geomask gives, with the database's key
        // and the county's density (or the widest mask outside every county).
        await using var masks = dataSource.CreateCommand("""
            SELECT count(*), max(ST_Distance(e.masked_geom,
                       geoors_geomask(e.geom, e.id, coalesce(d.people_per_km2, 0), (SELECT secret FROM access_secrets WHERE name = 'geomask')))),
                   min(ST_Distance(e.masked_geom, e.geom))
            FROM (SELECT id, geom, masked_geom, county_fips FROM overdose_events UNION ALL SELECT id, geom, masked_geom, county_fips FROM seizure_events) e
            LEFT JOIN county_density d ON d.geoid = e.county_fips
            """);
        await using var masked = await masks.ExecuteReaderAsync();
        await masked.ReadAsync();
        Assert.Equal(6600, masked.GetInt64(0));
        Assert.True(masked.GetDouble(1) < 1e-9, $"a stored masked point is {masked.GetDouble(1)}° from SQL's");
        Assert.True(masked.GetDouble(2) > 0.0005, "every event is moved");
    }

    [Fact]
    public async Task Drug_slots_in_code_match_the_migration()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT drug, slot FROM aggregate_drugs ORDER BY slot");
        var slots = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            slots[reader.GetString(0)] = reader.GetInt16(1);
        }

        Assert.Equal(AggregateTally.DrugSlots.OrderBy(p => p.Value), slots.OrderBy(p => p.Value));
        Assert.Equal(AggregateTally.Slots, slots.Values.Max());
        Assert.Superset(Vocabulary.SeizureDrugs.ToHashSet(), slots.Keys.ToHashSet());
    }
}
