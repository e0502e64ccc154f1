namespace GeoOrs.Analysis.Tiles;

/// <summary>
/// The cell of a cluster grid that holds a point, at one grid level, as the cell tables key it.
/// </summary>
/// <param name="Level">The grid level (an odd zoom, <see cref="ClusterGrid.Levels"/>).</param>
/// <param name="Tx">The column of the tile of zoom <c>Level − 1</c> holding the cell.</param>
/// <param name="Ty">The row of that tile.</param>
/// <param name="Q">The quadrant of that tile that is the tile of zoom <c>Level</c> holding the cell: 0 north-west, 1 north-east, 2 south-west, 3 south-east.</param>
/// <param name="Cx">The cell's column in the tile of zoom <c>Level</c>, 0..15 from the west.</param>
/// <param name="Cy">The cell's row in that tile, 0..15 from the north.</param>
public readonly record struct GridCell(short Level, int Tx, int Ty, short Q, short Cx, short Cy);

/// <summary>
/// The grids the point layers cluster on below <see cref="ClusterGrid.PointZoom"/>: the tile of zoom
/// z is cut into 16 × 16 cells, the tiles of zoom z + 4, so cells line up across tiles and each cell
/// of zoom z is four cells of zoom z + 1. Cells are kept at the odd levels 1, 3, 5, 7 and 9; a tile of
/// an even zoom z adds up the cells of level z + 1 two by two.
/// </summary>
/// <remarks>
/// A point's place in the Web Mercator square (EPSG Guidance Note 7-2, EPSG:1024) is u = (λ + 180)/360
/// from the west and v = (1 − asinh(tan φ)/π)/2 from the north (asinh(tan φ) = ln(tan φ + sec φ), the
/// Mercator ordinate of the sphere); its cell at grid level k, with 2^k cells across the world, is
/// (⌊u·2^k⌋, ⌊v·2^k⌋). The SQL functions <c>geoors_grid_u</c>, <c>geoors_grid_v</c> and
/// <c>geoors_grid_cell</c> (migration 0015) compute the same with the same floating-point operations
/// in the same order, so ingest, the recount and a tile's own reading of events put every point in the
/// same cell; a test holds them equal.
/// </remarks>
public static class ClusterGrid
{
    /// <summary>The zoom from which the point layers draw single points instead of clusters.</summary>
    public const int PointZoom = 10;

    /// <summary>Cells across a tile.</summary>
    public const int CellsAcross = 16;

    /// <summary>log2 of <see cref="CellsAcross"/>: a tile of zoom z holds the cells of grid level z + 4.</summary>
    public const int CellBits = 4;

    /// <summary>The width of the Web Mercator square in metres: 2π · 6,378,137.</summary>
    public const double WorldMeters = 40075016.68557849;

    /// <summary>The levels whose cells are kept.</summary>
    public static readonly IReadOnlyList<int> Levels = [1, 3, 5, 7, 9];

    /// <summary>The level whose cells a tile of zoom <paramref name="z"/> (below <see cref="PointZoom"/>) reads: z itself when odd, else z + 1.</summary>
    /// <param name="z">The tile's zoom, 0..9.</param>
    /// <returns>The level.</returns>
    public static int LevelFor(int z) => z is < 0 or >= PointZoom
        ? throw new ArgumentOutOfRangeException(nameof(z), z, $"clusters are drawn at zooms 0..{PointZoom - 1}")
        : z | 1;

    /// <summary>The point's place from west (0) to east (1).</summary>
    /// <param name="lon">Longitude in degrees.</param>
    /// <returns>u.</returns>
    public static double U(double lon) => (lon + 180.0) / 360.0;

    /// <summary>The point's place from north (0) to south (1) in Web Mercator.</summary>
    /// <param name="lat">Latitude in degrees.</param>
    /// <returns>v.</returns>
    public static double V(double lat) => (1.0 - (Math.Asinh(Math.Tan(lat * Math.PI / 180.0)) / Math.PI)) / 2.0;

