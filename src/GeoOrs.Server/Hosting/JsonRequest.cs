using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// Reading a JSON request body field by field: each helper throws <see cref="Invalid"/> naming the
/// field, and <see cref="AnswerAsync{TAnswer}"/> turns that into a 400 problem naming it.
/// </summary>
internal static class JsonRequest
{
    /// <summary>A field of the request is missing or wrong.</summary>
    internal sealed class Invalid(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }

    /// <summary>
    /// Reads the body — at most <see cref="HttpOptions.MaxAnalysisBodyBytes"/>, else 413 — as one JSON
    /// object and answers what <paramref name="answer"/> makes of it, or a 400 naming the field. The
    /// answer's token is cancelled when the client goes away (its work just stops, and a line is
    /// logged), when the server stops or after <see cref="LimitsOptions.ComputeTimeout"/> (both 503).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="title">The title of a 400.</param>
    /// <param name="what">The work, for messages: "the analysis", "the plan".</param>
    /// <param name="answer">Makes the answer of a valid request, from the body as JSON.</param>
    /// <param name="body">The record the body is (<see cref="Members"/>): members it does not have are refused, naming them.</param>
    /// <typeparam name="TAnswer">The answer's record, which the document describes.</typeparam>
    public static async Task<Results<Ok<TAnswer>, ValidationProblem, ProblemHttpResult>> AnswerAsync<TAnswer>(
        HttpRequest request, string title, string what, Type body, Func<JsonElement, CancellationToken, Task<TAnswer>> answer)
    {
        var http = request.HttpContext;
        var maxBytes = http.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value.MaxAnalysisBodyBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        if (request.ContentLength > maxBytes)
        {
            if (HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol))
            {
                http.Response.Headers.Connection = "close"; // the unread body is not drained: the client must not reuse the connection
            }

            return TooLarge(maxBytes);
        }

        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(title, "body", "send the request as application/json");
        }

        JsonDocument document;
        try
        {
            document = Parse(await ReadAsync(request, maxBytes, http.RequestAborted));
        }
        catch (JsonException e)
        {
            return Problem(title, "body", $"the body is not JSON: {e.Message}");
        }
        catch (CappedStream.TooLargeException)
        {
            return TooLarge(maxBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(maxBytes); // Kestrel's own count got there first
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Problem(title, "body", "the request is one JSON object");
            }

            var options = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            try
            {
                Members(document.RootElement, options.GetTypeInfo(body), "");
            }
            catch (Invalid e)
            {
                return Problem(title, e.Field, e.Message);
            }

            using var compute = WorkLimits.ComputeToken(http);
            var started = Stopwatch.GetTimestamp();
            try
            {
                return TypedResults.Ok(await answer(document.RootElement, compute.Token));
            }
            catch (Invalid e)
            {
                return Problem(title, e.Field, e.Message);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WorkLimits).FullName!).LogInformation(
                    "{Method} {Path}: {What} stopped after {Milliseconds:0} ms: the client went away",
                    request.Method, request.Path, what, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                throw;
            }
            catch (OperationCanceledException)
            {
                return WorkLimits.Stopped(http, what);
            }
        }
    }

    /// <summary>
    /// The whole body in an array of its own, which the collection after the request gives back, not
    /// in the shared array pool's buffers that parsing from the stream would rent (16 MiB for an 8 MiB
    /// body) and that the pool keeps for minutes. Kestrel counts the bytes too; the count here also
    /// stops a body without a length on any server.
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        await using var body = new CappedStream(request.Body, maxBytes);
        if (request.ContentLength is { } length)
        {
            var bytes = new byte[length];
            await body.ReadExactlyAsync(bytes, cancellationToken);
            return bytes;
        }

        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>One JSON value, the whole body (a UTF-8 byte order mark is skipped; anything after the value is an error).</summary>
    private static JsonDocument Parse(ReadOnlyMemory<byte> json)
    {
        var span = json.Span;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 64 });
        var document = JsonDocument.ParseValue(ref reader);
        if (reader.Read())
        {
            document.Dispose();
            throw new JsonException("more than one JSON value");
        }

        return document;
    }

    /// <summary>A 413 naming the limit.</summary>
    public static ProblemHttpResult TooLarge(long maxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: string.Create(CultureInfo.InvariantCulture, $"The body is larger than {maxBytes:N0} bytes (Http:MaxAnalysisBodyBytes): send fewer features, days or sites."));

    public static ValidationProblem Problem(string title, string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: title);

    /// <summary>
    /// Refuses a member the request's record does not have, naming it (<c>weights.kind</c>,
    /// <c>series[3].day</c>), as <see cref="System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow"/>
    /// would, through the objects and lists of objects the record holds. Members typed
    /// <see cref="JsonElement"/> are GeoJSON, whose objects may carry foreign members (RFC 7946, 6.1):
    /// they are not looked into. Only the names are checked here; the values are the handler's.
    /// </summary>
    /// <param name="element">The JSON object.</param>
    /// <param name="info">The record's contract in the API's JSON options (so its members' JSON names).</param>
    /// <param name="path">Where the object is in the body; empty for the body itself.</param>
    public static void Members(JsonElement element, JsonTypeInfo info, string path)
    {
        if (element.ValueKind != JsonValueKind.Object || info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in element.EnumerateObject())
        {
            var at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            var member = info.Properties.FirstOrDefault(p => p.Name == property.Name)
                ?? throw new Invalid(at, $"unknown member '{at}'; {(path.Length == 0 ? "the request" : $"'{path}'")} takes {string.Join(", ", info.Properties.Select(p => p.Name))}");
            var type = Nullable.GetUnderlyingType(member.PropertyType) ?? member.PropertyType;
            if (type == typeof(JsonElement))
            {
                continue;
            }

            var inner = info.Options.GetTypeInfo(type);
            if (inner.Kind == JsonTypeInfoKind.Object)
            {
                Members(property.Value, inner, at);
            }
            else if (inner is { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } elementType } && property.Value.ValueKind == JsonValueKind.Array
                && info.Options.GetTypeInfo(elementType) is { Kind: JsonTypeInfoKind.Object } item)
            {
                var index = 0;
                foreach (var value in property.Value.EnumerateArray())
                {
                    Members(value, item, $"{at}[{index++}]");
                }
            }
        }
    }

    public static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw new Invalid(name, $"'{name}' is a string") : null;

    public static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()) ? value.GetDouble() : throw new Invalid(name, $"'{name}' is a number")
            : null;

    public static int? Whole(JsonElement root, string name, int min, int max)
    {
        if (Number(root, name) is not { } value)
        {
            return null;
        }

        return value == Math.Floor(value) && value >= min && value <= max ? (int)value
            : throw new Invalid(name, string.Create(CultureInfo.InvariantCulture, $"'{name}' is a whole number from {min} to {max}"));
    }

    public static bool? Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw new Invalid(name, $"'{name}' is true or false")
            : null;
}

/// <summary>A request body read through a count: more than the limit throws <see cref="TooLargeException"/>.</summary>
internal sealed class CappedStream(Stream inner, long limit) : Stream
{
    private long _read;

    /// <summary>The body went past the limit.</summary>
    internal sealed class TooLargeException() : IOException("the request body is over its limit");

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        _read += read;
        return _read > limit ? throw new TooLargeException() : read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
