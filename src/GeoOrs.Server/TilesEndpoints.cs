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
        group.MapGet("/{layer}/{z}/{x}/{y}.mvt", VectorTileAsync).WithName("VectorTile");
        return app;
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
