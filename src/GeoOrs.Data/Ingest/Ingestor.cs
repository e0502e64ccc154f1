using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using GeoOrs.Data.Boundaries;
using NetTopologySuite;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>What a batch does with invalid rows.</summary>
public enum IngestMode
{
    /// <summary>Any invalid row rejects the whole batch (the default).</summary>
    AllOrNothing,

    /// <summary>Invalid rows are reported and left out; the valid ones are stored.</summary>
    SkipInvalid,
}

/// <summary>One batch to ingest.</summary>
/// <param name="Kind">Overdoses or seizures.</param>
/// <param name="Format">The body's format.</param>
/// <param name="Body">The body, read once as a stream.</param>
/// <param name="Agency">The agency the batch is attributed to.</param>
/// <param name="Sender">Who sent it (a key, a user, a file name), for the record.</param>
/// <param name="Mapping">The column mapping.</param>
/// <param name="Mode">What to do with invalid rows.</param>
/// <param name="Encoding">The CSV text encoding when the sender stated one.</param>
/// <param name="By">
/// The key that sends it, which decides the agencies its rows may name; null for the operator's
/// command line (<see cref="IngestSender.CommandLine"/>).
/// </param>
public sealed record IngestRequest(
    EventKind Kind, IngestFormat Format, Stream Body, string Agency, string? Sender, ColumnMapping Mapping,
    IngestMode Mode = IngestMode.AllOrNothing, Encoding? Encoding = null, IngestSender? By = null)
{
    /// <summary>The sender, the command line when none is named.</summary>
    public IngestSender Submitter => By ?? IngestSender.CommandLine;
}

/// <summary>A batch as recorded in <c>ingest_batches</c>.</summary>
/// <remarks>
/// <see cref="KeyPrefix"/> is the key that sent it (<c>cli</c> for the command line, null before
/// migration 0014); <see cref="Agencies"/> the events it stored under each agency;
/// <see cref="HeldForReview"/> how many of its duplicates are of events flagged for agency review
/// (stored under that agency by another's key before 0014), which an admin settles.
/// </remarks>
public sealed record IngestBatch(
    long Id, string Kind, string Agency, string? Sender, string Format, string? Mapping, string Mode, string Status,
    DateTime ReceivedAt, DateTime? FinishedAt, long Bytes, string? Sha256, int RowsRead, int Accepted, int Rejected,
    int Duplicates, int OutsideCounties, long? DuplicateOf, string? Error, IReadOnlyList<RowError> Errors,
    string? KeyPrefix, IReadOnlyDictionary<string, int> Agencies, int HeldForReview)
{
    /// <summary>
    /// What a committed batch changed (its events' counties, days and box), recorded in its transaction;
    /// the process that stored it applies it to its own caches before it answers. Null otherwise.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Status.DataChange? Change { get; init; }
}

/// <summary>
/// Streams a batch of events into PostGIS: each record is read, mapped, validated, placed in its
/// county and HIDTA, and binary-COPYed into a staging table inside one transaction, which is merged
/// into the event table (duplicates by agency and external id left out) and committed together with
/// the batch's own record. Nothing of a batch is visible until it commits, and a batch that does not
/// commit leaves no row behind.
/// </summary>
public static partial class Ingestor
{
    /// <summary>How many row errors a batch keeps (all are counted).</summary>
    public const int MaxStoredErrors = 1000;

    /// <summary>How many row errors of each batch a listing of batches shows (one batch shows all it keeps).</summary>
    public const int ListedErrors = 10;

    /// <summary>The most characters of a batch's own error that are kept.</summary>
    private const int MaxErrorText = 2000;

    /// <summary>Rows staged and merged at a time; the producer may read at most this far ahead.</summary>
    private const int ChunkRows = 50_000;

