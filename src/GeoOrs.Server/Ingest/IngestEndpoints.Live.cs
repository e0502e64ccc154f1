using System.Text.Json;
using GeoOrs.Data.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace GeoOrs.Server.Ingest;

/// <summary>
/// The live path (docs/INGEST.md, "Live feeds"): <c>POST /api/ingest/{kind}/event</c> takes one JSON
/// event, <c>POST /api/ingest/{kind}/events</c> a JSON array of up to 1,000; each is parsed once,
/// checked as a batch's rows are, and stored with its aggregates in one short transaction
/// (<see cref="Ingestor.IngestLiveAsync"/>); then the server's data versions are read again and the
/// fixed thresholds of the areas it touched are checked (<see cref="AfterIngest.RunLiveAsync"/>).
/// </summary>
internal static partial class IngestEndpoints
{
    /// <summary>The largest array of events.</summary>
    private const long MaxEventsBytes = 4 * 1024 * 1024;

    /// <summary>The query parameters of the live routes: an event array is stored event by event, so there is no mode.</summary>
    internal static readonly IReadOnlyList<QueryParameter> LiveQuery = [.. BatchQuery.Where(p => p.Name != "mode")];

    private static void MapLive(RouteGroupBuilder group)
    {
        foreach (var (kind, path, one) in new[] { (EventKind.Overdoses, "overdoses", "Overdose"), (EventKind.Seizures, "seizures", "Seizure") })
        {
            group.MapPost($"/{path}/event", (HttpContext http, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource db, TimeProvider clock) => IngestEventAsync(kind, http, db, clock))
                .WithName($"Ingest{one}Event").WithQuery(LiveQuery).WithLiveProblems()
                .WithDescription($"One {one.ToLowerInvariant()} event as a JSON object with the canonical fields (docs/INGEST.md): 201 with the stored event, 200 when the agency has one with this external_id already (nothing changed), 422 with the errors by field.");
            group.MapPost($"/{path}/events", (HttpContext http, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource db, TimeProvider clock) => IngestEventsAsync(kind, http, db, clock))
                .WithName($"Ingest{one}Events").WithQuery(LiveQuery).WithLiveProblems()
                .WithDescription($"A JSON array of 1 to {Ingestor.MaxLiveEvents:N0} {path} events, stored in one transaction: each valid event is stored, each invalid one reported; per-event results in the request's order. 201 when any was stored, 200 when every valid one was a repeat, 422 when none was valid.");
        }
    }

    /// <summary>The problems a live route answers besides 400 and 422: the 413 and 415 of a batch, and 503 when the server is busy.</summary>
    private static RouteHandlerBuilder WithLiveProblems(this RouteHandlerBuilder builder) =>
        builder.WithBatchProblems().ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireLiveLimit();

    /// <summary>The answer to a single event.</summary>
    /// <param name="Id">The event's id.</param>
    /// <param name="BatchId">The batch that recorded the request.</param>
    /// <param name="Duplicate">Whether the agency had an event with this external id already (200, nothing changed).</param>
    /// <param name="Agency">The agency it is stored under.</param>
    /// <param name="ExternalId">The sender's id of it.</param>
    /// <param name="County">The county it lies in (null: outside every county).</param>
    /// <param name="LocalDay">The day it counts on, in its county's time zone.</param>
    internal sealed record StoredEvent(long? Id, long BatchId, bool Duplicate, string? Agency = null, string? ExternalId = null, string? County = null, DateOnly? LocalDay = null);

    /// <summary>The answer to an array of events.</summary>
    /// <param name="BatchId">The batch that recorded the request; null when no event was valid (nothing was recorded).</param>
    /// <param name="Created">How many events were stored.</param>
    /// <param name="Duplicates">How many valid events the agency had already (or that repeat one earlier in the array).</param>
    /// <param name="Invalid">How many events were invalid (not stored).</param>
    /// <param name="Events">Each event's outcome, in the array's order: its index, id, duplicate flag, or its errors by field.</param>
    internal sealed record StoredEvents(long? BatchId, int Created, int Duplicates, int Invalid, IReadOnlyList<LiveEvent> Events);

