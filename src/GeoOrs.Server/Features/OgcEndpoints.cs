using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Features;
using GeoOrs.Data.Tiles;
using GeoOrs.Server.Tiles;
using Npgsql;

namespace GeoOrs.Server.Features;

/// <summary>
/// OGC API – Features (Part 1: Core, OGC 17-069r4) at <c>/ogc</c>: landing page, conformance,
/// OpenAPI document, collections and their items as GeoJSON with bbox, limit and offset paging, the
/// event collections' <c>datetime</c> and property filters, and the county measures' window.
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
        var group = app.MapGroup("/ogc").WithTags("OGC API - Features").ExcludeFromDescription().ReadsFromReplica(); // described by its own document, /ogc/api
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

    /// <summary>An area collection's window as the caller may ask it (the public: fixed windows of whole months).</summary>
    private static bool TryWindow(HttpRequest request, AccessViews access, FeatureCollection collection, ref FeatureQuery query, out IResult problem)
    {
        problem = null!;
        if (collection.Layer is null)
        {
            return true;
        }

        if (!access.TryQuery(request.HttpContext, query.Measures, out var measures, out var error))
        {
            problem = Problem(error!);
            return false;
        }

        query = query with { Measures = measures };
        return true;
    }

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

    /// <summary>Whether the caller may read a collection: events need a role that sees points.</summary>
    private static bool Readable(FeatureCollection collection, AccessView view) => !collection.PointLevel || view.Points != PointAccess.None;

    internal static async Task<IResult> CollectionsAsync(HttpRequest request, ReadDatabase reads, AccessViews access, CancellationToken cancellationToken)
    {
        var dataSource = reads.For(request.HttpContext, RequestClass.Ogc);
        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        var root = Base(request);
        var collections = new List<object>();
        var view = access.For(request.HttpContext);
        foreach (var collection in FeatureCollections.All.Values.Where(c => Readable(c, view)).OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            collections.Add(await DescribeAsync(root, collection, view, dataSource, cancellationToken));
        }

        return OgcJson(new
        {
            links = new[] { Link($"{root}/collections", "self", "application/json") },
            collections,
        });
    }

    internal static async Task<IResult> CollectionAsync(
        string collectionId, HttpRequest request, ReadDatabase reads, AccessViews access, CancellationToken cancellationToken)
    {
        var dataSource = reads.For(request.HttpContext, RequestClass.Ogc);
        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        if (!FeatureCollections.All.TryGetValue(collectionId, out var collection))
        {
            return Problem($"no collection is named '{collectionId}'", StatusCodes.Status404NotFound);
        }

        var view = access.For(request.HttpContext);
        return Readable(collection, view)
            ? OgcJson(await DescribeAsync(Base(request), collection, view, dataSource, cancellationToken))
            : AccessRules.Deny(request.HttpContext, $"The {collectionId} collection");
    }

    private static async Task<object> DescribeAsync(
        string root, FeatureCollection collection, AccessView view, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var bbox = await FeatureCollections.ExtentAsync(dataSource, collection, cancellationToken);
        if (bbox is not null && collection.PointLevel && view.Points != PointAccess.Exact)
        {
            bbox = LayerExtent.Coarsened(bbox);
        }

        var self = $"{root}/collections/{collection.Id}";
        var spatial = new { bbox = bbox is null ? Array.Empty<double[]>() : [bbox], crs = "http://www.opengis.net/def/crs/OGC/1.3/CRS84" };
        object extent = new { spatial };
        if (collection.Times.Count > 0)
        {
            // No events yet: no temporal extent (an interval of two nulls would say "unbounded").
            var (first, last) = await FeatureCollections.TemporalExtentAsync(dataSource, collection, cancellationToken);
            extent = first is null ? extent : new
            {
                spatial,
                temporal = new
                {
                    interval = new[] { new[] { Rfc3339(first), Rfc3339(last) } },
                    trs = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
                },
            };
        }

        return new
        {
            id = collection.Id,
            title = collection.Title,
            description = collection.Description,
            itemType = "feature",
            crs = new[] { "http://www.opengis.net/def/crs/OGC/1.3/CRS84" },
            extent,
            links = new[]
            {
                Link(self, "self", "application/json"),
                Link($"{self}/items", "items", GeoJson, $"{collection.Title} as GeoJSON"),
            },
        };
    }

    private static string? Rfc3339(DateTime? time) =>
        time?.ToString(time.Value.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>The request's parameters other than the common ones, for <see cref="FeatureQuery.TryParse"/>.</summary>
    private static IEnumerable<KeyValuePair<string, string?[]>> OwnParameters(HttpRequest request) =>
        request.Query.Where(p => !FeatureCollection.CommonParameters.Contains(p.Key))
            .Select(p => new KeyValuePair<string, string?[]>(p.Key, p.Value.ToArray()));

    /// <summary>The area layer a collection of areas is made from (its kept pages go with that layer's data), or null for a collection of events.</summary>
    private static VectorTileLayer? AreaSource(FeatureCollection collection) => collection.PointLevel ? null : (collection.Layer?.Id ?? collection.Table) switch
    {
        "counties" => VectorTileLayers.All["counties"],
        "states" => VectorTileLayers.All["states"],
        "hidta" or "hidta_regions" => VectorTileLayers.All["hidta"],
        _ => null,
    };

    /// <summary>The point layer a collection of events is drawn as (its kept counts go with that layer's data), or null.</summary>
    private static VectorTileLayer? EventSource(FeatureCollection collection) => collection.Table switch
    {
        "overdose_events" => VectorTileLayers.All["overdoses"],
        "seizure_events" => VectorTileLayers.All["seizures"],
        _ => null,
    };

    internal static async Task<IResult> ItemsAsync(
        string collectionId, HttpRequest request, ReadDatabase reads, AccessViews access, TileCache cache,
        CancellationToken cancellationToken)
    {
        if (!FeatureCollections.All.TryGetValue(collectionId, out var collection))
        {
            return Problem($"no collection is named '{collectionId}'", StatusCodes.Status404NotFound);
        }

        var view = access.For(request.HttpContext);
        if (!Readable(collection, view))
        {
            return AccessRules.Deny(request.HttpContext, $"The {collectionId} collection");
        }

        if (CheckParameters(request, [.. FeatureCollection.CommonParameters, .. collection.Parameters]) is { } problem)
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

        if (!FeatureQuery.TryParse(collection, OwnParameters(request), bbox, out var featureQuery, out var error))
        {
            return Problem(error!);
        }

        if (!TryWindow(request, access, collection, ref featureQuery, out var windowProblem))
        {
            return windowProblem;
        }

        if (view.Points == PointAccess.Geomasked && featureQuery.Filters.Keys.FirstOrDefault(collection.MaskNarrowing.Contains) is { } narrowing)
        {
            // Asking by it would tell it: the answer is the events that have it.
            return Problem($"'{narrowing}' is not a filter for partners: it tells where an event is more closely than its geomasked point (docs/ACCESS.md)");
        }

        // A page of areas is kept, per request and view, until the data it is made from changes (a
        // page of county measures is a scan of the aggregates); pages of events are read each time
        // (each read is audited, and sharing rules and geomasking apply per caller).
        featureQuery = featureQuery with { View = view };
        FeaturePage page;
        if (AreaSource(collection) is { } source)
        {
            var asked = string.Join('&', request.Query.Where(p => p.Key != "f").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            var key = $"ogc/{collection.Id}?{asked}|{featureQuery.Measures.Key}|{view.Key}#{cache.VersionsOf(source)}";
            // Where it reads is chosen once the key has taken the versions (docs/adr/0026-read-replica.md).
            page = await cache.GetOrAddAsync(
                key, source, () => FeatureCollections.ItemsAsync(reads.For(request.HttpContext, RequestClass.Ogc), collection, featureQuery, limit, offset, cancellationToken),
                p => 256 + (2L * p.Json.Length), reads.Uncached(request.HttpContext));
        }
        else
        {
            // How many events match is a count over every month of the table (200 ms on 1M events):
            // it is kept like a page of areas, per query and view, until the events change; the page
            // itself is read each time.
            long? matched = null;
            if (EventSource(collection) is { } events)
            {
                var asked = string.Join('&', request.Query.Where(p => p.Key is not ("f" or "limit" or "offset")).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
                var key = $"ogc-matched/{collection.Id}?{asked}|{featureQuery.Time}|{view.Key}#{cache.VersionsOf(events)}";
                matched = (await cache.GetOrAddAsync(
                    key, events, async () => new StrongBox<long>(await FeatureCollections.CountAsync(reads.For(request.HttpContext, RequestClass.Ogc), collection, featureQuery, cancellationToken)),
                    _ => 128, reads.Uncached(request.HttpContext))).Value;
            }

            page = await FeatureCollections.ItemsAsync(reads.For(request.HttpContext, RequestClass.Ogc), collection, featureQuery, limit, offset, cancellationToken, matched);
        }

        FeatureMetrics.ItemsServed(collection.Id, view.Role, page.NumberReturned);
        if (collection.PointLevel)
        {
            await access.AuditAsync(request.HttpContext, null, bbox, page.Ids, page.NumberReturned, cancellationToken);
        }

        var itemsUrl = $"{Base(request)}/collections/{collection.Id}/items";
        var kept = string.Concat(query
            .Where(p => p.Key is not ("limit" or "offset" or "f"))
            .SelectMany(p => p.Value.Select(v => $"&{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(v ?? "")}")));
        string PageUrl(long at) => $"{itemsUrl}?limit={limit}&offset={at}{kept}";
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
            if (collection.Layer is not null && view.Suppressed)
            {
                // Public figures say they are protected, and for which window.
                writer.WritePropertyName("disclosureControl");
                JsonSerializer.Serialize(writer, Disclosure.Note, Json);
                writer.WriteString("from", featureQuery.Measures.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                writer.WriteString("to", featureQuery.Measures.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }

            writer.WritePropertyName("features");
            // Encoded here, in an array of its own: the writer would transcode a page of several MB
            // through the shared array pool, which keeps such buffers for minutes after a burst.
            writer.WriteRawValue(Encoding.UTF8.GetBytes(page.Json), skipInputValidation: true);
            writer.WriteEndObject();
        }

        return TypedResults.Bytes(buffer.ToArray(), GeoJson);
    }

    internal static async Task<IResult> ItemAsync(
        string collectionId, string featureId, HttpRequest request, ReadDatabase reads, AccessViews access, CancellationToken cancellationToken)
    {
        var dataSource = reads.For(request.HttpContext, RequestClass.Ogc);
        if (!FeatureCollections.All.TryGetValue(collectionId, out var collection))
        {
            return Problem($"no collection is named '{collectionId}'", StatusCodes.Status404NotFound);
        }

        var view = access.For(request.HttpContext);
        if (!Readable(collection, view))
        {
            return AccessRules.Deny(request.HttpContext, $"The {collectionId} collection");
        }

        // A collection of area measures takes its window here too; an event is the same at any window.
        if (CheckParameters(request, collection.Layer is null ? [] : [.. collection.Parameters]) is { } problem)
        {
            return problem;
        }

        if (!FeatureQuery.TryParse(collection, OwnParameters(request), null, out var featureQuery, out var error))
        {
            return Problem(error!);
        }

        if (!TryWindow(request, access, collection, ref featureQuery, out var windowProblem))
        {
            return windowProblem;
        }

        var feature = await FeatureCollections.ItemAsync(dataSource, collection, featureId, featureQuery with { View = view }, cancellationToken);
        FeatureMetrics.ItemsServed(collection.Id, view.Role, feature is null ? 0 : 1);
        if (collection.PointLevel)
        {
            await access.AuditAsync(request.HttpContext, null, null,
                feature is not null && long.TryParse(featureId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? [id] : [], feature is null ? 0 : 1, cancellationToken);
        }

        if (feature is null)
        {
            return Problem($"no feature '{featureId}' in {collectionId}", StatusCodes.Status404NotFound);
        }

        if (collection.Layer is not null && view.Suppressed)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(feature)!.AsObject();
            node["disclosureControl"] = JsonSerializer.SerializeToNode(Disclosure.Note, Json);
            feature = node.ToJsonString();
        }

        return TypedResults.Text(feature, GeoJson, Encoding.UTF8);
    }

    /// <summary>
    /// The API definition: the generic paths with every collection's id, and each collection's own
    /// items and item paths with exactly the parameters it takes.
    /// </summary>
    internal static IResult OpenApi(HttpRequest request)
    {
        if (CheckParameters(request) is { } problem)
        {
            return problem;
        }

        static Dictionary<string, object> Responses(params (string Status, string Description, string Type)[] responses) =>
            responses.ToDictionary(r => r.Status, r => (object)new Dictionary<string, object>
            {
                ["description"] = r.Description,
                ["content"] = new Dictionary<string, object> { [r.Type] = new { schema = new { type = "object" } } },
            });
        static object Parameter(string name, string inside, object schema, string description, bool required = false, bool explode = true) =>
            explode
                ? new { name, @in = inside, required, description, schema }
                : new { name, @in = inside, required, description, schema, style = "form", explode };
        static object Scalar(string type) => new { type };

        var ids = FeatureCollections.All.Keys.Order(StringComparer.Ordinal).ToArray();
        var collectionId = Parameter("collectionId", "path", new { type = "string", @enum = ids }, "the collection", required: true);
        var featureId = Parameter("featureId", "path", Scalar("string"), "the feature", required: true);
        var common = new[]
        {
            Parameter("bbox", "query", new { type = "array", minItems = 4, maxItems = 4, items = new { type = "number" } },
                "west,south,east,north in degrees (CRS84); features intersecting it", explode: false),
            Parameter("limit", "query", new { type = "integer", minimum = 1, maximum = MaxLimit, @default = DefaultLimit },
                $"features per page, 1..{MaxLimit} (default {DefaultLimit}); more is capped"),
            Parameter("offset", "query", new { type = "integer", minimum = 0, @default = 0 }, "features to skip"),
        };

        IEnumerable<object> Own(FeatureCollection collection)
        {
            if (collection.Layer is not null)
            {
                yield return Parameter("from", "query", new { type = "string", format = "date" }, "the first day of the window, YYYY-MM-DD (inclusive), on each county's local calendar");
                yield return Parameter("to", "query", new { type = "string", format = "date" }, "the last day of the window, YYYY-MM-DD (inclusive), on each county's local calendar; not before from");
                yield return Parameter("datetime", "query", Scalar("string"),
                    "the window as a date or a closed interval of dates, 2003-01-01/2003-03-31 ('..' or empty for an open end); instead of from and to");
                yield return Parameter("drug", "query", new { type = "string", @enum = FeatureCollections.Drugs }, "count only the events naming this drug");
                yield return Parameter("fatal", "query", Scalar("boolean"), "true: fatal overdoses only; false: non-fatal only");
                yield break;
            }

            if (collection.TimeColumn is not null)
            {
                yield return Parameter("datetime", "query", Scalar("string"),
                    "an RFC 3339 date-time (events at exactly that time), a date (its whole UTC day), or a closed interval start/end of either ('..' or empty for an open end)");
            }

            foreach (var filter in collection.Filters)
            {
                yield return Parameter(filter.Name, "query",
                    filter.Name == "drug" ? new { type = "string", @enum = FeatureCollections.Drugs } : Scalar(filter.Type), filter.Description);
            }
        }

        var paths = new Dictionary<string, object>
        {
            ["/"] = new { get = new { summary = "Landing page", responses = Responses(("200", "links", "application/json")) } },
            ["/conformance"] = new { get = new { summary = "Conformance classes", responses = Responses(("200", "conformance", "application/json")) } },
            ["/api"] = new { get = new { summary = "This API definition", responses = Responses(("200", "OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0")) } },
            ["/collections"] = new { get = new { summary = "Collections", responses = Responses(("200", "collections", "application/json")) } },
            ["/collections/{collectionId}"] = new
            {
                get = new { summary = "A collection", parameters = new[] { collectionId }, responses = Responses(("200", "collection", "application/json"), ("404", "no such collection", "application/problem+json")) },
            },
            ["/collections/{collectionId}/items"] = new
            {
                get = new
                {
                    summary = "Features of a collection (each collection's own path lists the filters it takes)",
                    parameters = common.Prepend(collectionId).ToArray(),
                    responses = Responses(("200", "features", GeoJson), ("400", "invalid or unknown parameter", "application/problem+json"), ("404", "no such collection", "application/problem+json")),
                },
            },
            ["/collections/{collectionId}/items/{featureId}"] = new
            {
                get = new
                {
                    summary = "One feature",
                    parameters = new[] { collectionId, featureId },
                    responses = Responses(("200", "feature", GeoJson), ("404", "no such feature", "application/problem+json")),
                },
            },
        };
        foreach (var collection in FeatureCollections.All.Values.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var path = $"/collections/{collection.Id}";
            paths[path] = new
            {
                get = new { summary = $"The {collection.Title} collection", description = collection.Description, responses = Responses(("200", "collection", "application/json")) },
            };
            paths[$"{path}/items"] = new
            {
                get = new
                {
                    summary = $"{collection.Title}",
                    description = collection.Description,
                    parameters = common.Concat(Own(collection)).ToArray(),
                    responses = Responses(("200", "features", GeoJson), ("400", "invalid or unknown parameter", "application/problem+json")),
                },
            };
            paths[$"{path}/items/{{featureId}}"] = new
            {
                get = new
                {
                    summary = $"One of {collection.Title}",
                    parameters = (collection.Layer is null ? [] : Own(collection)).Prepend(featureId).ToArray(),
                    responses = Responses(("200", "feature", GeoJson), ("400", "invalid or unknown parameter", "application/problem+json"), ("404", "no such feature", "application/problem+json")),
                },
            };
        }

        var document = new Dictionary<string, object>
        {
            ["openapi"] = "3.0.3",
            ["info"] = new { title = "GeoOrs OGC API – Features", version = "1.0.0" },
            ["servers"] = new[] { new { url = Base(request) } },
            ["paths"] = paths,
        };
        return TypedResults.Json(document, Json, "application/vnd.oai.openapi+json;version=3.0");
    }
}
