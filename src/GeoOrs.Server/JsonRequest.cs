using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GeoOrs.Server;

/// <summary>
/// Reading a JSON request body field by field: each helper throws <see cref="Invalid"/> naming the
/// field, and <see cref="AnswerAsync"/> turns that into a 400 problem naming it.
/// </summary>
internal static class JsonRequest
{
    /// <summary>A field of the request is missing or wrong.</summary>
    internal sealed class Invalid(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }

    /// <summary>Reads the body (at most <paramref name="maxBytes"/>) as one JSON object and answers what <paramref name="answer"/> makes of it, or a 400 naming the field.</summary>
    public static async Task<IResult> AnswerAsync(HttpRequest request, long maxBytes, string title, Func<JsonElement, CancellationToken, Task<object>> answer)
    {
        var http = request.HttpContext;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(title, "body", "send the request as application/json");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 64 }, http.RequestAborted);
        }
        catch (JsonException e)
        {
            return Problem(title, "body", $"the body is not JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Problem(title, "body", "the request is one JSON object");
            }

            try
            {
                return TypedResults.Ok(await answer(document.RootElement, http.RequestAborted));
            }
            catch (Invalid e)
            {
                return Problem(title, e.Field, e.Message);
            }
        }
    }

    public static ValidationProblem Problem(string title, string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: title);

    /// <summary>Refuses members other than <paramref name="names"/>.</summary>
    public static void Only(JsonElement root, params string[] names)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!names.Contains(property.Name))
            {
                throw new Invalid(property.Name, $"unknown member '{property.Name}'; the request takes {string.Join(", ", names)}");
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
