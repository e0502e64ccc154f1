using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Entities;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Alerts;

/// <summary>
/// <c>/api/alerts</c>: the spikes the scheduled jobs found, as a list and as a live Server-Sent
/// Events stream. Partners and up: an alert's counts are small daily counts, which the public may not see.
/// </summary>
internal static partial class AlertsEndpoints
{
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/alerts").WithTags("Alerts").RequireAuthorization(AccessPolicies.Partners);
        group.MapGet("", ListAsync).ReadsFromReplica().WithName("ListAlerts").WithQuery(ListQuery);
        group.MapGet("/stream", StreamAlerts).WithName("StreamAlerts").WithQuery(StreamQuery)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        return app;
    }

    /// <summary>The query parameters of <c>GET /api/alerts/stream</c>, each at most once.</summary>
    internal static readonly IReadOnlyList<QueryParameter> StreamQuery =
    [
        new("area", "string", "Only alerts of this area, KIND:ID (county:42003, hidta:ID, county_neighbors:FIPS)."),
        new("method", "string", "Only alerts of this method.", Values: AlertQuery.Methods),
    ];

    /// <summary>The query parameters of <c>GET /api/alerts</c>, each at most once.</summary>
    internal static readonly IReadOnlyList<QueryParameter> ListQuery =
    [
        .. StreamQuery,
        new("since", "string", "Only alerts found from this time on: an RFC 3339 time or a date (YYYY-MM-DD)."),
        new("from", "string", "Only alerts of days from this one, YYYY-MM-DD (an alert's day is its area's local date).", "date"),
        new("to", "string", "Only alerts of days up to this one, YYYY-MM-DD (a local date).", "date"),
        new("limit", "integer", $"The most alerts, newest first, 1 to {MaxLimit:N0} (100)."),
    ];

    internal static async Task<Results<Ok<IReadOnlyList<StoredAlert>>, ValidationProblem>> ListAsync(
        HttpRequest request, ReadDatabase reads, CancellationToken cancellationToken)
    {
        var (filter, limit, errors) = Parse(request.Query, [.. ListQuery.Select(p => p.Name)]);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The alert query is not valid");
        }

        // The listing reads from the standby when it holds every alert this server has heard of.
        await using var db = GeoOrsDbContext.Create(reads.For(request.HttpContext, RequestClass.Analysis));
        return TypedResults.Ok(await AlertQuery.ListAsync(db, filter, limit, cancellationToken));
    }

    internal static Results<AlertStream, ValidationProblem> StreamAlerts(HttpRequest request)
    {
        var (filter, _, errors) = Parse(request.Query, [.. StreamQuery.Select(p => p.Name)]);
        long? lastEventId = null;
        if (request.Headers["Last-Event-ID"] is { Count: > 0 } header)
        {
            if (header.Count == 1 && long.TryParse(header[0]?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                lastEventId = id;
            }
            else if (header.Count > 1 || header[0]!.Trim().Length > 0)
            {
                errors["Last-Event-ID"] = ["Last-Event-ID is the id (a whole number) of the last event received"];
            }
        }

        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors, title: "The alert stream request is not valid")
            : new AlertStream(filter, lastEventId);
    }

    /// <summary>Reads the query parameters an endpoint takes; names not in <paramref name="allowed"/> are errors.</summary>
    private static (AlertFilter Filter, int Limit, Dictionary<string, string[]> Errors) Parse(IQueryCollection query, string[] allowed)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in query)
        {
            if (!allowed.Contains(name))
            {
                errors[name] = [$"unknown parameter '{name}'; the parameters are {string.Join(", ", allowed)}"];
            }
            else if (values.Count != 1)
            {
                errors[name] = [$"'{name}' must be given once"];
            }
        }

        string? Value(string name) => errors.ContainsKey(name) || query[name].ToString() is not { Length: > 0 } value ? null : value;

        string? areaKind = null, areaId = null;
        if (Value("area") is { } area)
        {
            if (AlertQuery.TryParseArea(area, out var kind, out var id, out var error))
            {
                (areaKind, areaId) = (kind, id);
            }
            else
            {
                errors["area"] = [error!];
            }
        }

        var method = Value("method");
        if (method is not null && !AlertQuery.Methods.Contains(method))
        {
            errors["method"] = [$"'{method}' is not a method: {string.Join(", ", AlertQuery.Methods)}"];
            method = null;
        }

        DateTimeOffset? since = null;
        if (Value("since") is { } sinceText)
        {
            since = ParseTime(sinceText);
            if (since is null)
            {
                errors["since"] = [$"'{sinceText}' is not an RFC 3339 time (2024-05-01T12:00:00Z) or a date (2024-05-01)"];
            }
            else if (!Data.EventDays.Contains(since.Value))
            {
                errors["since"] = [$"'since' must lie from {Data.EventDays.Range} (got '{sinceText}')"];
                since = null;
            }
        }

        DateOnly? Day(string name)
        {
            if (Value(name) is not { } text)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && Data.EventDays.Contains(day))
            {
                return day;
            }

            errors[name] = [$"'{text}' is not a date (YYYY-MM-DD) from {Data.EventDays.Range}"];
            return null;
        }

        var from = Day("from");
        var to = Day("to");
        if (from > to)
        {
            errors["to"] = ["'to' is before 'from'"];
        }

        var limit = 100;
        if (query.ContainsKey("limit") && !errors.ContainsKey("limit")
            && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"limit is a whole number from 1 to {MaxLimit}"];
        }

        return (new AlertFilter(areaKind, areaId, method, since, from, to), limit, errors);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    /// <summary>An RFC 3339 time, or a date (its midnight, UTC); null for anything else.</summary>
    internal static DateTimeOffset? ParseTime(string text)
    {
        if (!Rfc3339().IsMatch(text))
        {
            return null;
        }

        // .NET reads at most 7 fractional digits; RFC 3339 allows more.
        var trimmed = Regex.Replace(text, @"(\.\d{7})\d+", "$1", RegexOptions.CultureInvariant);
        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
    }
}

