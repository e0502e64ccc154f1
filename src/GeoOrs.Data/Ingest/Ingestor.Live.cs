using System.Globalization;
using GeoOrs.Data.Boundaries;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>What the live path did with one event of a request.</summary>
/// <param name="Index">The event's place in the request (0 for a single event).</param>
/// <param name="Id">The stored event's id (new, or the one stored before for a repeat); null when the event is invalid.</param>
/// <param name="Duplicate">Whether the agency had an event with this external id already (nothing changed).</param>
/// <param name="Errors">Why the event is invalid, a field each (line: its place in the request, from 1); null when it is valid.</param>
/// <param name="Agency">The agency it is stored under (valid events).</param>
/// <param name="ExternalId">The sender's id of it (valid events).</param>
/// <param name="County">The county it lies in, or null (outside every county, or invalid).</param>
/// <param name="LocalDay">The day it counts on: the date in its county's time zone (valid events).</param>
public sealed record LiveEvent(
    int Index, long? Id, bool Duplicate, IReadOnlyList<RowError>? Errors,
    string? Agency = null, string? ExternalId = null, string? County = null, DateOnly? LocalDay = null)
{
    /// <summary>Whether this request stored the event.</summary>
    public bool Created => Id is not null && !Duplicate;

    /// <summary>Whether the event is valid.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Valid => Errors is null;
}

/// <summary>What a live request stored.</summary>
/// <param name="BatchId">The batch that records it; null when no event of it was valid (nothing is recorded).</param>
/// <param name="Events">Each event's outcome, in the request's order.</param>
/// <param name="Change">What the commit changed (its events' counties, days and box, recorded in its transaction), or null when it stored nothing.</param>
public sealed record LiveBatch(long? BatchId, IReadOnlyList<LiveEvent> Events, Status.DataChange? Change)
{
    /// <summary>How many events this request stored.</summary>
    public int Created => Events.Count(e => e.Created);
}

/// <summary>
/// The live path: a few events (one, or an array of up to <see cref="MaxLiveEvents"/>) already
/// parsed, each checked by the batch path's <see cref="RowBuilder"/>, placed through the in-memory
/// county index and stored with their aggregates and cluster cells by the batch path's own
/// statements, in one short transaction with JIT off (the merge statements are compiled in about
/// half a second each, far longer than they run on a few rows).
/// </summary>
public static partial class Ingestor
{
    /// <summary>The most events one live request holds.</summary>
    public const int MaxLiveEvents = 1000;

    /// <summary>How long a live request waits for a lock (a bulk batch of its agency, an event posted at the same moment) before it gives up.</summary>
    public static readonly TimeSpan LiveLockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How many times a live request is run again when its transaction deadlocked or could not be serialised.</summary>
    private const int LiveAttempts = 3;

