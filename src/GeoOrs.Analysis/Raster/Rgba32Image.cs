namespace GeoOrs.Analysis.Raster;

/// <summary>
/// A width × height raster of straight (non-premultiplied) RGBA pixels, 4 bytes per pixel in
/// R, G, B, A order, rows top to bottom — the sample layout of an 8-bit PNG of colour type 6
/// (W3C PNG specification, 3rd ed., §7.2), so it can be filtered and compressed without conversion.
/// </summary>
/// <remarks>
/// Pixel (x, y) covers the square [x, x+1) × [y, y+1) with y growing downwards; its centre is at
/// (x + 0.5, y + 0.5). New images are fully transparent.
/// </remarks>
public sealed class Rgba32Image
{
    private readonly byte[] data;

    /// <summary>Creates a transparent image.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    public Rgba32Image(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height * 4 > Array.MaxLength)
        {
            throw new ArgumentException("Image is too large.", nameof(width));
        }

        Width = width;
        Height = height;
        data = new byte[width * height * 4];
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes per row (<see cref="Width"/> × 4).</summary>
    public int Stride => Width * 4;

    /// <summary>The whole RGBA buffer, row-major, <see cref="Stride"/> bytes per row.</summary>
    public Span<byte> Pixels => data;

    /// <summary>The RGBA bytes of one row.</summary>
    /// <param name="y">Row index, 0 at the top.</param>
    /// <returns>A span of <see cref="Stride"/> bytes.</returns>
    public Span<byte> GetRow(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return data.AsSpan(y * Stride, Stride);
    }

    /// <summary>Reads one pixel.</summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row.</param>
    /// <returns>The pixel's colour.</returns>
    public Rgba32 GetPixel(int x, int y)
    {
        var i = Index(x, y);
        return new Rgba32(data[i], data[i + 1], data[i + 2], data[i + 3]);
    }

    /// <summary>Overwrites one pixel (no blending).</summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row.</param>
    /// <param name="color">The new colour.</param>
    public void SetPixel(int x, int y, Rgba32 color)
    {
        var i = Index(x, y);
        data[i] = color.R;
        data[i + 1] = color.G;
        data[i + 2] = color.B;
        data[i + 3] = color.A;
    }

    /// <summary>Overwrites every pixel with <paramref name="color"/>.</summary>
    /// <param name="color">The fill colour.</param>
    public void Fill(Rgba32 color)
    {
        var value = BitConverter.IsLittleEndian
            ? (uint)(color.R | (color.G << 8) | (color.B << 16) | (color.A << 24))
            : (uint)((color.R << 24) | (color.G << 16) | (color.B << 8) | color.A);
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(data.AsSpan()).Fill(value);
    }

    /// <summary>
    /// Composites <paramref name="color"/>, scaled by <paramref name="coverage"/>, over the pixel with
    /// the Porter–Duff "source over" operator (Porter &amp; Duff, "Compositing Digital Images",
    /// SIGGRAPH 1984) on straight alpha: with αs = A·coverage/255 and αd the pixel's alpha,
    /// αo = αs + αd(1 − αs) and Co = (Cs·αs + Cd·αd(1 − αs)) / αo.
    /// </summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row.</param>
    /// <param name="color">Source colour (straight alpha).</param>
    /// <param name="coverage">Fraction of the pixel covered, clamped to [0, 1]; 0 leaves the pixel unchanged.</param>
    public void BlendPixel(int x, int y, Rgba32 color, double coverage)
    {
        var i = Index(x, y);
        BlendAt(i, color, coverage);
    }

    internal void BlendAt(int i, Rgba32 color, double coverage)
    {
        if (!(coverage > 0) || color.A == 0)
        {
            return;
        }

        if (coverage >= 1 && color.A == 255)
        {
            data[i] = color.R;
            data[i + 1] = color.G;
            data[i + 2] = color.B;
            data[i + 3] = 255;
            return;
        }

        var sa = color.A / 255.0 * Math.Min(coverage, 1);
        var da = data[i + 3] / 255.0;
        var dw = da * (1 - sa);
        var oa = sa + dw;
        if (oa <= 0)
        {
            return;
        }

        data[i] = Channel(color.R, data[i], sa, dw, oa);
        data[i + 1] = Channel(color.G, data[i + 1], sa, dw, oa);
        data[i + 2] = Channel(color.B, data[i + 2], sa, dw, oa);
        data[i + 3] = (byte)Math.Min(255, (int)((oa * 255) + 0.5));
    }

    private static byte Channel(byte s, byte d, double sa, double dw, double oa) =>
        (byte)Math.Min(255, (int)((((s * sa) + (d * dw)) / oa) + 0.5));

    private int Index(int x, int y)
    {
        if ((uint)x >= (uint)Width)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Column outside the image.");
        }

        if ((uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(y), y, "Row outside the image.");
        }

        return ((y * Width) + x) * 4;
    }
}
