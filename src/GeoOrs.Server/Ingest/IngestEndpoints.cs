using System.Text;
using System.Text.Json;
using System.Security.Claims;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Access;
using GeoOrs.Data.Ingest;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace GeoOrs.Server.Ingest;

/// <summary>
/// <c>/api/ingest</c>: overdose and seizure events in, as CSV, GeoJSON or NDJSON, streamed; the
/// batches' records; the column mappings.
/// </summary>
internal static partial class IngestEndpoints
{
    /// <summary>The request header that carries a column mapping inline, as JSON.</summary>
    public const string MappingHeader = "GeoOrs-Mapping";

    private const long MaxEventBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/ingest").WithTags("Ingest").RequireAuthorization(AccessPolicies.Analysts).StampsCommitPosition();
        group.MapPost("/overdoses", (HttpContext http, [FromKeyedServices(RequestClass.Ingest)] NpgsqlDataSource db, TimeProvider clock, ILoggerFactory log) =>
            IngestBatchAsync(EventKind.Overdoses, http, db, clock, log)).WithName("IngestOverdoses").WithQuery(BatchQuery).WithBatchProblems();
        group.MapPost("/seizures", (HttpContext http, [FromKeyedServices(RequestClass.Ingest)] NpgsqlDataSource db, TimeProvider clock, ILoggerFactory log) =>
            IngestBatchAsync(EventKind.Seizures, http, db, clock, log)).WithName("IngestSeizures").WithQuery(BatchQuery).WithBatchProblems();
        MapLive(group);
        group.MapGet("/batches", ListBatchesAsync).WithName("ListIngestBatches");
        group.MapGet("/batches/{id:long}", GetBatchAsync).WithName("GetIngestBatch");
        group.MapGet("/mappings", ListMappingsAsync).WithName("ListMappings");
        group.MapGet("/mappings/{name}", GetMappingAsync).WithName("GetMapping");
        group.MapPut("/mappings/{name}", PutMappingAsync).WithName("PutMapping");
        group.MapDelete("/mappings/{name}", DeleteMappingAsync).WithName("DeleteMapping");
        return app;
    }

    /// <summary>The query parameters of the ingest routes.</summary>
    internal static readonly IReadOnlyList<QueryParameter> BatchQuery =
    [
        new("mapping", "string", $"The stored column mapping to read the rows with (GET /api/ingest/mappings); a mapping sent in the {MappingHeader} header wins. The canonical columns by default."),
        new("mode", "string", "all-or-nothing (default): one bad row rejects the batch; skip-invalid: bad rows are left out and listed.", Values: ["all-or-nothing", "skip-invalid"]),
        new("agency", "string", "The agency the batch is attributed to: the key's own by default, an agency delegated to the key, or any agency for an admin key."),
    ];

    /// <summary>The problems an ingest route answers besides 400: a body too large, a media type it does not read, a batch for an agency the key may not name.</summary>
    private static RouteHandlerBuilder WithBatchProblems(this RouteHandlerBuilder builder) =>
        builder.ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    internal static async Task<Results<Created<IngestBatch>, UnprocessableEntity<IngestBatch>, ValidationProblem, ProblemHttpResult>> IngestBatchAsync(
        EventKind kind, HttpContext http, NpgsqlDataSource dataSource, TimeProvider clock, ILoggerFactory log)
    {
        // Batches are streamed (a 1 GB file goes through in bounded memory), so they may be larger
        // than any other request body: up to Http:MaxIngestBytes.
        var maxBytes = http.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value.MaxIngestBytes;
        if (http.Request.ContentLength > maxBytes)
        {
            if (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol))
            {
                http.Response.Headers.Connection = "close"; // the unread body is not drained: the client must not reuse the connection
            }

            return TooLarge(maxBytes);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        var (request, invalid, refused) = await ReadRequestAsync(kind, http, dataSource, http.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        if (refused is not null)
        {
            return refused;
        }

        return await RunAsync(dataSource, http.RequestServices, request!, maxBytes, clock, log, http.RequestAborted);
    }

    /// <summary>Ingests a batch, then takes the steps after a batch (<see cref="AfterIngest"/>) before it answers.</summary>
    private static async Task<IngestBatch> IngestAsync(
        NpgsqlDataSource dataSource, IServiceProvider services, IngestRequest request, TimeProvider clock, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var batch = await Ingestor.IngestAsync(dataSource, request, clock, cancellationToken: cancellationToken);
        IngestMetrics.BatchFinished(batch, "http", System.Diagnostics.Stopwatch.GetElapsedTime(started));
        var job = await AfterIngest.RunAsync(request.Kind, batch, services.GetRequiredService<IOptions<AnalysisOptions>>().Value,
            services.GetRequiredService<Hangfire.IBackgroundJobClient>(), services.GetRequiredService<DataVersions>());
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("GeoOrs.Ingest");
        if (job is not null)
        {
            log.LogInformation("Batch {Batch} stored {Events} overdoses: hot spot run enqueued (job {Job})", batch.Id, batch.Accepted, job);
        }

        await AfterIngest.CheckThresholdsAsync(batch.Change, services.GetRequiredService<IOptions<AnalysisOptions>>().Value, dataSource, clock, log);

        return batch;
    }

    /// <summary>201 with the batch when it committed, 422 with its row errors when it was rejected, 400 when the body is unreadable.</summary>
    private static async Task<Results<Created<IngestBatch>, UnprocessableEntity<IngestBatch>, ValidationProblem, ProblemHttpResult>> RunAsync(
        NpgsqlDataSource dataSource, IServiceProvider services, IngestRequest request, long maxBytes, TimeProvider clock, ILoggerFactory log, CancellationToken cancellationToken)
    {
        try
        {
            var batch = await IngestAsync(dataSource, services, request, clock, cancellationToken);
            return batch.Status == "committed"
                ? TypedResults.Created($"/api/ingest/batches/{batch.Id}", batch)
                : TypedResults.UnprocessableEntity(batch);
        }
        catch (IngestFormatException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Unreadable body", e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body without a length that went over the limit: the batch is recorded as failed, nothing stored.
            return TooLarge(maxBytes);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away or the body was cut off: the batch is recorded as failed, nothing stored.
            log.CreateLogger("GeoOrs.Ingest").LogWarning("Ingest cut off: {Reason}", e.Message);
            return Problem(StatusCodes.Status400BadRequest, "Upload cut off", "The body ended before the batch was complete; nothing was stored.");
        }
    }

    /// <summary>The batch's request, else a 400 naming what is wrong (<paramref name="format"/> null: read from the content type) or another refusal (415, 403).</summary>
    private static async Task<(IngestRequest? Request, ValidationProblem? Invalid, ProblemHttpResult? Refused)> ReadRequestAsync(
        EventKind kind, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken, IngestFormat? format = null, IReadOnlyList<QueryParameter>? parameters = null)
    {
        var query = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        parameters ??= BatchQuery;
        foreach (var key in query.Keys)
        {
            if (!QueryParameter.Takes(parameters, key))
            {
                errors[key] = [$"unknown parameter '{key}'; the parameters are {QueryParameter.Phrase(parameters)}"];
            }
        }

        var mode = query["mode"].ToString() switch
        {
            "" or "all-or-nothing" => IngestMode.AllOrNothing,
            "skip-invalid" => IngestMode.SkipInvalid,
            var other => Invalid(errors, "mode", $"'{other}' is not all-or-nothing or skip-invalid"),
        };

        Encoding? encoding = null;
        if (format is null)
        {
            MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType);
            format = RecordSources.FormatOf(contentType?.MediaType.Value);
            if (format is null)
            {
                return (null, null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                    $"'{http.Request.ContentType}' is not text/csv, application/geo+json or application/x-ndjson."));
            }

            if (contentType?.Charset.Value is { Length: > 0 } charset)
            {
                try
                {
                    encoding = Encoding.GetEncoding(charset);
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException) // NotSupported: UTF-7, disabled in .NET
                {
                    errors["charset"] = [$"'{charset}' is not a character set GeoOrs reads (utf-8, iso-8859-1, us-ascii)"];
                }
            }
        }

        ColumnMapping? mapping = null;
        if (http.Request.Headers[MappingHeader].ToString() is { Length: > 0 } inline)
        {
            try
            {
                mapping = MappingStore.Parse(inline);
            }
            catch (MappingException e)
            {
                errors[MappingHeader] = [.. e.Errors];
            }
        }
        else if (query["mapping"].ToString() is { Length: > 0 } name)
        {
            mapping = await MappingStore.FindAsync(http.RequestServices.GetRequiredService<GeoOrsDbContext>(), name, cancellationToken);
            if (mapping is null)
            {
                errors["mapping"] = [$"no mapping is named '{name}'; GET /api/ingest/mappings lists them"];
            }
        }

        mapping ??= ColumnMapping.Canonical(kind);
        if (mapping.Kind != kind)
        {
            errors["mapping"] = [$"the mapping '{mapping.Name}' reads {mapping.Kind.ToString().ToLowerInvariant()}, not {kind.ToString().ToLowerInvariant()}"];
        }

        var agency = query["agency"].ToString();
        if (agency.Length > 200)
        {
            errors["agency"] = ["agency is at most 200 characters"];
        }

        if (errors.Count > 0)
        {
            return (null, TypedResults.ValidationProblem(errors), null);
        }

        // A batch is attributed to the key's own agency, or to the agency= it names: an agency an admin
        // has delegated to the key, or any agency for an admin key (acting for it, audited). Each row
        // is then checked against the same rule (IngestSender.MayName): naming any other agency, in
        // the row or through the mapping's constant, rejects that row.
        var role = AccessRules.RoleOf(http.User);
        var keyAgency = http.User.FindFirstValue(GeoOrsClaims.Agency);
        var keyPrefix = http.User.FindFirstValue(GeoOrsClaims.Key) ?? "unknown";
        var delegated = role == Role.Admin
            ? new HashSet<string>(StringComparer.Ordinal)
            : new HashSet<string>(await IngestDelegations.OfAsync(http.RequestServices.GetRequiredService<GeoOrsDbContext>(), keyPrefix, cancellationToken), StringComparer.Ordinal);
        if (role != Role.Admin && agency.Length > 0 && agency != keyAgency && !delegated.Contains(agency))
        {
            return (null, null, Problem(StatusCodes.Status403Forbidden, "Forbidden",
                $"this key submits for '{keyAgency}'{(delegated.Count > 0 ? $" and the agencies delegated to it ({string.Join(", ", delegated.Order(StringComparer.Ordinal).Select(a => $"'{a}'"))})" : "")}, " +
                $"not for '{agency}': only an admin key may attribute events to any agency"));
        }

        agency = agency.Length > 0 ? agency : keyAgency ?? "unattributed";
        var sender = $"{keyPrefix}@{http.Connection.RemoteIpAddress}";
        var by = new IngestSender(keyPrefix, role, keyAgency, delegated, $"{http.Request.Method} {http.Request.Path}");
        return (new IngestRequest(kind, format.Value, http.Request.Body, agency, sender, mapping, mode, encoding, by), null, null);
    }

    private static IngestMode Invalid(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return IngestMode.AllOrNothing;
    }

    internal static async Task<Results<Ok<IReadOnlyList<IngestBatch>>, ValidationProblem>> ListBatchesAsync(
        int? limit, HttpContext http, [FromKeyedServices(RequestClass.Ingest)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be between 1 and 1000"] });
        }

        await Ingestor.FailOrphansAsync(dataSource, cancellationToken);
        var batches = await Ingestor.BatchesAsync(dataSource, null, null, take, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<IngestBatch>>([.. batches.Where(b => OwnBatch(http, b))]);
    }

    internal static async Task<Results<Ok<IngestBatch>, ProblemHttpResult>> GetBatchAsync(
        long id, HttpContext http, [FromKeyedServices(RequestClass.Ingest)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await Ingestor.FailOrphansAsync(dataSource, cancellationToken);
        var batches = await Ingestor.BatchesAsync(dataSource, null, id, 1, cancellationToken);
        return batches.Count == 1 && OwnBatch(http, batches[0])
            ? TypedResults.Ok(batches[0])
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such batch", detail: $"No ingest batch has the id {id}.");
    }

    /// <summary>
    /// Whether the caller may read a batch's record (its rejected rows quote the file): admins all,
    /// others their agency's and those their own key sent (a delegated key's batches for another agency).
    /// </summary>
    private static bool OwnBatch(HttpContext http, IngestBatch batch) =>
        AccessRules.RoleOf(http.User) == Role.Admin || batch.Agency == http.User.FindFirstValue(GeoOrsClaims.Agency)
        || (batch.KeyPrefix is not null && batch.KeyPrefix == http.User.FindFirstValue(GeoOrsClaims.Key));

    internal static async Task<Ok<IReadOnlyList<ColumnMapping>>> ListMappingsAsync(GeoOrsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await MappingStore.ListAsync(db, cancellationToken));

    internal static async Task<Results<Ok<ColumnMapping>, ProblemHttpResult>> GetMappingAsync(string name, GeoOrsDbContext db, CancellationToken cancellationToken) =>
        await MappingStore.FindAsync(db, name, cancellationToken) is { } mapping
            ? TypedResults.Ok(mapping)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such mapping", detail: $"No mapping is named '{name}'.");

    internal static async Task<Results<Ok<ColumnMapping>, ValidationProblem, ProblemHttpResult>> PutMappingAsync(
        string name, HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        string json;
        using (var reader = new StreamReader(http.Request.Body))
        {
            json = await reader.ReadToEndAsync(cancellationToken);
        }

        ColumnMapping mapping;
        try
        {
            mapping = MappingStore.Parse(json);
        }
        catch (MappingException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["mapping"] = [.. e.Errors] });
        }

        if (mapping.Name != name)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [$"the URL names '{name}' but the mapping is named '{mapping.Name}'"] });
        }

        if (MappingStore.BuiltIn.Any(m => m.Name == name))
        {
            return BuiltInMapping(name);
        }

        var (change, existing) = await MappingStore.PutAsync(db, mapping, http.User.FindFirstValue(GeoOrsClaims.Agency),
            http.User.FindFirstValue(GeoOrsClaims.Key), AccessRules.RoleOf(http.User) == Role.Admin, cancellationToken);
        return change switch
        {
            MappingChange.Done => TypedResults.Ok(mapping),
            MappingChange.BuiltIn => BuiltInMapping(name),
            _ => NotOwner(name, existing?.Owner, "replace"),
        };
    }

    /// <summary>Deletes a stored mapping: its owner agency's callers and admins; built-in mappings stay (409).</summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteMappingAsync(
        string name, HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        var (change, existing) = await MappingStore.DeleteAsync(db, name, http.User.FindFirstValue(GeoOrsClaims.Agency),
            AccessRules.RoleOf(http.User) == Role.Admin, cancellationToken);
        return change switch
        {
            MappingChange.Done => TypedResults.NoContent(),
            MappingChange.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such mapping", detail: $"No mapping is named '{name}'."),
            MappingChange.BuiltIn => BuiltInMapping(name),
            _ => NotOwner(name, existing?.Owner, "delete"),
        };
    }

    private static ProblemHttpResult BuiltInMapping(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Built-in mapping", detail: $"'{name}' ships with GeoOrs; store yours under another name.");

    private static ProblemHttpResult NotOwner(string name, string? owner, string verb) =>
        Problem(StatusCodes.Status403Forbidden, "Not your agency's mapping",
            (owner is null
                ? $"The mapping '{name}' has no recorded owner (it was stored before mappings had owners): only an admin may {verb} it."
                : $"The mapping '{name}' belongs to '{owner}': only that agency's keys and admins may {verb} it.")
            + $" Any agency may read, use and copy it: GET /api/ingest/mappings/{name}, change its name, and PUT it under the new one.");

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"A batch is at most {maxBytes} bytes (Http:MaxIngestBytes); nothing was stored. Split it into several batches.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
