using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Tests.Reference;

namespace GeoOrs.Analysis.Tests.Spatial;

public class EqualAreaTests
{
    [Fact]
    public void Origin_of_conus_albers_is_zero()
    {
        // lat_0 = 23, lon_0 = -96, no false easting or northing.
        var (x, y) = EqualArea.Project(-96, 23);
        Assert.Equal(0, x, 1e-6);
        Assert.Equal(0, y, 1e-6);
    }

    [Fact]
    public void Matches_proj_for_us_cities()
    {
        // PROJ 9.1 through R sf::sf_project from NAD83 longitude/latitude (no datum shift) to EPSG:5070.
        var lonLat = SpdepReference.AlbersLon.Zip(SpdepReference.AlbersLat).ToArray();
        var projected = EqualArea.Project(lonLat);
        for (int i = 0; i < lonLat.Length; i++)
        {
            Assert.Equal(SpdepReference.AlbersX[i], projected[i].X, 1e-3);
            Assert.Equal(SpdepReference.AlbersY[i], projected[i].Y, 1e-3);
            var single = EqualArea.Project(lonLat[i].First, lonLat[i].Second);
            Assert.Equal(projected[i], single);
        }
    }

    [Fact]
    public void Meridians_east_and_west_of_the_centre_are_mirrored()
    {
        var east = EqualArea.Project(-90, 40);
        var west = EqualArea.Project(-102, 40);
        Assert.Equal(east.X, -west.X, 1e-6);
        Assert.Equal(east.Y, west.Y, 1e-6);
    }
}
