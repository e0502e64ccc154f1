using Npgsql;

namespace GeoOrs.Data.Hotspots;

/// <summary>An event as the analysis jobs read it.</summary>
/// <param name="X">EPSG:5070 x (metres).</param>
/// <param name="Y">EPSG:5070 y (metres).</param>
/// <param name="Day">Its local day: the date in its county's time zone (<c>local_day</c>, docs/adr/0021-local-days.md).</param>
/// <param name="State">Its state's 2-digit FIPS code.</param>
public readonly record struct AnalysisEvent(double X, double Y, DateOnly Day, string State);

/// <summary>What the emerging-drug signals know of one drug in one county.</summary>
public sealed class DrugHistory
{
    /// <summary>The last day before the window with an event naming it, in the look-back; null when none.</summary>
    public DateOnly? LastBefore { get; set; }

    /// <summary>Its overdoses and seizures on the window's days that have any.</summary>
    public List<(DateOnly Day, int Overdoses, int Seizures)> Days { get; } = [];
}

/// <summary>
/// What the analysis jobs read: overdose events of a window of days as points in EPSG:5070, and
/// their daily counts per county. A day is an event's local day (<c>local_day</c>, the date in its
/// county's time zone: docs/adr/0021-local-days.md), and a window of days compares it. Events of agencies that restrict their sharing
/// (<c>agency_sharing</c>) are left out, since the results are shown beyond those agencies.
/// </summary>
public static class AnalysisInputs
{
    private const string Shared = "NOT EXISTS (SELECT 1 FROM agency_sharing s WHERE s.owner = e.source_agency)";

