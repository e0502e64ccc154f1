namespace GeoOrs.Analysis.Raster;

/// <summary>
/// Scanline filter choice for <see cref="PngEncoder"/>. Values 0–4 are the PNG filter types of
/// filter method 0 (W3C PNG specification, 3rd ed., §9.2; RFC 2083 §6).
/// </summary>
public enum PngFilter
{
    /// <summary>Type 0: bytes unchanged.</summary>
    None = 0,

    /// <summary>Type 1: difference from the byte one pixel to the left.</summary>
    Sub = 1,

    /// <summary>Type 2: difference from the byte above.</summary>
    Up = 2,

    /// <summary>Type 3: difference from the floor of the mean of left and above.</summary>
    Average = 3,

    /// <summary>Type 4: difference from the Paeth predictor of left, above and upper-left.</summary>
    Paeth = 4,

    /// <summary>
    /// Per row, the filter type whose output has the minimum sum of absolute values (bytes taken as
    /// signed), the heuristic recommended in W3C PNG specification §12.8 and used by libpng.
    /// </summary>
    Adaptive = 5,
}
