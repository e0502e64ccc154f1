using System.Collections.Frozen;
using GeoOrs.Analysis.Raster;
using GeoOrs.Data.Access;
using GeoOrs.Data.Hotspots;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using NetTopologySuite.Geometries;
using Npgsql;

namespace GeoOrs.Server.Tiles;

/// <summary>
/// PNG tiles and legends, for dashboards that take only XYZ images. Area layers: a choropleth of one
/// metric, classed by quantiles over every area of the layer for the same window and filters (so
/// neighbouring tiles agree), in the colour-blind-safe YlOrRd ramp. Hot spots: the Gi* confidence
/// bins of hexagons or counties in a diverging blue–red ramp (cells not significant left clear).
/// Heat: the density hexagons, classed by quantiles of the densities the caller may see.
/// </summary>
internal static class RasterTiles
{
    public const int Classes = 5;
    public const int TileSize = 256;

    private static readonly ColorRamp Ramp = ColorRamp.YlOrRd;

    /// <summary>The Gi* bins −3…3 and their colours: cold blues, hot reds (ColorBrewer RdBu, colour-blind safe); 0 is not drawn.</summary>
    private static readonly double[] BinBreaks = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3];
    private static readonly Rgba32[] BinColors =
    [
        new(33, 102, 172, 255), new(103, 169, 207, 255), new(209, 229, 240, 255), new(247, 247, 247, 255),
        new(253, 219, 199, 255), new(239, 138, 98, 255), new(178, 24, 43, 255),
    ];

    public static bool Renders(string layer) => AreaLayer.All.ContainsKey(layer) || VectorTileLayers.All.GetValueOrDefault(layer) is CellTileLayer;

    private static IReadOnlyDictionary<string, string> MetricsOf(string layer) =>
        VectorTileLayers.All.GetValueOrDefault(layer) is CellTileLayer cells ? cells.Metrics : AreaValues.Metrics;

    public static bool TryMetric(string layer, string? value, out string metric, out string? error)
    {
        var metrics = MetricsOf(layer);
        metric = string.IsNullOrEmpty(value) ? metrics.Keys.First() : value;
        error = metrics.ContainsKey(metric) ? null
            : $"'metric' must be one of {string.Join(", ", metrics.Keys)} (got '{value}')";
        return error is null;
    }

    /// <summary>
    /// The classification of a metric for a query: the class bounds, colours and smallest value, and for
    /// area layers each area's value (the tiles of the window take their values from it).
    /// </summary>
    internal sealed record Classification(double Minimum, double[] Breaks, Rgba32[] Colors, FrozenDictionary<string, double>? Values = null);

    /// <summary>
    /// The classification of a metric for a query. It belongs to the layer, the window and filters, the
    /// caller's view and the data's versions, not to a tile: it is made once for all of them and kept
    /// (<see cref="TileCache.GetOrAddAsync"/>, on even when the tile cache is off) until the data changes.
    /// </summary>
    public static Task<Classification> ClassifyAsync(
        string id, string metric, LayerQuery query, Func<NpgsqlDataSource> source, TileCache cache, bool uncached, CancellationToken cancellationToken)
    {
        var layer = VectorTileLayers.All[id];
        if (layer is CellTileLayer && metric != "density")
        {
            return Task.FromResult(new Classification(-3, BinBreaks, BinColors));
        }

        return cache.GetOrAddAsync($"breaks/{id}/{metric}?{query.Key}#{cache.VersionsOf(layer)}", layer,
            () => MakeClassificationAsync(id, metric, query, source(), cancellationToken), // the source chosen after the key took the versions
            c => 1024 + ((c.Values?.Count ?? 0) * 64L), uncached); // an area's id and value in a frozen dictionary, roughly
    }

    /// <summary>The classification of a metric for a query, made anew (<see cref="ClassifyAsync"/> keeps it).</summary>
    public static async Task<Classification> MakeClassificationAsync(string id, string metric, LayerQuery query, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        FrozenDictionary<string, double>? byArea = null;
        double[] values;
        if (VectorTileLayers.All[id] is CellTileLayer)
        {
            values = await CellTileLayer.DensitiesAsync(dataSource, query.View, cancellationToken);
        }
        else
        {
            byArea = await AreaValues.ByAreaAsync(dataSource, AreaLayer.All[id], query, metric, cancellationToken);
            values = [.. byArea.Values];
        }

        var breaks = values.Length == 0 ? [] : ClassBreaks.Quantiles(values, Classes).Distinct().ToArray();
        var colors = breaks.Length == 0 ? [] : Ramp.Classes(breaks.Length).ToArray();
        return new Classification(values.Length == 0 ? 0 : values.Min(), breaks, colors, byArea);
    }

    /// <summary>
    /// A layer's PNG tiles as its TileJSON describes them: their URLs, the metric drawn, its
    /// classification (quantiles, or gi_bins for the Gi* confidence bins), the classes' upper bounds
    /// and their colours (#rrggbb).
    /// </summary>
    internal sealed record RasterDescription(
        IReadOnlyList<string> Tiles, string Legend, int TileSize, string Metric, string Title, string Classification, double Minimum, double[] Breaks, string[] Colors);

    public static async Task<RasterDescription> DescribeAsync(
        string id, string metric, HttpRequest request, LayerQuery query, Func<NpgsqlDataSource> source, TileCache cache, bool uncached, CancellationToken cancellationToken)
    {
        var classification = await ClassifyAsync(id, metric, query, source, cache, uncached, cancellationToken);
        var tiles = $"{request.Scheme}://{request.Host}{request.PathBase}/tiles/{id}";
        return new RasterDescription(
            [$"{tiles}/{{z}}/{{x}}/{{y}}.png{request.QueryString}"],
            $"{tiles}/legend.png{request.QueryString}",
            TileSize,
            metric,
            MetricsOf(id)[metric],
            metric.EndsWith("_bin", StringComparison.Ordinal) ? "gi_bins" : "quantiles",
            classification.Minimum,
            classification.Breaks,
            [.. classification.Colors.Select(c => $"#{c.R:x2}{c.G:x2}{c.B:x2}")]);
    }

    internal static async Task<IResult> PngTileAsync(
        string layer, string z, string x, string y, HttpContext http, ReadDatabase reads, TileCache cache,
        AccessViews access, CancellationToken cancellationToken)
    {
        if (!TryRequest(layer, http.Request, out var query, out var metric, out var error))
        {
            return error;
        }

        if (!access.TryQuery(http, query, out query, out var window))
        {
            return TilesEndpoints.BadParameter(window!);
        }

        if (!TilesEndpoints.TryParseTile(z, x, y, out var tile, out var tileError))
        {
            return tileError;
        }

        var uncached = reads.Uncached(http);
        NpgsqlDataSource Source() => reads.For(http, RequestClass.Tiles);
        return await TilesEndpoints.ServeAsync(http, cache, reads, TileScope.Classed(VectorTileLayers.All[layer], tile), $"{layer}/{tile.Z}/{tile.X}/{tile.Y}.png?{metric}&{query.Key}",
            "image/png", compress: false, async ct =>
            {
                var classification = await ClassifyAsync(layer, metric, query, Source, cache, uncached, ct);
                var dataSource = Source();
                IReadOnlyList<(Geometry Shape, double? Value)> rows;
                if (VectorTileLayers.All[layer] is CellTileLayer cells)
                {
                    rows = await cells.PngCellsAsync(dataSource, metric, tile, query, ct);
                }
                else
                {
                    // The areas' values are the window's (made once, with its class breaks): the tile reads only polygons.
                    var values = classification.Values!;
                    rows = [.. (await AreaValues.ShapesInTileAsync(dataSource, AreaLayer.All[layer], tile, ct))
                        .Select(a => (a.Shape, values.TryGetValue(a.Id, out var v) ? v : (double?)null))];
                }

                return (Choropleth.RenderTile(TileSize, rows, classification.Breaks, classification.Colors), rows.Count);
            }, cancellationToken);
    }

    internal static async Task<IResult> LegendAsync(
        string layer, HttpContext http, ReadDatabase reads, TileCache cache, AccessViews access, CancellationToken cancellationToken)
    {
        if (!TryRequest(layer, http.Request, out var query, out var metric, out var error))
        {
            return error;
        }

        if (!access.TryQuery(http, query, out query, out var window))
        {
            return TilesEndpoints.BadParameter(window!);
        }

        var uncached = reads.Uncached(http);
        return await TilesEndpoints.ServeAsync(http, cache, reads, TileScope.Classed(VectorTileLayers.All[layer], null), $"{layer}/legend.png?{metric}&{query.Key}",
            "image/png", compress: false, async ct =>
            {
                var c = await ClassifyAsync(layer, metric, query, () => reads.For(http, RequestClass.Tiles), cache, uncached, ct);
                var footnote = query.View.Suppressed && AreaLayer.All.ContainsKey(layer) ? Disclosure.LegendLine : null;
                return (Choropleth.RenderLegend(MetricsOf(layer)[metric], c.Minimum, c.Breaks, c.Colors, footnote), 1);
            }, cancellationToken);
    }

    /// <summary>The layer (else 404) and the query and metric of a PNG request (else 400).</summary>
    private static bool TryRequest(string layer, HttpRequest request, out LayerQuery query, out string metric, out IResult error)
    {
        error = null!;
        metric = "";
        query = LayerQuery.All;
        if (!Renders(layer))
        {
            error = TilesEndpoints.NoSuchLayer(layer);
            return false;
        }

        if (!LayerQuery.TryParse(TilesEndpoints.Parameters(request.Query, "metric"), VectorTileLayers.All[layer].Parameters, out query, out var problem)
            || request.Query["metric"].Count > 1
            || !TryMetric(layer, request.Query["metric"].ToString(), out metric, out problem))
        {
            error = TilesEndpoints.BadParameter(problem ?? "'metric' must be given once");
            return false;
        }

        return true;
    }
}
