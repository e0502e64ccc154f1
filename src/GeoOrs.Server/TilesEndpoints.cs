using System.Globalization;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Tiles;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace GeoOrs.Server;

/// <summary><c>/tiles</c>: Mapbox Vector Tiles of the registered layers, with strong ETags.</summary>
internal static class TilesEndpoints
{
    public static IEndpointRouteBuilder MapTiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tiles").WithTags("Tiles");
        group.MapGet("/", Catalog).WithName("TileCatalog");
        group.MapGet("/{layer}.json", TileJsonAsync).WithName("TileJson");
        group.MapGet("/{layer}/{z}/{x}/{y}.mvt", VectorTileAsync).WithName("VectorTile");
        return app;
    }

    private static string Base(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/tiles";

    internal static IResult Catalog(HttpRequest request) => TypedResults.Json(new
    {
        layers = VectorTileLayers.All.Values.OrderBy(l => l.Id, StringComparer.Ordinal).Select(l => new
        {
            id = l.Id,
            tilejson = $"{Base(request)}/{l.Id}.json",
            tiles = $"{Base(request)}/{l.Id}/{{z}}/{{x}}/{{y}}.mvt",
        }),
    });

    /// <summary>TileJSON 3.0.0 for a layer (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).</summary>
    internal static async Task<IResult> TileJsonAsync(string layer, HttpRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!VectorTileLayers.All.TryGetValue(layer, out var definition))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such layer", detail: $"No tile layer is named '{layer}'.");
        }

        var bounds = await VectorTileLayers.BoundsAsync(dataSource, definition, cancellationToken) ?? [-180, -85.0511, 180, 85.0511];
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["tilejson"] = "3.0.0",
            ["name"] = definition.Id,
            ["scheme"] = "xyz",
            ["tiles"] = new[] { $"{Base(request)}/{definition.Id}/{{z}}/{{x}}/{{y}}.mvt{request.QueryString}" },
            ["minzoom"] = definition.MinZoom,
            ["maxzoom"] = definition.MaxZoom,
            ["bounds"] = bounds,
            ["vector_layers"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["id"] = definition.Id,
                    ["fields"] = definition.Attributes.Keys.ToDictionary(k => k, _ => "String"),
                    ["minzoom"] = definition.MinZoom,
                    ["maxzoom"] = definition.MaxZoom,
                },
            },
        });
    }

    internal static async Task<IResult> VectorTileAsync(string layer, string z, string x, string y, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!VectorTileLayers.All.TryGetValue(layer, out var definition))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such layer", detail: $"No tile layer is named '{layer}'.");
        }

        if (http.Request.Query.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid parameter",
                detail: $"the {layer} layer takes no parameters (got {string.Join(", ", http.Request.Query.Keys)})");
        }

        if (!int.TryParse(z, NumberStyles.None, CultureInfo.InvariantCulture, out var zoom)
            || !int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var column)
            || !int.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var row)
            || new TileId(zoom, column, row) is not { IsValid: true } tile)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No such tile",
                detail: $"{z}/{x}/{y} is outside the tile pyramid (z 0..{TileMath.MaxZoom}, x and y 0..2^z-1)");
        }

        if (zoom < definition.MinZoom || zoom > definition.MaxZoom)
        {
            return TypedResults.NoContent();
        }

        var version = await VectorTileLayers.BoundaryVersionAsync(dataSource, cancellationToken);
        var etag = new EntityTagHeaderValue($"\"{layer}-{version}-{tile.Z}-{tile.X}-{tile.Y}\"");
        var response = http.Response.GetTypedHeaders();
        response.ETag = etag;
        response.CacheControl = new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromMinutes(5) };
        if (http.Request.GetTypedHeaders().IfNoneMatch.Any(t => t.Compare(etag, useStrongComparison: true)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var bytes = await VectorTileLayers.TileAsync(dataSource, definition, tile, cancellationToken);
        return bytes.Length == 0 ? TypedResults.NoContent() : TypedResults.Bytes(bytes, "application/vnd.mapbox-vector-tile");
    }
}
