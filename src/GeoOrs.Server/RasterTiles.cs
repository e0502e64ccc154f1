using GeoOrs.Analysis.Raster;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using NetTopologySuite.IO;
using Npgsql;

namespace GeoOrs.Server;

/// <summary>
/// PNG tiles and legends of the area layers, for dashboards that take only XYZ images: a choropleth
/// of one metric, classed by quantiles over every area of the layer for the same window and filters
/// (so neighbouring tiles agree), in the colour-blind-safe YlOrRd ramp.
/// </summary>
internal static class RasterTiles
{
    public const int Classes = 5;
    public const int TileSize = 256;

    private static readonly ColorRamp Ramp = ColorRamp.YlOrRd;

    public static bool Renders(string layer) => AreaLayer.All.ContainsKey(layer);

    public static bool TryMetric(string? value, out string metric, out string? error)
    {
        metric = string.IsNullOrEmpty(value) ? "rate" : value;
        error = AreaValues.Metrics.ContainsKey(metric) ? null
            : $"'metric' must be one of {string.Join(", ", AreaValues.Metrics.Keys)} (got '{value}')";
        return error is null;
    }

    /// <summary>The classification of a metric for a query: the class bounds, colours and smallest value.</summary>
    internal sealed record Classification(double Minimum, double[] Breaks, Rgba32[] Colors);

    public static Task<Classification> ClassifyAsync(
        AreaLayer area, string metric, LayerQuery query, NpgsqlDataSource dataSource, TileCache cache, CancellationToken cancellationToken)
    {
        var layer = VectorTileLayers.All[area.Id];
        return cache.GetOrAddAsync($"breaks/{area.Id}/{metric}?{query.Key}#{cache.VersionsOf(layer)}", layer, async () =>
        {
            var values = await AreaValues.AllAsync(dataSource, area, query, metric, cancellationToken);
            var breaks = ClassBreaks.Quantiles(values, Classes).Distinct().ToArray();
            var colors = breaks.Length == 0 ? [] : Ramp.Classes(breaks.Length).ToArray();
            return new Classification(values.Length == 0 ? 0 : values.Min(), breaks, colors);
        });
    }

    public static async Task<object> DescribeAsync(
        AreaLayer area, string metric, HttpRequest request, LayerQuery query, NpgsqlDataSource dataSource, TileCache cache, CancellationToken cancellationToken)
    {
        var classification = await ClassifyAsync(area, metric, query, dataSource, cache, cancellationToken);
        var tiles = $"{request.Scheme}://{request.Host}{request.PathBase}/tiles/{area.Id}";
        return new Dictionary<string, object>
        {
            ["tiles"] = new[] { $"{tiles}/{{z}}/{{x}}/{{y}}.png{request.QueryString}" },
            ["legend"] = $"{tiles}/legend.png{request.QueryString}",
            ["tile_size"] = TileSize,
            ["metric"] = metric,
            ["title"] = AreaValues.Metrics[metric],
            ["classification"] = "quantiles",
            ["minimum"] = classification.Minimum,
            ["breaks"] = classification.Breaks,
            ["colors"] = classification.Colors.Select(c => $"#{c.R:x2}{c.G:x2}{c.B:x2}").ToArray(),
        };
    }

    internal static async Task<IResult> PngTileAsync(
        string layer, string z, string x, string y, HttpContext http, NpgsqlDataSource dataSource, TileCache cache, DataVersions versions,
        AccessViews access, CancellationToken cancellationToken)
    {
        if (!TryRequest(layer, http.Request, out var area, out var query, out var metric, out var error))
        {
            return error;
        }

        query = query with { View = access.For(http) };

        if (!TilesEndpoints.TryParseTile(z, x, y, out var tile, out var tileError))
        {
            return tileError;
        }

        return await TilesEndpoints.ServeAsync(http, cache, versions, VectorTileLayers.All[layer], $"{layer}/{tile.Z}/{tile.X}/{tile.Y}.png?{metric}&{query.Key}",
            "image/png", compress: false, async ct =>
            {
                var classification = await ClassifyAsync(area, metric, query, dataSource, cache, ct);
                var rows = await AreaValues.InTileAsync(dataSource, area, tile, query, metric, ct);
                var reader = new WKBReader();
                var image = Choropleth.RenderTile(TileSize, rows.Select(r => (reader.Read(r.Wkb), r.Value)), classification.Breaks, classification.Colors);
                return (PngEncoder.Encode(image), rows.Count);
            }, cancellationToken);
    }

    internal static async Task<IResult> LegendAsync(
        string layer, HttpContext http, NpgsqlDataSource dataSource, TileCache cache, DataVersions versions, AccessViews access, CancellationToken cancellationToken)
    {
        if (!TryRequest(layer, http.Request, out var area, out var query, out var metric, out var error))
        {
            return error;
        }

        query = query with { View = access.For(http) };

        return await TilesEndpoints.ServeAsync(http, cache, versions, VectorTileLayers.All[layer], $"{layer}/legend.png?{metric}&{query.Key}",
            "image/png", compress: false, async ct =>
            {
                var c = await ClassifyAsync(area, metric, query, dataSource, cache, ct);
                return (PngEncoder.Encode(Choropleth.RenderLegend(AreaValues.Metrics[metric], c.Minimum, c.Breaks, c.Colors)), 1);
            }, cancellationToken);
    }

    /// <summary>The area layer (else 404) and the query and metric of a PNG request (else 400).</summary>
    private static bool TryRequest(string layer, HttpRequest request, out AreaLayer area, out LayerQuery query, out string metric, out IResult error)
    {
        error = null!;
        metric = "";
        query = LayerQuery.All;
        if (!AreaLayer.All.TryGetValue(layer, out area!))
        {
            error = TilesEndpoints.NoSuchLayer(layer);
            return false;
        }

        if (!LayerQuery.TryParse(TilesEndpoints.Parameters(request.Query, "metric"), VectorTileLayers.All[layer].Parameters, out query, out var problem)
            || request.Query["metric"].Count > 1
            || !TryMetric(request.Query["metric"].ToString(), out metric, out problem))
        {
            error = TilesEndpoints.BadParameter(problem ?? "'metric' must be given once");
            return false;
        }

        return true;
    }
}
