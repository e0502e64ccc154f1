using NetTopologySuite.Geometries;
using SkiaSharp;

namespace GeoOrs.Analysis.Raster;

/// <summary>One tile's areas for a static map: where the tile's top-left corner lies on the map, and its areas in tile pixels.</summary>
/// <param name="OffsetX">The tile's left edge on the map, in pixels.</param>
/// <param name="OffsetY">The tile's top edge on the map, in pixels.</param>
/// <param name="Areas">Each area's id, polygon in the tile's pixel coordinates (y down) and value, or null.</param>
public sealed record MapTile(int OffsetX, int OffsetY, IReadOnlyList<(string Id, Geometry Shape, double? Value)> Areas);

/// <summary>
/// A static map image made of the same choropleth tiles as the PNG tile layers (<see cref="Choropleth"/>):
/// the tiles that cover a box are drawn side by side onto one canvas, each clipped to its own square so
/// the buffer that vector tiles carry beyond their edge leaves no seam, over a light ground; one area,
/// the map's subject, is outlined in ink on top. Out comes a PNG.
/// </summary>
public static class StaticMap
{
    /// <summary>The ground under areas without a value: a light grey.</summary>
    public static Rgba32 Ground { get; } = new(242, 242, 240);

    /// <summary>The subject's outline width in pixels.</summary>
    public const float SubjectWidth = 2.5f;

    /// <summary>Renders the map.</summary>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <param name="tileSize">The tiles' side in pixels.</param>
    /// <param name="tiles">The tiles and their areas.</param>
    /// <param name="breaks">Ascending class upper bounds.</param>
    /// <param name="colors">One colour per class.</param>
    /// <param name="subject">The id of the area outlined on top, or null.</param>
    /// <returns>The PNG.</returns>
    public static byte[] Render(int width, int height, int tileSize, IEnumerable<MapTile> tiles, IReadOnlyList<double> breaks, IReadOnlyList<Rgba32> colors, string? subject)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        ArgumentNullException.ThrowIfNull(breaks);
        ArgumentNullException.ThrowIfNull(colors);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(Choropleth.ToSk(Ground));
        using (var canvas = new SKCanvas(bitmap))
        using (var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill })
        using (var outline = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1f, Color = Choropleth.ToSk(new Rgba32(255, 255, 255, 230)) })
        using (var ink = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = SubjectWidth, Color = Choropleth.ToSk(Choropleth.Ink) })
        {
            var subjects = new List<(SKPath Path, int X, int Y)>();
            try
            {
                foreach (var tile in tiles)
                {
                    canvas.Save();
                    canvas.ClipRect(SKRect.Create(tile.OffsetX, tile.OffsetY, tileSize, tileSize));
                    canvas.Translate(tile.OffsetX, tile.OffsetY);
                    foreach (var (id, shape, value) in tile.Areas)
                    {
                        var path = Choropleth.PathOf(shape);
                        if (value is { } v && ClassBreaks.ClassOf(v, breaks) is var c and >= 0 && colors.Count > 0)
                        {
                            fill.Color = Choropleth.ToSk(colors[Math.Min(c, colors.Count - 1)]);
                            canvas.DrawPath(path, fill);
                        }

                        canvas.DrawPath(path, outline);
                        if (id == subject)
                        {
                            subjects.Add((path, tile.OffsetX, tile.OffsetY));
                        }
                        else
                        {
                            path.Dispose();
                        }
                    }

                    canvas.Restore();
                }

                // The subject on top of every tile's fills, each part clipped to its own tile.
                foreach (var (path, x, y) in subjects)
                {
                    canvas.Save();
                    canvas.ClipRect(SKRect.Create(x, y, tileSize, tileSize));
                    canvas.Translate(x, y);
                    canvas.DrawPath(path, ink);
                    canvas.Restore();
                }
            }
            finally
            {
                subjects.ForEach(s => s.Path.Dispose());
            }
        }

        return Choropleth.Encode(bitmap, SKPngEncoderOptions.Default);
    }

    /// <summary>
    /// The zoom at which a box of Web Mercator metres fits in <paramref name="width"/> × <paramref name="height"/>
    /// pixels of 256-pixel tiles, at most <paramref name="maxZoom"/>.
    /// </summary>
    /// <param name="spanX">The box's width in metres.</param>
    /// <param name="spanY">The box's height in metres.</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <param name="maxZoom">The largest zoom returned.</param>
    /// <returns>The zoom.</returns>
    public static int FitZoom(double spanX, double spanY, int width, int height, int maxZoom)
    {
        for (var z = maxZoom; z > 0; z--)
        {
            var resolution = Tiles.TileMath.Resolution(z);
            if (spanX / resolution <= width && spanY / resolution <= height)
            {
                return z;
            }
        }

        return 0;
    }
}
