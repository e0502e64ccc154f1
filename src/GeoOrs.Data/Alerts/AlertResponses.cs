using System.Data.Common;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Alerts;

/// <summary>A change to make to an alert's state (null members stay as they are).</summary>
/// <param name="Status">The status to move to.</param>
/// <param name="Reason">The reason of a dismissal.</param>
/// <param name="Assignee">The new assignee; an empty text clears it.</param>
/// <param name="OwnerAgency">The agency to give the alert to.</param>
public sealed record StateChange(string? Status, string? Reason, string? Assignee, string? OwnerAgency);

/// <summary>One event of an alert's line list, as analysts and law enforcement see it.</summary>
/// <param name="Id">The event's id.</param>
/// <param name="OccurredAt">When it occurred (UTC).</param>
/// <param name="LocalDay">Its county's local date.</param>
/// <param name="Lat">Latitude, as the reporting agency gave it.</param>
/// <param name="Lon">Longitude.</param>
/// <param name="LocationPrecision">How precise the point is.</param>
/// <param name="County">The county's FIPS code.</param>
/// <param name="CountyName">The county's name.</param>
/// <param name="Fatal">Whether it was fatal.</param>
/// <param name="NaloxoneAdministered">Whether naloxone was given.</param>
/// <param name="NaloxoneDoses">How many doses.</param>
/// <param name="Drugs">The suspected drugs.</param>
/// <param name="AgeBand">The age band.</param>
/// <param name="Sex">The sex.</param>
/// <param name="Agency">The reporting agency.</param>
public sealed record LineListEvent(
    long Id, DateTime OccurredAt, DateOnly LocalDay, double Lat, double Lon, string LocationPrecision, string? County, string? CountyName,
    bool Fatal, bool? NaloxoneAdministered, int? NaloxoneDoses, IReadOnlyList<string> Drugs, string? AgeBand, string? Sex, string Agency);

/// <summary>The seizures of one drug near the line list's events.</summary>
/// <param name="Drug">The drug.</param>
/// <param name="Seizures">How many seizures.</param>
/// <param name="Grams">Their quantity in grams (those given by weight).</param>
/// <param name="DosageUnits">Their dosage units (those given by count).</param>
public sealed record NearbySeizures(string Drug, int Seizures, double Grams, double DosageUnits);

/// <summary>An alert's line list: its events and, beside them, the seizures near them by drug.</summary>
/// <param name="AlertId">The alert.</param>
/// <param name="From">The first local day listed.</param>
/// <param name="To">The last local day listed.</param>
/// <param name="Counties">The counties of the alert's area.</param>
/// <param name="Events">The events, oldest first (at most <see cref="AlertResponses.MaxLineList"/>).</param>
/// <param name="Truncated">Whether there were more.</param>
/// <param name="SeizureDistanceMeters">How far from an event a seizure counts.</param>
/// <param name="SeizureDays">How many days before and after the alert's days a seizure counts.</param>
/// <param name="SeizuresFrom">The first local day of the seizures.</param>
/// <param name="SeizuresTo">The last local day of the seizures.</param>
/// <param name="Seizures">The seizures by drug, most first.</param>
public sealed record LineList(
    string AlertId, DateOnly From, DateOnly To, IReadOnlyList<string> Counties, IReadOnlyList<LineListEvent> Events, bool Truncated,
    double SeizureDistanceMeters, int SeizureDays, DateOnly SeizuresFrom, DateOnly SeizuresTo, IReadOnlyList<NearbySeizures> Seizures);

/// <summary>
/// The spike-response workflow's storage: alerts' states and their numbered changes, notes and
/// actions, response plans and line lists (migration 0027). A change is compare-and-set on the
/// alert's change number in one UPDATE, so of two callers who read the same state only one changes
/// it; the change is logged, queued for webhooks and notified in the same transaction, under
/// <see cref="AlertStore.SequenceLock"/> so that alerts and changes become visible in <c>seq</c> order.
/// </summary>
public static class AlertResponses
{
    /// <summary>The most events a line list holds.</summary>
    public const int MaxLineList = 5000;

