using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using GeoOrs.Data.Tiles;
using Microsoft.Extensions.Options;

namespace GeoOrs.Server.Tiles;

/// <summary>
/// The meter <c>GeoOrs.Tiles</c>: tile requests by layer, zoom band, format, cache hit or miss and
/// status; the bytes sent; and how long each took. A tile slower than
/// <see cref="TelemetryOptions.SlowTileMilliseconds"/> is logged as a warning with its request's trace id.
/// </summary>
internal static class TileMetrics
{
    public const string Name = "GeoOrs.Tiles";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("geoors.tiles.requests", "{request}",
        "Tile requests answered, by layer, zoom_band, format (mvt, png), cache (hit, miss) and status (200, 204, 304)");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("geoors.tiles.bytes", "By", "Tile bytes sent, as encoded (gzip, br or none)");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram("geoors.tiles.duration", "ms",
        "Time to answer a tile request, from the cache or made", advice: Telemetry.Milliseconds);

    /// <summary>Records one tile answer; <paramref name="started"/> is a <see cref="Stopwatch.GetTimestamp"/> from when it was asked.</summary>
    public static void Served(HttpContext http, VectorTileLayer layer, string contentType, bool hit, int status, int bytes, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        var zoom = int.TryParse(http.GetRouteValue("z") as string, NumberStyles.None, CultureInfo.InvariantCulture, out var z) ? Telemetry.ZoomBand(z) : "none";
        var format = contentType == "image/png" ? "png" : "mvt";
        var layerTag = new KeyValuePair<string, object?>("layer", layer.Id);
        var zoomTag = new KeyValuePair<string, object?>("zoom_band", zoom);
        var formatTag = new KeyValuePair<string, object?>("format", format);
        var cacheTag = new KeyValuePair<string, object?>("cache", hit ? "hit" : "miss");
        var tags = new TagList { layerTag, zoomTag, formatTag, cacheTag, { "status", status } };
        Requests.Add(1, tags);
        Bytes.Add(bytes, layerTag, zoomTag, formatTag);
        Duration.Record(elapsed.TotalMilliseconds, layerTag, zoomTag, formatTag, cacheTag);

        var slow = http.RequestServices.GetRequiredService<IOptions<TelemetryOptions>>().Value.SlowTileMilliseconds;
        if (elapsed.TotalMilliseconds >= slow)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("GeoOrs.Tiles")
                .LogWarning("Slow tile {Path}: {Ms:0} ms ({Cache}, status {Status}; over Telemetry:SlowTileMilliseconds = {Slow})",
                    http.Request.Path.Value, elapsed.TotalMilliseconds, hit ? "cache hit" : "cache miss", status, slow);
        }
    }
}
