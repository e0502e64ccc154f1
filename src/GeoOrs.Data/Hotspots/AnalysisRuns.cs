using System.Text.Json;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Hotspots;

/// <summary>A stored run of an analysis job: what it was asked and what it found.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Kind">hotspots, emerging or spikes.</param>
/// <param name="Reason">schedule, ingest, recovery or manual.</param>
/// <param name="Parameters">The parameters the run used (chosen or configured).</param>
/// <param name="WindowFrom">The first day of events read.</param>
/// <param name="WindowTo">The last day of events read (inclusive).</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it finished, if it did.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Status">running, succeeded or failed.</param>
/// <param name="Summary">What it found, in numbers (or why it failed).</param>
public sealed record AnalysisRun(
    long Id, string Kind, string Reason, JsonElement Parameters, DateOnly WindowFrom, DateOnly WindowTo,
    DateTime StartedAt, DateTime? FinishedAt, int? DurationMs, string Status, JsonElement? Summary);

/// <summary>A result cell of a run.</summary>
/// <param name="Scale">hex, county, emerging or heat.</param>
/// <param name="CellId">The hexagon's axial coordinates ("q,r") or the county's FIPS code.</param>
/// <param name="Geometry">The cell's polygon in EPSG:5070 (SRID set), or null for a county (its boundary is used).</param>
/// <param name="Events">Events in the cell (for heat: within the kernel's reach of its centre).</param>
/// <param name="Z">Gi* z-score (for emerging: the last bin's).</param>
/// <param name="P">Its p-value.</param>
/// <param name="Bin">The confidence bin −3…3.</param>
/// <param name="Category">The emerging hot spot category.</param>
/// <param name="TrendZ">The Mann–Kendall z of the cell's series.</param>
/// <param name="TrendP">Its p-value.</param>
/// <param name="Density">Kernel density, events per km².</param>
/// <param name="Clip">The state (2-digit FIPS) the polygon is clipped to, or null.</param>
public sealed record ResultCell(
    string Scale, string CellId, NetTopologySuite.Geometries.Geometry? Geometry, int Events,
    double? Z = null, double? P = null, int? Bin = null, string? Category = null, double? TrendZ = null, double? TrendP = null, double? Density = null,
    string? Clip = null);

/// <summary>Writes and reads <c>analysis_runs</c> and their <c>hotspot_cells</c>.</summary>
public static class AnalysisRuns
{
    /// <summary>How many of the latest runs of each kind keep their cells.</summary>
    public const int KeptRuns = 10;

    /// <summary>The kinds of run.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["hotspots", "emerging", "spikes"];

