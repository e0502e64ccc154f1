using System.Collections.Frozen;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// Adds up the events a batch stores per county and local day (the date in the county's time zone,
/// which ingest computes once per row; docs/adr/0021-local-days.md), in the drug slots of the
/// <c>aggregate_drugs</c> table, and merges the sums into the daily and monthly aggregate tables
/// inside the batch's transaction, so the layers summed from them are never stale. Monthly sums also
/// add up the events' record keys (the cell keys of public figures, migration 0016). Every
/// <see cref="DefaultFlushKeys"/> county-days the daily sums are spilled to a sorted run on disk
/// (<see cref="SpilledRuns{TKey, TValue}"/>), which bounds the memory a large batch takes; at the end
/// the runs are merged, each county-day once, staged, and inserted in key order.
/// </summary>
internal sealed class AggregateTally : IDisposable
{
    /// <summary>Slots per measure: 1 for every event, then one per drug.</summary>
    public const int Slots = 13;

    /// <summary>Drug → slot, as the migration numbers them (a test holds the two equal).</summary>
    public static readonly FrozenDictionary<string, int> DrugSlots = new Dictionary<string, int>
    {
        ["fentanyl"] = 2, ["heroin"] = 3, ["prescription_opioid"] = 4, ["other_opioid"] = 5, ["cocaine"] = 6,
        ["methamphetamine"] = 7, ["xylazine"] = 8, ["benzodiazepine"] = 9, ["other"] = 10, ["unknown"] = 11,
        ["marijuana"] = 12, ["nitazene"] = 13,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The most county-days merged straight from parameters, without staging tables (<see cref="MergeDirectAsync"/>).</summary>
    public const int DirectKeys = 2_000;

    /// <summary>County-days tallied in memory before they are spilled.</summary>
    public const int DefaultFlushKeys = 50_000;

    private static readonly IComparer<(string County, DateOnly Day)> KeyOrder = Comparer<(string County, DateOnly Day)>.Create(static (a, b) =>
        string.CompareOrdinal(a.County, b.County) is var c and not 0 ? c : a.Day.CompareTo(b.Day));

    private readonly EventKindInfo _kind;
    private readonly int _counts; // the length of a county-day's counts (and a month's record-key sums): a slot per count measure and drug
    private readonly int _amounts; // the length of its amounts (0: none)
    private readonly int _flushKeys;
    private readonly Dictionary<(string County, DateOnly Day), Sums> _days = [];
    private readonly Dictionary<(string County, DateOnly Month), Sums> _months = []; // at most counties × months: kept whole
    private readonly SpilledRuns<(string County, DateOnly Day), Sums> _runs;

    public AggregateTally(EventKind kind, int flushKeys = DefaultFlushKeys)
    {
        _kind = EventKindInfo.Of(kind);
        _counts = _kind.CountMeasures.Count * Slots;
        _amounts = _kind.AmountMeasures.Count * Slots;
        _flushKeys = flushKeys;
        _runs = new(KeyOrder, WriteRun, ReadRun, Sums.Add);
    }

    /// <summary>Counts one stored overdose on its local day with its record key.</summary>
    public void Add(OverdoseRow row, string? county, DateOnly localDay, int recordKey)
    {
        if (county is null)
        {
            return;
        }

        var naloxone = row.NaloxoneAdministered == true;
        var (day, month) = Get(county, localDay);
        Tally(day.Counts, null);
        Tally(month.Counts, month.Keys);

        void Tally(int[] counts, long[]? keys)
        {
            Count(counts, keys, 1, row.Fatal, naloxone, recordKey);
            foreach (var drug in row.SuspectedDrugs)
            {
                if (DrugSlots.TryGetValue(drug, out var slot))
                {
                    Count(counts, keys, slot, row.Fatal, naloxone, recordKey);
                }
            }
        }

        static void Count(int[] counts, long[]? keys, int slot, bool fatal, bool naloxone, long key)
        {
            var i = slot - 1;
            counts[i]++;
            counts[Slots + i] += fatal ? 1 : 0;
            counts[(2 * Slots) + i] += naloxone ? 1 : 0;
            counts[(3 * Slots) + i] += fatal && naloxone ? 1 : 0;
            if (keys is not null)
            {
                keys[i] += key;
                keys[Slots + i] += fatal ? key : 0;
                keys[(2 * Slots) + i] += naloxone ? key : 0;
                keys[(3 * Slots) + i] += fatal && naloxone ? key : 0;
            }
        }
    }

    /// <summary>Counts one stored seizure on its local day with its record key.</summary>
    public void Add(SeizureRow row, string? county, DateOnly localDay, int recordKey)
    {
        if (county is null)
        {
            return;
        }

        var (day, month) = Get(county, localDay);
        Tally(day);
        Tally(month);

        void Tally(Sums sums)
        {
            Count(sums, 1, row, recordKey);
            if (DrugSlots.TryGetValue(row.Drug, out var slot))
            {
                Count(sums, slot, row, recordKey);
            }
        }

        static void Count(Sums sums, int slot, SeizureRow row, long key)
        {
            var i = slot - 1;
            sums.Counts[i]++;
            sums.Amounts![i] += row.Grams ?? 0;
            sums.Amounts[Slots + i] += row.DosageUnits ?? 0;
            if (sums.Keys is not null)
            {
                sums.Keys[i] += key;
            }
        }
    }

    /// <summary>Spills the daily sums to a run on disk when enough county-days are waiting.</summary>
    public void SpillIfFull()
    {
        if (_days.Count >= _flushKeys)
        {
            _runs.Spill(_days);
        }
    }

    /// <summary>
    /// Merges the batch's sums into the daily and monthly tables (at its end): each county-day and
    /// county-month once, in key order.
    /// </summary>
    public async Task FlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_months.Count == 0)
        {
            return; // every day counted is in a month
        }

