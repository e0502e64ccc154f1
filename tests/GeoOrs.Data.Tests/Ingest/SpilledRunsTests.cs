using System.Globalization;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Migrations;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Ingest;

/// <summary>
/// A batch larger than the tallies hold is spilled to sorted runs on disk and merged back at its end
/// (<see cref="SpilledRuns{TKey, TValue}"/>). However often it spills, the aggregate and cell tables
/// must end as the same batch tallied whole in memory leaves them, over tables that already hold rows
/// (the merge's conflicts). Tallied whole, the batch's county-days are few enough to be merged straight
/// from parameters, as a live request's are (<see cref="AggregateTally.DirectKeys"/>): the test also
/// holds that way of merging equal to the staged one.
/// </summary>
public class SpilledRunsTests
{
    private static readonly string[] Counties = ["24510", "24005", "24027", "11001", "51059"];
    private static readonly string[] Drugs = ["fentanyl", "heroin", "cocaine", "xylazine", "unknown", "not_a_slot"];

    private static List<object> Events(int seed, int count)
    {
        var random = new Random(seed);
        var rows = new List<object>(count);
        var start = new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var at = start.AddMinutes(random.Next(0, 60 * 24 * 70)); // three months: days and months both repeat across flushes
            var (lon, lat) = (-77.2 + (random.NextDouble() * 0.9), 38.8 + (random.NextDouble() * 0.7));
            var county = random.Next(20) == 0 ? null : Counties[random.Next(Counties.Length)];
            rows.Add(random.Next(4) == 0
                ? new SeizureRow("a", $"s{seed}-{i}", at, lon, lat, Drugs[random.Next(Drugs.Length)], 3, "g",
                    random.Next(3) == 0 ? null : random.NextDouble() * 100, random.Next(2) == 0 ? null : random.Next(1, 40), null, county)
                : new OverdoseRow("a", $"o{seed}-{i}", at, lon, lat, "exact", random.Next(5) == 0,
                    random.Next(3) switch { 0 => true, 1 => false, _ => null }, null,
                    [.. Drugs.Where(_ => random.NextDouble() < 0.3)], null, null, county));
        }

