using GeoOrs.Data.Geometry;
using GeoOrs.Tests;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GeoOrs.Data.Tests.Geometry;

/// <summary>Round trips through PostGIS; the database is the judge (<c>ST_AsEWKB(x) = ST_AsEWKB(literal)</c>).</summary>
public class GeometryWkbTests
{
    private static readonly WKTReader Wkt = new();

    public static TheoryData<string, int> Geometries => new()
    {
        { "POINT (-76.6122 39.2904)", 4326 },
        { "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2)), ((20 20, 30 20, 30 30, 20 20)))", 4326 },
        { "POINT EMPTY", 4326 },
        { "MULTIPOLYGON EMPTY", 4269 },
        { "POINT Z (1 2 3)", 4326 },
        { "LINESTRING (1620000 1910000, 1621000 1911000)", 5070 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public async Task Geometry_written_by_NTS_is_the_geometry_PostGIS_reads(string wkt, int srid)
    {
        var geometry = Wkt.Read(wkt);
        geometry.SRID = srid;
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand(
            "SELECT ST_AsEWKB(ST_GeomFromEWKB($1)) = ST_AsEWKB(ST_GeomFromText($2, $3)), ST_SRID(ST_GeomFromEWKB($1))");
        command.Parameters.Add(GeometryWkb.Parameter(geometry));
        command.Parameters.AddWithValue(wkt);
        command.Parameters.AddWithValue(srid);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.True(reader.GetBoolean(0), $"PostGIS read something else than {wkt}");
        Assert.Equal(srid, reader.GetInt32(1));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public async Task Geometry_PostGIS_writes_reads_back_equal_with_its_SRID(string wkt, int srid)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT ST_AsEWKB(ST_GeomFromText($1, $2))");
        command.Parameters.AddWithValue(wkt);
        command.Parameters.AddWithValue(srid);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var geometry = reader.GetGeometry(0)!;
        Assert.Equal(srid, geometry.SRID);
        var expected = Wkt.Read(wkt);
        Assert.Equal(expected.IsEmpty, geometry.IsEmpty);
        Assert.True(expected.EqualsExact(geometry), $"{geometry} != {expected}");
        Assert.Equal(expected.Coordinates.Select(c => c.Z), geometry.Coordinates.Select(c => c.Z));
    }

    [Fact]
    public async Task Sql_null_reads_as_null()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT ST_AsEWKB(NULL::geometry)");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Null(reader.GetGeometry(0));
    }

    [Fact]
    public void Polygon_hole_survives_the_bytes()
    {
        var polygon = (Polygon)Wkt.Read("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))");
        polygon.SRID = 4326;
        var back = (Polygon)GeometryWkb.Read(GeometryWkb.Write(polygon));
        Assert.Equal(1, back.NumInteriorRings);
        Assert.Equal(96, back.Area, 9);
        Assert.Equal(4326, back.SRID);
    }

    [Fact]
    public void Point_ewkb_is_the_bytes_nts_writes()
    {
        var point = new NetTopologySuite.Geometries.Point(-76.6122, 39.2904) { SRID = 4326 };
        Assert.Equal(GeometryWkb.Write(point), GeometryWkb.PointEwkb(-76.6122, 39.2904, 4326));
    }
}