    /// <summary>Builds the events' points (EPSG:4326), which Npgsql's NetTopologySuite mapping writes into the COPY as EWKB.</summary>
    private static readonly GeometryFactory Wgs84 = NtsGeometryServices.Instance.CreateGeometryFactory(4326);
    private static readonly JsonSerializerOptions ErrorJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Ingests one batch.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="request">The batch.</param>
    /// <param name="clock">The clock (what "in the future" means).</param>
    /// <param name="progress">Called now and then with the rows read so far.</param>
    /// <param name="cancellationToken">Cancels the batch (a client that went away); it is then recorded as failed.</param>
    /// <returns>The batch as recorded.</returns>
    /// <exception cref="IngestFormatException">The body cannot be read at all; the batch is recorded as rejected.</exception>
    public static async Task<IngestBatch> IngestAsync(
        NpgsqlDataSource dataSource, IngestRequest request, TimeProvider clock, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(request);
        var centroid = request.Mapping.CountyCentroid is { } fips ? await CentroidAsync(dataSource, fips, cancellationToken).ConfigureAwait(false) : null;
        var sender = request.Submitter;
        var mask = await EventMask.LoadAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var batchId = await StartAsync(dataSource, request, cancellationToken).ConfigureAwait(false);
        var body = new HashingStream(request.Body);
        var state = new BatchState();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await RecordBackendAsync(dataSource, connection, batchId, cancellationToken).ConfigureAwait(false);

            // The duplicate check looks keys up by index. The event table's statistics lag behind a
            // batch that is filling it, and a planner that believes the table small would scan all
            // of it for every key: in this transaction, index lookups only.
            await using (var plan = new NpgsqlCommand("SET LOCAL enable_seqscan = off", connection, transaction))
            {
                await plan.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // A boundary load that changes a county's time zone recounts the stored events' local days
            // under this lock, taken exclusively: the batch waits for such a load to commit, or the load
            // for the batch, so no event is stored with a day of a zone the load has just replaced. The
            // county index is read under the lock, so it holds the zones such a load committed before it.
            await using (var zones = new NpgsqlCommand("SELECT pg_advisory_xact_lock_shared($1)", connection, transaction))
            {
                zones.Parameters.AddWithValue(BoundaryLoader.ZoneLockKey);
                await zones.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var counties = await CountyIndex.CurrentAsync(dataSource, cancellationToken).ConfigureAwait(false);
            var builder = new RowBuilder(request.Mapping, request.Agency, clock, centroid, counties.County,
                sender.MayNameAnyAgency ? null : agency => sender.MayName(agency, request.Agency));

            var (staged, accepted, change) = await (request.Kind == EventKind.Overdoses
                ? PipeAsync<OverdoseRows, OverdoseRow>(dataSource, connection, request, body, builder, counties, mask, batchId, state, progress, cancellationToken)
                : PipeAsync<SeizureRows, SeizureRow>(dataSource, connection, request, body, builder, counties, mask, batchId, state, progress, cancellationToken))
                .ConfigureAwait(false);
            if (state.Rejected > 0 && request.Mode == IngestMode.AllOrNothing)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return await FinishAsync(dataSource, null, batchId, "rejected", state, body, accepted: 0, duplicates: 0,
                    $"{state.Rejected} of {state.RowsRead} rows are invalid and the batch is all-or-nothing: nothing was stored", cancellationToken).ConfigureAwait(false);
            }

            var batch = await FinishAsync(dataSource, connection, batchId, "committed", state, body, accepted, staged - accepted, null, cancellationToken).ConfigureAwait(false);
            await AuditActingForAsync(connection, request, batch, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return change.IsEmpty ? batch : batch with { Change = change };
        }
        catch (IngestFormatException e)
        {
            await FinishAsync(dataSource, null, batchId, "rejected", state, body, 0, 0, e.Message, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            // Whatever stopped the batch, its transaction is rolled back and its record says why.
            var reason = e switch
            {
                OperationCanceledException or IOException => $"the upload ended early after {state.RowsRead} rows ({e.Message}); nothing was stored",
                NpgsqlException => $"the database refused the batch: {e.Message}; nothing was stored",
                _ => $"the batch failed: {e.Message}; nothing was stored",
            };
            await FinishAsync(dataSource, null, batchId, "failed", state, body, 0, 0, reason, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private sealed class BatchState
    {
        public int RowsRead; // written by the producer, read for progress by the consumer
        public int Rejected;
        public int OutsideCounties;
        public long TotalErrors;
        public readonly List<RowError> Errors = [];
        public readonly Dictionary<string, int> Stored = new(StringComparer.Ordinal); // events stored per agency (by the consumer)
        public int HeldForReview; // duplicates of events flagged for agency review (by the consumer)

        /// <summary>The errors as stored: the first <see cref="MaxStoredErrors"/>, then one line counting the rest.</summary>
        public IEnumerable<RowError> StoredErrors => TotalErrors > Errors.Count
            ? Errors.Append(new RowError(0, "errors", string.Create(CultureInfo.InvariantCulture,
                $"{TotalErrors - Errors.Count:N0} more row errors are not listed (the first {MaxStoredErrors:N0} are)")))
            : Errors;
    }

    /// <summary>
    /// Audits, in the batch's transaction, each agency other than the sender's own that it stored
    /// events under (an admin's or a delegated key's), and the batch's agency when it is another's,
    /// so that no write for another agency is made without its record.
    /// </summary>
    private static async Task AuditActingForAsync(NpgsqlConnection connection, IngestRequest request, IngestBatch batch, CancellationToken cancellationToken)
    {
        var sender = request.Submitter;
        var agencies = batch.Agencies.Keys.Append(request.Agency).Distinct(StringComparer.Ordinal).Where(sender.ActsFor).Order(StringComparer.Ordinal).ToList();
        if (agencies.Count == 0)
        {
            return;
        }

        var entries = agencies.Select(agency =>
        {
            var stored = batch.Agencies.GetValueOrDefault(agency);
            return new Access.AuditEntry(
                sender.KeyPrefix, sender.Role, sender.Agency, sender.Endpoint,
                string.Create(CultureInfo.InvariantCulture, $"batch {batch.Id}: {stored} {batch.Kind} stored for '{agency}' ({sender.Authority(agency)})"),
                null, null, stored)
            {
                ActingFor = agency,
            };
        }).ToList();
        await Access.AuditLog.WriteManyAsync(connection, entries, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads and checks rows on one core while the database stores the previous chunk on the other:
    /// a producer maps, validates and places each record and hands it over a bounded channel; the
    /// consumer takes a chunk, leaves out the events already stored (or repeated in the chunk), and
    /// COPYs the rest straight into the event table, chunk after chunk, in the batch's one transaction,
    /// each with its geomasked position; the county aggregates and the cluster cells of the stored
    /// events are merged at the end, in the same transaction. One path for both kinds of event, compiled
    /// for each (<typeparamref name="TRows"/>).
    /// </summary>
    private static async Task<(int Staged, int Accepted, Status.DataChange Change)> PipeAsync<TRows, TRow>(
        NpgsqlDataSource dataSource, NpgsqlConnection connection, IngestRequest request, HashingStream body,
        RowBuilder builder, CountyIndex counties, EventMask mask, long batchId, BatchState state, Action<long>? progress, CancellationToken cancellationToken)
        where TRows : struct, IEventRows<TRow>
        where TRow : class
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rows = Channel.CreateBounded<StagedRow<TRow>>(new BoundedChannelOptions(ChunkRows) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ProduceAsync<TRows, TRow>(request, body, builder, counties, state, rows.Writer, stop.Token), stop.Token);
        var staged = 0;
        var accepted = 0;
        var locked = new HashSet<string>(StringComparer.Ordinal);
        var chunk = new List<StagedRow<TRow>>(ChunkRows);
        using var tally = new AggregateTally(request.Kind);
        using var cells = new CellTally(request.Kind);
        var change = new Status.DataChange(TRows.Kind.Data);
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        try
        {
            while (await rows.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                chunk.Clear();
                while (chunk.Count < ChunkRows && rows.Reader.TryRead(out var row))
                {
                    chunk.Add(row);
                }

                staged += chunk.Count;
                accepted += await StoreAsync<TRows, TRow>(dataSource, connection, request, batchId, chunk, locked, mask, tally, cells, change, state, stop.Token).ConfigureAwait(false);
                tally.SpillIfFull();
                cells.SpillIfFull();
                if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(1))
                {
                    lastReport = clock.Elapsed;
                    var read = Volatile.Read(ref state.RowsRead);
                    progress?.Invoke(read);
                    await ReportProgressAsync(dataSource, batchId, read, body.BytesRead, stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not IngestFormatException)
            {
                // the consumer's own failure is the one to report
            }

            throw;
        }

        await producer.ConfigureAwait(false); // a body that could not be read surfaces here
        await tally.FlushAsync(connection, cancellationToken).ConfigureAwait(false);
        await cells.FlushAsync(connection, cancellationToken).ConfigureAwait(false);
        // The layers built on this kind of event change at commit: a new version, announced then with
        // what the events touched (their counties, days and box), so that servers drop only those tiles.
        await change.RecordAsync(connection, cancellationToken).ConfigureAwait(false);
        progress?.Invoke(state.RowsRead);
        return (staged, accepted, change);
    }

    /// <summary>Reads, maps, checks and places every record; hands valid rows to the consumer.</summary>
    private static async Task ProduceAsync<TRows, TRow>(
        IngestRequest request, HashingStream body, RowBuilder builder, CountyIndex counties, BatchState state,
        ChannelWriter<StagedRow<TRow>> rows, CancellationToken cancellationToken)
        where TRows : struct, IEventRows<TRow>
        where TRow : class
    {
        var errors = new List<RowError>();
        try
        {
            await foreach (var record in RecordSources.ReadAsync(body, request.Format, request.Encoding, cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref state.RowsRead);
                errors.Clear();
                var row = TRows.Build(builder, record, errors);
                if (errors.Count > 0)
                {
                    state.Rejected++;
                    state.TotalErrors += errors.Count;
                    foreach (var error in errors.Take(MaxStoredErrors - state.Errors.Count))
                    {
                        state.Errors.Add(error.Cut());
                    }

                    continue;
                }

                if (state.Rejected > 0 && request.Mode == IngestMode.AllOrNothing)
                {
                    continue; // the batch is lost already: read on only to report every invalid row
                }

                var head = TRows.Head(row!);
                state.OutsideCounties += head.County is null ? 1 : 0;
                await rows.WriteAsync(
                    new StagedRow<TRow>(row!, head.Agency, head.ExternalId, head.County, counties.Hidta(head.County), counties.LocalDay(head.County, head.At)),
                    cancellationToken)
                    .ConfigureAwait(false);
            }

            if (state.RowsRead == 0)
            {
                throw new IngestFormatException("the body holds no records");
            }
        }
        finally
        {
            rows.Complete();
        }
    }

    /// <summary>A checked row with its county, HIDTA and local day (the date in its county's time zone), on its way to the staging table.</summary>
    private sealed record StagedRow<TRow>(TRow Row, string Agency, string ExternalId, string? County, string? Hidta, DateOnly Day);

    /// <summary>
    /// Stores one chunk: takes each agency's advisory lock (so concurrent batches of one agency
    /// cannot both store an event; <paramref name="locked"/> null: the live path's short locks,
    /// <see cref="LockKeysAsync"/>), leaves out events already stored or repeated within the chunk,
    /// takes ids for the rest from the table's sequence (the geomask is keyed by the id), makes the
    /// monthly partitions their times need (<see cref="EventPartitions.EnsureAsync"/>), and COPYs
    /// them into the event table with their masked positions. Returns how many were stored.
    /// </summary>
    private static async Task<int> StoreAsync<TRows, TRow>(
        NpgsqlDataSource dataSource, NpgsqlConnection connection, IngestRequest request, long batchId, List<StagedRow<TRow>> chunk, HashSet<string>? locked, EventMask mask,
        AggregateTally tally, CellTally cells, Status.DataChange change, BatchState state, CancellationToken cancellationToken)
        where TRows : struct, IEventRows<TRow>
        where TRow : class
    {
        var kind = TRows.Kind;
        var agencies = new List<string>();
        var ids = new List<string>();
        var seen = new HashSet<(string, string)>();
        var fresh = new List<StagedRow<TRow>>(chunk.Count);
        foreach (var row in chunk)
        {
            if (seen.Add((row.Agency, row.ExternalId)))
            {
                fresh.Add(row);
                agencies.Add(row.Agency);
                ids.Add(row.ExternalId);
                if (locked is not null && locked.Add(row.Agency))
                {
                    await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection);
                    command.Parameters.AddWithValue(row.Agency);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (locked is null)
        {
            await LockKeysAsync(connection, agencies, ids, cancellationToken).ConfigureAwait(false);
        }

        var stored = new Dictionary<(string, string), bool>(); // key → whether the stored event is flagged for agency review
        await using (var existing = new NpgsqlCommand(SqlText.Get($"ingest_{kind.Name}_existing"), connection))
        {
            existing.Parameters.AddWithValue(agencies.ToArray());
            existing.Parameters.AddWithValue(ids.ToArray());
            await using var reader = await existing.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                stored[(reader.GetString(0), reader.GetString(1))] = reader.GetBoolean(2);
            }
        }

        var rows = new List<StagedRow<TRow>>(fresh.Count);
        foreach (var row in fresh)
        {
            if (stored.Count == 0 || !stored.TryGetValue((row.Agency, row.ExternalId), out var flagged))
            {
                rows.Add(row);
                state.Stored[row.Agency] = state.Stored.GetValueOrDefault(row.Agency) + 1;
            }
            else if (flagged)
            {
                state.HeldForReview++;
            }
        }

        if (rows.Count == 0)
        {
            return 0;
        }

        await EventPartitions.EnsureAsync(dataSource, connection, kind, rows.Select(r => TRows.Head(r.Row).At), cancellationToken).ConfigureAwait(false);
        var eventIds = new long[rows.Count];
        await using (var next = new NpgsqlCommand(
            $"SELECT nextval(pg_get_serial_sequence('{kind.EventTable}', 'id')) FROM generate_series(1, $1)", connection))
        {
            next.Parameters.AddWithValue(rows.Count);
            await using var reader = await next.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; await reader.ReadAsync(cancellationToken).ConfigureAwait(false); i++)
            {
                eventIds[i] = reader.GetInt64(0);
            }
        }

        // Record keys for the whole chunk from the strong random source in one call, not one per row.
        var recordKeys = new int[rows.Count];
        System.Security.Cryptography.RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(recordKeys.AsSpan()));
        await using var copy = await connection.BeginBinaryImportAsync(kind.CopySql, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < rows.Count; i++)
        {
            Write<TRows, TRow>(copy, rows[i], eventIds[i], recordKeys[i], batchId, request.Submitter.KeyPrefix, mask, tally, cells, change); // buffered: only a full buffer goes to the socket
        }

        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>
    /// Writes a stored row to the COPY with its id, masked position, sending key and record key (32
    /// strongly random bits, the event's part of every public cell key it falls in), and counts it in
    /// the batch's aggregates and cluster cells and in what it changes.
    /// </summary>
    private static void Write<TRows, TRow>(
        NpgsqlBinaryImporter copy, StagedRow<TRow> staged, long id, int recordKey, long batchId, string keyPrefix, EventMask mask, AggregateTally tally, CellTally cells,
        Status.DataChange change)
        where TRows : struct, IEventRows<TRow>
        where TRow : class
    {
        var row = staged.Row;
        var head = TRows.Head(row);
        var (maskedLon, maskedLat) = mask.Of(head.Lon, head.Lat, id, staged.County);
        copy.StartRow();
        copy.Write(id, NpgsqlDbType.Bigint);
        copy.Write(head.Agency, NpgsqlDbType.Text);
        copy.Write(head.ExternalId, NpgsqlDbType.Text);
        copy.Write(head.At, NpgsqlDbType.TimestampTz);
        copy.Write(Wgs84.CreatePoint(new Coordinate(head.Lon, head.Lat)), NpgsqlDbType.Geometry);
        copy.Write(Wgs84.CreatePoint(new Coordinate(maskedLon, maskedLat)), NpgsqlDbType.Geometry);
        TRows.WriteOwn(copy, row);
        CopyValues.WriteText(copy, staged.County);
        CopyValues.WriteText(copy, staged.Hidta);
        copy.Write(batchId, NpgsqlDbType.Bigint);
        copy.Write(keyPrefix, NpgsqlDbType.Text);
        copy.Write(recordKey, NpgsqlDbType.Integer);
        copy.Write(staged.Day, NpgsqlDbType.Date);
        TRows.Tally(tally, cells, row, staged.County, staged.Day, recordKey, maskedLon, maskedLat);
        change.Add(staged.County, staged.Day, head.Lon, head.Lat);
        change.AddPosition(maskedLon, maskedLat);
    }

    private static async Task<long> StartAsync(NpgsqlDataSource dataSource, IngestRequest request, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO ingest_batches (kind, agency, sender, format, mapping, mode, status, key_prefix)
            VALUES ($1, $2, $3, $4, $5, $6, 'running', $7) RETURNING id
            """);
        command.Parameters.AddWithValue(EventKindInfo.Of(request.Kind).Name);
        command.Parameters.AddWithValue(request.Agency);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)request.Sender ?? DBNull.Value);
        command.Parameters.AddWithValue(FormatName(request.Format));
        command.Parameters.AddWithValue(request.Mapping.Name);
        command.Parameters.AddWithValue(ModeName(request.Mode));
        command.Parameters.AddWithValue(request.Submitter.KeyPrefix);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task RecordBackendAsync(NpgsqlDataSource dataSource, NpgsqlConnection connection, long batchId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE ingest_batches SET backend_pid = $2 WHERE id = $1");
        command.Parameters.AddWithValue(batchId);
        command.Parameters.AddWithValue(connection.ProcessID);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReportProgressAsync(NpgsqlDataSource dataSource, long batchId, int rowsRead, long bytes, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE ingest_batches SET rows_read = $2, bytes = $3 WHERE id = $1 AND status = 'running'");
        command.Parameters.AddWithValue(batchId);
        command.Parameters.AddWithValue(rowsRead);
        command.Parameters.AddWithValue(bytes);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the batch's outcome: inside the ingest transaction when it commits, else on its own.</summary>
    private static async Task<IngestBatch> FinishAsync(
        NpgsqlDataSource dataSource, NpgsqlConnection? connection, long batchId, string status, BatchState state, HashingStream body,
        int accepted, int duplicates, string? error, CancellationToken cancellationToken)
    {
        var sha256 = body.Sha256();
        const string Sql = """
            UPDATE ingest_batches
            SET status = $2, finished_at = clock_timestamp(), bytes = $3, sha256 = $4, rows_read = $5, accepted = $6,
                rejected = $7, duplicates = $8, outside_counties = $9, errors = $10::jsonb, error = $11, agencies = $12::jsonb, held_for_review = $13,
                duplicate_of = (SELECT min(p.id) FROM ingest_batches p
                                WHERE p.id <> $1 AND p.status = 'committed' AND p.sha256 = $4
                                  AND p.kind = ingest_batches.kind AND p.agency = ingest_batches.agency)
            WHERE id = $1
            """;
        await using var command = connection is null ? dataSource.CreateCommand(Sql) : new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue(batchId);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(body.BytesRead);
        command.Parameters.AddWithValue(sha256);
        command.Parameters.AddWithValue(state.RowsRead);
        command.Parameters.AddWithValue(status == "committed" ? accepted : 0);
        command.Parameters.AddWithValue(state.Rejected);
        command.Parameters.AddWithValue(duplicates);
        command.Parameters.AddWithValue(status == "committed" ? state.OutsideCounties : 0);
        // A rejected row's error quotes what was sent, NULs and all, which jsonb and text cannot hold.
        static string NoNul(string text) => text.Replace('\0', '\uFFFD');
        command.Parameters.AddWithValue(JsonSerializer.Serialize(state.StoredErrors.Select(e => e with { Field = NoNul(e.Field), Reason = NoNul(e.Reason) }), ErrorJson));
        command.Parameters.AddWithValue(NpgsqlDbType.Text, error is null ? DBNull.Value : NoNul(error.Length <= MaxErrorText ? error : error[..MaxErrorText] + "…"));
        command.Parameters.AddWithValue(JsonSerializer.Serialize(status == "committed" ? state.Stored : [], ErrorJson));
        command.Parameters.AddWithValue(status == "committed" ? state.HeldForReview : 0);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return (await BatchesAsync(dataSource, connection, batchId, 1, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// Reads one batch (<paramref name="id"/>), with the row errors it keeps, or the latest
    /// <paramref name="limit"/> batches with the first <see cref="ListedErrors"/> row errors of each
    /// and a line counting the rest.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="connection">An open connection to read through (to see an uncommitted batch), or null.</param>
    /// <param name="id">One batch's id, or null for the latest.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The batches, newest first.</returns>
    public static async Task<IReadOnlyList<IngestBatch>> BatchesAsync(
        NpgsqlDataSource dataSource, NpgsqlConnection? connection, long? id, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        const string Sql = """
            SELECT id, kind, agency, sender, format, mapping, mode, status, received_at, finished_at, bytes, sha256,
                   rows_read, accepted, rejected, duplicates, outside_counties, duplicate_of, left(error, $3),
                   -- Errors are cut as they are stored; this also cuts those stored before that was so.
                   (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'line', x.e -> 'line',
                               'field', left(x.e ->> 'field', $4),
                               'reason', CASE WHEN length(x.e ->> 'reason') > $5 THEN left(x.e ->> 'reason', $5) || '… (cut)' ELSE x.e ->> 'reason' END)
                             ORDER BY x.o), '[]'::jsonb)
                           || CASE WHEN jsonb_array_length(errors) > $6 THEN jsonb_build_array(jsonb_build_object(
                                  'line', 0, 'field', 'errors',
                                  'reason', (jsonb_array_length(errors) - $6) || ' more entries: GET /api/ingest/batches/' || ingest_batches.id || ' lists them (up to ' || $7 || ' row errors)'))
                              ELSE '[]'::jsonb END
                    FROM jsonb_array_elements(errors) WITH ORDINALITY AS x(e, o) WHERE x.o <= $6)::text, key_prefix, agencies::text, held_for_review
            FROM ingest_batches WHERE $1::bigint IS NULL OR id = $1 ORDER BY id DESC LIMIT $2
            """;
        await using var command = connection is null ? dataSource.CreateCommand(Sql) : new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue(NpgsqlDbType.Bigint, (object?)id ?? DBNull.Value);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(MaxErrorText + 1);
        command.Parameters.AddWithValue(RowError.MaxField);
        command.Parameters.AddWithValue(RowError.MaxReason + 60); // a cut reason's note of how much was cut
        command.Parameters.AddWithValue(id is null ? ListedErrors : MaxStoredErrors + 1); // one more: the line that counts the rest
        command.Parameters.AddWithValue(MaxStoredErrors.ToString("N0", CultureInfo.InvariantCulture));
        var batches = new List<IngestBatch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            batches.Add(new IngestBatch(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Text(3), reader.GetString(4), Text(5), reader.GetString(6),
                reader.GetString(7), reader.GetDateTime(8), reader.IsDBNull(9) ? null : reader.GetDateTime(9), reader.GetInt64(10), Text(11),
                reader.GetInt32(12), reader.GetInt32(13), reader.GetInt32(14), reader.GetInt32(15), reader.GetInt32(16),
                reader.IsDBNull(17) ? null : reader.GetInt64(17), Text(18),
                JsonSerializer.Deserialize<List<RowError>>(reader.GetString(19), ErrorJson) ?? [], Text(20),
                JsonSerializer.Deserialize<SortedDictionary<string, int>>(reader.GetString(21), ErrorJson) is { } agencies
                    ? new SortedDictionary<string, int>(agencies, StringComparer.Ordinal) : new SortedDictionary<string, int>(StringComparer.Ordinal),
                reader.GetInt32(22)));
        }

        return batches;
    }

    /// <summary>Whether a batch from <paramref name="sender"/> has committed.</summary>
    /// <param name="db">The entity model.</param>
    /// <param name="sender">The batch's sender as recorded.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Whether one has.</returns>
    public static Task<bool> CommittedFromAsync(Entities.GeoOrsDbContext db, string sender, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(
            db.IngestBatches, b => b.Sender == sender && b.Status == "committed", cancellationToken);
    }

    /// <summary>Fails the batches whose server stopped before committing them (run at start and when batches are listed).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>How many batches were failed.</returns>
    public static async Task<int> FailOrphansAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(SqlText.Get("ingest_fail_orphans"));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The id of the event stored under an agency and external id, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="kind">Overdoses or seizures.</param>
    /// <param name="agency">The agency.</param>
    /// <param name="externalId">The sender's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The event's id.</returns>
    public static async Task<long?> EventIdAsync(NpgsqlDataSource dataSource, EventKind kind, string agency, string externalId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var info = EventKindInfo.Of(kind);
        await using var command = dataSource.CreateCommand("SELECT event_id FROM event_keys WHERE kind = $1 AND agency = $2 AND external_id = $3");
        command.Parameters.AddWithValue(info.Name);
        command.Parameters.AddWithValue(agency);
        command.Parameters.AddWithValue(externalId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
    }

    private static async Task<(double X, double Y)?> CentroidAsync(NpgsqlDataSource dataSource, string fips, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT ST_X(p), ST_Y(p) FROM (
                SELECT CASE WHEN ST_Contains(geom, ST_Centroid(geom)) THEN ST_Centroid(geom) ELSE ST_PointOnSurface(geom) END AS p
                FROM counties WHERE geoid = $1) c
            """);
        command.Parameters.AddWithValue(fips);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetDouble(0), reader.GetDouble(1))
            : throw new IngestFormatException($"the mapping places events at county {fips}, which is not a county");
    }

    private static string FormatName(IngestFormat format) => format switch
    {
        IngestFormat.Csv => "csv",
        IngestFormat.GeoJson => "geojson",
        _ => "ndjson",
    };

    private static string ModeName(IngestMode mode) => mode == IngestMode.AllOrNothing ? "all-or-nothing" : "skip-invalid";

    /// <summary>Counts and hashes the bytes as they are read, so a re-sent file is recognised by its SHA-256.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long BytesRead { get; private set; }

        public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Hash(buffer[..read]);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Hash(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Hash(ReadOnlySpan<byte> bytes)
        {
            _hash.AppendData(bytes);
            BytesRead += bytes.Length;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