    /// <summary>The cell index of <paramref name="t"/> (u or v) at grid level <paramref name="k"/>, kept within 0..2^k − 1.</summary>
    /// <param name="t">u or v.</param>
    /// <param name="k">The grid level (2^k cells across).</param>
    /// <returns>The index.</returns>
    public static int Cell(double t, int k)
    {
        var across = (double)(1L << k);
        return (int)Math.Min(Math.Max(Math.Floor(t * across), 0), across - 1);
    }

    /// <summary>The cell of a point at a kept level.</summary>
    /// <param name="lon">Longitude in degrees.</param>
    /// <param name="lat">Latitude in degrees.</param>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <returns>The cell.</returns>
    public static GridCell CellOf(double lon, double lat, int level) => CellOfUv(U(lon), V(lat), level);

    /// <summary>The cell of a point given by its u and v at a kept level.</summary>
    /// <param name="u">From <see cref="U"/>.</param>
    /// <param name="v">From <see cref="V"/>.</param>
    /// <param name="level">One of <see cref="Levels"/>.</param>
    /// <returns>The cell.</returns>
    public static GridCell CellOfUv(double u, double v, int level)
    {
        var gx = Cell(u, level + CellBits);
        var gy = Cell(v, level + CellBits);
        return new GridCell((short)level, gx >> (CellBits + 1), gy >> (CellBits + 1),
            (short)((((gy >> CellBits) & 1) * 2) + ((gx >> CellBits) & 1)), (short)(gx & 15), (short)(gy & 15));
    }

    /// <summary>
    /// The integer that names a cell in the cell tables, packed so that a tile's cells are one range:
    /// bit 29 <paramref name="masked"/>, bits 26–28 the level's index ((level − 1)/2), bits 18–25 and
    /// 10–17 the tile of zoom level − 1 (<see cref="GridCell.Tx"/>, <see cref="GridCell.Ty"/>), bits 8–9
    /// the quadrant, bits 4–7 and 0–3 the cell's row and column (migration 0015 packs the same way).
    /// </summary>
    /// <param name="masked">Whether the cell counts masked positions.</param>
    /// <param name="cell">The cell.</param>
    /// <returns>The key.</returns>
    public static int Key(bool masked, GridCell cell) =>
        ((masked ? 1 : 0) << 29) | (((cell.Level - 1) / 2) << 26) | (cell.Tx << 18) | (cell.Ty << 10)
        | ((ushort)cell.Q << 8) | ((ushort)cell.Cy << 4) | (ushort)cell.Cx;

    /// <summary>The first key of a tile's cells below <see cref="PointZoom"/> (they are <see cref="KeysInTile"/> keys from it).</summary>
    /// <param name="masked">Whether the cells count masked positions.</param>
    /// <param name="tile">A tile of zoom 0..9.</param>
    /// <returns>The key.</returns>
    public static int FirstKey(bool masked, TileId tile)
    {
        var level = LevelFor(tile.Z);
        return tile.Z == level
            ? Key(masked, new GridCell((short)level, tile.X >> 1, tile.Y >> 1, (short)(((tile.Y & 1) * 2) + (tile.X & 1)), 0, 0))
            : Key(masked, new GridCell((short)level, tile.X, tile.Y, 0, 0, 0));
    }

    /// <summary>How many keys a tile of zoom <paramref name="z"/> reads: 256 at an odd zoom, 1,024 at an even one.</summary>
    /// <param name="z">The tile's zoom, 0..9.</param>
    /// <returns>The count.</returns>
    public static int KeysInTile(int z) => z == LevelFor(z) ? 256 : 1024;

    /// <summary>The point's position in EPSG:3857 metres, from its u and v (what the cells sum).</summary>
    /// <param name="u">From <see cref="U"/>.</param>
    /// <param name="v">From <see cref="V"/>.</param>
    /// <returns>(x, y).</returns>
    public static (double X, double Y) Position(double u, double v) => ((u - 0.5) * WorldMeters, (0.5 - v) * WorldMeters);
}
