using System.Runtime.InteropServices;
using GeoOrs.Analysis.Tiles;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// Adds up the events a batch stores per cluster cell (<see cref="ClusterGrid"/>, every kept level)
/// and local month (the month of each event's local day), by their true and by their masked positions, and merges the sums into
/// <c>overdose_cells</c> or <c>seizure_cells</c> inside the batch's transaction, as
/// <see cref="AggregateTally"/> does for the county aggregates: every <see cref="DefaultFlushKeys"/>
/// cells the sums are spilled to a sorted run on disk (<see cref="SpilledRuns{TKey, TValue}"/>), which
/// bounds the memory a large batch takes, and at the end the runs are merged, each cell and month
/// once, staged, and inserted in key order.
/// </summary>
internal sealed class CellTally : IDisposable
{
    /// <summary>The most cells merged straight from parameters, without a staging table (<see cref="MergeDirectAsync"/>).</summary>
    public const int DirectKeys = 50_000;

    /// <summary>Cells tallied in memory before they are spilled.</summary>
    public const int DefaultFlushKeys = 300_000;

    private readonly EventKindInfo _kind;
    private readonly int _flushKeys;
    private readonly Dictionary<Key, Sums> _cells = [];
    private readonly SpilledRuns<Key, Sums> _runs = new(Comparer<Key>.Create(static (a, b) => a.CompareTo(b)), WriteRun, ReadRun, Sums.Add);

    public CellTally(EventKind kind, int flushKeys = DefaultFlushKeys)
    {
        _kind = EventKindInfo.Of(kind);
        _flushKeys = flushKeys;
    }

    /// <summary>Counts one stored overdose in the month of its local day, at its true and its masked position.</summary>
    public void Add(OverdoseRow row, DateOnly localDay, double maskedLon, double maskedLat) =>
        Add(new Event(Month(localDay), row.Fatal, row.NaloxoneAdministered == true, 0), row.Lon, row.Lat, maskedLon, maskedLat);

    /// <summary>Counts one stored seizure in the month of its local day, at its true and its masked position.</summary>
    public void Add(SeizureRow row, DateOnly localDay, double maskedLon, double maskedLat) =>
        Add(new Event(Month(localDay), false, false, row.Grams ?? 0), row.Lon, row.Lat, maskedLon, maskedLat);

    private void Add(in Event e, double lon, double lat, double maskedLon, double maskedLat)
    {
        Tally(e, false, lon, lat);
        Tally(e, true, maskedLon, maskedLat);
    }

    /// <summary>Adds an event to its cell of every level at one of its positions.</summary>
    private void Tally(in Event e, bool masked, double lon, double lat)
    {
        var u = ClusterGrid.U(lon);
        var v = ClusterGrid.V(lat);
        var (x, y) = ClusterGrid.Position(u, v);
        foreach (var level in ClusterGrid.Levels)
        {
            ref var sums = ref Get(new Key(ClusterGrid.Key(masked, ClusterGrid.CellOfUv(u, v, level)), e.Month));
            sums.N++;
            sums.G += e.Grams;
            sums.Sx += x;
            sums.Sy += y;
            sums.X += e.Naloxone ? 1 : 0;
            if (e.Fatal)
            {
                sums.F++;
                sums.Fx += e.Naloxone ? 1 : 0;
                sums.Fsx += x;
                sums.Fsy += y;
            }
        }
    }

    /// <summary>Spills the sums to a run on disk when enough cells are waiting.</summary>
    public void SpillIfFull()
    {
        if (_cells.Count >= _flushKeys)
        {
            _runs.Spill(_cells);
        }
    }

