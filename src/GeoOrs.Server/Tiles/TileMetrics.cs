using System.Diagnostics;
using System.Diagnostics.Metrics;
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

    /// <summary>The status tag's values, boxed once: a tile answer is 200, 204 or 304.</summary>
    private static readonly object Ok = StatusCodes.Status200OK, NoContent = StatusCodes.Status204NoContent, NotModified = StatusCodes.Status304NotModified;

    /// <summary>
    /// Records one tile answer; <paramref name="started"/> is a <see cref="Stopwatch.GetTimestamp"/> from when it was asked.
    /// Called on every tile request, cache hits included, so it allocates nothing but the measurements' tag arrays.
    /// </summary>
    public static void Served(HttpContext http, VectorTileLayer layer, int? zoom, string contentType, bool hit, int status, int bytes, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        var layerTag = new KeyValuePair<string, object?>("layer", layer.Id);
        var zoomTag = new KeyValuePair<string, object?>("zoom_band", zoom is { } z ? Telemetry.ZoomBand(z) : "none");
        var formatTag = new KeyValuePair<string, object?>("format", contentType == "image/png" ? "png" : "mvt");
        var cacheTag = new KeyValuePair<string, object?>("cache", hit ? "hit" : "miss");
        var statusTag = new KeyValuePair<string, object?>("status", status switch
        {
            StatusCodes.Status200OK => Ok,
            StatusCodes.Status204NoContent => NoContent,
            StatusCodes.Status304NotModified => NotModified,
            _ => status,
        });
        Requests.Add(1, layerTag, zoomTag, formatTag, cacheTag, statusTag);
        Bytes.Add(bytes, layerTag, zoomTag, formatTag);
        Duration.Record(elapsed.TotalMilliseconds, layerTag, zoomTag, formatTag, cacheTag);

        var slow = SlowMilliseconds(http);
        if (elapsed.TotalMilliseconds >= slow)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("GeoOrs.Tiles")
                .LogWarning("Slow tile {Path}: {Ms:0} ms ({Cache}, status {Status}; over Telemetry:SlowTileMilliseconds = {Slow})",
                    http.Request.Path.Value, elapsed.TotalMilliseconds, hit ? "cache hit" : "cache miss", status, slow);
        }
    }

    /// <summary><see cref="TelemetryOptions.SlowTileMilliseconds"/> of the request's server (options are validated at start and not reloaded).</summary>
    private static int SlowMilliseconds(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<TelemetryOptions>>().Value.SlowTileMilliseconds;
}
