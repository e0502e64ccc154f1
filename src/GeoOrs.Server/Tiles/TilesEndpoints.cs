using System.Globalization;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace GeoOrs.Server.Tiles;

/// <summary>
/// <c>/tiles</c>: the catalog, TileJSON, Mapbox Vector Tiles and PNG tiles of the registered layers,
/// with strong ETags over their bytes, gzip and brotli, and a cache from which a committed change of
/// data drops the tiles it reaches.
/// </summary>
internal static class TilesEndpoints
{
    public static IServiceCollection AddGeoOrsTiles(this IServiceCollection services)
    {
        services.AddOptions<TilesOptions>().BindConfiguration(TilesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DataVersions>();
        services.AddHostedService(sp => sp.GetRequiredService<DataVersions>());
        services.AddSingleton<TileCache>();
        return services;
    }

    public static IEndpointRouteBuilder MapTiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tiles").WithTags("Tiles").ReadsFromReplica();
        group.MapGet("/", Catalog).WithName("TileCatalog");
        group.MapGet("/{layer}.json", TileJsonAsync).WithName("TileJson").WithQuery(RasterQuery);
        group.MapGet("/{layer}/{z}/{x}/{y}.mvt", VectorTileAsync).WithName("VectorTile").WithQuery(QueryParameter.Layer)
            .WithBinaryResponse("application/vnd.mapbox-vector-tile", "The tile (Mapbox Vector Tile 2.1), gzip or brotli as Accept-Encoding allows, with a strong ETag.");
        group.MapGet("/{layer}/{z}/{x}/{y}.png", RasterTiles.PngTileAsync).WithName("PngTile").WithQuery(RasterQuery)
            .WithBinaryResponse("image/png", "The tile as a 256 × 256 PNG, with a strong ETag.");
        group.MapGet("/{layer}/legend.png", RasterTiles.LegendAsync).WithName("PngLegend").WithQuery(RasterQuery)
            .WithBinaryResponse("image/png", "The legend of the layer's PNG tiles for the same window and filters, with a strong ETag.");
        return app;
    }

    /// <summary>
    /// The query parameters of a layer's TileJSON and PNG tiles: the window and filters (each layer takes
    /// those its catalog entry lists) and the metric drawn.
    /// </summary>
    internal static readonly IReadOnlyList<QueryParameter> RasterQuery =
    [
        .. QueryParameter.Layer,
        new("metric", "string", "The measure the PNG tiles draw (area and hot spot layers; the first of the layer's metrics by default)."),
    ];

    /// <summary>The tile catalog: each layer the caller may read, with its URLs and the parameters it takes.</summary>
    internal sealed record TileCatalog(IReadOnlyList<CatalogLayer> Layers);

    /// <summary>A layer of the catalog; <c>png</c> is null for a layer drawn only as vector tiles.</summary>
    internal sealed record CatalogLayer(string Id, string Tilejson, string Tiles, string? Png, IReadOnlyList<string> Parameters);

    /// <summary>A layer's TileJSON 3.0.0; <c>description</c> and <c>disclosure_control</c> for the public's area layers, <c>raster</c> for layers drawn as PNG.</summary>
    internal sealed record TileJson(
        string Tilejson, string Name, string Scheme, IReadOnlyList<string> Tiles, int Minzoom, int Maxzoom, double[] Bounds,
        IReadOnlyList<IReadOnlyDictionary<string, object>> VectorLayers,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, object>? DisclosureControl,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RasterTiles.RasterDescription? Raster);

