using NetTopologySuite.Geometries;

namespace GeoOrs.Analysis.Hotspots;

/// <summary>A hexagon of a <see cref="HexGrid"/>: its axial coordinates, centre and how many points fell in it.</summary>
/// <param name="Q">Axial column.</param>
/// <param name="R">Axial row.</param>
/// <param name="X">Centre, planar x.</param>
/// <param name="Y">Centre, planar y.</param>
/// <param name="Count">Points in the cell.</param>
public readonly record struct HexCell(int Q, int R, double X, double Y, int Count);

/// <summary>
/// A grid of pointy-top regular hexagons on a plane (metres in EPSG:5070 for GeoOrs), addressed by
/// axial coordinates (q, r), as Optimized Hot Spot Analysis aggregates incident points before it
/// computes Gi* (Esri, "How Optimized Hot Spot Analysis works"). Hexagons rather than squares: every
/// neighbour shares an edge and lies at the same distance. The geometry follows Patel, "Hexagonal
/// Grids" (Red Blob Games, 2013): a point is converted to fractional axial coordinates and rounded in
/// cube coordinates.
/// </summary>
public sealed class HexGrid
{
    private static readonly double Sqrt3 = Math.Sqrt(3);

    /// <summary>A grid whose neighbouring centres lie <paramref name="spacing"/> apart.</summary>
    /// <param name="spacing">Distance between neighbouring centres (the hexagon's width), positive.</param>
    public HexGrid(double spacing)
    {
        if (!(spacing > 0) || !double.IsFinite(spacing))
        {
            throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "the spacing is a positive distance");
        }

        Spacing = spacing;
        Size = spacing / Sqrt3;
    }

    /// <summary>Distance between neighbouring centres.</summary>
    public double Spacing { get; }

    /// <summary>Distance from a centre to a vertex.</summary>
    public double Size { get; }

    /// <summary>The cell a point falls in.</summary>
    /// <param name="x">Planar x.</param>
    /// <param name="y">Planar y.</param>
    /// <returns>Its axial coordinates.</returns>
    public (int Q, int R) CellOf(double x, double y)
    {
        var q = ((Sqrt3 / 3 * x) - (y / 3)) / Size;
        var r = 2.0 / 3 * y / Size;
        return Round(q, r);
    }

    /// <summary>The centre of a cell.</summary>
    /// <param name="q">Axial column.</param>
    /// <param name="r">Axial row.</param>
    /// <returns>The centre.</returns>
    public (double X, double Y) Center(int q, int r) => (Size * Sqrt3 * (q + (r / 2.0)), Size * 1.5 * r);

    /// <summary>The hexagon of a cell as a polygon.</summary>
    /// <param name="q">Axial column.</param>
    /// <param name="r">Axial row.</param>
    /// <param name="factory">The geometry factory (its SRID is the polygon's).</param>
    /// <returns>The hexagon, counter-clockwise, closed.</returns>
    public Polygon Polygon(int q, int r, GeometryFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var (cx, cy) = Center(q, r);
        var ring = new Coordinate[7];
        for (var i = 0; i < 6; i++)
        {
            var angle = Math.PI / 180 * ((60 * i) - 30);
            ring[i] = new Coordinate(cx + (Size * Math.Cos(angle)), cy + (Size * Math.Sin(angle)));
        }

        ring[6] = ring[0].Copy();
        return factory.CreatePolygon(ring);
    }

    /// <summary>The six neighbours of a cell.</summary>
    /// <param name="q">Axial column.</param>
    /// <param name="r">Axial row.</param>
    /// <returns>Their axial coordinates.</returns>
    public static IEnumerable<(int Q, int R)> Neighbors(int q, int r)
    {
        yield return (q + 1, r);
        yield return (q + 1, r - 1);
        yield return (q, r - 1);
        yield return (q - 1, r);
        yield return (q - 1, r + 1);
        yield return (q, r + 1);
    }

    /// <summary>Counts points per cell; only cells holding a point are returned, ordered by (r, q).</summary>
    /// <param name="points">Planar points.</param>
    /// <returns>The cells with their counts.</returns>
    public IReadOnlyList<HexCell> Aggregate(IEnumerable<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var counts = new Dictionary<(int, int), int>();
        foreach (var (x, y) in points)
        {
            var cell = CellOf(x, y);
            counts[cell] = counts.GetValueOrDefault(cell) + 1;
        }

        return [.. counts.OrderBy(c => c.Key.Item2).ThenBy(c => c.Key.Item1).Select(c =>
        {
            var (cx, cy) = Center(c.Key.Item1, c.Key.Item2);
            return new HexCell(c.Key.Item1, c.Key.Item2, cx, cy, c.Value);
        })];
    }

    private static (int Q, int R) Round(double q, double r)
    {
        // Cube coordinates x = q, z = r, y = −q − r; round each and fix the one that moved most.
        var s = -q - r;
        var rq = Math.Round(q);
        var rr = Math.Round(r);
        var rs = Math.Round(s);
        var dq = Math.Abs(rq - q);
        var dr = Math.Abs(rr - r);
        var ds = Math.Abs(rs - s);
        if (dq > dr && dq > ds)
        {
            rq = -rr - rs;
        }
        else if (dr > ds)
        {
            rr = -rq - rs;
        }

        return ((int)rq, (int)rr);
    }
}
