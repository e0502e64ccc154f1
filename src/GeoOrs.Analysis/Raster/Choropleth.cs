using System.Globalization;
using System.Runtime.InteropServices;
using NetTopologySuite.Geometries;
using SkiaSharp;

namespace GeoOrs.Analysis.Raster;

/// <summary>
/// Draws choropleth tiles and their legend with Skia (SkiaSharp): each area filled, anti-aliased, with
/// the colour of its value's class (classes as <see cref="ClassBreaks"/> returns them), outlined thinly
/// so neighbours of one class stay apart; areas without a value are left transparent. Legends are set
/// in DejaVu Sans, read from the file shipped in this assembly (Raster/Fonts, with its licence), never
/// from the system's fonts. Both come out as PNG (8-bit RGBA, W3C PNG colour type 6).
/// </summary>
public static class Choropleth
{
    /// <summary>The outline between areas: white at 60 % opacity.</summary>
    public static Rgba32 Outline { get; } = new(255, 255, 255, 153);

    /// <summary>Fill opacity (so a basemap beneath stays legible).</summary>
    public const byte FillAlpha = 217;

    /// <summary>The outline's width in pixels.</summary>
    public const float OutlineWidth = 0.75f;

    /// <summary>The legend's text size in pixels.</summary>
    public const float TextSize = 12;

    /// <summary>The legend's margin, swatch side and row height in pixels.</summary>
    public const int Margin = 8, Swatch = 16, Row = 20;

    /// <summary>The resource name of the shipped typeface.</summary>
    internal const string FontResource = "GeoOrs.Analysis.Raster.Fonts.DejaVuSans.ttf";

    private static readonly Lazy<SKTypeface> LoadedTypeface = new(LoadTypeface);

    /// <summary>
    /// Tiles are mostly flat colour: the Sub filter with zlib level 2 encodes them in a third of the
    /// time Skia's default takes (every filter tried, level 6) for about 13 % more bytes (ADR 0014).
    /// </summary>
    private static readonly SKPngEncoderOptions TileEncoding = new(SKPngEncoderFilterFlags.Sub, 2);

    /// <summary>The legends' typeface: DejaVu Sans from the file shipped in this assembly.</summary>
    public static SKTypeface Typeface => LoadedTypeface.Value;

