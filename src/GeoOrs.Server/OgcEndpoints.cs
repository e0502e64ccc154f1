using System.Globalization;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Features;
using Npgsql;

namespace GeoOrs.Server;

/// <summary>
/// OGC API – Features (Part 1: Core, OGC 17-069r4) at <c>/ogc</c>: landing page, conformance,
/// OpenAPI document, collections and their items as GeoJSON with bbox, limit and offset paging.
/// </summary>
internal static class OgcEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 10_000;
    private const string GeoJson = "application/geo+json";

    private static readonly string[] ConformanceClasses =
    [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapOgc(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ogc").WithTags("OGC API - Features");
        group.MapGet("/", Landing).WithName("OgcLanding");
        group.MapGet("/conformance", Conformance).WithName("OgcConformance");
        group.MapGet("/api", OpenApi).WithName("OgcOpenApi");
        group.MapGet("/collections", CollectionsAsync).WithName("OgcCollections");
        group.MapGet("/collections/{collectionId}", CollectionAsync).WithName("OgcCollection");
        group.MapGet("/collections/{collectionId}/items", ItemsAsync).WithName("OgcItems");
        group.MapGet("/collections/{collectionId}/items/{featureId}", ItemAsync).WithName("OgcItem");
        return app;
    }

    private static string Base(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/ogc";

    private static object Link(string href, string rel, string type, string? title = null) =>
        title is null ? new { href, rel, type } : new { href, rel, type, title };

    /// <summary>Only <c>f=json</c> (or none) is served; any other parameter is a client error.</summary>
    private static IResult? CheckParameters(HttpRequest request, params string[] allowed)
    {
        foreach (var key in request.Query.Keys)
        {
            if (key == "f")
            {
                if (request.Query["f"].ToString() is not ("json" or "geojson"))
                {
                    return Problem($"f={request.Query["f"]} is not served; GeoOrs answers in JSON (f=json)");
                }

                continue;
            }

            if (!allowed.Contains(key))
            {
                return Problem($"unknown parameter '{key}'" + (allowed.Length > 0 ? $"; this resource takes {string.Join(", ", allowed)}" : ""));
            }
        }

        return null;
    }

    /// <summary>OGC API documents use camelCase names (conformsTo, itemType), not the rest of the API's snake_case.</summary>
    private static IResult OgcJson(object document) => TypedResults.Json(document, Json);

    private static IResult Problem(string detail, int status = StatusCodes.Status400BadRequest) =>
        TypedResults.Problem(statusCode: status, title: status == 404 ? "Not found" : "Invalid parameter", detail: detail);

    internal static IResult Landing(HttpRequest request)
    {
        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        var root = Base(request);
        return OgcJson(new
        {
            title = "GeoOrs",
            description = "Overdose-response boundaries and layers as OGC API – Features",
            links = new[]
            {
                Link(root, "self", "application/json", "this document"),
                Link($"{root}/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
                Link($"{root}/conformance", "conformance", "application/json", "conformance classes"),
                Link($"{root}/collections", "data", "application/json", "the collections"),
            },
        });
    }

    internal static IResult Conformance(HttpRequest request) =>
        CheckParameters(request) ?? OgcJson(new { conformsTo = ConformanceClasses });

    internal static async Task<IResult> CollectionsAsync(HttpRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        var root = Base(request);
        var collections = new List<object>();
        foreach (var collection in FeatureCollections.All.Values.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            collections.Add(await DescribeAsync(root, collection, dataSource, cancellationToken));
        }

        return OgcJson(new
        {
            links = new[] { Link($"{root}/collections", "self", "application/json") },
            collections,
        });
    }

    internal static async Task<IResult> CollectionAsync(string collectionId, HttpRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        return FeatureCollections.All.TryGetValue(collectionId, out var collection)
            ? OgcJson(await DescribeAsync(Base(request), collection, dataSource, cancellationToken))
            : Problem($"no collection is named '{collectionId}'", StatusCodes.Status404NotFound);
    }

    private static async Task<object> DescribeAsync(string root, FeatureCollection collection, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var bbox = await FeatureCollections.ExtentAsync(dataSource, collection, cancellationToken);
        var self = $"{root}/collections/{collection.Id}";
        return new
        {
            id = collection.Id,
            title = collection.Title,
            description = collection.Description,
            itemType = "feature",
            crs = new[] { "http://www.opengis.net/def/crs/OGC/1.3/CRS84" },
            extent = new { spatial = new { bbox = bbox is null ? Array.Empty<double[]>() : [bbox], crs = "http://www.opengis.net/def/crs/OGC/1.3/CRS84" } },
            links = new[]
            {
                Link(self, "self", "application/json"),
                Link($"{self}/items", "items", GeoJson, $"{collection.Title} as GeoJSON"),
            },
        };
    }

    internal static async Task<IResult> ItemsAsync(string collectionId, HttpRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!FeatureCollections.All.TryGetValue(collectionId, out var collection))
        {
            return Problem($"no collection is named '{collectionId}'", StatusCodes.Status404NotFound);
        }

        if (CheckParameters(request, "bbox", "limit", "offset") is { } problem)
        {
            return problem;
        }

        var query = request.Query;
        var limit = DefaultLimit;
        if (query.ContainsKey("limit"))
        {
            if (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                return Problem($"limit={query["limit"]} is not a whole number from 1 to {MaxLimit}");
            }

            limit = Math.Min(limit, MaxLimit);
        }

        long offset = 0;
        if (query.ContainsKey("offset") && (!long.TryParse(query["offset"], NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            return Problem($"offset={query["offset"]} is not a whole number ≥ 0");
        }

        double[]? bbox = null;
        if (query.ContainsKey("bbox"))
        {
            var parts = query["bbox"].ToString().Split(',');
            var values = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : double.NaN).ToArray();
            if (values.Length != 4 || values.Any(double.IsNaN))
            {
                return Problem("bbox must be four numbers: west,south,east,north (degrees)");
            }

            if (values[0] is < -180 or > 180 || values[2] is < -180 or > 180 || values[1] is < -90 or > 90 || values[3] is < -90 or > 90 || values[1] > values[3])
            {
                return Problem("bbox must lie within -180..180 and -90..90 with south ≤ north");
            }

            if (values[0] > values[2])
            {
                return Problem("a bbox crossing the antimeridian (west > east) is not supported; send two boxes");
            }

            bbox = values;
        }

        var page = await FeatureCollections.ItemsAsync(dataSource, collection, bbox, limit, offset, cancellationToken);
        var itemsUrl = $"{Base(request)}/collections/{collection.Id}/items";
        string PageUrl(long at) =>
            $"{itemsUrl}?limit={limit}&offset={at}" + (bbox is null ? "" : "&bbox=" + string.Join(',', bbox.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        var links = new List<object> { Link(PageUrl(offset), "self", GeoJson), Link($"{Base(request)}/collections/{collection.Id}", "collection", "application/json") };
        if (offset + page.NumberReturned < page.NumberMatched)
        {
            links.Add(Link(PageUrl(offset + page.NumberReturned), "next", GeoJson, "next page"));
        }

        if (offset > 0)
        {
            links.Add(Link(PageUrl(Math.Max(0, offset - limit)), "prev", GeoJson, "previous page"));
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "FeatureCollection");
            writer.WriteNumber("numberMatched", page.NumberMatched);
            writer.WriteNumber("numberReturned", page.NumberReturned);
            writer.WriteString("timeStamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            writer.WritePropertyName("links");
            JsonSerializer.Serialize(writer, links, Json);
            writer.WritePropertyName("features");
            writer.WriteRawValue(page.Json, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return TypedResults.Bytes(buffer.ToArray(), GeoJson);
    }

    internal static async Task<IResult> ItemAsync(string collectionId, string featureId, HttpRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!FeatureCollections.All.TryGetValue(collectionId, out var collection))
        {
            return Problem($"no collection is named '{collectionId}'", StatusCodes.Status404NotFound);
        }

        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        return await FeatureCollections.ItemAsync(dataSource, collection, featureId, cancellationToken) is { } feature
            ? TypedResults.Text(feature, GeoJson, Encoding.UTF8)
            : Problem($"no feature '{featureId}' in {collectionId}", StatusCodes.Status404NotFound);
    }

    internal static IResult OpenApi(HttpRequest request)
    {
        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        object Response(string description, string type) => new Dictionary<string, object>
        {
            ["description"] = description,
            ["content"] = new Dictionary<string, object> { [type] = new { schema = new { type = "object" } } },
        };
        object Parameter(string name, string inside, string type, string description, bool required = false) =>
            new { name, @in = inside, required, description, schema = new { type } };
        var collectionId = Parameter("collectionId", "path", "string", "the collection", required: true);
        var document = new Dictionary<string, object>
        {
            ["openapi"] = "3.0.3",
            ["info"] = new { title = "GeoOrs OGC API – Features", version = "1.0.0" },
            ["servers"] = new[] { new { url = Base(request) } },
            ["paths"] = new Dictionary<string, object>
            {
                ["/"] = new { get = new { summary = "Landing page", responses = new Dictionary<string, object> { ["200"] = Response("links", "application/json") } } },
                ["/conformance"] = new { get = new { summary = "Conformance classes", responses = new Dictionary<string, object> { ["200"] = Response("conformance", "application/json") } } },
                ["/collections"] = new { get = new { summary = "Collections", responses = new Dictionary<string, object> { ["200"] = Response("collections", "application/json") } } },
                ["/collections/{collectionId}"] = new { get = new { summary = "A collection", parameters = new[] { collectionId }, responses = new Dictionary<string, object> { ["200"] = Response("collection", "application/json"), ["404"] = Response("no such collection", "application/problem+json") } } },
                ["/collections/{collectionId}/items"] = new
                {
                    get = new
                    {
                        summary = "Features of a collection",
                        parameters = new[]
                        {
                            collectionId,
                            Parameter("bbox", "query", "string", "west,south,east,north in degrees (CRS84)"),
                            Parameter("limit", "query", "integer", $"features per page, 1..{MaxLimit} (default {DefaultLimit})"),
                            Parameter("offset", "query", "integer", "features to skip"),
                        },
                        responses = new Dictionary<string, object> { ["200"] = Response("features", GeoJson), ["400"] = Response("invalid parameter", "application/problem+json") },
                    },
                },
                ["/collections/{collectionId}/items/{featureId}"] = new
                {
                    get = new
                    {
                        summary = "One feature",
                        parameters = new[] { collectionId, Parameter("featureId", "path", "string", "the feature", required: true) },
                        responses = new Dictionary<string, object> { ["200"] = Response("feature", GeoJson), ["404"] = Response("no such feature", "application/problem+json") },
                    },
                },
            },
        };
        return TypedResults.Json(document, Json, "application/vnd.oai.openapi+json;version=3.0");
    }
}