    /// <summary>
    /// The events whose local days lie in <paramref name="from"/>…<paramref name="to"/> (inclusive) and
    /// that lie in a county, in EPSG:5070 metres, with their local day and state.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="from">The first day.</param>
    /// <param name="to">The last day.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The events.</returns>
    public static async Task<List<AnalysisEvent>> EventPointsAsync(
        NpgsqlDataSource dataSource, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"""
            SELECT ST_X(p), ST_Y(p), d, s FROM (
                SELECT ST_Transform(e.geom, 5070) AS p, e.local_day AS d, left(e.county_fips, 2) AS s
                FROM overdose_events e
                WHERE e.local_day >= $1 AND e.local_day <= $2 AND e.county_fips IS NOT NULL AND {Shared}
                  AND {Ingest.EventPartitions.TimeBound("e.occurred_at", "$1", "$2::date + 1")}
            ) q
            """);
        Window(command, from, to);
        command.CommandTimeout = 600;
        var events = new List<AnalysisEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new AnalysisEvent(reader.GetDouble(0), reader.GetDouble(1), reader.GetFieldValue<DateOnly>(2), reader.GetString(3)));
        }

        return events;
    }

    /// <summary>The events of each county per local day over the days <paramref name="from"/>…<paramref name="to"/> (inclusive); days without events are absent.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="from">The first day.</param>
    /// <param name="to">The last day.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>County FIPS → (day, count).</returns>
    public static async Task<Dictionary<string, List<(DateOnly Day, int Count)>>> DailyCountsAsync(
        NpgsqlDataSource dataSource, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"""
            SELECT e.county_fips, e.local_day AS d, count(*)::int
            FROM overdose_events e
            WHERE e.local_day >= $1 AND e.local_day <= $2 AND e.county_fips IS NOT NULL AND {Shared}
                  AND {Ingest.EventPartitions.TimeBound("e.occurred_at", "$1", "$2::date + 1")}
            GROUP BY 1, 2 ORDER BY 1, 2
            """);
        Window(command, from, to);
        command.CommandTimeout = 600;
        var counts = new Dictionary<string, List<(DateOnly, int)>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var county = reader.GetString(0);
            if (!counts.TryGetValue(county, out var days))
            {
                counts[county] = days = [];
            }

            days.Add((reader.GetFieldValue<DateOnly>(1), reader.GetInt32(2)));
        }

        return counts;
    }

    /// <summary>The fixed daily thresholds set per area (<c>alert_thresholds</c>).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>(area kind, area id) → threshold.</returns>
    public static async Task<Dictionary<(string Kind, string Id), int>> ThresholdsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT area_kind, area_id, threshold FROM alert_thresholds");
        var thresholds = new Dictionary<(string, string), int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            thresholds[(reader.GetString(0), reader.GetString(1))] = reader.GetInt32(2);
        }

        return thresholds;
    }

    /// <summary>
    /// What the emerging-drug signals read of each county and watched drug: the last local day before
    /// <paramref name="windowFrom"/> (back to <paramref name="lookFrom"/>) with an overdose naming it or
    /// a seizure of it, and its overdoses and seizures per day from <paramref name="windowFrom"/> to
    /// <paramref name="to"/> (inclusive). Pairs with neither are absent. The look-back is reduced to one
    /// day per pair in the database (a hash aggregate), not sent day by day.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="lookFrom">The look-back's first day.</param>
    /// <param name="windowFrom">The window's first day.</param>
    /// <param name="to">The window's last day.</param>
    /// <param name="drugs">The drugs (vocabulary terms).</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>(county FIPS, drug) → its history.</returns>
    public static async Task<Dictionary<(string County, string Drug), DrugHistory>> DrugHistoryAsync(
        NpgsqlDataSource dataSource, DateOnly lookFrom, DateOnly windowFrom, DateOnly to, IReadOnlyList<string> drugs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(drugs);
        var found = new Dictionary<(string, string), DrugHistory>();
        DrugHistory Of(NpgsqlDataReader reader)
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!found.TryGetValue(key, out var history))
            {
                found[key] = history = new DrugHistory();
            }

            return history;
        }

        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT county_fips, drug, max(d) FROM ({EventsNaming("$1", "($2::date - 1)")}) q GROUP BY 1, 2"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT county_fips, drug, d, sum(od)::int, sum(sz)::int FROM ({EventsNaming("$2", "$4")}) q GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"));
        foreach (var command in batch.BatchCommands)
        {
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = lookFrom });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = windowFrom });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. drugs] });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = to });
        }

        batch.Timeout = 600;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            Of(reader).LastBefore = reader.GetFieldValue<DateOnly>(2);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            Of(reader).Days.Add((reader.GetFieldValue<DateOnly>(2), reader.GetInt32(3), reader.GetInt32(4)));
        }

        return found;
    }

    /// <summary>
    /// The overdoses (one row per watched drug they name) and seizures of the watched drugs ($3) whose
    /// local days lie in <paramref name="from"/>…<paramref name="to"/>, of agencies that share their
    /// events: (county_fips, drug, d, od, sz) with od and sz 1 or 0.
    /// </summary>
    private static string EventsNaming(string from, string to) => $"""
        SELECT e.county_fips, x.drug, e.local_day AS d, 1 AS od, 0 AS sz
        FROM overdose_events e CROSS JOIN LATERAL unnest(e.suspected_drugs) AS x(drug)
        WHERE e.local_day >= {from} AND e.local_day <= {to} AND e.county_fips IS NOT NULL AND {Shared}
          AND {Ingest.EventPartitions.TimeBound("e.occurred_at", from, $"{to}::date + 1")}
          AND x.drug = ANY ($3)
        UNION ALL
        SELECT e.county_fips, e.drug, e.local_day, 0, 1
        FROM seizure_events e
        WHERE e.local_day >= {from} AND e.local_day <= {to} AND e.county_fips IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM agency_sharing s WHERE s.owner = e.agency)
          AND {Ingest.EventPartitions.TimeBound("e.seized_at", from, $"{to}::date + 1")}
          AND e.drug = ANY ($3)
        """;

    /// <summary>
    /// Each county's first local day with an overdose or a seizure: since when its records are
    /// watched. Read from the monthly aggregates (the first month) and that month's days.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>County FIPS → first day.</returns>
    public static async Task<Dictionary<string, DateOnly>> FirstDaysAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            WITH first_month AS (
                SELECT county_fips, min(month) AS month FROM (
                    SELECT county_fips, min(month) AS month FROM overdose_monthly GROUP BY 1
                    UNION ALL
                    SELECT county_fips, min(month) FROM seizure_monthly GROUP BY 1
                ) m GROUP BY 1
            )
            SELECT f.county_fips, least(
                (SELECT min(o.day) FROM overdose_daily o WHERE o.county_fips = f.county_fips AND o.day >= f.month AND o.day < f.month + interval '1 month'),
                (SELECT min(s.day) FROM seizure_daily s WHERE s.county_fips = f.county_fips AND s.day >= f.month AND s.day < f.month + interval '1 month'))
            FROM first_month f
            """);
        var first = new Dictionary<string, DateOnly>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(1))
            {
                first[reader.GetString(0)] = reader.GetFieldValue<DateOnly>(1);
            }
        }

        return first;
    }

    private static void Window(NpgsqlCommand command, DateOnly from, DateOnly to)
    {
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
    }
}
