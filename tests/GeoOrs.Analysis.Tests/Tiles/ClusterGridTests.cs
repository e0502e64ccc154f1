using GeoOrs.Analysis.Tiles;

namespace GeoOrs.Analysis.Tests.Tiles;

public class ClusterGridTests
{
    [Fact]
    public void A_cell_of_a_level_is_the_tile_four_zooms_deeper()
    {
        foreach (var (lon, lat) in new[] { (-76.6122, 39.2904), (-157.8583, 21.3069), (-103.58, 31.85), (151.2, -33.9) })
        {
            foreach (var level in ClusterGrid.Levels)
            {
                var cell = ClusterGrid.CellOf(lon, lat, level);
                var tile = TileMath.TileOf(lon, lat, level + 4);
                Assert.Equal(tile.X, (cell.Tx * 32) + ((cell.Q & 1) * 16) + cell.Cx);
                Assert.Equal(tile.Y, (cell.Ty * 32) + ((cell.Q >> 1) * 16) + cell.Cy);
                Assert.Equal(TileMath.TileOf(lon, lat, level - 1), new TileId(level - 1, cell.Tx, cell.Ty));
            }
        }

        Assert.Equal([1, 1, 3, 3, 5, 5, 7, 7, 9, 9], Enumerable.Range(0, 10).Select(ClusterGrid.LevelFor));
    }
}
