using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GeoOrs.Server.Tiles;

/// <summary>
/// <c>/styles/{name}.json</c>: the MapLibre GL styles (style spec v8) kept in the repository's
/// <c>tiles/</c> folder, with every string that starts with <c>{base}</c> (the sources' TileJSON
/// URLs) made absolute for the host the request came to.
/// </summary>
internal static partial class StylesEndpoints
{
    /// <summary>The placeholder for the server's address in a style file.</summary>
    public const string BasePlaceholder = "{base}";

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapStyles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/styles").WithTags("Styles");
        group.MapGet("/{name}.json", StyleAsync).WithName("Style")
            .Produces<JsonObject>(StatusCodes.Status200OK, "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The folder the styles are read from: <c>tiles/</c> under the installation root.</summary>
    public static string Folder() => Path.Combine(GeoOrsPaths.Root(), "tiles");

    /// <summary>A MapLibre GL style (style spec v8), its URLs made absolute for this server; 404 for a style it does not have.</summary>
    internal static async Task<Results<ContentHttpResult, ProblemHttpResult>> StyleAsync(string name, HttpRequest request, AccessViews access, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Folder(), name + ".json");
        if (!StyleName().IsMatch(name) || !File.Exists(file))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such style", detail: $"No map style is named '{name}'.");
        }

        JsonNode? style;
        await using (var stream = File.OpenRead(file))
        {
            style = await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken);
        }

        var origin = $"{request.Scheme}://{request.Host}{request.PathBase}";
        Unreadable(style, access.For(request.HttpContext));
        Rebase(style, origin);
        request.HttpContext.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Text(style!.ToJsonString(JsonOptions), "application/json");
    }

    /// <summary>Replaces a leading <see cref="BasePlaceholder"/> in every string of the document.</summary>
    /// <summary>
    /// Takes out the sources of tile layers the caller may not read (the public's map has no event
    /// points) and the style layers drawn from them, so the map makes no call it would be refused.
    /// </summary>
    private static void Unreadable(JsonNode? style, Data.Access.AccessView view)
    {
        if (style?["sources"] is not JsonObject sources)
        {
            return;
        }

        var removed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, source) in sources.ToList())
        {
            var url = source?["url"]?.GetValue<string>() ?? "";
            var layer = url.StartsWith(BasePlaceholder + "/tiles/", StringComparison.Ordinal) && url.EndsWith(".json", StringComparison.Ordinal)
                ? url[(BasePlaceholder.Length + "/tiles/".Length)..^".json".Length].Split('?')[0]
                : null;
            if (layer is not null && Data.Tiles.VectorTileLayers.All.TryGetValue(layer, out var definition) && !TilesEndpoints.Readable(definition, view))
            {
                sources.Remove(id);
                removed.Add(id);
            }
        }

        if (style["layers"] is JsonArray layers)
        {
            foreach (var drawn in layers.Where(l => l?["source"]?.GetValue<string>() is { } s && removed.Contains(s)).ToList())
            {
                layers.Remove(drawn);
            }
        }
    }

    internal static void Rebase(JsonNode? node, string origin)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is JsonValue v && v.TryGetValue<string>(out var s) && s.StartsWith(BasePlaceholder, StringComparison.Ordinal))
                    {
                        obj[key] = origin + s[BasePlaceholder.Length..];
                    }
                    else
                    {
                        Rebase(value, origin);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && s.StartsWith(BasePlaceholder, StringComparison.Ordinal))
                    {
                        array[i] = origin + s[BasePlaceholder.Length..];
                    }
                    else
                    {
                        Rebase(array[i], origin);
                    }
                }

                break;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex StyleName();
}
