namespace GeoOrs.Analysis.Tiles;

/// <summary>A tile of the web-mercator tile pyramid (XYZ scheme: y grows southwards).</summary>
/// <param name="Z">The zoom level.</param>
/// <param name="X">The column, 0 at 180° W.</param>
/// <param name="Y">The row, 0 at the north edge (85.0511° N).</param>
public readonly record struct TileId(int Z, int X, int Y)
{
    /// <summary>True when the tile exists in the pyramid: 0 ≤ z ≤ <see cref="TileMath.MaxZoom"/>, 0 ≤ x, y &lt; 2^z.</summary>
    public bool IsValid => Z is >= 0 and <= TileMath.MaxZoom && X >= 0 && Y >= 0 && X < 1 << Z && Y < 1 << Z;

    /// <inheritdoc />
    public override string ToString() => $"{Z}/{X}/{Y}";
}

/// <summary>
/// Web-mercator (EPSG:3857) tile arithmetic: tile bounds in metres and degrees, the tile holding a
/// point, and ground resolution.
/// </summary>
/// <remarks>
/// Formulas: EPSG Guidance Note 7-2, "Popular Visualisation Pseudo-Mercator" (EPSG:1024), with the
/// sphere radius 6,378,137 m; the tile scheme of OpenStreetMap's "Slippy map tilenames" (XYZ, 256 px,
/// 2^z × 2^z tiles, y from the north), as PostGIS's <c>ST_TileEnvelope</c> uses it.
/// </remarks>
public static class TileMath
{
    /// <summary>The deepest zoom GeoOrs serves.</summary>
    public const int MaxZoom = 24;

    /// <summary>Half the width of the mercator square, in metres: π · 6,378,137.</summary>
    public const double OriginShift = 20037508.342789244;

    /// <summary>The latitude where the mercator square ends: atan(sinh(π)) in degrees.</summary>
    public const double MaxLatitude = 85.0511287798066;

    /// <summary>The tile's bounds in EPSG:3857 metres.</summary>
    /// <param name="tile">A valid tile.</param>
    /// <returns>(minX, minY, maxX, maxY).</returns>
    public static (double MinX, double MinY, double MaxX, double MaxY) Bounds3857(TileId tile)
    {
        EnsureValid(tile);
        var size = 2 * OriginShift / (1 << tile.Z);
        var minX = -OriginShift + (tile.X * size);
        var maxY = OriginShift - (tile.Y * size);
        return (minX, maxY - size, minX + size, maxY);
    }

    /// <summary>The tile's bounds in degrees (EPSG:4326).</summary>
    /// <param name="tile">A valid tile.</param>
    /// <returns>(west, south, east, north).</returns>
    public static (double West, double South, double East, double North) BoundsLonLat(TileId tile)
    {
        EnsureValid(tile);
        var n = (double)(1 << tile.Z);
        return (Longitude(tile.X, n), Latitude(tile.Y + 1, n), Longitude(tile.X + 1, n), Latitude(tile.Y, n));
    }

    /// <summary>
    /// The tile's bounds in degrees grown by <paramref name="margin"/> (a fraction of the tile's width,
    /// as <c>ST_TileEnvelope</c>'s margin) on every side, in the mercator square's units: beyond ±180°
    /// and the square's edge when the margin reaches past them.
    /// </summary>
    /// <param name="tile">A valid tile.</param>
    /// <param name="margin">The margin, as a fraction of the tile's width.</param>
    /// <returns>(west, south, east, north).</returns>
    public static (double West, double South, double East, double North) BoundsLonLat(TileId tile, double margin)
    {
        EnsureValid(tile);
        var n = (double)(1 << tile.Z);
        return (Longitude(tile.X - margin, n), Latitude(tile.Y + 1 + margin, n), Longitude(tile.X + 1 + margin, n), Latitude(tile.Y - margin, n));
    }

    /// <summary>The tile at zoom <paramref name="z"/> holding a lon/lat point (latitudes beyond ±85.0511° are clamped).</summary>
    /// <param name="lon">Longitude in degrees.</param>
    /// <param name="lat">Latitude in degrees.</param>
    /// <param name="z">The zoom level.</param>
    /// <returns>The tile.</returns>
    public static TileId TileOf(double lon, double lat, int z)
    {
        if (z is < 0 or > MaxZoom)
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, $"zoom must be 0..{MaxZoom}");
        }

        var n = 1 << z;
        var phi = Math.Clamp(lat, -MaxLatitude, MaxLatitude) * Math.PI / 180;
        var x = (int)Math.Floor((lon + 180) / 360 * n);
        var y = (int)Math.Floor((1 - (Math.Log(Math.Tan(phi) + (1 / Math.Cos(phi))) / Math.PI)) / 2 * n);
        return new TileId(z, Math.Clamp(x, 0, n - 1), Math.Clamp(y, 0, n - 1));
    }

    /// <summary>Metres per pixel of a 256-pixel tile at zoom <paramref name="z"/>, at the equator.</summary>
    /// <param name="z">The zoom level.</param>
    /// <returns>The resolution.</returns>
    public static double Resolution(int z) => 2 * OriginShift / 256 / (1 << z);

    private static double Longitude(double x, double n) => (x / n * 360) - 180;

    private static double Latitude(double y, double n) => Math.Atan(Math.Sinh(Math.PI * (1 - (2 * y / n)))) * 180 / Math.PI;

    private static void EnsureValid(TileId tile)
    {
        if (!tile.IsValid)
        {
            throw new ArgumentOutOfRangeException(nameof(tile), tile, "the tile is outside the pyramid");
        }
    }
}
