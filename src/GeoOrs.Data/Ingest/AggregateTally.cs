using System.Collections.Frozen;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// Adds up the events a batch stores per county and UTC day, in the drug slots of the
/// <c>aggregate_drugs</c> table, and merges the sums into the daily and monthly aggregate tables
/// inside the batch's transaction, so the layers summed from them are never stale. Monthly sums also
/// add up the events' record keys (the cell keys of public figures, migration 0016). Daily sums are
/// moved to a staging table every <see cref="DefaultFlushKeys"/> county-days, which bounds the memory
/// a large batch takes, and everything is merged once at the end, in key order, adding up only the
/// county-days staged more than once (<see cref="StagedKeys{TKey}"/>).
/// </summary>
internal sealed class AggregateTally
{
    /// <summary>Slots per measure: 1 for every event, then one per drug.</summary>
    public const int Slots = 12;

    /// <summary>Drug → slot, as the migration numbers them (a test holds the two equal).</summary>
    public static readonly FrozenDictionary<string, int> DrugSlots = new Dictionary<string, int>
    {
        ["fentanyl"] = 2, ["heroin"] = 3, ["prescription_opioid"] = 4, ["other_opioid"] = 5, ["cocaine"] = 6,
        ["methamphetamine"] = 7, ["xylazine"] = 8, ["benzodiazepine"] = 9, ["other"] = 10, ["unknown"] = 11,
        ["marijuana"] = 12,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>County-days tallied in memory before they are moved to the staging table.</summary>
    public const int DefaultFlushKeys = 50_000;

    /// <summary>Staged county-days remembered (about 30 bytes each), past which every one staged is added up at the merge.</summary>
    public const int DefaultTrackedKeys = 1_000_000;

    private readonly EventKind _kind;
    private readonly int _flushKeys;
    private readonly Dictionary<(string County, DateOnly Day), Sums> _days = [];
    private readonly Dictionary<(string County, DateOnly Month), Sums> _months = []; // at most counties × months: staged once, at the end
    private readonly StagedKeys<(string, DateOnly)> _stagedDays;
    private readonly StagedKeys<(string, DateOnly)> _stagedMonths;
    private bool _staging;

    public AggregateTally(EventKind kind, int flushKeys = DefaultFlushKeys, int trackedKeys = DefaultTrackedKeys)
    {
        _kind = kind;
        _flushKeys = flushKeys;
        _stagedDays = new StagedKeys<(string, DateOnly)>(trackedKeys);
        _stagedMonths = new StagedKeys<(string, DateOnly)>(trackedKeys);
    }

    /// <summary>Whether the batch changed any aggregate.</summary>
    public bool Changed { get; private set; }

    /// <summary>Counts one stored overdose with its record key.</summary>
    public void Add(OverdoseRow row, string? county, int recordKey)
    {
        if (county is null)
        {
            return;
        }

        var naloxone = row.NaloxoneAdministered == true;
        var (day, month) = Get(county, row.OccurredAt);
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

    /// <summary>Counts one stored seizure with its record key.</summary>
    public void Add(SeizureRow row, string? county, int recordKey)
    {
        if (county is null)
        {
            return;
        }

        var (day, month) = Get(county, row.SeizedAt);
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

    /// <summary>
    /// Moves the daily sums into the batch's staging table when enough county-days are waiting: a
    /// COPY only, so memory stays bounded; they are added up and merged once, at the end.
    /// </summary>
    public Task FlushIfFullAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        _days.Count >= _flushKeys ? StageAsync(connection, _days, "days", _stagedDays, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Merges everything into the daily and monthly tables (at the end of the batch): each county-day
    /// and county-month once, in key order: the rows staged first as they are, with the sums of those
    /// staged again (if any) added element by element.
    /// </summary>
    public async Task FlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await StageAsync(connection, _days, "days", _stagedDays, cancellationToken).ConfigureAwait(false);
        await StageAsync(connection, _months, "months", _stagedMonths, cancellationToken).ConfigureAwait(false);
        if (!Changed)
        {
            return;
        }

        // Element by element, written out: an ARRAY[...] expression is evaluated inline, where a
        // function over unnest() costs a subquery per row and array (ten times slower on large merges).
        // Adding up every staged row (GROUP BY over all of them) took about half the time of a
        // million-event batch's merges; most keys are staged once.
        var type = (string m) => m.EndsWith("_key", StringComparison.Ordinal) ? "bigint"
            : m is "events" or "fatal" or "naloxone" or "fatal_naloxone" ? "integer" : "double precision";
        foreach (var (grain, key, staged, columns, keys) in new[]
        {
            ("daily", "day", "days", Measures, _stagedDays),
            ("monthly", "month", "months", $"{Measures}, {Keys}", _stagedMonths),
        })
        {
            var names = columns.Split(", ");
            string Elements(Func<int, string> element) => string.Join(", ", Enumerable.Range(1, Slots).Select(element));
            var rows = keys.AnyAgain
                ? $"""
                  SELECT county_fips, day, {string.Join(", ", names.Select(m =>
                      $"CASE WHEN r.day IS NULL THEN s.{m} WHEN s.day IS NULL THEN r.{m} ELSE ARRAY[{Elements(i => $"s.{m}[{i}] + r.{m}[{i}]")}]::{type(m)}[] END"))}
                  FROM (SELECT * FROM ingest_{Table}_{staged} WHERE NOT again) s
                  FULL JOIN (SELECT county_fips, day, {string.Join(", ", names.Select(m => $"ARRAY[{Elements(i => $"sum({m}[{i}])")}]::{type(m)}[] AS {m}"))}
                             FROM ingest_{Table}_{staged} WHERE again GROUP BY county_fips, day) r USING (county_fips, day)
                  """
                : $"SELECT county_fips, day, {columns} FROM ingest_{Table}_{staged}";
            var merge = string.Join(", ", names.Select(m =>
                $"{m} = ARRAY[{Elements(i => $"coalesce(a.{m}[{i}], 0) + coalesce(excluded.{m}[{i}], 0)")}]::{type(m)}[]"));

            // Enough memory to add up the rows staged again in one hash table instead of sorting them on disk.
            await ExecuteAsync(connection, $"""
                SET LOCAL work_mem = '256MB';
                INSERT INTO {Table}_{grain} AS a (county_fips, {key}, {columns})
                {rows}
                ORDER BY county_fips, day
                ON CONFLICT (county_fips, {key}) DO UPDATE SET {merge}
                """, cancellationToken).ConfigureAwait(false);
        }
    }

    private string Table => _kind == EventKind.Overdoses ? "overdose" : "seizure";

    private string Measures => _kind == EventKind.Overdoses ? "events, fatal, naloxone, fatal_naloxone" : "events, grams, dosage_units";

    /// <summary>The record-key sums of the monthly rows, one per count measure.</summary>
    private string Keys => _kind == EventKind.Overdoses ? "events_key, fatal_key, naloxone_key, fatal_naloxone_key" : "events_key";

    /// <summary>COPYs waiting sums into the batch's staging table for days or months (made on first use, dropped at commit).</summary>
    private async Task StageAsync(
        NpgsqlConnection connection, Dictionary<(string, DateOnly), Sums> pending, string staged, StagedKeys<(string, DateOnly)> keys, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        if (!_staging)
        {
            await ExecuteAsync(connection, $"""
                CREATE TEMP TABLE ingest_{Table}_days ON COMMIT DROP AS SELECT *, false AS again FROM {Table}_daily WITH NO DATA;
                CREATE TEMP TABLE ingest_{Table}_months ON COMMIT DROP AS
                    SELECT county_fips, month AS day, {Measures}, {Keys}, false AS again FROM {Table}_monthly WITH NO DATA
                """, cancellationToken).ConfigureAwait(false);
            _staging = true;
        }

        // Written synchronously: the importer buffers, and only a full buffer goes to the socket.
        var monthly = staged == "months";
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY ingest_{Table}_{staged} (county_fips, day, {Measures}{(monthly ? $", {Keys}" : "")}, again) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var (key, sums) in pending)
            {
                copy.StartRow();
                copy.Write(key.Item1, NpgsqlDbType.Char);
                copy.Write(key.Item2, NpgsqlDbType.Date);
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

                copy.Write(!keys.First(key), NpgsqlDbType.Boolean);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        pending.Clear();
        Changed = true;
    }

    /// <summary>The day's and the month's sums of a county, made when missing.</summary>
    private (Sums Day, Sums Month) Get(string county, DateTimeOffset at)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return (Of(_days, (county, day), false), Of(_months, (county, new DateOnly(day.Year, day.Month, 1)), true));

        Sums Of(Dictionary<(string, DateOnly), Sums> sums, (string, DateOnly) key, bool keyed)
        {
            if (!sums.TryGetValue(key, out var found))
            {
                found = _kind == EventKind.Overdoses
                    ? new Sums(new int[4 * Slots], null, keyed ? new long[4 * Slots] : null)
                    : new Sums(new int[Slots], new double[2 * Slots], keyed ? new long[Slots] : null);
                sums.Add(key, found);
            }

            return found;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // A merge is part of a batch that may run for many minutes; only the batch's own cancellation stops it.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record Sums(int[] Counts, double[]? Amounts, long[]? Keys);
}
