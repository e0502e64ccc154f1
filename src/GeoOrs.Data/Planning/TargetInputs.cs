using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Planning;

/// <summary>An area's overdoses and rate for the target ranking (null where suppressed for the caller).</summary>
/// <param name="Id">The area's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Population">Its population.</param>
/// <param name="Overdoses">Its overdoses in the window.</param>
/// <param name="Rate">Its rate per 100,000.</param>
public sealed record AreaRate(string Id, string Name, long? Population, long? Overdoses, double? Rate);

/// <summary>What the target areas' ranking reads: every area's rate, monthly counts and the share of its overdoses near a listed naloxone site.</summary>
public static class TargetInputs
{
    /// <summary>Every area of the layer with its overdoses and rate for the query (suppressed for the public as the layers are).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">counties or hidta.</param>
    /// <param name="query">The window and the view.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The areas.</returns>
    public static async Task<List<AreaRate>> RatesAsync(NpgsqlDataSource dataSource, AreaLayer layer, LayerQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(query);
        var name = layer.Id == "counties" ? "r.\"name\" || ', ' || (SELECT s.stusps FROM states s WHERE s.statefp = r.\"statefp\")" : "r.\"name\"";
        await using var command = dataSource.CreateCommand(layer.WithMeasures(
            $"SELECT t.{layer.Key}::text AS area_id FROM {layer.Table} t",
            $"SELECT r.area_id, {name}, r.population, r.overdoses, r.rate FROM rows r ORDER BY r.area_id",
            query.View.HiddenAgencies.Count > 0));
        query.Bind(command.Parameters);
        var areas = new List<AreaRate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            areas.Add(new AreaRate(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
        }

        return areas;
    }

    /// <summary>
    /// Per area, its overdoses per calendar month of the window (months from <paramref name="from"/>'s;
    /// days and months are each county's local ones, docs/adr/0021-local-days.md),
    /// and how many lie within <paramref name="radius"/> metres of a listed naloxone site.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">counties or hidta.</param>
    /// <param name="from">The first day.</param>
    /// <param name="to">The last day.</param>
    /// <param name="view">The caller's view (hidden agencies' events left out).</param>
    /// <param name="radius">The coverage radius in metres.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Area id → (monthly counts, covered events).</returns>
    public static async Task<Dictionary<string, (long[] Months, long Covered)>> MonthlyAsync(
        NpgsqlDataSource dataSource, AreaLayer layer, DateOnly from, DateOnly to, AccessView view, double radius, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(view);
        int months = ((to.Year - from.Year) * 12) + to.Month - from.Month + 1;
        await using var command = dataSource.CreateCommand($"""
            WITH areas AS (SELECT t.{layer.Key}::text AS area_id FROM {layer.Table} t),
            members AS ({layer.CountiesOf}),
            sites AS (SELECT geom FROM naloxone_sites)
            SELECT m.area,
                   ((extract(year FROM e.local_day) - @y0) * 12 + extract(month FROM e.local_day) - @m0)::int AS month,
                   count(*),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM sites s
                       WHERE s.geom && ST_Expand(e.geom, @radius / 50000.0) AND ST_DWithin(s.geom::geography, e.geom::geography, @radius)))
            FROM overdose_events e JOIN members m ON m.county_fips = e.county_fips
            WHERE e.local_day BETWEEN @from AND @to AND NOT (e.source_agency = ANY (@hidden))
              AND {Ingest.EventPartitions.TimeBound("e.occurred_at", "@from", "@to::date + 1")}
            GROUP BY 1, 2
            """);
        command.Parameters.AddWithValue("y0", from.Year);
        command.Parameters.AddWithValue("m0", from.Month);
        command.Parameters.AddWithValue("radius", radius);
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("from", NpgsqlDbType.Date) { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("to", NpgsqlDbType.Date) { TypedValue = to });
        view.Bind(command.Parameters);
        var result = new Dictionary<string, (long[] Months, long Covered)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var area = reader.GetString(0);
            if (!result.TryGetValue(area, out var entry))
            {
                entry = (new long[months], 0);
            }

            var month = reader.GetInt32(1);
            if (month >= 0 && month < months)
            {
                entry.Months[month] += reader.GetInt64(2);
            }

            result[area] = (entry.Months, entry.Covered + reader.GetInt64(3));
        }

        return result;
    }

    /// <summary>Each county's Gi* bin in the latest succeeded hot spot run (empty when there is none).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>FIPS → bin.</returns>
    public static async Task<Dictionary<string, int>> CountyBinsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT cell_id, bin FROM hotspot_cells
            WHERE scale = 'county' AND bin IS NOT NULL
              AND run_id = (SELECT max(id) FROM analysis_runs WHERE kind = 'hotspots' AND status = 'succeeded')
            """);
        var bins = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            bins[reader.GetString(0)] = reader.GetInt16(1);
        }

        return bins;
    }

    /// <summary>The member counties of every HIDTA region.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Region id → FIPS codes.</returns>
    public static async Task<Dictionary<string, List<string>>> HidtaMembersAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT DISTINCT hidta_id, geoid::text FROM hidta_counties");
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            if (!members.TryGetValue(id, out var list))
            {
                members[id] = list = [];
            }

            list.Add(reader.GetString(1));
        }

        return members;
    }
}