        if (_runs.Runs == 0 && _days.Count <= DirectKeys)
        {
            await MergeDirectAsync(connection, cancellationToken).ConfigureAwait(false);
            return;
        }

        await ExecuteAsync(connection, $"""
            CREATE TEMP TABLE ingest_{Table}_days ON COMMIT DROP AS SELECT * FROM {Table}_daily WITH NO DATA;
            CREATE TEMP TABLE ingest_{Table}_months ON COMMIT DROP AS
                SELECT county_fips, month AS day, {Measures}, {Keys} FROM {Table}_monthly WITH NO DATA
            """, cancellationToken).ConfigureAwait(false);
        await StageAsync(connection, _runs.Merge(_days), "days", cancellationToken).ConfigureAwait(false);
        _runs.Dispose();
        var months = _months.ToArray();
        Array.Sort(months, (a, b) => KeyOrder.Compare(a.Key, b.Key));
        await StageAsync(connection, months, "months", cancellationToken).ConfigureAwait(false);
        _months.Clear();

        foreach (var (grain, key, staged, columns) in new[] { ("daily", "day", "days", Measures), ("monthly", "month", "months", $"{Measures}, {Keys}") })
        {
            await ExecuteAsync(connection, $"""
                SET LOCAL work_mem = '256MB';
                {MergeSql(grain, key, columns, $"SELECT county_fips, day, {columns} FROM ingest_{Table}_{staged}")}
                """, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The merge of a grain's sums from <paramref name="select"/> (county_fips, day, then the columns),
    /// the same for both ways of flushing: element by element, written out (an ARRAY[...] expression is
    /// evaluated inline, where a function over unnest() costs a subquery per row and array: ten times
    /// slower on large merges); in key order, as every batch takes its row locks (concurrent batches then
    /// wait, not deadlock).
    /// </summary>
    private string MergeSql(string grain, string key, string columns, string select)
    {
        var merge = string.Join(", ", columns.Split(", ").Select(m =>
            $"{m} = ARRAY[{string.Join(", ", Enumerable.Range(1, Slots).Select(i => $"coalesce(a.{m}[{i}], 0) + coalesce(excluded.{m}[{i}], 0)"))}]::{TypeOf(m)}[]"));
        return $"""
            INSERT INTO {Table}_{grain} AS a (county_fips, {key}, {columns})
            {select}
            ORDER BY county_fips, day
            ON CONFLICT (county_fips, {key}) DO UPDATE SET {merge}
            """;
    }

    private string TypeOf(string measure) => measure.EndsWith("_key", StringComparison.Ordinal) ? "bigint"
        : _kind.CountMeasures.Contains(measure) ? "integer" : "double precision";

    /// <summary>
    /// Merges a few sums (a live request's) without staging tables: each grain's rows go as parameter
    /// arrays (a measure's slots row after row) straight into the same merge, which saves creating and
    /// dropping three tables in every short transaction.
    /// </summary>
    private async Task MergeDirectAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var days = _days.ToArray();
        Array.Sort(days, (a, b) => KeyOrder.Compare(a.Key, b.Key));
        var months = _months.ToArray();
        Array.Sort(months, (a, b) => KeyOrder.Compare(a.Key, b.Key));
        foreach (var (grain, key, rows, monthly) in new[] { ("daily", "day", days, false), ("monthly", "month", months, true) })
        {
            var columns = monthly ? $"{Measures}, {Keys}" : Measures;
            var slices = columns.Split(", ").Select((m, c) => $"(${c + 3}::{TypeOf(m)}[])[(r.i - 1) * {Slots} + 1 : r.i * {Slots}]");
            await using var command = new NpgsqlCommand(
                MergeSql(grain, key, columns, $"SELECT r.county_fips, r.day, {string.Join(", ", slices)} FROM unnest($1::text[], $2::date[]) WITH ORDINALITY AS r (county_fips, day, i)"),
                connection);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Key.County)] });
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. rows.Select(r => r.Key.Item2)] });
            for (var m = 0; m < _kind.CountMeasures.Count; m++)
            {
                var at = m * Slots;
                command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. rows.SelectMany(r => r.Value.Counts.Skip(at).Take(Slots))] });
            }

            for (var m = 0; m < _kind.AmountMeasures.Count; m++)
            {
                var at = m * Slots;
                command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. rows.SelectMany(r => r.Value.Amounts!.Skip(at).Take(Slots))] });
            }

            for (var m = 0; monthly && m < _kind.CountMeasures.Count; m++)
            {
                var at = m * Slots;
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.SelectMany(r => r.Value.Keys!.Skip(at).Take(Slots))] });
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        _days.Clear();
        _months.Clear();
    }

    /// <summary>Removes the runs on disk.</summary>
    public void Dispose() => _runs.Dispose();

    private string Table => _kind.Aggregates;

    private string Measures => _kind.AggregateMeasures;

    /// <summary>The record-key sums of the monthly rows, one per count measure.</summary>
    private string Keys => _kind.AggregateKeys;

    /// <summary>COPYs sums, each key once, into the batch's staging table for days or months.</summary>
    private async Task StageAsync(
        NpgsqlConnection connection, IEnumerable<KeyValuePair<(string County, DateOnly Day), Sums>> rows, string staged, CancellationToken cancellationToken)
    {
        // Written synchronously: the importer buffers, and only a full buffer goes to the socket.
        var monthly = staged == "months";
        await using var copy = await connection.BeginBinaryImportAsync(
            $"COPY ingest_{Table}_{staged} (county_fips, day, {Measures}{(monthly ? $", {Keys}" : "")}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var ((county, day), sums) in rows)
        {
            copy.StartRow();
            copy.Write(county, NpgsqlDbType.Char);
            copy.Write(day, NpgsqlDbType.Date);
            for (var m = 0; m < sums.Counts.Length / Slots; m++)
            {
                copy.Write(sums.Counts[(m * Slots)..((m + 1) * Slots)], NpgsqlDbType.Array | NpgsqlDbType.Integer);
            }

            for (var m = 0; m < (sums.Amounts?.Length ?? 0) / Slots; m++)
            {
                copy.Write(sums.Amounts![(m * Slots)..((m + 1) * Slots)], NpgsqlDbType.Array | NpgsqlDbType.Double);
            }

            for (var m = 0; monthly && m < sums.Keys!.Length / Slots; m++)
            {
                copy.Write(sums.Keys[(m * Slots)..((m + 1) * Slots)], NpgsqlDbType.Array | NpgsqlDbType.Bigint);
            }
        }

        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a county-day's sums to a run (a day's sums carry no record keys).</summary>
    private static void WriteRun(BinaryWriter writer, (string County, DateOnly Day) key, Sums sums)
    {
        writer.Write(key.County);
        writer.Write(key.Day.DayNumber);
        foreach (var count in sums.Counts)
        {
            writer.Write(count);
        }

        foreach (var amount in sums.Amounts ?? [])
        {
            writer.Write(amount);
        }
    }

    private KeyValuePair<(string County, DateOnly Day), Sums> ReadRun(BinaryReader reader)
    {
        var key = (string.Intern(reader.ReadString()), DateOnly.FromDayNumber(reader.ReadInt32()));
        var sums = NewSums(keyed: false);
        for (var i = 0; i < sums.Counts.Length; i++)
        {
            sums.Counts[i] = reader.ReadInt32();
        }

        for (var i = 0; i < (sums.Amounts?.Length ?? 0); i++)
        {
            sums.Amounts![i] = reader.ReadDouble();
        }

        return new(key, sums);
    }

    /// <summary>The day's and the month's sums of a county, made when missing.</summary>
    private (Sums Day, Sums Month) Get(string county, DateOnly day)
    {
        return (Of(_days, (county, day), false), Of(_months, (county, new DateOnly(day.Year, day.Month, 1)), true));

        Sums Of(Dictionary<(string, DateOnly), Sums> sums, (string, DateOnly) key, bool keyed)
        {
            if (!sums.TryGetValue(key, out var found))
            {
                found = NewSums(keyed);
                sums.Add(key, found);
            }

            return found;
        }
    }

    private Sums NewSums(bool keyed) => new(new int[_counts], _amounts == 0 ? null : new double[_amounts], keyed ? new long[_counts] : null);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // A merge is part of a batch that may run for many minutes; only the batch's own cancellation stops it.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record Sums(int[] Counts, double[]? Amounts, long[]? Keys)
    {
        /// <summary>Adds <paramref name="b"/> into <paramref name="a"/>, element by element, and returns it.</summary>
        public static Sums Add(Sums a, Sums b)
        {
            for (var i = 0; i < a.Counts.Length; i++)
            {
                a.Counts[i] += b.Counts[i];
            }

            for (var i = 0; i < (a.Amounts?.Length ?? 0); i++)
            {
                a.Amounts![i] += b.Amounts![i];
            }

            for (var i = 0; i < (a.Keys?.Length ?? 0); i++)
            {
                a.Keys![i] += b.Keys![i];
            }

            return a;
        }
    }
}
