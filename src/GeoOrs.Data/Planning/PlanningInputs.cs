using GeoOrs.Data.Access;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Planning;

/// <summary>An overdose as planning demand: its place in EPSG:5070 metres, whether it was fatal, its day.</summary>
/// <param name="X">EPSG:5070 x.</param>
/// <param name="Y">EPSG:5070 y.</param>
/// <param name="Fatal">Whether it was fatal.</param>
/// <param name="Day">Its local day (the date in its county's time zone; UTC outside every county).</param>
public readonly record struct DemandEvent(double X, double Y, bool Fatal, DateOnly Day);

/// <summary>A place a site could go (or is): a name, its longitude and latitude, and its EPSG:5070 metres.</summary>
/// <param name="Name">The site's name.</param>
/// <param name="Lon">Longitude.</param>
/// <param name="Lat">Latitude.</param>
/// <param name="X">EPSG:5070 x.</param>
/// <param name="Y">EPSG:5070 y.</param>
public sealed record PlanningSite(string Name, double Lon, double Lat, double X, double Y);

/// <summary>What the naloxone planner reads: the area, the overdoses in it the caller may see, and a grid of candidate sites over it.</summary>
public static class PlanningInputs
{
    /// <summary>A county's or HIDTA region's boundary (EPSG:4326), or null when there is none.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="kind">county or hidta.</param>
    /// <param name="id">The county's FIPS code or the region's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The boundary and the area's name.</returns>
    public static async Task<(NetTopologySuite.Geometries.Geometry Boundary, string Name)?> AreaAsync(NpgsqlDataSource dataSource, string kind, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var sql = kind switch
        {
            "county" => "SELECT c.geom, c.name || ', ' || s.stusps FROM counties c JOIN states s USING (statefp) WHERE c.geoid = $1",
            "hidta" => "SELECT h.geom, h.name FROM hidta_regions h WHERE h.id = $1 AND h.geom IS NOT NULL",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "county or hidta"),
        };
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetFieldValue<NetTopologySuite.Geometries.Geometry>(0), reader.GetString(1)) : null;
    }

    /// <summary>
    /// The overdoses inside the area over the local days <paramref name="from"/>…<paramref name="to"/> (each
    /// event on its county's calendar, docs/adr/0021-local-days.md) that the
    /// view may see, at most <paramref name="limit"/> + 1 of them (one more than allowed says there are too many).
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="area">The area (EPSG:4326, its SRID set).</param>
    /// <param name="from">The first day.</param>
    /// <param name="to">The last day.</param>
    /// <param name="view">The caller's view (agencies hidden from it are left out).</param>
    /// <param name="limit">The most events wanted.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The events.</returns>
    public static async Task<List<DemandEvent>> DemandAsync(
        NpgsqlDataSource dataSource, NetTopologySuite.Geometries.Geometry area, DateOnly from, DateOnly to, AccessView view, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(view);
        await using var command = dataSource.CreateCommand($"""
            WITH a AS (SELECT @area::geometry AS g)
            SELECT ST_X(p), ST_Y(p), fatal, d FROM (
                SELECT ST_Transform(e.geom, 5070) AS p, e.fatal, e.local_day AS d
                FROM overdose_events e, a
                WHERE e.geom && a.g AND ST_Intersects(e.geom, a.g)
                  AND e.local_day BETWEEN @from AND @to AND NOT (e.source_agency = ANY (@hidden))
                  AND {Ingest.EventPartitions.TimeBound("e.occurred_at", "@from", "@to::date + 1")}
                LIMIT @limit + 1
            ) q
            """);
        command.Parameters.Add(new NpgsqlParameter("area", NpgsqlDbType.Geometry) { Value = area });
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("from", NpgsqlDbType.Date) { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("to", NpgsqlDbType.Date) { TypedValue = to });
        command.Parameters.AddWithValue("limit", (long)limit);
        view.Bind(command.Parameters);
        var events = new List<DemandEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new DemandEvent(reader.GetDouble(0), reader.GetDouble(1), reader.GetBoolean(2), reader.GetFieldValue<DateOnly>(3)));
        }

        return events;
    }

    /// <summary>
    /// The centres of a square grid of <paramref name="spacing"/> metres (EPSG:5070) that lie inside the
    /// area, at most <paramref name="limit"/> + 1 of them (one more than allowed says the grid is too fine).
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="area">The area (EPSG:4326, its SRID set).</param>
    /// <param name="spacing">The grid's spacing in metres.</param>
    /// <param name="limit">The most candidates wanted.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The grid's sites, named <c>grid-1</c>, <c>grid-2</c> … from south-west.</returns>
    public static async Task<List<PlanningSite>> GridAsync(NpgsqlDataSource dataSource, NetTopologySuite.Geometries.Geometry area, double spacing, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            WITH a AS (SELECT ST_Transform(@area::geometry, 5070) AS g),
            cells AS (
                SELECT ST_Centroid(s.geom) AS c FROM a, ST_SquareGrid(@spacing, a.g) s
                WHERE ST_Intersects(ST_Centroid(s.geom), a.g)
                ORDER BY s.j, s.i
                LIMIT @limit + 1
            )
            SELECT ST_X(ST_Transform(c, 4326)), ST_Y(ST_Transform(c, 4326)), ST_X(c), ST_Y(c) FROM cells
            """);
        command.Parameters.Add(new NpgsqlParameter("area", NpgsqlDbType.Geometry) { Value = area });
        command.Parameters.AddWithValue("spacing", spacing);
        command.Parameters.AddWithValue("limit", limit);
        var sites = new List<PlanningSite>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sites.Add(new PlanningSite($"grid-{sites.Count + 1}", reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3)));
        }

        return sites;
    }
}