    private static string Base(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/tiles";

    /// <summary>Whether the caller may read a layer: point layers need a role that sees points.</summary>
    internal static bool Readable(VectorTileLayer layer, AccessView view) => layer is not PointTileLayer || view.Points != PointAccess.None;

    internal static Ok<TileCatalog> Catalog(HttpContext http, AccessViews access) => CatalogOf(http.Request, access.For(http));

    private static Ok<TileCatalog> CatalogOf(HttpRequest request, AccessView view) => TypedResults.Ok(new TileCatalog(
        [.. VectorTileLayers.All.Values.Where(l => Readable(l, view)).OrderBy(l => l.Id, StringComparer.Ordinal).Select(l => new CatalogLayer(
            l.Id,
            $"{Base(request)}/{l.Id}.json",
            $"{Base(request)}/{l.Id}/{{z}}/{{x}}/{{y}}.mvt",
            RasterTiles.Renders(l.Id) ? $"{Base(request)}/{l.Id}/{{z}}/{{x}}/{{y}}.png" : null,
            l.Parameters))]));

    /// <summary>TileJSON 3.0.0 for a layer (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).</summary>
    internal static async Task<Results<Ok<TileJson>, ProblemHttpResult>> TileJsonAsync(
        string layer, HttpContext http, ReadDatabase reads, TileCache cache, AccessViews access, CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (!VectorTileLayers.All.TryGetValue(layer, out var definition))
        {
            return NoSuchLayer(layer);
        }

        var view = access.For(http);
        if (!Readable(definition, view))
        {
            return AccessRules.Deny(http, $"The {layer} layer");
        }

        var metric = RasterTiles.Renders(layer) ? request.Query["metric"].ToString() : null;
        if (!LayerQuery.TryParse(Parameters(request.Query, metric is null ? null : "metric"), definition.Parameters, out var query, out var error)
            || (metric is not null && !RasterTiles.TryMetric(layer, metric, out metric, out error)))
        {
            return BadParameter(error!);
        }

        if (!access.TryQuery(http, query, out query, out error))
        {
            return BadParameter(error!);
        }

        // The extent of an event layer is a scan of its table: made once per data version. Only
        // callers who see exact points learn where the outermost events are.
        var uncached = reads.Uncached(http);
        var bounds = await cache.GetOrAddAsync($"bounds/{layer}#{cache.VersionsOf(definition)}", definition,
            async () => await definition.BoundsAsync(reads.For(http, RequestClass.Tiles), cancellationToken) ?? [-180, -85.0511, 180, 85.0511],
            uncached: uncached);
        if (definition is PointTileLayer && view.Points != PointAccess.Exact)
        {
            bounds = LayerExtent.Coarsened(bounds);
        }

        var disclosed = view.Suppressed && definition is AreaTileLayer;
        return TypedResults.Ok(new TileJson(
            "3.0.0",
            definition.Id,
            "xyz",
            [$"{Base(request)}/{definition.Id}/{{z}}/{{x}}/{{y}}.mvt{request.QueryString}"],
            definition.MinZoom,
            definition.MaxZoom,
            bounds,
            [definition.VectorLayer()],
            disclosed ? Disclosure.Text : null,
            disclosed ? Disclosure.Note : null,
            RasterTiles.Renders(layer) ? await RasterTiles.DescribeAsync(layer, metric!, request, query, () => reads.For(http, RequestClass.Tiles), cache, uncached, cancellationToken) : null));
    }

    internal static async Task<IResult> VectorTileAsync(
        string layer, string z, string x, string y, HttpContext http, ReadDatabase reads, TileCache cache,
        AccessViews access, CancellationToken cancellationToken)
    {
        if (!VectorTileLayers.All.TryGetValue(layer, out var definition))
        {
            return NoSuchLayer(layer);
        }

        var view = access.For(http);
        if (!Readable(definition, view))
        {
            return AccessRules.Deny(http, $"The {layer} layer");
        }

        if (!TryParseTile(z, x, y, out var tile, out var tileError))
        {
            return tileError;
        }

        if (!LayerQuery.TryParse(Parameters(http.Request.Query), definition.Parameters, out var query, out var error))
        {
            return BadParameter(error!);
        }

        if (tile.Z < definition.MinZoom || tile.Z > definition.MaxZoom)
        {
            return TypedResults.NoContent();
        }

        if (!access.TryQuery(http, query, out query, out error))
        {
            return BadParameter(error!);
        }

        Func<int, Task>? audit = definition is PointTileLayer
            ? features => access.AuditAsync(http, $"{layer}/{tile.Z}/{tile.X}/{tile.Y}{http.Request.QueryString}", LonLat(tile), null, features, cancellationToken).AsTask()
            : null;
        return await ServeAsync(http, cache, reads, TileScope.Of(definition, tile, query), $"{layer}/{tile.Z}/{tile.X}/{tile.Y}.mvt?{query.Key}",
            "application/vnd.mapbox-vector-tile", compress: true,
            ct => definition.TileAsync(reads.For(http, RequestClass.Tiles), tile, query, ct), cancellationToken, audit);
    }

    /// <summary>
    /// Answers a tile request: the tile from cache, or newly made (and kept unless a change that reaches
    /// it came meanwhile); its strong ETag, a hash of its bytes and the chosen encoding; 304 when the
    /// client has it; else the tile, audited first when <paramref name="audit"/> is given. Answers to
    /// callers with credentials are private to them. A tile the cache holds brings its ETag along:
    /// a cache hit hashes nothing and formats no header. <paramref name="make"/> chooses where it reads
    /// when it runs, after the cache's sequence is taken (<see cref="ReadDatabase.For"/>); a caller
    /// whose write this server may not have heard of yet (<see cref="ReadDatabase.Uncached"/>) gets a
    /// tile made for it alone.
    /// </summary>
    internal static async Task<IResult> ServeAsync(
        HttpContext http, TileCache cache, ReadDatabase reads, TileScope scope, string key, string contentType, bool compress,
        Func<CancellationToken, Task<(byte[] Bytes, int Features)>> make, CancellationToken cancellationToken, Func<int, Task>? audit = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (layer, zoom) = (scope.Layer, scope.Tile?.Z);
        var cached = false;
        TileBytes tile;
        if (reads.Uncached(http))
        {
            var (bytes, features) = await make(cancellationToken);
            tile = new TileBytes(bytes, features, scope);
        }
        else if (!(cached = cache.TryGet(key, out tile)))
        {
            tile = await cache.MakeAsync(key, scope, make, cancellationToken);
        }

        var encoding = compress ? Negotiate(http.Request) : null;
        var etag = tile.ETagOf(encoding);
        var headers = http.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = AccessRules.RoleOf(http.User) == Role.Public ? PublicNoCache : PrivateNoCache;
        headers.Vary = compress ? "Accept-Encoding, Authorization, X-Api-Key" : "Authorization, X-Api-Key";

        if (http.Request.Headers.IfNoneMatch.Count > 0 && HasMatching(http.Request, etag))
        {
            TileMetrics.Served(http, layer, zoom, contentType, cached, StatusCodes.Status304NotModified, 0, started);
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (audit is not null)
        {
            await audit(tile.Features);
        }

        if (tile.Raw.Length == 0)
        {
            TileMetrics.Served(http, layer, zoom, contentType, cached, StatusCodes.Status204NoContent, 0, started);
            return TypedResults.NoContent();
        }

        if (encoding is not null)
        {
            headers.ContentEncoding = encoding;
        }

        var body = encoding switch { "br" => tile.Brotli, "gzip" => tile.Gzip, _ => tile.Raw };
        TileMetrics.Served(http, layer, zoom, contentType, cached, StatusCodes.Status200OK, body.Length, started);
        return new TileContent(body, contentType);
    }

    /// <summary>Whether the request's If-None-Match names <paramref name="etag"/> (strong comparison).</summary>
    private static bool HasMatching(HttpRequest request, string etag)
    {
        var tag = new EntityTagHeaderValue(etag);
        return request.GetTypedHeaders().IfNoneMatch.Any(t => t.Compare(tag, useStrongComparison: true));
    }

    /// <summary>Cache-Control of an answer to the public: any cache may keep it, and must ask again before reuse.</summary>
    internal const string PublicNoCache = "public, no-cache";

    /// <summary>Cache-Control of an answer to a caller with credentials: only the caller's own cache may keep it.</summary>
    internal const string PrivateNoCache = "no-cache, private";

    /// <summary>
    /// A tile's bytes as the body of a 200, with their type and length: what <c>TypedResults.Bytes</c>
    /// sends without ranges, without its reading of the request's conditional headers (answered above).
    /// </summary>
    private sealed class TileContent(byte[] bytes, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.ContentType = contentType;
            response.ContentLength = bytes.Length;
            return response.Body.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None);
        }
    }

