using System.Collections.Frozen;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// Adds up the events a batch stores per county and UTC day, in the drug slots of the
/// <c>aggregate_drugs</c> table, and merges the sums into the daily and monthly aggregate tables
/// inside the batch's transaction, so the layers summed from them are never stale. The sums are
/// flushed every <see cref="FlushKeys"/> county-days, which bounds the memory a large batch takes.
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

    private const int FlushKeys = 100_000;

    private readonly EventKind _kind;
    private readonly Dictionary<(string County, DateOnly Day), Sums> _days = [];
    private readonly Dictionary<(string County, DateOnly Month), Sums> _months = []; // at most counties × months: merged once, at the end
    private bool _staging;

    public AggregateTally(EventKind kind) => _kind = kind;

    /// <summary>Whether the batch changed any aggregate.</summary>
    public bool Changed { get; private set; }

    /// <summary>Counts one stored overdose.</summary>
    public void Add(OverdoseRow row, string? county)
    {
        if (county is null)
        {
            return;
        }

        var naloxone = row.NaloxoneAdministered == true;
        var (day, month) = Get(county, row.OccurredAt);
        Tally(day.Counts);
        Tally(month.Counts);

        void Tally(int[] counts)
        {
            Count(counts, 1, row.Fatal, naloxone);
            foreach (var drug in row.SuspectedDrugs)
            {
                if (DrugSlots.TryGetValue(drug, out var slot))
                {
                    Count(counts, slot, row.Fatal, naloxone);
                }
            }
        }

        static void Count(int[] counts, int slot, bool fatal, bool naloxone)
        {
            var i = slot - 1;
            counts[i]++;
            counts[Slots + i] += fatal ? 1 : 0;
            counts[(2 * Slots) + i] += naloxone ? 1 : 0;
            counts[(3 * Slots) + i] += fatal && naloxone ? 1 : 0;
        }
    }

    /// <summary>Counts one stored seizure.</summary>
    public void Add(SeizureRow row, string? county)
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
            Count(sums, 1, row);
            if (DrugSlots.TryGetValue(row.Drug, out var slot))
            {
                Count(sums, slot, row);
            }
        }

        static void Count(Sums sums, int slot, SeizureRow row)
        {
            var i = slot - 1;
            sums.Counts[i]++;
            sums.Amounts![i] += row.Grams ?? 0;
            sums.Amounts[Slots + i] += row.DosageUnits ?? 0;
        }
    }

    /// <summary>Merges the daily sums when enough county-days are waiting.</summary>
    public Task FlushIfFullAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        _days.Count >= FlushKeys ? MergeAsync(connection, _days, "daily", cancellationToken) : Task.CompletedTask;

    /// <summary>Merges every waiting sum into the daily and monthly tables (at the end of the batch).</summary>
    public async Task FlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await MergeAsync(connection, _days, "daily", cancellationToken).ConfigureAwait(false);
        await MergeAsync(connection, _months, "monthly", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>COPYs sums into the batch's staging table and merges them into the daily or monthly table.</summary>
    private async Task MergeAsync(NpgsqlConnection connection, Dictionary<(string, DateOnly), Sums> pending, string grain, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        var overdoses = _kind == EventKind.Overdoses;
        var table = overdoses ? "overdose" : "seizure";
        var measures = overdoses ? "events, fatal, naloxone, fatal_naloxone" : "events, grams, dosage_units";
        if (!_staging)
        {
            await ExecuteAsync(connection,
                $"CREATE TEMP TABLE ingest_{table}_tally ON COMMIT DROP AS SELECT * FROM {table}_daily WITH NO DATA", cancellationToken).ConfigureAwait(false);
            _staging = true;
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY ingest_{table}_tally (county_fips, day, {measures}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var ((county, day), sums) in pending)
            {
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(county, NpgsqlDbType.Char, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(day, NpgsqlDbType.Date, cancellationToken).ConfigureAwait(false);
                for (var m = 0; m < sums.Counts.Length / Slots; m++)
                {
                    await copy.WriteAsync(sums.Counts[(m * Slots)..((m + 1) * Slots)], NpgsqlDbType.Array | NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                }

                for (var m = 0; m < (sums.Amounts?.Length ?? 0) / Slots; m++)
                {
                    await copy.WriteAsync(sums.Amounts![(m * Slots)..((m + 1) * Slots)], NpgsqlDbType.Array | NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                }
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        // Element by element, written out: an ARRAY[...] expression is evaluated inline, where a
        // function over unnest() costs a subquery per row and array (ten times slower on large merges).
        var names = measures.Split(", ");
        var type = (string m) => m is "events" or "fatal" or "naloxone" or "fatal_naloxone" ? "integer" : "double precision";
        var merge = string.Join(", ", names.Select(m =>
            $"{m} = ARRAY[{string.Join(", ", Enumerable.Range(1, Slots).Select(i => $"coalesce(a.{m}[{i}], 0) + coalesce(excluded.{m}[{i}], 0)"))}]::{type(m)}[]"));
        var key = grain == "daily" ? "day" : "month";
        await ExecuteAsync(connection, $"""
            INSERT INTO {table}_{grain} AS a (county_fips, {key}, {measures})
            SELECT county_fips, day, {measures} FROM ingest_{table}_tally
            ON CONFLICT (county_fips, {key}) DO UPDATE SET {merge};
            TRUNCATE ingest_{table}_tally
            """, cancellationToken).ConfigureAwait(false);
        pending.Clear();
        Changed = true;
    }

    /// <summary>The day's and the month's sums of a county, made when missing.</summary>
    private (Sums Day, Sums Month) Get(string county, DateTimeOffset at)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return (Of(_days, (county, day)), Of(_months, (county, new DateOnly(day.Year, day.Month, 1))));

        Sums Of(Dictionary<(string, DateOnly), Sums> sums, (string, DateOnly) key)
        {
            if (!sums.TryGetValue(key, out var found))
            {
                found = _kind == EventKind.Overdoses
                    ? new Sums(new int[4 * Slots], null)
                    : new Sums(new int[Slots], new double[2 * Slots]);
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

    private sealed record Sums(int[] Counts, double[]? Amounts);
}