/// <summary>
/// The answer of <c>/api/alerts/stream</c>: <c>text/event-stream</c>, each alert as
/// <c>id: SEQ</c>, <c>event: alert</c> and <c>data: ALERT JSON</c>. With <c>Last-Event-ID</c> it
/// first replays the alerts stored after that one (at most <see cref="AlertsOptions.ReplayLimit"/>;
/// when more are waiting it sends those and ends, and the client's reconnection asks for the rest).
/// A comment line goes out whenever the stream has been silent for
/// <see cref="AlertsOptions.HeartbeatInterval"/>. It ends when the client goes away, when the server
/// stops, or when the client falls too far behind (it reconnects and replays).
/// </summary>
internal sealed class AlertStream(AlertFilter filter, long? lastEventId) : IResult
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var feed = services.GetRequiredService<AlertFeed>();
        var options = services.GetRequiredService<IOptions<AlertsOptions>>().Value;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        using var subscription = feed.TrySubscribe(filter);
        if (subscription is null)
        {
            http.Response.Headers.RetryAfter = "30";
            await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many streams",
                detail: "This server holds as many alert streams open as it may; try again shortly.").ExecuteAsync(http);
            return;
        }

        using var open = AlertMetrics.StreamOpened();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events on as they come
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var body = response.Body;
        try
        {
            await body.WriteAsync(Encoding.UTF8.GetBytes(": geoors alerts\nretry: 3000\n\n"), stop.Token);
            await body.FlushAsync(stop.Token);

            var sent = lastEventId ?? subscription.StartSeq;
            if (lastEventId is { } last && last < subscription.StartSeq)
            {
                var db = services.GetRequiredService<GeoOrsDbContext>();
                var missed = await feed.AfterAsync(db, last, subscription.StartSeq, filter, options.ReplayLimit + 1, stop.Token);
                foreach (var item in missed.Take(options.ReplayLimit))
                {
                    await WriteEventAsync(body, item.Seq, item.Event, item.Json, stop.Token);
                    sent = item.Seq;
                }

                await body.FlushAsync(stop.Token);
                if (missed.Count > options.ReplayLimit)
                {
                    return; // the client reconnects with the last id and gets the next ones
                }
            }

            var reader = subscription.Reader;
            while (true)
            {
                bool more;
                using (var beat = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
                {
                    beat.CancelAfter(options.HeartbeatInterval);
                    try
                    {
                        more = await reader.WaitToReadAsync(beat.Token);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        await body.WriteAsync(Heartbeat, stop.Token);
                        await body.FlushAsync(stop.Token);
                        continue;
                    }
                }

                if (!more)
                {
                    return; // closed by the feed: the server stops, or this client fell behind
                }

                while (reader.TryRead(out var item))
                {
                    if (item.Seq > sent)
                    {
                        await WriteEventAsync(body, item.Seq, item.Event, item.Json, stop.Token);
                        sent = item.Seq;
                    }
                }

                await body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away or the server is stopping: the stream just ends.
        }
        catch (IOException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private static async Task WriteEventAsync(Stream body, long seq, string type, byte[] json, CancellationToken cancellationToken)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"id: {seq}\nevent: {type}\ndata: ")), cancellationToken);
        await body.WriteAsync(json, cancellationToken);
        await body.WriteAsync("\n\n"u8.ToArray(), cancellationToken);
    }
}