        return rows;
    }

    /// <summary>Tallies and merges <paramref name="rows"/> in the connection's transaction, flushing as often as <paramref name="flushKeys"/> says.</summary>
    private static async Task MergeAsync(NpgsqlConnection connection, IEnumerable<object> rows, int flushKeys)
    {
        var tallies = new Dictionary<EventKind, (AggregateTally Aggregates, CellTally Cells)>
        {
            [EventKind.Overdoses] = (new AggregateTally(EventKind.Overdoses, flushKeys), new CellTally(EventKind.Overdoses, flushKeys)),
            [EventKind.Seizures] = (new AggregateTally(EventKind.Seizures, flushKeys), new CellTally(EventKind.Seizures, flushKeys)),
        };
        var recordKey = 0;
        foreach (var row in rows)
        {
            recordKey += 7919;
            switch (row)
            {
                case OverdoseRow o:
                    tallies[EventKind.Overdoses].Aggregates.Add(o, o.County, DateOnly.FromDateTime(o.OccurredAt.UtcDateTime), recordKey);
                    tallies[EventKind.Overdoses].Cells.Add(o, DateOnly.FromDateTime(o.OccurredAt.UtcDateTime), o.Lon + 0.01, o.Lat - 0.01);
                    break;
                case SeizureRow z:
                    tallies[EventKind.Seizures].Aggregates.Add(z, z.County, DateOnly.FromDateTime(z.SeizedAt.UtcDateTime), recordKey);
                    tallies[EventKind.Seizures].Cells.Add(z, DateOnly.FromDateTime(z.SeizedAt.UtcDateTime), z.Lon - 0.01, z.Lat + 0.01);
                    break;
            }

            foreach (var (aggregates, cells) in tallies.Values)
            {
                aggregates.SpillIfFull();
                cells.SpillIfFull();
            }
        }

        foreach (var (aggregates, cells) in tallies.Values)
        {
            using (aggregates)
            using (cells)
            {
                await aggregates.FlushAsync(connection, CancellationToken.None);
                await cells.FlushAsync(connection, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Every row of the aggregate and cell tables: keys and counts as text, with the aggregates' small
    /// sums rounded, and the cells' sums of positions apart (their order of addition differs).
    /// </summary>
    private static async Task<List<(string Row, double[] Sums)>> SnapshotAsync(NpgsqlConnection connection)
    {
        const string Rounded = "(SELECT array_agg(round(v::numeric, 6) ORDER BY i) FROM unnest({0}) WITH ORDINALITY u(v, i))::text";
        string R(string column) => string.Format(CultureInfo.InvariantCulture, Rounded, column);
        var rows = new List<(string, double[])>();
        foreach (var (sql, exact) in new[]
        {
            ("SELECT county_fips, day, events::text, fatal::text, naloxone::text, fatal_naloxone::text FROM overdose_daily ORDER BY 1, 2", 6),
            ("SELECT county_fips, month, events::text, fatal::text, naloxone::text, fatal_naloxone::text, events_key::text, fatal_key::text, naloxone_key::text, fatal_naloxone_key::text FROM overdose_monthly ORDER BY 1, 2", 10),
            ($"SELECT county_fips, day, events::text, {R("grams")}, {R("dosage_units")} FROM seizure_daily ORDER BY 1, 2", 5),
            ($"SELECT county_fips, month, events::text, {R("grams")}, {R("dosage_units")}, events_key::text FROM seizure_monthly ORDER BY 1, 2", 6),
            ("SELECT cell, month, n, f, x, fx, sx, sy, fsx, fsy FROM overdose_cells ORDER BY 1, 2", 6),
            ("SELECT cell, month, n, round(g::numeric, 6), sx, sy FROM seizure_cells ORDER BY 1, 2", 4),
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var fields = new object[reader.FieldCount];
                reader.GetValues(fields);
                rows.Add((string.Join('|', fields.Take(exact).Select(f => Convert.ToString(f, CultureInfo.InvariantCulture))),
                          [.. fields.Skip(exact).Select(Convert.ToDouble)]));
            }
        }

        return rows;
    }

    [Theory]
    [InlineData(1)]   // a run per event
    [InlineData(7)]   // hundreds of runs
    [InlineData(300)] // a few runs
    public async Task A_batch_spilled_in_many_runs_merges_to_what_one_tally_in_memory_gives(int flushKeys)
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync();

        // Rows already there, from an earlier batch: the merge adds to them.
        await using (var earlier = await connection.BeginTransactionAsync())
        {
            await MergeAsync(connection, Events(1, 1500), int.MaxValue);
            await earlier.CommitAsync();
        }

        var batch = Events(2, 4000);
        List<(string Row, double[] Sums)> once, flushed;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await MergeAsync(connection, batch, int.MaxValue);
            once = await SnapshotAsync(connection);
            await transaction.RollbackAsync();
        }

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await MergeAsync(connection, batch, flushKeys);
            flushed = await SnapshotAsync(connection);
            await transaction.RollbackAsync();
        }

        Assert.True(once.Count > 2000, $"{once.Count} rows");
        Assert.Equal(once.Select(r => r.Row), flushed.Select(r => r.Row));
        foreach (var ((row, sums), (_, expected)) in flushed.Zip(once))
        {
            Assert.All(sums.Zip(expected), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-9 * Math.Max(1, Math.Abs(p.Second)), $"{row}: {p.First} vs {p.Second}"));
        }
    }

    [Fact]
    public void Runs_merge_each_key_once_in_order_with_its_sums_added_and_leave_no_file()
    {
        var random = new Random(11);
        var expected = new SortedDictionary<int, long>();
        using var runs = new SpilledRuns<int, long>(Comparer<int>.Default, (w, k, v) => { w.Write(k); w.Write(v); },
            r => new KeyValuePair<int, long>(r.ReadInt32(), r.ReadInt64()), (a, b) => a + b);
        var pending = new Dictionary<int, long>();
        for (var i = 0; i < 20_000; i++)
        {
            var key = random.Next(-3000, 3000);
            var value = (long)random.Next(1, 1000);
            pending[key] = pending.GetValueOrDefault(key) + value;
            expected[key] = expected.GetValueOrDefault(key) + value;
            if (pending.Count >= 997)
            {
                runs.Spill(pending);
            }
        }

        runs.Spill([]); // an empty tally makes no run
        var files = runs.Files.ToList();
        Assert.True(files.Count > 5, $"{files.Count} runs");
        Assert.All(files, f => Assert.True(File.Exists(f), f));

        var merged = runs.Merge(pending).ToList();
        Assert.Empty(pending);
        Assert.Equal(expected.ToList(), merged);

        runs.Dispose();
        Assert.All(files, f => Assert.False(File.Exists(f), f));
    }
}