    /// <summary>
    /// Marks the runs of a kind still <c>running</c> as failed ("interrupted"): the jobs never run
    /// twice at once, so such a run belongs to a process that died.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>How many were marked.</returns>
    public static async Task<int> FailInterruptedAsync(NpgsqlDataSource dataSource, string kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            UPDATE analysis_runs SET status = 'failed', finished_at = now(),
                   summary = jsonb_build_object('error', 'interrupted: the process running it stopped')
            WHERE kind = $1 AND status = 'running'
            """);
        command.Parameters.AddWithValue(kind);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the start of a run.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="reason">Why it runs.</param>
    /// <param name="jobRunId">The job run, if a scheduled job runs it.</param>
    /// <param name="parametersJson">The parameters as JSON.</param>
    /// <param name="from">The first day read.</param>
    /// <param name="to">The last day read.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The run's id.</returns>
    public static async Task<long> StartAsync(
        NpgsqlDataSource dataSource, string kind, string reason, long? jobRunId, string parametersJson, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO analysis_runs (kind, reason, job_run_id, parameters, window_from, window_to)
            VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id
            """);
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(reason);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)jobRunId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue(parametersJson);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Writes a run's cells (binary COPY; hexagons transformed to EPSG:4326 and clipped to their
    /// state by PostGIS), updates
    /// its parameters (the scale chosen) and marks it succeeded, in the caller's transaction; bumps
    /// the <c>hotspots</c> data version when cells were written.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The transaction the results commit in.</param>
    /// <param name="runId">The run.</param>
    /// <param name="cells">Its cells.</param>
    /// <param name="parametersJson">The parameters as finally used.</param>
    /// <param name="summaryJson">The summary.</param>
    /// <param name="durationMs">How long it took.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>A task.</returns>
    public static async Task SucceedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long runId, IReadOnlyCollection<ResultCell> cells, string parametersJson, string summaryJson, long durationMs,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Count > 0)
        {
            await using (var create = new NpgsqlCommand("""
                CREATE TEMP TABLE cells_in (scale text, cell_id text, geom geometry, events int, z float8, p float8, bin smallint,
                                            category text, trend_z float8, trend_p float8, density float8, clip text) ON COMMIT DROP
                """, connection, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY cells_in (scale, cell_id, geom, events, z, p, bin, category, trend_z, trend_p, density, clip) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
            {
                foreach (var cell in cells)
                {
                    await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(cell.Scale, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(cell.CellId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, cell.Geometry, NpgsqlDbType.Geometry, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(cell.Events, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, Finite(cell.Z), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, Finite(cell.P), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                    await WriteAsync<short?>(copy, cell.Bin is { } bin ? (short)bin : null, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, cell.Category, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, Finite(cell.TrendZ), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, Finite(cell.TrendP), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, Finite(cell.Density), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(copy, cell.Clip, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                }

                await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var insert = new NpgsqlCommand("""
                INSERT INTO hotspot_cells (run_id, scale, cell_id, geom, events, z, p, bin, category, trend_z, trend_p, density)
                SELECT $1, c.scale, c.cell_id, s.shape, c.events, c.z, c.p, c.bin, c.category, c.trend_z, c.trend_p, c.density
                FROM cells_in c
                CROSS JOIN LATERAL (SELECT ST_Transform(c.geom, 4326) AS hex) h
                LEFT JOIN states st ON st.statefp = c.clip
                CROSS JOIN LATERAL (SELECT CASE
                    WHEN h.hex IS NULL THEN NULL
                    WHEN st.geom IS NULL OR ST_Within(h.hex, st.geom) THEN ST_Multi(h.hex)
                    ELSE ST_Multi(ST_CollectionExtract(ST_Intersection(h.hex, st.geom), 3)) END AS shape) s
                WHERE s.shape IS NULL OR NOT ST_IsEmpty(s.shape)
                """, connection, transaction);
            insert.Parameters.AddWithValue(runId);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            // Cells are kept for the latest runs of each kind; older runs keep their parameters and summary.
            await using var prune = new NpgsqlCommand($"""
                DELETE FROM hotspot_cells WHERE run_id IN (
                    SELECT id FROM analysis_runs WHERE kind = (SELECT kind FROM analysis_runs WHERE id = $1) AND id <= $1
                    ORDER BY id DESC OFFSET {KeptRuns})
                """, connection, transaction);
            prune.Parameters.AddWithValue(runId);
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var bump = new NpgsqlCommand("SELECT geoors_bump('hotspots')", connection, transaction);
            await bump.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var finish = new NpgsqlCommand("""
            UPDATE analysis_runs SET status = 'succeeded', finished_at = now(), duration_ms = $2, parameters = $3::jsonb, summary = $4::jsonb
            WHERE id = $1
            """, connection, transaction);
        finish.Parameters.AddWithValue(runId);
        finish.Parameters.AddWithValue((int)Math.Min(durationMs, int.MaxValue));
        finish.Parameters.AddWithValue(parametersJson);
        finish.Parameters.AddWithValue(summaryJson);
        await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks a run failed with the reason.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="runId">The run.</param>
    /// <param name="error">Why.</param>
    /// <param name="durationMs">How long it ran.</param>
    /// <returns>A task.</returns>
    public static async Task FailAsync(NpgsqlDataSource dataSource, long runId, string error, long durationMs)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            UPDATE analysis_runs SET status = 'failed', finished_at = now(), duration_ms = $2, summary = jsonb_build_object('error', $3::text)
            WHERE id = $1
            """);
        command.Parameters.AddWithValue(runId);
        command.Parameters.AddWithValue((int)Math.Min(durationMs, int.MaxValue));
        command.Parameters.AddWithValue(error);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>The runs, newest first.</summary>
    /// <param name="db">The database.</param>
    /// <param name="kind">Only this kind, or null for all.</param>
    /// <param name="limit">At most this many.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The runs.</returns>
    public static async Task<IReadOnlyList<AnalysisRun>> ListAsync(GeoOrsDbContext db, string? kind, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.AnalysisRuns.AsNoTracking()
            .Where(r => kind == null || r.Kind == kind)
            .OrderByDescending(r => r.Id).Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(Of)];
    }

    /// <summary>Whether a run of the kind was ever started.</summary>
    /// <param name="db">The entity model.</param>
    /// <param name="kind">hotspots, emerging or spikes.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Whether one exists.</returns>
    public static Task<bool> AnyAsync(GeoOrsDbContext db, string kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.AnalysisRuns.AnyAsync(r => r.Kind == kind, cancellationToken);
    }

    /// <summary>One run, or null.</summary>
    /// <param name="db">The database.</param>
    /// <param name="id">The run's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The run.</returns>
    public static async Task<AnalysisRun?> GetAsync(GeoOrsDbContext db, long id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var row = await db.AnalysisRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : Of(row);
    }

    private static AnalysisRun Of(AnalysisRunRow r) => new(
        r.Id, r.Kind, r.Reason, Json(r.Parameters), r.WindowFrom, r.WindowTo, r.StartedAt.UtcDateTime, r.FinishedAt?.UtcDateTime, r.DurationMs, r.Status,
        r.Summary is null ? null : Json(r.Summary));

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static Task WriteAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);
}
