using System.Text;
using GeoOrs.Analysis.Privacy;

namespace GeoOrs.Analysis.Tests.Privacy;

public class DonutGeomaskTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("a test secret, not the server's");

    [Theory]
    // Density 1: inner 1000·√(50/π) = 3,989.4 m; outer 1000·√(500/π) = 12,615.7 m, clamped to 10,000.
    [InlineData(1, 3989.4228, 10000)]
    // 10,000/km²: inner 39.9 m, raised to 100; outer 126.2 m, below 2·inner, so 200.
    [InlineData(10000, 100, 200)]
    // 100/km²: inner 398.9 m; outer 1,261.6 m (both within their limits).
    [InlineData(100, 398.94228, 1261.5663)]
    // The floor density 0.1/km²: inner 12,616 m, clamped to 5,000; outer 39,894 m, clamped to 10,000.
    [InlineData(0.1, 5000, 10000)]
    [InlineData(0, 5000, 10000)]
    [InlineData(-3, 5000, 10000)]
    [InlineData(double.NaN, 5000, 10000)]
    [InlineData(double.PositiveInfinity, 100, 200)]
    public void Radii_follow_the_density(double density, double inner, double outer)
    {
        var radii = DonutGeomask.Radii(density);
        Assert.Equal(inner, radii.InnerMeters, 1e-4);
        Assert.Equal(outer, radii.OuterMeters, 1e-4);
    }

    [Theory]
    // Worked independently in Python (hashlib, struct.pack('>q', id), math): for id 42, h starts
    // c6e72a24 c721f94c, so u1 = 0.77696, u2 = 0.77786, azimuth 279.7°, distance 182.58 m.
    [InlineData(42, -77.0369, 38.9072, 4000, -77.03897987631296, 38.90747684620784)]
    // For id −7 (two's complement, big-endian), u1 = 0.57522, u2 = 0.93327, azimuth 207.1°, 7,061.5 m.
    [InlineData(-7, 179.999, -16.5, 3, 179.96884099074964, -16.556542445217836)]
    public void Displace_matches_a_reference_computation(long id, double lon, double lat, double density, double lon2, double lat2)
    {
        var masked = DonutGeomask.Displace(lon, lat, id, Secret, density);
        Assert.Equal(lon2, masked.Lon, 1e-12);
        Assert.Equal(lat2, masked.Lat, 1e-12);
    }

    [Theory]
    [InlineData(-77.0369, 38.9072)] // Washington, DC
    [InlineData(-149.9003, 61.2181)] // Anchorage: 61° N, longitude degrees are half as long
    [InlineData(10.75, 60)]
    [InlineData(179.999, -16.5)] // next to the antimeridian, either side
    [InlineData(-179.999, 51.9)]
    [InlineData(0, 0)]
    public void Every_displacement_lies_in_the_annulus(double lon, double lat)
    {
        foreach (var density in new[] { 0.5, 1, 150, 3000, 30000 })
        {
            var (inner, outer) = DonutGeomask.Radii(density);
            for (long id = 1; id <= 10000; id++)
            {
                var (lon2, lat2) = DonutGeomask.Displace(lon, lat, id, Secret, density);
                Assert.InRange(lon2, -180, 180 - 1e-12);
                var meters = DonutGeomask.DistanceMeters(lon, lat, lon2, lat2);
                Assert.InRange(meters, inner * (1 - 1e-6), outer * (1 + 1e-6));
            }
        }
    }

    [Fact]
    public void The_same_id_and_secret_give_the_same_point_and_another_secret_another()
    {
        var other = Encoding.UTF8.GetBytes("another secret");
        for (long id = -50; id <= 50; id++)
        {
            var first = DonutGeomask.Displace(-76.6122, 39.2904, id, Secret, 1200);
            Assert.Equal(first, DonutGeomask.Displace(-76.6122, 39.2904, id, Secret, 1200));
            Assert.NotEqual(first, DonutGeomask.Displace(-76.6122, 39.2904, id, other, 1200));
            Assert.NotEqual(first, DonutGeomask.Displace(-76.6122, 39.2904, id + 1, Secret, 1200));
        }
    }

    [Fact]
    public void Directions_spread_over_all_quadrants_and_distances_over_the_area()
    {
        const double lon = -87.6298, lat = 41.8781; // Chicago
        var (inner, outer) = DonutGeomask.Radii(50);
        var quadrants = new int[4];
        var innerHalf = 0;
        for (long id = 0; id < 10000; id++)
        {
            var (lon2, lat2) = DonutGeomask.Displace(lon, lat, id, Secret, 50);
            quadrants[(lat2 >= lat ? 0 : 2) + (lon2 >= lon ? 0 : 1)]++;

            // Uniform over the area: half the points fall inside the radius that halves the annulus.
            var meters = DonutGeomask.DistanceMeters(lon, lat, lon2, lat2);
            if (meters * meters < ((inner * inner) + (outer * outer)) / 2)
            {
                innerHalf++;
            }
        }

        // 2,500 expected in each; the binomial standard deviation is 43.
        Assert.All(quadrants, n => Assert.InRange(n, 2300, 2700));
        Assert.InRange(innerHalf, 4800, 5200);
    }

    [Fact]
    public void Destination_and_distance_agree_with_hand_worked_points()
    {
        // One degree of latitude on the sphere of 6,371,008.8 m is 111,195.08 m.
        Assert.Equal(111195.08, DonutGeomask.DistanceMeters(0, 0, 0, 1), 0.01);
        var (lon, lat) = DonutGeomask.Destination(0, 0, 0, 111195.0802);
        Assert.Equal(0, lon, 1e-9);
        Assert.Equal(1, lat, 1e-6);

        // Due east across the antimeridian comes back at −180 + ε, never +180.
        var (wrapped, _) = DonutGeomask.Destination(179.9999, 0, Math.PI / 2, 1000);
        Assert.Equal(179.9999 + (1000 / 111195.0802) - 360, wrapped, 1e-9);
    }
}
