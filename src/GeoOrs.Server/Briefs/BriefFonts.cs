using GeoOrs.Analysis.Raster;
using PdfSharp.Fonts;
using SkiaSharp;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// The one typeface briefs are set in: DejaVu Sans, the file shipped in GeoOrs.Analysis for the PNG
/// legends (Raster/Fonts, with its licence). Registered once with PDFsharp (<see cref="IFontResolver"/>)
/// and ScottPlot (its own <see cref="ScottPlot.IFontResolver"/>), neither of which finds fonts on a
/// machine without them; no system font is looked for. Bold and italic are synthesised from it.
/// </summary>
internal sealed class BriefFonts : IFontResolver, ScottPlot.IFontResolver
{
    /// <summary>The family name briefs ask for.</summary>
    public const string Family = "DejaVu Sans";

    private const string Face = "DejaVuSans";
    private static readonly Lazy<byte[]> File = new(Choropleth.FontFile);
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Registers the typeface with PDFsharp and ScottPlot (once per process).</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            var fonts = new BriefFonts();
            GlobalFontSettings.FontResolver ??= fonts;
            ScottPlot.Fonts.FontResolvers.Insert(0, fonts);
            ScottPlot.Fonts.Default = Family;
            _registered = true;
        }
    }

    /// <summary>Every family and style is DejaVu Sans, synthesised bold or italic as asked.</summary>
    public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) => new(Face, bold, italic);

    /// <summary>The shipped file's bytes.</summary>
    public byte[] GetFont(string faceName) => File.Value;

    /// <summary>The shipped typeface for every font ScottPlot asks for.</summary>
    public SKTypeface CreateTypeface(string fontName, bool bold, bool italic) => Choropleth.Typeface;

    /// <summary>The shipped typeface for every font ScottPlot asks for.</summary>
    public SKTypeface CreateTypeface(string fontName, ScottPlot.FontWeight weight, ScottPlot.FontSlant slant, ScottPlot.FontSpacing width) => Choropleth.Typeface;
}
