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

    [Fact]
    public void A_tiles_cells_are_one_range_of_keys_and_no_other_tiles_are()
    {
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var (lon, lat) = (-180 + (random.NextDouble() * 360), -85 + (random.NextDouble() * 170));
            var masked = i % 2 == 0;
            for (var z = 0; z < ClusterGrid.PointZoom; z++)
            {
                var key = ClusterGrid.Key(masked, ClusterGrid.CellOf(lon, lat, ClusterGrid.LevelFor(z)));
                var tile = TileMath.TileOf(lon, lat, z);
                var first = ClusterGrid.FirstKey(masked, tile);
                Assert.InRange(key, first, first + ClusterGrid.KeysInTile(z) - 1);
                Assert.True(ClusterGrid.FirstKey(!masked, tile) is var other && (key < other || key >= other + ClusterGrid.KeysInTile(z)));
                var neighbour = new TileId(z, (tile.X + 1) % (1 << z), tile.Y);
                if (neighbour != tile)
                {
                    var next = ClusterGrid.FirstKey(masked, neighbour);
                    Assert.True(key < next || key >= next + ClusterGrid.KeysInTile(z), $"z{z}: a cell of {tile} in the range of {neighbour}");
                }
            }
        }
    }
}
