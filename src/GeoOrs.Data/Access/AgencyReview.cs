using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Access;

/// <summary>
/// One event stored, before agencies were checked per row (migration 0014), under an agency other
/// than the agency of the batch that sent it: it may have been written by another agency's key.
/// </summary>
/// <param name="Id">The review row's id.</param>
/// <param name="Kind"><c>overdoses</c> or <c>seizures</c>.</param>
/// <param name="EventId">The event's id.</param>
/// <param name="ExternalId">The event's external id.</param>
/// <param name="EventAgency">The agency it is stored under (as its row or mapping named it).</param>
/// <param name="BatchId">The batch that brought it.</param>
/// <param name="BatchAgency">That batch's agency: the sending key's own.</param>
/// <param name="Sender">The batch's sender as recorded (<c>PREFIX@ADDRESS</c>).</param>
/// <param name="FoundAt">When the migration listed it.</param>
/// <param name="Resolution">Null while open; <c>confirmed</c> or <c>reattributed</c>.</param>
/// <param name="ResolvedAt">When it was settled.</param>
/// <param name="ResolvedBy">The admin key that settled it.</param>
/// <param name="Note">The admin's note.</param>
public sealed record AgencyReviewItem(
    long Id, string Kind, long EventId, string ExternalId, string EventAgency, long BatchId, string BatchAgency, string? Sender,
    DateTime FoundAt, string? Resolution, DateTime? ResolvedAt, string? ResolvedBy, string? Note);

/// <summary>What became of a request to settle a review row.</summary>
public enum AgencyReviewOutcome
{
    /// <summary>Settled.</summary>
    Settled,

    /// <summary>No review row has that id.</summary>
    NotFound,

    /// <summary>It was settled already.</summary>
    AlreadySettled,

    /// <summary>The batch's agency already has an event with that external id: it cannot be moved there.</summary>
    Conflict,
}

/// <summary>
/// The events migration 0014 flagged (<c>agency_flagged</c>) and listed in <c>agency_review</c>: stored
/// under another agency than their sender's. Nothing is deleted: an admin confirms each (the sender
/// was entitled to name that agency) or reattributes it to the agency of the batch that sent it, which
/// frees the external id for its rightful agency.
/// </summary>
public static class AgencyReview
{
    /// <summary>The resolutions an admin may give.</summary>
    public static IReadOnlyList<string> Resolutions { get; } = ["confirmed", "reattributed"];

    /// <summary>Review rows, oldest first.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="open">Only those not yet settled.</param>
    /// <param name="limit">The most rows.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The rows.</returns>
    public static Task<IReadOnlyList<AgencyReviewItem>> ListAsync(NpgsqlDataSource dataSource, bool open, int limit, CancellationToken cancellationToken = default) =>
        ReadAsync(dataSource, null, open, limit, cancellationToken);

    /// <summary>One review row, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The row.</returns>
    public static async Task<AgencyReviewItem?> GetAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken = default) =>
        (await ReadAsync(dataSource, id, false, 1, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    private static async Task<IReadOnlyList<AgencyReviewItem>> ReadAsync(NpgsqlDataSource dataSource, long? id, bool open, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT id, kind, event_id, external_id, event_agency, batch_id, batch_agency, sender, found_at, resolution, resolved_at, resolved_by, note
            FROM agency_review WHERE (NOT $1 OR resolution IS NULL) AND ($3::bigint IS NULL OR id = $3) ORDER BY id LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = open });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)id ?? DBNull.Value });
        var items = new List<AgencyReviewItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            items.Add(new AgencyReviewItem(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), reader.GetString(6),
                Text(7), reader.GetDateTime(8), Text(9), reader.IsDBNull(10) ? null : reader.GetDateTime(10), Text(11), Text(12)));
        }

        return items;
    }

    /// <summary>
    /// Settles an open review row: <c>confirmed</c> clears the event's flag; <c>reattributed</c> moves the
    /// event to the batch's agency and clears the flag (and bumps the data version of its kind, since
    /// sharing rules are per agency).
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="id">The review row.</param>
    /// <param name="resolution"><c>confirmed</c> or <c>reattributed</c>.</param>
    /// <param name="resolvedBy">The admin's key prefix.</param>
    /// <param name="note">Why, or null.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>What happened.</returns>
    public static async Task<AgencyReviewOutcome> SettleAsync(
        NpgsqlDataSource dataSource, long id, string resolution, string? resolvedBy, string? note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (!Resolutions.Contains(resolution))
        {
            throw new ArgumentException($"'{resolution}' is not one of {string.Join(", ", Resolutions)}", nameof(resolution));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string kind;
        long eventId;
        string batchAgency, externalId;
        await using (var find = new NpgsqlCommand("SELECT kind, event_id, batch_agency, external_id, resolution FROM agency_review WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return AgencyReviewOutcome.NotFound;
            }

            if (!reader.IsDBNull(4))
            {
                return AgencyReviewOutcome.AlreadySettled;
            }

            (kind, eventId, batchAgency, externalId) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3));
        }

        // Table and column names from this closed pair, never from a request.
        var (table, agencyColumn) = kind == "overdoses" ? ("overdose_events", "source_agency") : ("seizure_events", "agency");
        if (resolution == "reattributed")
        {
            await using var taken = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM event_keys WHERE kind = $3 AND agency = $1 AND external_id = $2)", connection, transaction);
            taken.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batchAgency });
            taken.Parameters.Add(new NpgsqlParameter<string> { TypedValue = externalId });
            taken.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
            if ((bool)(await taken.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return AgencyReviewOutcome.Conflict;
            }
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var change = new NpgsqlBatchCommand(resolution == "reattributed"
                ? $"UPDATE {table} SET {agencyColumn} = $2, agency_flagged = false WHERE id = $1"
                : $"UPDATE {table} SET agency_flagged = false WHERE id = $1")
            {
                Parameters = { new NpgsqlParameter<long> { TypedValue = eventId } },
            };
            if (resolution == "reattributed")
            {
                change.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batchAgency });
            }

            batch.BatchCommands.Add(change);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "UPDATE agency_review SET resolution = $2, resolved_at = now(), resolved_by = $3, note = $4 WHERE id = $1")
            {
                Parameters =
                {
                    new NpgsqlParameter<long> { TypedValue = id }, new NpgsqlParameter<string> { TypedValue = resolution },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)resolvedBy ?? DBNull.Value },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)note ?? DBNull.Value },
                },
            });
            if (resolution == "reattributed")
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT geoors_bump($1)") { Parameters = { new NpgsqlParameter<string> { TypedValue = kind } } });
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return AgencyReviewOutcome.Settled;
    }
}