    /// <summary>The most notes a listing returns (the latest).</summary>
    public const int MaxNotes = 1000;

    /// <summary>The counties of an alert's area: the county; a HIDTA region's counties; a county and its neighbours (those touching it).</summary>
    private const string Members = """
        SELECT c.geoid FROM counties c WHERE $1 = 'county' AND c.geoid::text = $2
        UNION
        SELECT m.geoid FROM hidta_counties m WHERE $1 = 'hidta' AND m.hidta_id = $2
        UNION
        SELECT n.geoid FROM counties c JOIN counties n ON ST_Intersects(n.geom, c.geom) WHERE $1 = 'county_neighbors' AND c.geoid::text = $2
        """;

    private const string StateColumns = "s.status, s.owner_agency, s.assignee, s.reason, s.change, s.changed_at";

    /// <summary>How many columns an alert takes in a row (<see cref="AlertQuery.ColumnsOf"/>), so that what follows is read where it is.</summary>
    internal static readonly int AlertColumns = AlertQuery.ColumnsOf("a").Split(", ").Length;

    /// <summary>An alert with its state, or null when there is no such alert.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The alert's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The alert and its state.</returns>
    public static async Task<(StoredAlert Alert, AlertState State)?> GetAsync(NpgsqlDataSource dataSource, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"""
            SELECT {AlertQuery.ColumnsOf("a")}, {StateColumns}
            FROM alerts a JOIN alert_states s ON s.alert_id = a.id WHERE a.id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (AlertQuery.Read(reader), ReadState(reader, AlertColumns)) : null;
    }

    private static AlertState ReadState(DbDataReader reader, int at) => new(
        reader.GetString(at), reader.IsDBNull(at + 1) ? null : reader.GetString(at + 1), reader.IsDBNull(at + 2) ? null : reader.GetString(at + 2),
        reader.IsDBNull(at + 3) ? null : reader.GetString(at + 3), reader.GetInt32(at + 4), reader.IsDBNull(at + 5) ? null : reader.GetDateTime(at + 5));

    /// <summary>Whether an agency has overdoses or seizures (of any time) in an alert's area.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="areaKind">The area's kind.</param>
    /// <param name="areaId">The area's id.</param>
    /// <param name="agency">The agency.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Whether it has.</returns>
    public static async Task<bool> AgencyHasEventsAsync(NpgsqlDataSource dataSource, string areaKind, string areaId, string? agency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (agency is null)
        {
            return false;
        }

        await using var command = dataSource.CreateCommand($"""
            WITH members AS ({Members})
            SELECT EXISTS (SELECT 1 FROM overdose_events e WHERE e.source_agency = $3 AND e.county_fips IN (SELECT geoid FROM members))
                OR EXISTS (SELECT 1 FROM seizure_events e WHERE e.agency = $3 AND e.county_fips IN (SELECT geoid FROM members))
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaKind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agency });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Makes a change to an alert whose change number is still <paramref name="expectedChange"/>: in
    /// one transaction the state is updated (compare-and-set), the change logged with the next
    /// <c>seq</c>, queued for the webhooks whose area and methods match the alert, and notified as
    /// <c>alerts</c>. Returns null when the alert's change number is no longer the expected one (another
    /// change came first): nothing is written.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="alertId">The alert.</param>
    /// <param name="expectedChange">The change number the caller's decision was made on.</param>
    /// <param name="before">The state the decision was made on.</param>
    /// <param name="after">The state to write.</param>
    /// <param name="by">Who makes it.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>The change, or null when it lost to another.</returns>
    public static async Task<AlertStatusChange?> ChangeAsync(
        NpgsqlDataSource dataSource, string alertId, int expectedChange, AlertState before, AlertState after, Actor by, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(by);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand($"""
            WITH serialised AS (
                SELECT pg_advisory_xact_lock($11)
            ),
            changed AS (
                UPDATE alert_states s SET status = $3, owner_agency = $4, assignee = $5, reason = $6, change = s.change + 1, changed_at = now()
                FROM serialised
                WHERE s.alert_id = $1 AND s.change = $2
                RETURNING s.alert_id, s.change, s.changed_at
            ),
            logged AS (
                INSERT INTO alert_changes (alert_id, change, at, key_prefix, role, agency, previous_status, status, owner_agency, assignee, reason)
                SELECT alert_id, change, changed_at, $7, $8, $9, $10, $3, $4, $5, $6 FROM changed
                RETURNING alert_id, change, seq, at
            ),
            queued AS (
                INSERT INTO webhook_outbox (webhook_id, alert_id, change)
                SELECT w.id, l.alert_id, l.change FROM logged l JOIN alerts a ON a.id = l.alert_id JOIN webhooks w
                  ON (w.area_kind IS NULL OR (w.area_kind = a.area_kind AND w.area_id = a.area_id))
                 AND (cardinality(w.methods) = 0 OR a.method = ANY (w.methods))
                ON CONFLICT DO NOTHING
            )
            SELECT l.change, l.seq, l.at, {AlertQuery.ColumnsOf("a")} FROM logged l JOIN alerts a ON a.id = l.alert_id
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alertId });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = expectedChange });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Status });
            command.Parameters.Add(Text(after.OwnerAgency));
            command.Parameters.Add(Text(after.Assignee));
            command.Parameters.Add(Text(after.Reason));
            command.Parameters.Add(Text(by.KeyPrefix));
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by.Role });
            command.Parameters.Add(Text(by.Agency));
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = before.Status });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AlertStore.SequenceLock });
            AlertStatusChange? made = null;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var alert = AlertQuery.Read(reader, 3);
                    made = Of(alert, reader.GetInt32(0), reader.GetInt64(1), reader.GetDateTime(2), before.Status, after, by);
                }
            }

            if (made is null)
            {
                return null;
            }

            await using var notify = new NpgsqlCommand("SELECT pg_notify('geoors_data', 'alerts')", connection, transaction);
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return made;
        }
    }

    private static AlertStatusChange Of(StoredAlert alert, int change, long seq, DateTime at, string previous, AlertState after, Actor by) => new(
        $"{alert.Id}:{change}", alert.Id, change, seq, alert.AreaKind, alert.AreaId, alert.AreaName, alert.Method, alert.Day, alert.Drug,
        previous, after.Status, after.OwnerAgency, after.Assignee, after.Reason, at, by);

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private const string ChangeColumns =
        "c.change, c.seq, c.at, c.key_prefix, c.role, c.agency, c.previous_status, c.status, c.owner_agency, c.assignee, c.reason";

    /// <summary>Reads a change from a row of <see cref="ChangeColumns"/> followed by the alert's columns.</summary>
    internal static AlertStatusChange ReadChange(DbDataReader reader, int at)
    {
        string? Maybe(int i) => reader.IsDBNull(at + i) ? null : reader.GetString(at + i);
        var alert = AlertQuery.Read(reader, at + 11);
        var change = reader.GetInt32(at);
        return new AlertStatusChange(
            $"{alert.Id}:{change}", alert.Id, change, reader.GetInt64(at + 1), alert.AreaKind, alert.AreaId, alert.AreaName, alert.Method, alert.Day, alert.Drug,
            reader.GetString(at + 6), reader.GetString(at + 7), Maybe(8), Maybe(9), Maybe(10), reader.GetDateTime(at + 2),
            new Actor(Maybe(3), reader.GetString(at + 4), Maybe(5)));
    }

    /// <summary>The SQL columns <see cref="ReadChange"/> reads, for a join of <c>alert_changes c</c> and <c>alerts a</c>.</summary>
    internal static string ChangeAndAlertColumns => $"{ChangeColumns}, {AlertQuery.ColumnsOf("a")}";

    /// <summary>An alert's changes, oldest first.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="alertId">The alert.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The changes.</returns>
    public static async Task<IReadOnlyList<AlertStatusChange>> ChangesAsync(NpgsqlDataSource dataSource, string alertId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"""
            SELECT {ChangeAndAlertColumns} FROM alert_changes c JOIN alerts a ON a.id = c.alert_id WHERE c.alert_id = $1 ORDER BY c.change
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alertId });
        var changes = new List<AlertStatusChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            changes.Add(ReadChange(reader, 0));
        }

        return changes;
    }

    /// <summary>
    /// The changes with <c>seq</c> after one and up to another whose alerts pass a filter, oldest first
    /// (the stream's replay and the feed's reading, beside <see cref="AlertQuery.AfterAsync"/>).
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="afterSeq">Only changes with a larger <c>seq</c>.</param>
    /// <param name="upToSeq">Only changes with this <c>seq</c> or a smaller one, or null for no bound.</param>
    /// <param name="filter">The alerts' filter (area and method).</param>
    /// <param name="limit">The most changes returned.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The changes in <c>seq</c> order.</returns>
    public static async Task<IReadOnlyList<AlertStatusChange>> ChangesAfterAsync(
        NpgsqlDataSource dataSource, long afterSeq, long? upToSeq, AlertFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(filter);
        await using var command = dataSource.CreateCommand($"""
            SELECT {ChangeAndAlertColumns} FROM alert_changes c JOIN alerts a ON a.id = c.alert_id
            WHERE c.seq > $1 AND ($2::bigint IS NULL OR c.seq <= $2)
              AND ($3::text IS NULL OR a.area_kind = $3) AND ($4::text IS NULL OR a.area_id = $4) AND ($5::text IS NULL OR a.method = $5)
            ORDER BY c.seq LIMIT $6
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSeq });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)upToSeq ?? DBNull.Value });
        command.Parameters.Add(Text(filter.AreaKind));
        command.Parameters.Add(Text(filter.AreaId));
        command.Parameters.Add(Text(filter.Method));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var changes = new List<AlertStatusChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            changes.Add(ReadChange(reader, 0));
        }

        return changes;
    }

    /// <summary>The largest <c>seq</c> of an alert or a change, or 0.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The largest <c>seq</c>.</returns>
    public static async Task<long> LatestSeqAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT greatest(coalesce((SELECT max(seq) FROM alerts), 0), coalesce((SELECT max(seq) FROM alert_changes), 0))");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Adds a note or an action to an alert.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="alertId">The alert.</param>
    /// <param name="by">Who writes it.</param>
    /// <param name="text">The text, or null.</param>
    /// <param name="action">The action taken, or null.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The note, or null when there is no such alert.</returns>
    public static async Task<AlertNote?> AddNoteAsync(
        NpgsqlDataSource dataSource, string alertId, Actor by, string? text, PlanAction? action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(by);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO alert_notes (alert_id, key_prefix, role, agency, text, action, action_label)
            SELECT a.id, $2, $3, $4, $5, $6, $7 FROM alerts a WHERE a.id = $1
            RETURNING id, at
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alertId });
        command.Parameters.Add(Text(by.KeyPrefix));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by.Role });
        command.Parameters.Add(Text(by.Agency));
        command.Parameters.Add(Text(text));
        command.Parameters.Add(Text(action?.Key));
        command.Parameters.Add(Text(action?.Label));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AlertNote(reader.GetInt64(0), alertId, reader.GetDateTime(1), by, text, action?.Key, action?.Label)
            : null;
    }

    /// <summary>An alert's notes and actions, oldest first (the latest <see cref="MaxNotes"/>).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="alertId">The alert.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The notes.</returns>
    public static async Task<IReadOnlyList<AlertNote>> NotesAsync(NpgsqlDataSource dataSource, string alertId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"""
            SELECT * FROM (
                SELECT id, at, key_prefix, role, agency, text, action, action_label FROM alert_notes WHERE alert_id = $1 ORDER BY id DESC LIMIT {MaxNotes}
            ) n ORDER BY id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alertId });
        var notes = new List<AlertNote>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Maybe(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            notes.Add(new AlertNote(reader.GetInt64(0), alertId, reader.GetDateTime(1), new Actor(Maybe(2), reader.GetString(3), Maybe(4)), Maybe(5), Maybe(6), Maybe(7)));
        }

        return notes;
    }

    /// <summary>An area's response plan: the one an admin set, else the default.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="areaKind">The area's kind.</param>
    /// <param name="areaId">The area's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The plan.</returns>
    public static async Task<ResponsePlan> PlanAsync(NpgsqlDataSource dataSource, string areaKind, string areaId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT actions::text, updated_at, updated_by FROM response_plans WHERE area_kind = $1 AND area_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaKind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ResponsePlan(areaKind, areaId, ParseActions(reader.GetString(0)), false, reader.GetDateTime(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : new ResponsePlan(areaKind, areaId, AlertWorkflow.DefaultPlan, true, null, null);
    }

    /// <summary>The areas with plans of their own.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The plans, by area.</returns>
    public static async Task<IReadOnlyList<ResponsePlan>> PlansAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT area_kind, area_id, actions::text, updated_at, updated_by FROM response_plans ORDER BY area_kind, area_id");
        var plans = new List<ResponsePlan>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plans.Add(new ResponsePlan(reader.GetString(0), reader.GetString(1), ParseActions(reader.GetString(2)), false, reader.GetDateTime(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return plans;
    }

    /// <summary>Sets an area's response plan (an admin's).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="areaKind">The area's kind.</param>
    /// <param name="areaId">The area's id.</param>
    /// <param name="actions">The actions, already checked.</param>
    /// <param name="by">The admin's key prefix.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The plan as stored.</returns>
    public static async Task<ResponsePlan> SetPlanAsync(
        NpgsqlDataSource dataSource, string areaKind, string areaId, IReadOnlyList<PlanAction> actions, string? by, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO response_plans (area_kind, area_id, actions, updated_by) VALUES ($1, $2, $3::jsonb, $4)
            ON CONFLICT (area_kind, area_id) DO UPDATE SET actions = excluded.actions, updated_at = now(), updated_by = excluded.updated_by
            RETURNING updated_at
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaKind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(actions.Select(a => new { key = a.Key, label = a.Label })) });
        command.Parameters.Add(Text(by));
        var at = (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new ResponsePlan(areaKind, areaId, actions, false, at, by);
    }

    /// <summary>Removes an area's own plan (it uses the default again); whether it had one.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="areaKind">The area's kind.</param>
    /// <param name="areaId">The area's id.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>Whether a plan was removed.</returns>
    public static async Task<bool> DeletePlanAsync(NpgsqlDataSource dataSource, string areaKind, string areaId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("DELETE FROM response_plans WHERE area_kind = $1 AND area_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaKind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = areaId });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private static List<PlanAction> ParseActions(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(a => new PlanAction(a.GetProperty("key").GetString()!, a.GetProperty("label").GetString()!))];
    }

    /// <summary>
    /// An alert's line list: the overdoses of its area's counties on its day (each on its county's
    /// local date; for <c>drug_share_rise</c>, the week its day ends), leaving out the agencies hidden from the caller; and the seizures within
    /// <paramref name="seizureDistanceMeters"/> of any of them, from <paramref name="seizureDays"/>
    /// days before the day to as many after, by drug.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="alert">The alert.</param>
    /// <param name="hiddenAgencies">The agencies whose events the caller may not see.</param>
    /// <param name="seizureDistanceMeters">How far from an event a seizure counts.</param>
    /// <param name="seizureDays">Days before and after.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The line list.</returns>
    public static async Task<LineList> LineListAsync(
        NpgsqlDataSource dataSource, StoredAlert alert, IReadOnlyList<string> hiddenAgencies, double seizureDistanceMeters, int seizureDays,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(hiddenAgencies);
        // A drug's share rise is about a week (Monday to its Sunday): its line list is that week's.
        var (from, to) = alert.Method == "drug_share_rise" ? (alert.Day.AddDays(-6), alert.Day) : (alert.Day, alert.Day);
        var (seizuresFrom, seizuresTo) = (from.AddDays(-seizureDays), to.AddDays(seizureDays));
        await using var batch = dataSource.CreateBatch();
        // The events' UTC times are bounded a day either side of their local days, so that only the
        // months' partitions that can hold them are read (docs/adr/0025-partitioned-events.md).
        var events = new NpgsqlBatchCommand($"""
            WITH members AS ({Members})
            SELECT e.id, e.occurred_at, e.local_day, ST_Y(e.geom), ST_X(e.geom), e.location_precision, e.county_fips::text, c.name,
                   e.fatal, e.naloxone_administered, e.naloxone_doses, e.suspected_drugs, e.age_band, e.sex, e.source_agency
            FROM overdose_events e LEFT JOIN counties c ON c.geoid = e.county_fips
            WHERE e.county_fips IN (SELECT geoid FROM members)
              AND e.local_day BETWEEN $3 AND $4
              AND e.occurred_at >= ($3 - 1)::timestamp AT TIME ZONE 'UTC' AND e.occurred_at < ($4 + 2)::timestamp AT TIME ZONE 'UTC'
              AND NOT (e.source_agency = ANY ($5))
            ORDER BY e.occurred_at, e.id
            LIMIT {MaxLineList + 1}
            """);
        var seizures = new NpgsqlBatchCommand($"""
            WITH members AS ({Members}),
            listed AS (
                SELECT e.geom FROM overdose_events e
                WHERE e.county_fips IN (SELECT geoid FROM members)
                  AND e.local_day BETWEEN $3 AND $4
                  AND e.occurred_at >= ($3 - 1)::timestamp AT TIME ZONE 'UTC' AND e.occurred_at < ($4 + 2)::timestamp AT TIME ZONE 'UTC'
                  AND NOT (e.source_agency = ANY ($5))
                LIMIT {MaxLineList}
            )
            SELECT s.drug, count(*)::int, coalesce(sum(s.quantity_grams), 0), coalesce(sum(s.dosage_units), 0)
            FROM seizure_events s
            WHERE s.local_day BETWEEN $6 AND $7
              AND s.seized_at >= ($6 - 1)::timestamp AT TIME ZONE 'UTC' AND s.seized_at < ($7 + 2)::timestamp AT TIME ZONE 'UTC'
              AND NOT (s.agency = ANY ($5))
              AND EXISTS (SELECT 1 FROM listed l WHERE ST_DWithin(s.geom::geography, l.geom::geography, $8))
            GROUP BY s.drug
            ORDER BY count(*) DESC, s.drug
            """);
        foreach (var command in new[] { events, seizures })
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alert.AreaKind });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alert.AreaId });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = from });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = to });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. hiddenAgencies] });
        }

        seizures.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = seizuresFrom });
        seizures.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = seizuresTo });
        seizures.Parameters.Add(new NpgsqlParameter<double> { TypedValue = seizureDistanceMeters });
        var counties = new NpgsqlBatchCommand($"SELECT geoid::text FROM ({Members}) m ORDER BY 1");
        counties.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alert.AreaKind });
        counties.Parameters.Add(new NpgsqlParameter<string> { TypedValue = alert.AreaId });
        batch.BatchCommands.Add(counties);
        batch.BatchCommands.Add(events);
        batch.BatchCommands.Add(seizures);

        var members = new List<string>();
        var listed = new List<LineListEvent>();
        var nearby = new List<NearbySeizures>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            members.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            listed.Add(new LineListEvent(
                reader.GetInt64(0), reader.GetDateTime(1), reader.GetFieldValue<DateOnly>(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8),
                reader.IsDBNull(9) ? null : reader.GetBoolean(9), reader.IsDBNull(10) ? null : reader.GetInt16(10), reader.GetFieldValue<string[]>(11),
                reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetString(13), reader.GetString(14)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            nearby.Add(new NearbySeizures(reader.GetString(0), reader.GetInt32(1), reader.GetDouble(2), reader.GetDouble(3)));
        }

        var truncated = listed.Count > MaxLineList;
        return new LineList(alert.Id, from, to, members, truncated ? listed[..MaxLineList] : listed, truncated,
            seizureDistanceMeters, seizureDays, seizuresFrom, seizuresTo, nearby);
    }
}
