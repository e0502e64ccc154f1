using System.Runtime.InteropServices;
using GeoOrs.Analysis.Tiles;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// Adds up the events a batch stores per cluster cell (<see cref="ClusterGrid"/>, every kept level)
/// and UTC month, by their true and by their masked positions, and merges the sums into
/// <c>overdose_cells</c> or <c>seizure_cells</c> inside the batch's transaction, as
/// <see cref="AggregateTally"/> does for the county aggregates: sums are moved to a staging table every
/// <see cref="DefaultFlushKeys"/> cells, which bounds the memory a large batch takes, and merged once
/// at the end, in key order, adding up only the cells staged more than once (<see cref="StagedKeys{TKey}"/>).
/// </summary>
internal sealed class CellTally
{
    /// <summary>Cells tallied in memory before they are moved to the staging table.</summary>
    public const int DefaultFlushKeys = 300_000;

    /// <summary>Staged cells remembered (16–20 bytes each), past which every cell staged is added up at the merge.</summary>
    public const int DefaultTrackedKeys = 2_000_000;

    private readonly EventKind _kind;
    private readonly int _flushKeys;
    private readonly Dictionary<Key, Sums> _cells = [];
    private readonly StagedKeys<Key> _staged;
    private bool _staging;
    private bool _changed;

    public CellTally(EventKind kind, int flushKeys = DefaultFlushKeys, int trackedKeys = DefaultTrackedKeys)
    {
        _kind = kind;
        _flushKeys = flushKeys;
        _staged = new StagedKeys<Key>(trackedKeys);
    }

    /// <summary>Counts one stored overdose at its true and its masked position.</summary>
    public void Add(OverdoseRow row, double maskedLon, double maskedLat)
    {
        var month = Month(row.OccurredAt);
        var naloxone = row.NaloxoneAdministered == true;
        Tally(false, row.Lon, row.Lat);
        Tally(true, maskedLon, maskedLat);

        void Tally(bool masked, double lon, double lat)
        {
            var u = ClusterGrid.U(lon);
            var v = ClusterGrid.V(lat);
            var (x, y) = ClusterGrid.Position(u, v);
            foreach (var level in ClusterGrid.Levels)
            {
                ref var sums = ref Get(new Key(ClusterGrid.Key(masked, ClusterGrid.CellOfUv(u, v, level)), month));
                sums.N++;
                sums.Sx += x;
                sums.Sy += y;
                sums.X += naloxone ? 1 : 0;
                if (row.Fatal)
                {
                    sums.F++;
                    sums.Fx += naloxone ? 1 : 0;
                    sums.Fsx += x;
                    sums.Fsy += y;
                }
            }
        }
    }

    /// <summary>Counts one stored seizure at its true and its masked position.</summary>
    public void Add(SeizureRow row, double maskedLon, double maskedLat)
    {
        var month = Month(row.SeizedAt);
        Tally(false, row.Lon, row.Lat);
        Tally(true, maskedLon, maskedLat);

        void Tally(bool masked, double lon, double lat)
        {
            var u = ClusterGrid.U(lon);
            var v = ClusterGrid.V(lat);
            var (x, y) = ClusterGrid.Position(u, v);
            foreach (var level in ClusterGrid.Levels)
            {
                ref var sums = ref Get(new Key(ClusterGrid.Key(masked, ClusterGrid.CellOfUv(u, v, level)), month));
                sums.N++;
                sums.G += row.Grams ?? 0;
                sums.Sx += x;
                sums.Sy += y;
            }
        }
    }

    /// <summary>Moves the sums into the batch's staging table when enough cells are waiting.</summary>
    public Task FlushIfFullAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        _cells.Count >= _flushKeys ? StageAsync(connection, cancellationToken) : Task.CompletedTask;

    /// <summary>Merges everything staged into the cell table (at the end of the batch), each cell and month once, in key order.</summary>
    public async Task FlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await StageAsync(connection, cancellationToken).ConfigureAwait(false);
        if (!_changed)
        {
            return;
        }

        // The cells staged first go in as they are; those staged again (if any) are added up and joined on.
        var measures = Measures;
        var rows = _staged.AnyAgain
            ? $"""
              SELECT {KeyColumns}, {string.Join(", ", measures.Select(m => $"coalesce(s.{m}, 0) + coalesce(r.{m}, 0)"))}
              FROM (SELECT * FROM ingest_{Table} WHERE NOT again) s
              FULL JOIN (SELECT {KeyColumns}, {string.Join(", ", measures.Select(m => $"sum({m}) AS {m}"))} FROM ingest_{Table} WHERE again GROUP BY {KeyColumns}) r
                USING ({KeyColumns})
              """
            : $"SELECT {KeyColumns}, {string.Join(", ", measures)} FROM ingest_{Table}";
        await ExecuteAsync(connection, $"""
            SET LOCAL work_mem = '256MB';
            INSERT INTO {Table} AS a ({KeyColumns}, {string.Join(", ", measures)})
            {rows}
            ORDER BY {KeyColumns}
            ON CONFLICT ({KeyColumns}) DO UPDATE SET {string.Join(", ", measures.Select(m => $"{m} = a.{m} + excluded.{m}"))}
            """, cancellationToken).ConfigureAwait(false);
    }

    private const string KeyColumns = "cell, month";

    private string Table => _kind == EventKind.Overdoses ? "overdose_cells" : "seizure_cells";

    private string[] Measures => _kind == EventKind.Overdoses
        ? ["n", "f", "x", "fx", "sx", "sy", "fsx", "fsy"]
        : ["n", "g", "sx", "sy"];

    private static DateOnly Month(DateTimeOffset at)
    {
        var day = at.UtcDateTime;
        return new DateOnly(day.Year, day.Month, 1);
    }

    /// <summary>The sums of a cell and month, in the dictionary itself (added as zeros when missing).</summary>
    private ref Sums Get(Key key) => ref CollectionsMarshal.GetValueRefOrAddDefault(_cells, key, out _);

    /// <summary>COPYs the waiting sums into the batch's staging table (made on first use, dropped at commit).</summary>
    private async Task StageAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_cells.Count == 0)
        {
            return;
        }

        if (!_staging)
        {
            await ExecuteAsync(connection, $"CREATE TEMP TABLE ingest_{Table} ON COMMIT DROP AS SELECT *, false AS again FROM {Table} WITH NO DATA", cancellationToken).ConfigureAwait(false);
            _staging = true;
        }

        var overdoses = _kind == EventKind.Overdoses;
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY ingest_{Table} ({KeyColumns}, {string.Join(", ", Measures)}, again) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var (key, sums) in _cells)
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

                copy.Write(!_staged.First(key), NpgsqlDbType.Boolean);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        _cells.Clear();
        _changed = true;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // Part of a batch that may run for many minutes; only the batch's own cancellation stops it.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A cell (<see cref="ClusterGrid.Key"/>) and a month.</summary>
    private readonly record struct Key(int Cell, DateOnly Month);

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
    }
}
