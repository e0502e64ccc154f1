using GeoOrs.Tests;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Tests.Geometry;

/// <summary>
/// NetTopologySuite geometries through <see cref="GeoOrsDataSource"/>'s Npgsql mapping, as parameters,
/// column values and binary COPY fields; the database is the judge (the geometry's EWKT with all 17
/// significant digits against the literal's, so that the SRID, Z and every coordinate count).
/// </summary>
public class GeometryMappingTests
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
    public async Task A_geometry_parameter_is_the_geometry_PostGIS_reads(string wkt, int srid)
    {
        var geometry = Wkt.Read(wkt);
        geometry.SRID = srid;
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand(
            "SELECT ST_AsEWKT($1::geometry, 17) = ST_AsEWKT(ST_GeomFromText($2, $3), 17), ST_SRID($1::geometry), ST_AsEWKT($1::geometry)");
        command.Parameters.Add(new NpgsqlParameter { Value = geometry, NpgsqlDbType = NpgsqlDbType.Geometry });
        command.Parameters.AddWithValue(wkt);
        command.Parameters.AddWithValue(srid);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.True(reader.GetBoolean(0), $"PostGIS read {reader.GetString(2)}, not {wkt}");
        Assert.Equal(srid, reader.GetInt32(1));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public async Task A_geometry_column_reads_back_equal_with_its_SRID(string wkt, int srid)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT ST_GeomFromText($1, $2)");
        command.Parameters.AddWithValue(wkt);
        command.Parameters.AddWithValue(srid);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var geometry = reader.GetFieldValue<NetTopologySuite.Geometries.Geometry>(0);
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
        await using var command = dataSource.CreateCommand("SELECT NULL::geometry");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.True(reader.IsDBNull(0));
    }

    [Fact]
    public async Task Geometries_written_by_binary_copy_are_the_geometries_PostGIS_stores()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE points_in (id int, geom geometry(Point, 4326), shape geometry)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var factory = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory(4326);
        var polygon = (Polygon)Wkt.Read("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))");
        polygon.SRID = 5070;
        await using (var copy = await connection.BeginBinaryImportAsync("COPY points_in (id, geom, shape) FROM STDIN (FORMAT BINARY)"))
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(1, NpgsqlDbType.Integer);
            await copy.WriteAsync(factory.CreatePoint(new Coordinate(-76.6122, 39.2904)), NpgsqlDbType.Geometry);
            await copy.WriteAsync(polygon, NpgsqlDbType.Geometry);
            await copy.StartRowAsync();
            await copy.WriteAsync(2, NpgsqlDbType.Integer);
            await copy.WriteAsync(factory.CreatePoint(new Coordinate(-157.8583, 21.3069)), NpgsqlDbType.Geometry);
            await copy.WriteNullAsync();
            await copy.CompleteAsync();
        }

        await using var check = new NpgsqlCommand(
            "SELECT ST_AsText(geom), ST_SRID(geom), ST_NumInteriorRings(shape), ST_Area(shape), ST_SRID(shape) FROM points_in ORDER BY id", connection);
        await using var reader = await check.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("POINT(-76.6122 39.2904)", 4326, 1, 96.0, 5070),
            (reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetDouble(3), reader.GetInt32(4)));
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("POINT(-157.8583 21.3069)", 4326), (reader.GetString(0), reader.GetInt32(1)));
        Assert.True(reader.IsDBNull(2));
    }
}
