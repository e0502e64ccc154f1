using System.Globalization;
using NetTopologySuite.Geometries;

namespace GeoOrs.Analysis.Raster;

/// <summary>
/// Draws choropleth tiles and their legend: each area filled with the colour of its value's class
/// (classes as <see cref="ClassBreaks"/> returns them), outlined thinly so neighbours of one class
/// stay apart; areas without a value are left transparent.
/// </summary>
public static class Choropleth
{
    /// <summary>The outline between areas: white at 60 % opacity.</summary>
    public static Rgba32 Outline { get; } = new(255, 255, 255, 153);

    /// <summary>Fill opacity (so a basemap beneath stays legible).</summary>
    public const byte FillAlpha = 217;

    /// <summary>Renders one tile.</summary>
    /// <param name="size">Width and height in pixels.</param>
    /// <param name="areas">Each area's polygon in pixel coordinates (y down) and its value, or null.</param>
    /// <param name="breaks">Ascending class upper bounds.</param>
    /// <param name="colors">One colour per class.</param>
    /// <returns>The image.</returns>
    public static Rgba32Image RenderTile(int size, IEnumerable<(Geometry Shape, double? Value)> areas, IReadOnlyList<double> breaks, IReadOnlyList<Rgba32> colors)
    {
        ArgumentNullException.ThrowIfNull(areas);
        ArgumentNullException.ThrowIfNull(breaks);
        ArgumentNullException.ThrowIfNull(colors);
        var image = new Rgba32Image(size, size);
        var outlines = new List<Geometry>();
        foreach (var (shape, value) in areas)
        {
            if (value is { } v && ClassBreaks.ClassOf(v, breaks) is var c and >= 0)
            {
                PolygonRasterizer.Fill(image, shape, colors[Math.Min(c, colors.Count - 1)].WithAlpha(FillAlpha));
            }

            outlines.Add(shape);
        }

        foreach (var shape in outlines)
        {
            PolygonRasterizer.StrokeRings(image, shape, Outline);
        }

        return image;
    }

    /// <summary>
    /// Renders a legend: a title, then one swatch per class labelled with its range
    /// ("lower – upper", the first class starting at <paramref name="minimum"/>).
    /// </summary>
    /// <param name="title">The title (drawn in capitals).</param>
    /// <param name="minimum">The smallest value classified.</param>
    /// <param name="breaks">Ascending class upper bounds.</param>
    /// <param name="colors">One colour per class.</param>
    /// <param name="footnote">A line under the classes (the public's disclosure note), or null.</param>
    /// <returns>The image, on white.</returns>
    public static Rgba32Image RenderLegend(string title, double minimum, IReadOnlyList<double> breaks, IReadOnlyList<Rgba32> colors, string? footnote = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(breaks);
        ArgumentNullException.ThrowIfNull(colors);
        const int Margin = 8, Swatch = 16, Row = 20, Scale = 1;
        var labels = new List<string>();
        for (var i = 0; i < breaks.Count; i++)
        {
            labels.Add($"{Format(i == 0 ? minimum : breaks[i - 1])} - {Format(breaks[i])}");
        }

        if (labels.Count == 0)
        {
            labels.Add("NO DATA");
        }

        var width = Math.Max(Math.Max(BitmapFont.Measure(title, Scale), footnote is null ? 0 : BitmapFont.Measure(footnote, Scale)),
            Swatch + 6 + labels.Max(l => BitmapFont.Measure(l, Scale))) + (2 * Margin);
        var height = Margin + (BitmapFont.Height * Scale) + 8 + (labels.Count * Row) + Margin - (Row - Swatch)
            + (footnote is null ? 0 : (BitmapFont.Height * Scale) + 8);
        var image = new Rgba32Image(width, height);
        image.Fill(Rgba32.White);
        var ink = new Rgba32(33, 33, 33);
        BitmapFont.Draw(image, title, Margin, Margin, ink, Scale);
        for (var i = 0; i < labels.Count; i++)
        {
            var top = Margin + (BitmapFont.Height * Scale) + 8 + (i * Row);
            if (i < breaks.Count)
            {
                var square = new[] { new List<(double, double)> { (Margin, top), (Margin + Swatch, top), (Margin + Swatch, top + Swatch), (Margin, top + Swatch) } };
                PolygonRasterizer.Fill(image, square, colors[Math.Min(i, colors.Count - 1)]);
                PolygonRasterizer.StrokeRings(image, square, ink.WithAlpha(96));
            }

            BitmapFont.Draw(image, labels[i], Margin + Swatch + 6, top + ((Swatch - BitmapFont.Height) / 2), ink, Scale);
        }

        if (footnote is not null)
        {
            BitmapFont.Draw(image, footnote, Margin, height - Margin - (BitmapFont.Height * Scale), ink, Scale);
        }

        return image;
    }

    private static string Format(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.#", CultureInfo.InvariantCulture)
        : value.ToString("0.##", CultureInfo.InvariantCulture);
}
