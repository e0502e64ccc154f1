using System.Text.Json;
using GeoOrs.Analysis.Calendar;
using GeoOrs.Data.Access;
using Npgsql;

namespace GeoOrs.Data.Layers;

/// <summary>One week of an area's series: its Monday (a local date) and its counts, null where suppressed.</summary>
/// <param name="Week">The week's Monday.</param>
/// <param name="Overdoses">Overdoses that week, or null.</param>
/// <param name="Seizures">Seizures that week, or null.</param>
/// <param name="Suppressed">Whether a count of the week is withheld.</param>
public sealed record WeekCounts(DateOnly Week, long? Overdoses, long? Seizures, bool Suppressed);

/// <summary>One month of an area's series for the public: its first day and its protected counts, null where withheld.</summary>
/// <param name="Month">The month's first day.</param>
/// <param name="Overdoses">Overdoses that month as published, or null.</param>
/// <param name="Seizures">Seizures that month as published, or null.</param>
/// <param name="Suppressed">Whether a count of the month is withheld.</param>
public sealed record MonthCounts(DateOnly Month, long? Overdoses, long? Seizures, bool Suppressed);

/// <summary>The hot spot finding of an area in the latest hot spot run.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Z">Gi* z-score of the area's rate.</param>
/// <param name="P">Its p-value.</param>
/// <param name="Bin">The confidence bin −3…3.</param>
public sealed record AreaHotspot(long RunId, double? Z, double? P, int? Bin);

/// <summary>
/// What the web map's area panel shows of one county, HIDTA region or state: its measures for a
/// query (those of the area layers, suppression included), its weekly overdoses and seizures, and its
/// latest hot spot finding. Keyed callers get a weekly series; the public a monthly one of the same
/// protected cells as the area layers (docs/ACCESS.md).
/// </summary>
public static class AreaSummary
{
    /// <summary>The most weeks a series spans.</summary>
    public const int MaxWeeks = 520;