    /// <summary>Merges the batch's sums into the cell table (at its end): each cell and month once, in key order.</summary>
    public async Task FlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_cells.Count == 0 && _runs.Runs == 0)
        {
            return;
        }

        var measures = Measures;
        if (_runs.Runs == 0 && _cells.Count <= DirectKeys)
        {
            await MergeDirectAsync(connection, cancellationToken).ConfigureAwait(false);
            return;
        }

        await ExecuteAsync(connection, $"CREATE TEMP TABLE ingest_{Table} ON COMMIT DROP AS SELECT * FROM {Table} WITH NO DATA", cancellationToken).ConfigureAwait(false);
        var overdoses = _kind.Kind == EventKind.Overdoses;
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY ingest_{Table} ({KeyColumns}, {string.Join(", ", measures)}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            // Written synchronously: the importer buffers, and only a full buffer goes to the socket.
            foreach (var (key, sums) in _runs.Merge(_cells))
            {
                copy.StartRow();
                copy.Write(key.Cell, NpgsqlDbType.Integer);
                copy.Write(key.Month, NpgsqlDbType.Date);
                copy.Write(sums.N, NpgsqlDbType.Integer);
                if (overdoses)
                {
                    copy.Write(sums.F, NpgsqlDbType.Integer);
                    copy.Write(sums.X, NpgsqlDbType.Integer);
                    copy.Write(sums.Fx, NpgsqlDbType.Integer);
                }
                else
                {
                    copy.Write(sums.G, NpgsqlDbType.Double);
                }

                copy.Write(sums.Sx, NpgsqlDbType.Double);
                copy.Write(sums.Sy, NpgsqlDbType.Double);
                if (overdoses)
                {
                    copy.Write(sums.Fsx, NpgsqlDbType.Double);
                    copy.Write(sums.Fsy, NpgsqlDbType.Double);
                }
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        // In key order, as every batch takes its row locks (concurrent batches then wait, not deadlock);
        // the staged rows are in that order already, so the sort is a pass in memory.
        _runs.Dispose();
        await ExecuteAsync(connection, $"""
            SET LOCAL work_mem = '256MB';
            {MergeSql($"SELECT {KeyColumns}, {string.Join(", ", measures)} FROM ingest_{Table}")}
            """, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The merge of the sums <paramref name="select"/> gives (cell, month, then the measures), the same for both ways of flushing.</summary>
    private string MergeSql(string select) => $"""
        INSERT INTO {Table} AS a ({KeyColumns}, {string.Join(", ", Measures)})
        {select}
        ORDER BY {KeyColumns}
        ON CONFLICT ({KeyColumns}) DO UPDATE SET {string.Join(", ", Measures.Select(m => $"{m} = a.{m} + excluded.{m}"))}
        """;

    /// <summary>
    /// Merges a few sums (a live request's) without a staging table: the rows go as parameter arrays,
    /// one per column, straight into the same merge.
    /// </summary>
    private async Task MergeDirectAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = _cells.ToArray();
        Array.Sort(rows, static (a, b) => a.Key.CompareTo(b.Key));
        var columns = Measures.Select((m, c) => $"${c + 3}::{(m is "n" or "f" or "x" or "fx" ? "integer" : "double precision")}[]");
        await using var command = new NpgsqlCommand(
            MergeSql($"SELECT * FROM unnest($1::integer[], $2::date[], {string.Join(", ", columns)}) AS r ({KeyColumns}, {string.Join(", ", Measures)})"), connection);
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Key.Cell)] });
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. rows.Select(r => r.Key.Month)] });
        foreach (var measure in Measures)
        {
            command.Parameters.Add(measure switch
            {
                "n" => new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Value.N)] },
                "f" => new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Value.F)] },
                "x" => new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Value.X)] },
                "fx" => new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Value.Fx)] },
                "g" => new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.G)] },
                "sx" => new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.Sx)] },
                "sy" => new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.Sy)] },
                "fsx" => new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.Fsx)] },
                "fsy" => new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.Fsy)] },
                _ => throw new InvalidOperationException($"no cell measure '{measure}'"),
            });
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _cells.Clear();
    }

    /// <summary>Removes the runs on disk.</summary>
    public void Dispose() => _runs.Dispose();

    private const string KeyColumns = "cell, month";

    private string Table => _kind.CellTable;

    private IReadOnlyList<string> Measures => _kind.CellMeasures;

    private static DateOnly Month(DateOnly day) => new(day.Year, day.Month, 1);

    /// <summary>The sums of a cell and month, in the dictionary itself (added as zeros when missing).</summary>
    private ref Sums Get(Key key) => ref CollectionsMarshal.GetValueRefOrAddDefault(_cells, key, out _);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // Part of a batch that may run for many minutes; only the batch's own cancellation stops it.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteRun(BinaryWriter writer, Key key, Sums sums)
    {
        writer.Write(key.Cell);
        writer.Write(key.Month.DayNumber);
        writer.Write(sums.N);
        writer.Write(sums.F);
        writer.Write(sums.X);
        writer.Write(sums.Fx);
        writer.Write(sums.G);
        writer.Write(sums.Sx);
        writer.Write(sums.Sy);
        writer.Write(sums.Fsx);
        writer.Write(sums.Fsy);
    }

    private static KeyValuePair<Key, Sums> ReadRun(BinaryReader reader) => new(
        new Key(reader.ReadInt32(), DateOnly.FromDayNumber(reader.ReadInt32())),
        new Sums
        {
            N = reader.ReadInt32(), F = reader.ReadInt32(), X = reader.ReadInt32(), Fx = reader.ReadInt32(),
            G = reader.ReadDouble(), Sx = reader.ReadDouble(), Sy = reader.ReadDouble(), Fsx = reader.ReadDouble(), Fsy = reader.ReadDouble(),
        });

    /// <summary>
    /// What one event adds to a cell besides its count and position: an overdose its fatality and
    /// naloxone, a seizure its grams (each zero for the other kind, whose table has no such measure).
    /// </summary>
    private readonly record struct Event(DateOnly Month, bool Fatal, bool Naloxone, double Grams);

    /// <summary>A cell (<see cref="ClusterGrid.Key"/>) and a month, ordered by cell, then month.</summary>
    private readonly record struct Key(int Cell, DateOnly Month) : IComparable<Key>
    {
        public int CompareTo(Key other) => Cell != other.Cell ? Cell.CompareTo(other.Cell) : Month.CompareTo(other.Month);
    }

    /// <summary>A cell's sums: a struct held in the dictionary's own storage, so a batch's million cells are no million objects.</summary>
    private struct Sums
    {
        public int N;
        public int F;
        public int X;
        public int Fx;
        public double G;
        public double Sx;
        public double Sy;
        public double Fsx;
        public double Fsy;

        public static Sums Add(Sums a, Sums b) => new()
        {
            N = a.N + b.N, F = a.F + b.F, X = a.X + b.X, Fx = a.Fx + b.Fx,
            G = a.G + b.G, Sx = a.Sx + b.Sx, Sy = a.Sy + b.Sy, Fsx = a.Fsx + b.Fsx, Fsy = a.Fsy + b.Fsy,
        };
    }
}
