using GeoOrs.Data.Alerts;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Layers;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GeoOrs.Data.Briefs;

/// <summary>An emerging hot spot category found in an area: its stable name and the hexagons in it.</summary>
/// <param name="Category">The category's stable name (<c>new_hot_spot</c>…).</param>
/// <param name="Hexagons">The hexagons of the area in that category.</param>
public sealed record EmergingCategory(string Category, int Hexagons);

/// <summary>The latest emerging hot spot run: its id, window and the categories of the area's hexagons.</summary>
/// <param name="RunId">The run.</param>
/// <param name="From">The run's first day.</param>
/// <param name="To">The run's last day.</param>
/// <param name="Categories">The categories other than no pattern, most hexagons first.</param>
public sealed record AreaEmerging(long RunId, DateOnly From, DateOnly To, IReadOnlyList<EmergingCategory> Categories);

/// <summary>
/// What a data brief reads beside the area panel's figures (<see cref="AreaSummary"/>): the area's box
/// for its map, its emerging hot spot categories, and the alerts of its window.
/// </summary>
public static class BriefSources
{
    /// <summary>The area's box in Web Mercator metres (EPSG:3857), or null when it has no shape.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The area layer.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>West, south, east and north in metres.</returns>
    public static async Task<(double MinX, double MinY, double MaxX, double MaxY)?> BoxAsync(
        NpgsqlDataSource dataSource, AreaLayer layer, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        await using var command = dataSource.CreateCommand($"""
            SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
            FROM (SELECT ST_Transform(ST_Envelope(t.geom), 3857)::box2d AS b FROM {layer.Table} t WHERE t.{layer.Key}::text = $1 AND t.geom IS NOT NULL) s
            """);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3))
            : null;
    }

    /// <summary>
    /// The categories of the area's hexagons (those whose point on surface lies in the area) in the
    /// latest succeeded emerging hot spot run, or null when there has been none.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The area layer.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The run and its categories.</returns>
    public static async Task<AreaEmerging?> EmergingAsync(NpgsqlDataSource dataSource, AreaLayer layer, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT id, window_from, window_to FROM analysis_runs WHERE kind = 'emerging' AND status = 'succeeded' ORDER BY id DESC LIMIT 1"));
        var categories = new NpgsqlBatchCommand($"""
            SELECT c.category, count(*)::int FROM hotspot_cells c
            JOIN {layer.Table} t ON t.{layer.Key}::text = $1 AND ST_Intersects(t.geom, ST_PointOnSurface(c.geom))
            WHERE c.scale = 'emerging' AND c.category IS NOT NULL AND c.category <> 'no_pattern'
              AND c.run_id = (SELECT max(id) FROM analysis_runs WHERE kind = 'emerging' AND status = 'succeeded')
            GROUP BY 1 ORDER BY 2 DESC, 1
            """);
        categories.Parameters.AddWithValue(id);
        batch.BatchCommands.Add(categories);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var (run, from, to) = (reader.GetInt64(0), reader.GetFieldValue<DateOnly>(1), reader.GetFieldValue<DateOnly>(2));
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<EmergingCategory>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new EmergingCategory(reader.GetString(0), reader.GetInt32(1)));
        }

        return new AreaEmerging(run, from, to, found);
    }

    /// <summary>The most alerts a brief lists.</summary>
    public const int MaxAlerts = 50;

    /// <summary>
    /// The alerts of the area on the window's days, newest first: a county's own and its neighbourhood's,
    /// a HIDTA region's, and for a state those of its counties (whose FIPS codes begin with the state's).
    /// </summary>
    /// <param name="db">The entity model.</param>
    /// <param name="kind">county, hidta or state.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="from">The window's first day.</param>
    /// <param name="to">The window's last day.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>At most <see cref="MaxAlerts"/> alerts.</returns>
    public static async Task<IReadOnlyList<StoredAlert>> AlertsAsync(
        GeoOrsDbContext db, string kind, string id, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var alerts = db.Alerts.AsNoTracking().Where(a => a.Day >= from && a.Day <= to);
        alerts = kind switch
        {
            "county" => alerts.Where(a => (a.AreaKind == "county" || a.AreaKind == "county_neighbors") && a.AreaId == id),
            "hidta" => alerts.Where(a => a.AreaKind == "hidta" && a.AreaId == id),
            "state" => alerts.Where(a => a.AreaKind == "county" && a.AreaId.StartsWith(id)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "county, hidta or state"),
        };
        var rows = await alerts.OrderByDescending(a => a.Day).ThenByDescending(a => a.Seq).Take(MaxAlerts).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(a => new StoredAlert(
            a.Id, a.Seq, a.AreaKind, a.AreaId, a.AreaName, a.Method, a.Day, a.Observed, a.Expected, a.Statistic, a.Threshold, a.CreatedAt.UtcDateTime, a.RunId))];
    }

    /// <summary>
    /// The versions of the data a brief is made from: each kind's version in <c>data_versions</c>
    /// (boundaries, overdoses, seizures), the latest succeeded hot spot and emerging hot spot runs, and
    /// the newest alert's sequence number.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Name → version.</returns>
    public static async Task<IReadOnlyDictionary<string, long>> VersionsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT kind, version FROM data_versions
            UNION ALL SELECT 'hotspots_run', coalesce(max(id), 0) FROM analysis_runs WHERE kind = 'hotspots' AND status = 'succeeded'
            UNION ALL SELECT 'emerging_run', coalesce(max(id), 0) FROM analysis_runs WHERE kind = 'emerging' AND status = 'succeeded'
            UNION ALL SELECT 'alerts_seq', coalesce(max(seq), 0) FROM alerts
            """);
        var versions = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return versions;
    }
}
