using GeoOrs.Analysis.Spatial;
using NetTopologySuite.IO;

namespace GeoOrs.Analysis.Tests.Spatial;

public class PolygonIndexTests
{
    private static readonly WKTReader Wkt = new();

    // Two unit squares side by side (A on the left, B on the right) and C with a hole where D sits.
    private static readonly PolygonIndex Index = new([
        ("B", Wkt.Read("POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))")),
        ("A", Wkt.Read("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))")),
        ("C", Wkt.Read("POLYGON ((10 0, 14 0, 14 4, 10 4, 10 0), (11 1, 11 3, 13 3, 13 1, 11 1))")),
        ("D", Wkt.Read("POLYGON ((11 1, 13 1, 13 3, 11 3, 11 1))")),
    ]);

    [Theory]
    [InlineData(0.5, 0.5, "A")]
    [InlineData(1.5, 0.5, "B")]
    [InlineData(1.0, 0.5, "A")] // point_on_shared_edge: the lowest id
    [InlineData(10.5, 0.5, "C")]
    [InlineData(12, 2, "D")] // polygon_with_hole: the hole belongs to the polygon inside it
    [InlineData(5, 5, null)]
    public void Point_is_located_in_the_polygon_that_holds_it(double x, double y, string? expected) =>
        Assert.Equal(expected, Index.Locate(x, y));

    [Fact]
    public void Empty_polygons_are_not_indexed()
    {
        var index = new PolygonIndex([("E", Wkt.Read("POLYGON EMPTY"))]);
        Assert.Equal(0, index.Count);
        Assert.Null(index.Locate(0, 0));
    }
}
