namespace GeoOrs.Analysis.Raster;

/// <summary>
/// A sequential colour ramp: evenly spaced colour stops, linearly interpolated (per sRGB channel)
/// between neighbours.
/// </summary>
public sealed class ColorRamp
{
    private readonly Rgba32[] stops;

    /// <summary>Creates a ramp from at least two evenly spaced stops.</summary>
    /// <param name="name">A name, e.g. "viridis".</param>
    /// <param name="stops">Colour at t = 0, …, colour at t = 1.</param>
    public ColorRamp(string name, IEnumerable<Rgba32> stops)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(stops);
        this.stops = [.. stops];
        if (this.stops.Length < 2)
        {
            throw new ArgumentException("A ramp needs at least two stops.", nameof(stops));
        }

        Name = name;
    }

    /// <summary>
    /// matplotlib's "viridis" (van der Walt &amp; Smith, 2015; perceptually uniform and readable with
    /// the common colour-vision deficiencies), as its ten samples at t = i/9 — the values of
    /// <c>matplotlib.cm.viridis(np.linspace(0, 1, 10))</c>, identical to R viridisLite <c>viridis(10)</c>:
    /// #440154 … #FDE725.
    /// </summary>
    public static ColorRamp Viridis { get; } = new(
        "viridis",
        [
            Rgba32.FromRgb(0x440154), Rgba32.FromRgb(0x482878), Rgba32.FromRgb(0x3E4A89), Rgba32.FromRgb(0x31688E),
            Rgba32.FromRgb(0x26828E), Rgba32.FromRgb(0x1F9E89), Rgba32.FromRgb(0x35B779), Rgba32.FromRgb(0x6DCD59),
            Rgba32.FromRgb(0xB4DE2C), Rgba32.FromRgb(0xFDE725),
        ]);

    /// <summary>
    /// ColorBrewer "YlOrRd" (yellow–orange–red, sequential, colour-blind safe), the 9-class scheme of
    /// Cynthia A. Brewer, colorbrewer2.org (Harrower &amp; Brewer, "ColorBrewer.org", The Cartographic
    /// Journal 40(1), 2003): #FFFFCC … #800026.
    /// </summary>
    public static ColorRamp YlOrRd { get; } = new(
        "YlOrRd",
        [
            Rgba32.FromRgb(0xFFFFCC), Rgba32.FromRgb(0xFFEDA0), Rgba32.FromRgb(0xFED976), Rgba32.FromRgb(0xFEB24C),
            Rgba32.FromRgb(0xFD8D3C), Rgba32.FromRgb(0xFC4E2A), Rgba32.FromRgb(0xE31A1C), Rgba32.FromRgb(0xBD0026),
            Rgba32.FromRgb(0x800026),
        ]);

    /// <summary>The ramp's name.</summary>
    public string Name { get; }

    /// <summary>The stops, from t = 0 to t = 1.</summary>
    public IReadOnlyList<Rgba32> Stops => stops;

    /// <summary>A built-in ramp by name ("viridis" or "YlOrRd", case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <returns>The ramp.</returns>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static ColorRamp FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Equals(Viridis.Name, StringComparison.OrdinalIgnoreCase))
        {
            return Viridis;
        }

        if (name.Equals(YlOrRd.Name, StringComparison.OrdinalIgnoreCase))
        {
            return YlOrRd;
        }

        throw new ArgumentException($"Unknown colour ramp '{name}'.", nameof(name));
    }

    /// <summary>The colour at position <paramref name="t"/>.</summary>
    /// <param name="t">Position in [0, 1] (clamped; NaN gives the t = 0 colour).</param>
    /// <returns>The interpolated colour.</returns>
    public Rgba32 ColorAt(double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        var pos = t * (stops.Length - 1);
        var i = Math.Min((int)pos, stops.Length - 2);
        return Rgba32.Lerp(stops[i], stops[i + 1], pos - i);
    }

    /// <summary>
    /// <paramref name="n"/> colours for an n-class choropleth, sampled evenly from t = 0 to t = 1
    /// (a single class gets the middle colour).
    /// </summary>
    /// <param name="n">Number of classes, at least 1.</param>
    /// <returns>The class colours, lightest/darkest first as the ramp runs.</returns>
    public IReadOnlyList<Rgba32> Classes(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (n == 1)
        {
            return [ColorAt(0.5)];
        }

        var result = new Rgba32[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = ColorAt((double)i / (n - 1));
        }

        return result;
    }
}