    private static double[] LonLat(TileId tile)
    {
        var (west, south, east, north) = TileMath.BoundsLonLat(tile);
        return [west, south, east, north];
    }

    /// <summary>br, gzip or none, by the client's Accept-Encoding (q-values honoured, brotli preferred on a tie).</summary>
    private static string? Negotiate(HttpRequest request)
    {
        if (request.Headers.AcceptEncoding.Count == 0)
        {
            return null;
        }

        var accepted = request.GetTypedHeaders().AcceptEncoding;
        double Quality(string coding)
        {
            var match = accepted.FirstOrDefault(a => StringSegment.Equals(a.Value, coding, StringComparison.OrdinalIgnoreCase))
                ?? accepted.FirstOrDefault(a => a.Value == "*");
            return match is null ? 0 : match.Quality ?? 1;
        }

        var br = Quality("br");
        var gzip = Quality("gzip");
        return br > 0 && br >= gzip ? "br" : gzip > 0 ? "gzip" : null;
    }

    /// <summary>The request's parameters as name and values, leaving out <paramref name="except"/>.</summary>
    internal static IEnumerable<KeyValuePair<string, string?[]>> Parameters(IQueryCollection query, string? except = null) =>
        query.Count == 0 ? [] : query.Where(q => q.Key != except).Select(q => new KeyValuePair<string, string?[]>(q.Key, q.Value.ToArray()));

    internal static bool TryParseTile(string z, string x, string y, out TileId tile, out IResult error)
    {
        if (int.TryParse(z, NumberStyles.None, CultureInfo.InvariantCulture, out var zoom)
            && int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var column)
            && int.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var row)
            && new TileId(zoom, column, row) is { IsValid: true } valid)
        {
            tile = valid;
            error = null!;
            return true;
        }

        tile = default;
        error = TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No such tile",
            detail: $"{z}/{x}/{y} is outside the tile pyramid (z 0..{TileMath.MaxZoom}, x and y 0..2^z-1)");
        return false;
    }

    internal static ProblemHttpResult NoSuchLayer(string layer) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such layer", detail: $"No tile layer is named '{layer}'.");

    internal static ProblemHttpResult BadParameter(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid parameter", detail: detail);
}