    /// <summary>The area's name and measures as a JSON object, or null when there is no such area.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The area layer.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="query">The window, filters and view.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The JSON.</returns>
    public static async Task<JsonElement?> MeasuresAsync(NpgsqlDataSource dataSource, AreaLayer layer, string id, LayerQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(query);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(MeasuresCommand(layer, id, query));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadMeasuresAsync(reader, 1, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>The statement of one area's measures as JSON text (no row when there is no such area).</summary>
    private static NpgsqlBatchCommand MeasuresCommand(AreaLayer layer, string id, LayerQuery query)
    {
        var command = new NpgsqlBatchCommand(layer.WithMeasures(
            $"SELECT t.{layer.Key}::text AS area_id FROM {layer.Table} t WHERE t.{layer.Key}::text = @area",
            $"SELECT json_build_object({string.Join(", ", layer.Columns.Select(c => $"'{c}', r.\"{c}\""))})::text FROM rows r",
            query.View.HiddenAgencies.Count > 0));
        command.Parameters.AddWithValue("area", id);
        query.Bind(command.Parameters);
        return command;
    }

    /// <summary>The answers of <paramref name="count"/> <see cref="MeasuresCommand"/> statements, in order.</summary>
    private static async Task<List<JsonElement?>> ReadMeasuresAsync(NpgsqlDataReader reader, int count, CancellationToken cancellationToken)
    {
        var answers = new List<JsonElement?>(count);
        do
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
            {
                using var document = JsonDocument.Parse(reader.GetString(0));
                answers.Add(document.RootElement.Clone());
            }
            else
            {
                answers.Add(null);
            }
        }
        while (answers.Count < count && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        return answers;
    }

    /// <summary>
    /// The area's overdoses and seizures per week over the window, for keyed callers (the public's
    /// series is <see cref="MonthlyAsync"/>). Days are local (docs/adr/0021-local-days.md): an event
    /// counts on its county's local date (<c>local_day</c>), the window's days are local dates, and a
    /// week runs from Monday to Sunday of local days, so a Sunday evening in Los Angeles is in that
    /// Sunday's week though it is Monday in UTC. The first week is the one the window's first day is in.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The area layer.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="from">The first day (a local date).</param>
    /// <param name="to">The last day (a local date).</param>
    /// <param name="query">The filters and view (its window is not used).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One entry per week.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A day lies outside <see cref="EventDays"/> (callers refuse those with a 400).</exception>
    public static async Task<IReadOnlyList<WeekCounts>> WeeklyAsync(
        NpgsqlDataSource dataSource, AreaLayer layer, string id, DateOnly from, DateOnly to, LayerQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(query);
        if (query.View.Suppressed)
        {
            throw new ArgumentException("the public's series is monthly", nameof(query));
        }

        if (!EventDays.Contains(from) || !EventDays.Contains(to))
        {
            // The week of a day near DateOnly's ends would overflow.
            throw new ArgumentOutOfRangeException(nameof(to), $"the window {from:yyyy-MM-dd}..{to:yyyy-MM-dd} is not within {EventDays.Range}");
        }

        await using var command = dataSource.CreateCommand($"""
            WITH areas AS (SELECT @area::text AS area_id),
            members AS ({layer.CountiesOf}),
            od AS (
                SELECT date_trunc('week', e.local_day::timestamp)::date AS w, count(*) AS n FROM overdose_events e
                WHERE e.county_fips IN (SELECT county_fips FROM members) AND e.local_day >= @d_from AND e.local_day <= @d_to
                  AND {Ingest.EventPartitions.TimeBound("e.occurred_at", "@d_from", "@d_to::date + 1")}
                  AND (@drug::text IS NULL OR @drug = ANY (e.suspected_drugs)) AND (@fatal::boolean IS NULL OR e.fatal = @fatal)
                  AND NOT (e.source_agency = ANY (@hidden))
                GROUP BY 1
            ),
            sz AS (
                SELECT date_trunc('week', e.local_day::timestamp)::date AS w, count(*) AS n FROM seizure_events e
                WHERE e.county_fips IN (SELECT county_fips FROM members) AND e.local_day >= @d_from AND e.local_day <= @d_to
                  AND {Ingest.EventPartitions.TimeBound("e.seized_at", "@d_from", "@d_to::date + 1")}
                  AND (@drug::text IS NULL OR e.drug = @drug) AND NOT (e.agency = ANY (@hidden))
                GROUP BY 1
            ),
            weeks AS (
                SELECT generate_series(date_trunc('week', @d_from::timestamp), @d_to::timestamp, interval '1 week')::date AS w
            )
            SELECT weeks.w, coalesce(od.n, 0), coalesce(sz.n, 0)
            FROM weeks LEFT JOIN od ON od.w = weeks.w LEFT JOIN sz ON sz.w = weeks.w
            ORDER BY weeks.w
            """);
        command.Parameters.AddWithValue("area", id);
        command.Parameters.AddWithValue("d_from", from);
        command.Parameters.AddWithValue("d_to", to);
        command.Parameters.Add(new NpgsqlParameter("drug", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)query.Drug ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("fatal", NpgsqlTypes.NpgsqlDbType.Boolean) { Value = (object?)query.Fatal ?? DBNull.Value });
        query.View.Bind(command.Parameters);
        var weeks = new List<WeekCounts>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            weeks.Add(new WeekCounts(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1), reader.GetInt64(2), false));
        }

        return weeks;
    }

    /// <summary>
    /// The area's overdoses and seizures per calendar month of the query's window, as the public sees
    /// them: each month is the protected cell the area layers publish for that one-month window (the
    /// same perturbed count, withheld alike), so the series gives away nothing the layers do not.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The area layer.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="query">The window (whole months), filters and view.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>One entry per month.</returns>
    public static async Task<IReadOnlyList<MonthCounts>> MonthlyAsync(
        NpgsqlDataSource dataSource, AreaLayer layer, string id, LayerQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.From is not { } from || query.To is not { } to)
        {
            throw new ArgumentException("a monthly series needs a window", nameof(query));
        }

        // One round trip: each month's statement is the one the area layers run for that month.
        var firsts = new List<DateOnly>();
        await using var batch = dataSource.CreateBatch();
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to; month = month.AddMonths(1))
        {
            firsts.Add(month);
            batch.BatchCommands.Add(MeasuresCommand(layer, id, query with { From = month, To = month.AddMonths(1).AddDays(-1) }));
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var answers = await ReadMeasuresAsync(reader, firsts.Count, cancellationToken).ConfigureAwait(false);
        return [.. firsts.Select((month, i) =>
        {
            long? Count(string name) => answers[i]?.GetProperty(name) is { ValueKind: JsonValueKind.Number } v ? v.GetInt64() : null;
            var (overdoses, seizures) = (Count("overdoses"), Count("seizures"));
            return new MonthCounts(month, overdoses, seizures, overdoses is null || seizures is null);
        })];
    }

    /// <summary>
    /// An area's today, the end of its series when none is asked: the latest local date of its
    /// counties at <paramref name="now"/> (the newest day that has begun in any of them), so a county
    /// in Los Angeles ends on its own date; the UTC date for an area without counties or zones.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The area layer.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="now">The instant.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The local date.</returns>
    public static async Task<DateOnly> TodayAsync(NpgsqlDataSource dataSource, AreaLayer layer, string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        await using var command = dataSource.CreateCommand($"""
            WITH areas AS (SELECT @area::text AS area_id),
            members AS ({layer.CountiesOf})
            SELECT DISTINCT c.time_zone FROM counties c WHERE c.geoid IN (SELECT county_fips FROM members) AND c.time_zone IS NOT NULL
            """);
        command.Parameters.AddWithValue("area", id);
        var zones = new List<TimeZoneInfo>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                zones.Add(LocalDays.Zone(reader.GetString(0)));
            }
        }

        return zones.Count > 0 ? AreaDays.Latest(now, zones) : DateOnly.FromDateTime(now.UtcDateTime);
    }

    /// <summary>Whether an area of the layer has that id (an area is its counties: one without any is none).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="layer">The area layer.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Whether it exists.</returns>
    public static async Task<bool> ExistsAsync(NpgsqlDataSource dataSource, AreaLayer layer, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(layer);
        await using var command = dataSource.CreateCommand($"""
            WITH areas AS (SELECT @area::text AS area_id),
            members AS ({layer.CountiesOf})
            SELECT EXISTS (SELECT 1 FROM members m JOIN counties c ON c.geoid = m.county_fips)
            """);
        command.Parameters.AddWithValue("area", id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The county's finding in the latest succeeded hot spot run, or null (other kinds of area are not analysed as such).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="geoid">The county's FIPS code.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The finding.</returns>
    public static async Task<AreaHotspot?> CountyHotspotAsync(NpgsqlDataSource dataSource, string geoid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT c.run_id, c.z, c.p, c.bin FROM hotspot_cells c
            WHERE c.scale = 'county' AND c.cell_id = $1
              AND c.run_id = (SELECT max(id) FROM analysis_runs WHERE kind = 'hotspots' AND status = 'succeeded')
            """);
        command.Parameters.AddWithValue(geoid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AreaHotspot(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetDouble(1), reader.IsDBNull(2) ? null : reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetInt16(3))
            : null;
    }
}
