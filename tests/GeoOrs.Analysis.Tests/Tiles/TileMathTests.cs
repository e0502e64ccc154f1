using GeoOrs.Analysis.Tiles;

namespace GeoOrs.Analysis.Tests.Tiles;

public class TileMathTests
{
    [Fact]
    public void Zoom_zero_is_the_whole_mercator_square()
    {
        var (minX, minY, maxX, maxY) = TileMath.Bounds3857(new TileId(0, 0, 0));
        Assert.Equal((-TileMath.OriginShift, -TileMath.OriginShift, TileMath.OriginShift, TileMath.OriginShift), (minX, minY, maxX, maxY));
        var (west, south, east, north) = TileMath.BoundsLonLat(new TileId(0, 0, 0));
        Assert.Equal(-180, west, 9);
        Assert.Equal(180, east, 9);
        Assert.Equal(TileMath.MaxLatitude, north, 9);
        Assert.Equal(-TileMath.MaxLatitude, south, 9);
    }

    [Fact]
    public void Zoom_one_north_west_tile_is_the_quarter_above_and_left_of_the_origin()
    {
        var (minX, minY, maxX, maxY) = TileMath.Bounds3857(new TileId(1, 0, 0));
        Assert.Equal((-TileMath.OriginShift, 0.0, 0.0, TileMath.OriginShift), (minX, minY, maxX, maxY));
    }

    [Theory]
    [InlineData(0, 0, 1, 1, 1)] // null island: the south-east quarter at z1
    [InlineData(-76.6122, 39.2904, 10, 294, 390)] // Baltimore: x = floor(103.3878/360·1024), y by hand from ln(tan φ + sec φ)
    [InlineData(-180, 89.9, 3, 0, 0)] // clamped to the pyramid's corner
    [InlineData(180, -89.9, 3, 7, 7)]
    public void Tile_of_a_point(double lon, double lat, int z, int x, int y) =>
        Assert.Equal(new TileId(z, x, y), TileMath.TileOf(lon, lat, z));

    [Fact]
    public void A_point_lies_within_the_bounds_of_its_tile()
    {
        var tile = TileMath.TileOf(-111.94, 33.42, 12);
        var (west, south, east, north) = TileMath.BoundsLonLat(tile);
        Assert.InRange(-111.94, west, east);
        Assert.InRange(33.42, south, north);
    }

    [Theory]
    [InlineData(-1, 0, 0)]
    [InlineData(25, 0, 0)]
    [InlineData(2, 4, 0)]
    [InlineData(2, 0, -1)]
    public void Tiles_outside_the_pyramid_are_invalid(int z, int x, int y)
    {
        var tile = new TileId(z, x, y);
        Assert.False(tile.IsValid);
        Assert.Throws<ArgumentOutOfRangeException>(() => TileMath.Bounds3857(tile));
    }

    [Fact]
    public void Resolution_halves_with_each_zoom()
    {
        Assert.Equal(156543.03392804097, TileMath.Resolution(0), 6);
        Assert.Equal(TileMath.Resolution(5) / 2, TileMath.Resolution(6), 9);
    }
}
