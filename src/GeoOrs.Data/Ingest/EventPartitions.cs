using System.Globalization;
using Npgsql;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// The monthly partitions of the event tables (migration 0025, docs/adr/0025-partitioned-events.md):
/// one per UTC month of the event's time, made ahead by the partitions job and on demand by ingest,
/// dropped by retention with their keys, and the time bound that lets a window on local days prune them.
/// </summary>
public static class EventPartitions
{
    /// <summary>How many months after the current one the partitions job makes ahead.</summary>
    public const int MonthsAhead = 2;

    /// <summary>
    /// A condition on an event's time that holds for every event whose local day lies from
    /// <paramref name="fromDay"/> up to <paramref name="endDay"/> (both SQL date expressions,
    /// the end exclusive): a local day D lies within [D - 1 day, D + 2 days) in UTC in every zone
    /// (UTC−12 to UTC+14). It changes no answer; it lets the planner leave out the partitions of
    /// other months, which it cannot do from <c>local_day</c>.
    /// </summary>
    /// <param name="time">The time column, with its table's alias (<c>e.occurred_at</c>).</param>
    /// <param name="fromDay">The first local day, a date expression (a parameter: <c>@day_from</c>).</param>
    /// <param name="endDay">The day after the last, a date expression.</param>
    /// <returns>The condition.</returns>
    public static string TimeBound(string time, string fromDay, string endDay) =>
        $"{time} >= (({fromDay})::date - 1)::timestamp AT TIME ZONE 'UTC' AND {time} < (({endDay})::date + 1)::timestamp AT TIME ZONE 'UTC'";

    /// <summary>The first day of the UTC month of a time.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The month's first day.</returns>
    public static DateOnly MonthOf(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return new DateOnly(utc.Year, utc.Month, 1);
    }

    /// <summary>
    /// Makes the partitions of the months of <paramref name="times"/> that do not exist yet, before
    /// ingest stores events of them. Which exist is read through <paramref name="connection"/> (the
    /// batch's own, in its transaction); the missing ones are made and committed on a connection of
    /// their own (attaching a partition lets the batch's transaction and every reader go on), so the
    /// batch's COPY finds them, and so does every other process.
    /// </summary>
    /// <param name="dataSource">The database, for the connection that makes them.</param>
    /// <param name="connection">The batch's connection.</param>
    /// <param name="kind">The kind of event.</param>
    /// <param name="times">The events' times.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>How many partitions were made.</returns>
    public static async Task<int> EnsureAsync(
        NpgsqlDataSource dataSource, NpgsqlConnection connection, EventKindInfo kind, IEnumerable<DateTimeOffset> times, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(times);
        var months = times.Select(MonthOf).Distinct().ToArray();
        if (months.Length == 0)
        {
            return 0;
        }

        var missing = new List<DateOnly>();
        await using (var find = new NpgsqlCommand(
            "SELECT m FROM unnest($1::date[]) AS m WHERE to_regclass(geoors_event_partition_name($2, m)) IS NULL", connection))
        {
            find.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = months });
            find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind.EventTable });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                missing.Add(reader.GetFieldValue<DateOnly>(0));
            }
        }

        return missing.Count == 0 ? 0 : await MakeAsync(dataSource, kind.EventTable, missing, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the partitions of the current UTC month and the <see cref="MonthsAhead"/> after it, of both kinds.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>How many partitions were made.</returns>
    public static async Task<int> MakeAheadAsync(NpgsqlDataSource dataSource, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var first = MonthOf(now);
        var months = Enumerable.Range(0, MonthsAhead + 1).Select(first.AddMonths).ToList();
        var made = 0;
        foreach (var kind in new[] { EventKindInfo.Overdoses, EventKindInfo.Seizures })
        {
            made += await MakeAsync(dataSource, kind.EventTable, months, cancellationToken).ConfigureAwait(false);
        }

        return made;
    }

    /// <summary>
    /// Retention: drops the partitions of one kind wholly before <paramref name="before"/> (a month's
    /// first day) with their events' keys and agency reviews, recounts the aggregates and cluster
    /// cells of the months at the edge, and moves the kind's data version on (every server drops its
    /// cached tiles of it), in one transaction (<c>geoors_drop_event_months</c>, migration 0025).
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="kind">The kind of event.</param>
    /// <param name="before">The first day of the first month kept.</param>
    /// <param name="cancellationToken">Cancels the work (its transaction rolls back whole).</param>
    /// <returns>How many monthly partitions were dropped.</returns>
    public static async Task<int> DropBeforeAsync(NpgsqlDataSource dataSource, EventKind kind, DateOnly before, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (before.Day != 1)
        {
            throw new ArgumentOutOfRangeException(nameof(before), before, "retention ends at the first day of a month");
        }

        await using var command = dataSource.CreateCommand("SELECT geoors_drop_event_months($1, $2)");
        command.CommandTimeout = 0; // the recount of the edge months of a large table; cancelled with the job
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventKindInfo.Of(kind).Name });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = before });
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The first day of the first month retention keeps: <paramref name="months"/> whole months before the current UTC month.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="months">How many whole months before the current one are kept (at least 1).</param>
    /// <returns>The first day kept.</returns>
    public static DateOnly RetentionStart(DateTimeOffset now, int months)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(months, 1);
        return MonthOf(now).AddMonths(-months);
    }

    /// <summary>The partitions of an event table, oldest first (their months' first days).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="kind">The kind of event.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The months.</returns>
    public static async Task<IReadOnlyList<DateOnly>> MonthsAsync(NpgsqlDataSource dataSource, EventKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var table = EventKindInfo.Of(kind).EventTable;
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = $1::regclass ORDER BY c.relname
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        var months = new List<DateOnly>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            if (DateOnly.TryParseExact(name[(table.Length + 1)..], "'y'yyyy'm'MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
            {
                months.Add(month);
            }
        }

        return months;
    }

    private static async Task<int> MakeAsync(NpgsqlDataSource dataSource, string table, IReadOnlyCollection<DateOnly> months, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT geoors_event_partitions($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. months] });
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