    /// <summary>
    /// Stores the valid events of a live request and reports each event's outcome. Valid events are
    /// stored and invalid ones reported (never a half-written event); an event whose agency and
    /// external id are stored already is a duplicate and changes nothing. A request whose every event
    /// is invalid stores nothing and leaves no batch record.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="request">The request: its kind, agency, sender and mapping (its body and mode are not read).</param>
    /// <param name="records">The events, parsed.</param>
    /// <param name="clock">The clock (what "in the future" means).</param>
    /// <param name="cancellationToken">Cancels the request; nothing is stored.</param>
    /// <returns>What was stored.</returns>
    /// <exception cref="IngestFormatException">The mapping places events at a county that does not exist.</exception>
    public static async Task<LiveBatch> IngestLiveAsync(
        NpgsqlDataSource dataSource, IngestRequest request, IReadOnlyList<SourceRecord> records, TimeProvider clock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(records.Count, MaxLiveEvents);
        var centroid = request.Mapping.CountyCentroid is { } fips ? await CentroidAsync(dataSource, fips, cancellationToken).ConfigureAwait(false) : null;
        var mask = await EventMask.CurrentAsync(dataSource, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return request.Kind == EventKind.Overdoses
                    ? await LiveAsync<OverdoseRows, OverdoseRow>(dataSource, request, records, clock, centroid, mask, cancellationToken).ConfigureAwait(false)
                    : await LiveAsync<SeizureRows, SeizureRow>(dataSource, request, records, clock, centroid, mask, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (attempt < LiveAttempts && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Rolled back whole: run it again from the start.
            }
        }
    }

    private static async Task<LiveBatch> LiveAsync<TRows, TRow>(
        NpgsqlDataSource dataSource, IngestRequest request, IReadOnlyList<SourceRecord> records, TimeProvider clock,
        (double X, double Y)? centroid, EventMask mask, CancellationToken cancellationToken)
        where TRows : struct, IEventRows<TRow>
        where TRow : class
    {
        var kind = TRows.Kind;
        var sender = request.Submitter;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // One round trip: the transaction's settings, the boundary zones' lock (as a batch takes it:
        // no event is stored with the day of a zone a boundary load has just replaced), the batch's record.
        long batchId;
        await using (var start = new NpgsqlBatch(connection, transaction))
        {
            start.BatchCommands.Add(new("SET LOCAL jit = off"));
            start.BatchCommands.Add(new("SET LOCAL enable_seqscan = off"));
            start.BatchCommands.Add(new(string.Create(CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {(int)LiveLockTimeout.TotalMilliseconds}")));
            var record = new NpgsqlBatchCommand("""
                WITH zones AS (SELECT pg_advisory_xact_lock_shared($7))
                INSERT INTO ingest_batches (kind, agency, sender, format, mapping, mode, status, key_prefix, bytes, rows_read)
                SELECT $1, $2, $3, 'json', $4, 'skip-invalid', 'committed', $5, 0, $6 FROM zones RETURNING id
                """);
            record.Parameters.AddWithValue(kind.Name);
            record.Parameters.AddWithValue(request.Agency);
            record.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)request.Sender ?? DBNull.Value);
            record.Parameters.AddWithValue(request.Mapping.Name);
            record.Parameters.AddWithValue(sender.KeyPrefix);
            record.Parameters.AddWithValue(records.Count);
            record.Parameters.AddWithValue(BoundaryLoader.ZoneLockKey);
            start.BatchCommands.Add(record);
            await using var reader = await start.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            batchId = 0;
            do
            {
                if (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    batchId = reader.GetInt64(0);
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        // Checked, mapped and placed exactly as a batch's rows are.
        var counties = await CountyIndex.CurrentAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var builder = new RowBuilder(request.Mapping, request.Agency, clock, centroid, counties.County,
            sender.MayNameAnyAgency ? null : agency => sender.MayName(agency, request.Agency));
        var state = new BatchState();
        var staged = new List<StagedRow<TRow>>(records.Count);
        var placeOf = new int[records.Count]; // index in the request → index in staged, or -1
        var errorsOf = new Dictionary<int, IReadOnlyList<RowError>>();
        var errors = new List<RowError>();
        for (var i = 0; i < records.Count; i++)
        {
            errors.Clear();
            var row = TRows.Build(builder, records[i], errors);
            if (errors.Count > 0 || row is null)
            {
                placeOf[i] = -1;
                state.Rejected++;
                state.TotalErrors += errors.Count;
                foreach (var error in errors.Take(MaxStoredErrors - state.Errors.Count))
                {
                    state.Errors.Add(error.Cut());
                }

                errorsOf[i] = [.. errors.Select(e => e.Cut())];
                continue;
            }

            var head = TRows.Head(row);
            state.OutsideCounties += head.County is null ? 1 : 0;
            placeOf[i] = staged.Count;
            staged.Add(new StagedRow<TRow>(row, head.Agency, head.ExternalId, head.County, counties.Hidta(head.County), counties.LocalDay(head.County, head.At)));
        }

        Interlocked.Exchange(ref state.RowsRead, records.Count);
        if (staged.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return new LiveBatch(null, [.. Enumerable.Range(0, records.Count).Select(i => new LiveEvent(i, null, false, errorsOf[i]))], null);
        }

        int accepted;
        var change = new Status.DataChange(kind.Data);
        using (var tally = new AggregateTally(kind.Kind))
        using (var cells = new CellTally(kind.Kind))
        {
            accepted = await StoreAsync<TRows, TRow>(dataSource, connection, request, batchId, staged, null, mask, tally, cells, change, state, cancellationToken).ConfigureAwait(false);
            await tally.FlushAsync(connection, cancellationToken).ConfigureAwait(false);
            await cells.FlushAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        // Each valid event's id, and whether this request stored it.
        var ids = new Dictionary<(string, string), (long Id, bool Created)>();
        await using (var find = new NpgsqlCommand($"""
            SELECT k.agency, k.external_id, e.id, e.batch_id = $3
            FROM unnest($1::text[], $2::text[]) AS k (agency, external_id)
            JOIN event_keys x ON x.kind = $4 AND x.agency = k.agency AND x.external_id = k.external_id
            JOIN {kind.EventTable} e ON e.id = x.event_id AND e.{kind.TimeField} = x.at
            """, connection, transaction))
        {
            find.Parameters.AddWithValue(staged.Select(r => r.Agency).ToArray());
            find.Parameters.AddWithValue(staged.Select(r => r.ExternalId).ToArray());
            find.Parameters.AddWithValue(batchId);
            find.Parameters.AddWithValue(kind.Name);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids[(reader.GetString(0), reader.GetString(1))] = (reader.GetInt64(2), reader.GetBoolean(3));
            }
        }

        // The layers built on this kind of event change at commit: a new version, announced then with
        // what the events touched (their counties, days and box), so that servers drop only those tiles.
        await change.RecordAsync(connection, cancellationToken).ConfigureAwait(false);

        await using (var finish = new NpgsqlBatch(connection, transaction))
        {
            var update = new NpgsqlBatchCommand("""
                UPDATE ingest_batches
                SET finished_at = clock_timestamp(), accepted = $2, rejected = $3, duplicates = $4, outside_counties = $5,
                    errors = $6::jsonb, agencies = $7::jsonb, held_for_review = $8
                WHERE id = $1
                """);
            update.Parameters.AddWithValue(batchId);
            update.Parameters.AddWithValue(accepted);
            update.Parameters.AddWithValue(state.Rejected);
            update.Parameters.AddWithValue(staged.Count - accepted);
            update.Parameters.AddWithValue(state.OutsideCounties);
            update.Parameters.AddWithValue(System.Text.Json.JsonSerializer.Serialize(state.StoredErrors, ErrorJson));
            update.Parameters.AddWithValue(System.Text.Json.JsonSerializer.Serialize(state.Stored, ErrorJson));
            update.Parameters.AddWithValue(state.HeldForReview);
            finish.BatchCommands.Add(update);
            await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (state.Stored.Keys.Append(request.Agency).Any(sender.ActsFor))
        {
            var batch = (await BatchesAsync(dataSource, connection, batchId, 1, cancellationToken).ConfigureAwait(false))[0];
            await AuditActingForAsync(connection, request, batch, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // A request may hold one external id twice: the first is stored, the others are its duplicates.
        var results = new LiveEvent[records.Count];
        var first = new HashSet<(string, string)>();
        for (var i = 0; i < records.Count; i++)
        {
            if (placeOf[i] < 0)
            {
                results[i] = new LiveEvent(i, null, false, errorsOf[i]);
                continue;
            }

            var row = staged[placeOf[i]];
            var (id, created) = ids[(row.Agency, row.ExternalId)];
            var stored = created && first.Add((row.Agency, row.ExternalId));
            results[i] = new LiveEvent(i, id, !stored, null, row.Agency, row.ExternalId, row.County, row.Day);
        }

        return new LiveBatch(batchId, results, change.IsEmpty ? null : change);
    }

    /// <summary>
    /// The live path's locks, in key order so that two requests cannot deadlock on them: each
    /// agency's lock shared (live requests of one agency run side by side; a bulk batch, which takes
    /// it exclusively, waits for them or they for it), then each event's key exclusively (two
    /// requests with one external id: the second waits, then finds it stored).
    /// </summary>
    private static async Task LockKeysAsync(NpgsqlConnection connection, List<string> agencies, List<string> ids, CancellationToken cancellationToken)
    {
        var keys = agencies.Zip(ids).OrderBy(k => k.First, StringComparer.Ordinal).ThenBy(k => k.Second, StringComparer.Ordinal).ToArray();
        await using var batch = new NpgsqlBatch(connection);
        var shared = new NpgsqlBatchCommand("SELECT count(pg_advisory_xact_lock_shared(hashtextextended(a, 0))) FROM unnest($1::text[]) AS a");
        shared.Parameters.AddWithValue(agencies.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
        batch.BatchCommands.Add(shared);

        // The two-key form: another lock space than the agencies' one-key locks.
        var exclusive = new NpgsqlBatchCommand("SELECT count(pg_advisory_xact_lock(hashtext(k.agency), hashtext(k.external_id))) FROM unnest($1::text[], $2::text[]) AS k (agency, external_id)");
        exclusive.Parameters.AddWithValue(keys.Select(k => k.First).ToArray());
        exclusive.Parameters.AddWithValue(keys.Select(k => k.Second).ToArray());
        batch.BatchCommands.Add(exclusive);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
