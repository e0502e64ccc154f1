namespace GeoOrs.Analysis.Raster;

/// <summary>
/// How <see cref="PolygonRasterizer"/> decides which regions are inside a set of rings (the two rules
/// of PostScript and SVG, SVG 1.1 §11.3 "fill-rule").
/// </summary>
public enum FillRule
{
    /// <summary>Inside where the winding number of the rings around the point is not zero.</summary>
    NonZero = 0,

    /// <summary>Inside where a ray from the point crosses the rings an odd number of times.</summary>
    EvenOdd = 1,
}