    /// <summary>Renders one tile as PNG.</summary>
    /// <param name="size">Width and height in pixels.</param>
    /// <param name="areas">Each area's polygon in pixel coordinates (y down) and its value, or null.</param>
    /// <param name="breaks">Ascending class upper bounds.</param>
    /// <param name="colors">One colour per class.</param>
    /// <returns>The PNG.</returns>
    public static byte[] RenderTile(int size, IEnumerable<(Geometry Shape, double? Value)> areas, IReadOnlyList<double> breaks, IReadOnlyList<Rgba32> colors)
    {
        ArgumentNullException.ThrowIfNull(areas);
        ArgumentNullException.ThrowIfNull(breaks);
        ArgumentNullException.ThrowIfNull(colors);
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(bitmap))
        using (var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill })
        using (var outline = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = OutlineWidth, Color = ToSk(Outline) })
        {
            var outlines = new List<SKPath>();
            try
            {
                foreach (var (shape, value) in areas)
                {
                    var path = PathOf(shape);
                    if (value is { } v && ClassBreaks.ClassOf(v, breaks) is var c and >= 0)
                    {
                        fill.Color = ToSk(colors[Math.Min(c, colors.Count - 1)].WithAlpha(FillAlpha));
                        canvas.DrawPath(path, fill);
                    }

                    outlines.Add(path);
                }

                foreach (var path in outlines)
                {
                    canvas.DrawPath(path, outline);
                }
            }
            finally
            {
                outlines.ForEach(p => p.Dispose());
            }
        }

        return Encode(bitmap, TileEncoding);
    }

    /// <summary>
    /// Renders a legend as PNG: a title, then one swatch per class labelled with its range
    /// ("lower – upper", the first class starting at <paramref name="minimum"/>), and the footnote.
    /// </summary>
    /// <param name="title">The title.</param>
    /// <param name="minimum">The smallest value classified.</param>
    /// <param name="breaks">Ascending class upper bounds.</param>
    /// <param name="colors">One colour per class.</param>
    /// <param name="footnote">A line under the classes (the public's disclosure note), or null.</param>
    /// <returns>The PNG, on white.</returns>
    public static byte[] RenderLegend(string title, double minimum, IReadOnlyList<double> breaks, IReadOnlyList<Rgba32> colors, string? footnote = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(breaks);
        ArgumentNullException.ThrowIfNull(colors);
        var labels = new List<string>();
        for (var i = 0; i < breaks.Count; i++)
        {
            labels.Add($"{Format(i == 0 ? minimum : breaks[i - 1])} – {Format(breaks[i])}");
        }

        if (labels.Count == 0)
        {
            labels.Add("No data");
        }

        using var font = LegendFont();
        var line = (int)Math.Ceiling(font.Spacing);
        var width = (int)Math.Ceiling(Math.Max(Math.Max(font.MeasureText(title), footnote is null ? 0 : font.MeasureText(footnote)),
            Swatch + 6 + labels.Max(l => font.MeasureText(l)))) + (2 * Margin);
        var height = Margin + line + 6 + (labels.Count * Row) - (Row - Swatch) + (footnote is null ? 0 : 6 + line) + Margin;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.White);
        using (var canvas = new SKCanvas(bitmap))
        using (var ink = new SKPaint { IsAntialias = true, Color = ToSk(Ink) })
        using (var swatch = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill })
        using (var edge = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 0, Color = ToSk(Ink.WithAlpha(96)) })
        {
            var ascent = -font.Metrics.Ascent;
            canvas.DrawText(title, Margin, Margin + ascent, SKTextAlign.Left, font, ink);
            for (var i = 0; i < labels.Count; i++)
            {
                var top = SwatchTop(line, i);
                if (i < breaks.Count)
                {
                    var square = SKRect.Create(Margin, top, Swatch, Swatch);
                    swatch.Color = ToSk(colors[Math.Min(i, colors.Count - 1)]);
                    canvas.DrawRect(square, swatch);
                    canvas.DrawRect(square, edge);
                }

                // The label's x-height centred on the swatch.
                var baseline = top + (Swatch / 2f) + (font.Metrics.XHeight / 2f);
                canvas.DrawText(labels[i], Margin + Swatch + 6, baseline, SKTextAlign.Left, font, ink);
            }

            if (footnote is not null)
            {
                canvas.DrawText(footnote, Margin, height - Margin - line + ascent, SKTextAlign.Left, font, ink);
            }
        }

        return Encode(bitmap, SKPngEncoderOptions.Default);
    }

    /// <summary>The legend's ink: near-black.</summary>
    public static Rgba32 Ink { get; } = new(33, 33, 33);

    /// <summary>The top of class <paramref name="index"/>'s swatch in a legend whose text lines are <paramref name="line"/> pixels.</summary>
    /// <param name="line">The font's line spacing, rounded up.</param>
    /// <param name="index">The class.</param>
    /// <returns>The y of the swatch's top edge.</returns>
    public static int SwatchTop(int line, int index) => Margin + line + 6 + (index * Row);

    /// <summary>The legend's font: the shipped typeface at <see cref="TextSize"/>, anti-aliased.</summary>
    /// <returns>A font the caller disposes.</returns>
    public static SKFont LegendFont() => new(Typeface, TextSize) { Edging = SKFontEdging.Antialias, Subpixel = true };

    /// <summary>
    /// The area's polygons as one path: each polygon's shell and holes as closed contours, filled
    /// even-odd so the holes stay open (a valid multipolygon's parts do not overlap).
    /// </summary>
    internal static SKPath PathOf(Geometry shape)
    {
        using var builder = new SKPathBuilder { FillType = SKPathFillType.EvenOdd };
        var points = new List<SKPoint>();
        for (var i = 0; i < shape.NumGeometries; i++)
        {
            if (shape.GetGeometryN(i) is Polygon polygon)
            {
                AddRing(builder, polygon.ExteriorRing.CoordinateSequence, points);
                foreach (var hole in polygon.InteriorRings)
                {
                    AddRing(builder, hole.CoordinateSequence, points);
                }
            }
        }

        return builder.Detach();
    }

    private static void AddRing(SKPathBuilder builder, CoordinateSequence ring, List<SKPoint> points)
    {
        if (ring.Count < 3)
        {
            return;
        }

        points.Clear();
        for (var i = 0; i < ring.Count; i++)
        {
            points.Add(new SKPoint((float)ring.GetX(i), (float)ring.GetY(i)));
        }

        builder.AddPoly(CollectionsMarshal.AsSpan(points), close: true);
    }

    internal static byte[] Encode(SKBitmap bitmap, SKPngEncoderOptions options)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(options) ?? throw new InvalidOperationException("Skia could not encode the PNG");
        return data.ToArray();
    }

    /// <summary>The shipped typeface's TrueType file, for renderers that take font files (PDF documents, charts).</summary>
    /// <returns>The bytes of DejaVuSans.ttf.</returns>
    public static byte[] FontFile()
    {
        using var stream = typeof(Choropleth).Assembly.GetManifestResourceStream(FontResource)
            ?? throw new InvalidOperationException($"the legend font {FontResource} is not in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static SKTypeface LoadTypeface()
    {
        using var stream = typeof(Choropleth).Assembly.GetManifestResourceStream(FontResource)
            ?? throw new InvalidOperationException($"the legend font {FontResource} is not in the assembly");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"Skia could not read the legend font {FontResource}");
    }

    internal static SKColor ToSk(Rgba32 color) => new(color.R, color.G, color.B, color.A);

    private static string Format(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.#", CultureInfo.InvariantCulture)
        : value.ToString("0.##", CultureInfo.InvariantCulture);
}