    internal static async Task<Results<Created<StoredEvent>, Ok<StoredEvent>, ValidationProblem, ProblemHttpResult>> IngestEventAsync(
        EventKind kind, HttpContext http, NpgsqlDataSource dataSource, TimeProvider clock)
    {
        var (doc, refused) = await ReadJsonAsync(http, MaxEventBytes, "An event is one JSON object");
        if (refused is not null)
        {
            return refused;
        }

        using (doc)
        {
            if (doc!.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Problem(StatusCodes.Status400BadRequest, "Not an object", "An event is one JSON object with the canonical fields (docs/INGEST.md); an array goes to …/events.");
            }

            var (batch, invalid, problem) = await StoreLiveAsync(kind, http, dataSource, clock, [RecordSources.FromJson(1, doc.RootElement)]);
            if (invalid is not null)
            {
                return invalid;
            }

            if (problem is not null)
            {
                return problem;
            }

            var stored = batch!.Events[0];
            if (stored.Errors is { } errors)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "Invalid event",
                    detail: "The event was not stored: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Reason}")),
                    extensions: new Dictionary<string, object?> { ["errors"] = errors });
            }

            var body = new StoredEvent(stored.Id, batch.BatchId!.Value, stored.Duplicate, stored.Agency, stored.ExternalId, stored.County, stored.LocalDay);
            return stored.Duplicate ? TypedResults.Ok(body) : TypedResults.Created($"/api/ingest/batches/{batch.BatchId}", body);
        }
    }

    internal static async Task<Results<Created<StoredEvents>, Ok<StoredEvents>, UnprocessableEntity<StoredEvents>, ValidationProblem, ProblemHttpResult>> IngestEventsAsync(
        EventKind kind, HttpContext http, NpgsqlDataSource dataSource, TimeProvider clock)
    {
        var (doc, refused) = await ReadJsonAsync(http, MaxEventsBytes, "The events are one JSON array of objects");
        if (refused is not null)
        {
            return refused;
        }

        using (doc)
        {
            var root = doc!.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() is 0 or > Ingestor.MaxLiveEvents)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["events"] = [$"the body is a JSON array of 1 to {Ingestor.MaxLiveEvents:N0} event objects; split a longer feed into several requests, or send a file to POST /api/ingest/{EventKindInfo.Of(kind).Name}"],
                });
            }

            var records = root.EnumerateArray().Select((e, i) => RecordSources.FromJson(i + 1, e)).ToList();
            var (batch, invalid, problem) = await StoreLiveAsync(kind, http, dataSource, clock, records);
            if (invalid is not null)
            {
                return invalid;
            }

            if (problem is not null)
            {
                return problem;
            }

            var events = batch!.Events;
            var body = new StoredEvents(batch.BatchId, batch.Created, events.Count(e => e.Valid && e.Duplicate), events.Count(e => !e.Valid), events);
            return body.Created > 0 ? TypedResults.Created($"/api/ingest/batches/{batch.BatchId}", body)
                : body.Invalid == events.Count ? TypedResults.UnprocessableEntity(body)
                : TypedResults.Ok(body);
        }
    }

    /// <summary>Reads the body, up to <paramref name="maxBytes"/>, as one JSON document; else 413, 415 or 400.</summary>
    private static async Task<(JsonDocument? Doc, ProblemHttpResult? Refused)> ReadJsonAsync(HttpContext http, long maxBytes, string what)
    {
        var media = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) ? type.MediaType.Value : null;
        if (media is not ("application/json" or null))
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"{what} (application/json)."));
        }

        // The limit holds for a body sent without a Content-Length (chunked) too: reading stops once it is passed.
        var tooLarge = Problem(StatusCodes.Status413PayloadTooLarge, "Too large", $"{what} of at most {maxBytes / 1024:N0} KB; nothing was stored.");
        if (http.Request.ContentLength > maxBytes)
        {
            return (null, tooLarge);
        }

        using var sent = new MemoryStream();
        var buffer = new byte[16 * 1024];
        for (int read; (read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0;)
        {
            if (sent.Length + read > maxBytes)
            {
                return (null, tooLarge);
            }

            sent.Write(buffer, 0, read);
        }

        try
        {
            return (JsonDocument.Parse(sent.GetBuffer().AsMemory(0, (int)sent.Length)), null);
        }
        catch (JsonException e)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "Not JSON", $"The body is not JSON: {e.Message}"));
        }
    }

    /// <summary>Stores the events, then takes the steps after a live commit; a 400 or 403 for the request itself, 503 when a lock was held too long.</summary>
    private static async Task<(LiveBatch? Batch, ValidationProblem? Invalid, ProblemHttpResult? Problem)> StoreLiveAsync(
        EventKind kind, HttpContext http, NpgsqlDataSource dataSource, TimeProvider clock, IReadOnlyList<SourceRecord> records)
    {
        var (request, invalid, refused) = await ReadRequestAsync(kind, http, dataSource, http.RequestAborted, IngestFormat.NdJson, LiveQuery);
        if (invalid is not null || refused is not null)
        {
            return (null, invalid, refused);
        }

        var services = http.RequestServices;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        LiveBatch batch;
        try
        {
            batch = await Ingestor.IngestLiveAsync(dataSource, request!, records, clock, http.RequestAborted);
        }
        catch (IngestFormatException e)
        {
            return (null, null, Problem(StatusCodes.Status400BadRequest, "Unreadable events", e.Message));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
        {
            // A bulk batch of the agency holds its lock, or the same events are being stored: send again.
            return (null, null, WorkLimits.LiveBusy(http));
        }

        IngestMetrics.LiveFinished(kind, batch, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        await AfterIngest.RunLiveAsync(kind, batch, services.GetRequiredService<IOptions<AnalysisOptions>>().Value,
            services.GetRequiredService<Hangfire.IBackgroundJobClient>(), services.GetRequiredService<DataVersions>(), dataSource, clock,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("GeoOrs.Ingest"));
        return (batch, null, null);
    }
}
