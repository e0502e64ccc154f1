using System.Globalization;

namespace GeoOrs.Analysis.Raster;

/// <summary>
/// A straight (non-premultiplied) 8-bit-per-channel sRGB colour with alpha, stored in the byte
/// order R, G, B, A used by PNG colour type 6 (W3C PNG specification, 3rd ed., §6.1).
/// </summary>
public readonly struct Rgba32 : IEquatable<Rgba32>
{
    /// <summary>Creates a colour from its four channels.</summary>
    /// <param name="r">Red, 0–255.</param>
    /// <param name="g">Green, 0–255.</param>
    /// <param name="b">Blue, 0–255.</param>
    /// <param name="a">Alpha, 0 (transparent) – 255 (opaque).</param>
    public Rgba32(byte r, byte g, byte b, byte a = 255)
    {
        R = r;
        G = g;
        B = b;
        A = a;
    }

    /// <summary>Fully transparent black.</summary>
    public static Rgba32 Transparent => default;

    /// <summary>Opaque black.</summary>
    public static Rgba32 Black => new(0, 0, 0);

    /// <summary>Opaque white.</summary>
    public static Rgba32 White => new(255, 255, 255);

    /// <summary>Red channel.</summary>
    public byte R { get; }

    /// <summary>Green channel.</summary>
    public byte G { get; }

    /// <summary>Blue channel.</summary>
    public byte B { get; }

    /// <summary>Alpha channel (straight, not premultiplied).</summary>
    public byte A { get; }

    /// <summary>Creates an opaque colour from a 24-bit <c>0xRRGGBB</c> value.</summary>
    /// <param name="rgb">The colour as <c>0xRRGGBB</c>.</param>
    /// <returns>The colour with alpha 255.</returns>
    public static Rgba32 FromRgb(uint rgb) => new((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);

    /// <summary>Returns this colour with a different alpha.</summary>
    /// <param name="alpha">The new alpha.</param>
    /// <returns>The colour with <paramref name="alpha"/>.</returns>
    public Rgba32 WithAlpha(byte alpha) => new(R, G, B, alpha);

    /// <summary>
    /// Linear interpolation of each channel (in the sRGB-encoded values, as matplotlib and
    /// ColorBrewer tools do between stops), rounded to nearest.
    /// </summary>
    /// <param name="from">Colour at <paramref name="t"/> = 0.</param>
    /// <param name="to">Colour at <paramref name="t"/> = 1.</param>
    /// <param name="t">Position, clamped to [0, 1].</param>
    /// <returns>The interpolated colour.</returns>
    public static Rgba32 Lerp(Rgba32 from, Rgba32 to, double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        return new Rgba32(L(from.R, to.R, t), L(from.G, to.G, t), L(from.B, to.B, t), L(from.A, to.A, t));

        static byte L(byte a, byte b, double t) => (byte)Math.Round(a + ((b - a) * t), MidpointRounding.AwayFromZero);
    }

    /// <inheritdoc/>
    public bool Equals(Rgba32 other) => R == other.R && G == other.G && B == other.B && A == other.A;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Rgba32 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (R << 24) | (G << 16) | (B << 8) | A;

    /// <summary>Formats the colour as <c>#RRGGBBAA</c>.</summary>
    /// <returns>The hexadecimal form.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"#{R:X2}{G:X2}{B:X2}{A:X2}");

    /// <summary>Channel-wise equality.</summary>
    /// <param name="left">First colour.</param>
    /// <param name="right">Second colour.</param>
    /// <returns>Whether all four channels are equal.</returns>
    public static bool operator ==(Rgba32 left, Rgba32 right) => left.Equals(right);

    /// <summary>Channel-wise inequality.</summary>
    /// <param name="left">First colour.</param>
    /// <param name="right">Second colour.</param>
    /// <returns>Whether any channel differs.</returns>
    public static bool operator !=(Rgba32 left, Rgba32 right) => !left.Equals(right);
}
