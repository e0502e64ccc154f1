using System.Text;
using GeoOrs.Data.Shapefiles;
using NetTopologySuite.Geometries;
using static GeoOrs.Data.Tests.Shapefiles.ShapefileBuilder;

namespace GeoOrs.Data.Tests.Shapefiles;

/// <summary>
/// Edge cases on small shapefiles written byte by byte by <see cref="ShapefileBuilder"/>; each
/// test is named after its case. Where GDAL reads the case, the result is also compared with it.
/// </summary>
public sealed class ShapefileEdgeCaseTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void polygon_with_hole()
    {
        string shp = new ShapefileBuilder(ShapeType.Polygon)
            .Field("NAME", 'C', 10)
            .Record(Polygon(ClockwiseSquare(0, 0, 10, 10), CounterClockwiseSquare(2, 2, 4, 4)), "donut")
            .Write(_directory.Path, nameof(polygon_with_hole));

        using var reader = ShapefileReader.Open(shp);
        var feature = Assert.Single(reader.ReadFeatures());
        var polygon = Assert.IsType<Polygon>(feature.Geometry);
        Assert.Equal(1, polygon.NumInteriorRings);
        Assert.Equal(96, polygon.Area);
        Assert.True(polygon.IsValid);
        Assert.Equal("donut", feature.Attributes["NAME"]);
        Assert.Equal(new Envelope(0, 10, 0, 10), reader.Bounds);
        GdalComparison.AssertSameAsGdal(shp);
    }

    [Fact]
    public void multipart_polygon()
    {
        // Record order: a hole listed before its shell, two shells, an island inside the hole, and a
        // hole in the island. Each hole must go to the smallest shell containing it.
        string shp = new ShapefileBuilder(ShapeType.Polygon)
            .Field("NAME", 'C', 10)
            .Record(Polygon(
                CounterClockwiseSquare(22, 22, 38, 38), // hole of B
                ClockwiseSquare(0, 0, 10, 10),          // shell A
                ClockwiseSquare(20, 20, 40, 40),        // shell B
                ClockwiseSquare(25, 25, 35, 35),        // shell C, an island in B's hole
                CounterClockwiseSquare(28, 28, 32, 32)), // hole of C (also inside B's outer ring)
                "islands")
            .Record(Polygon(ClockwiseSquare(0, 0, 1, 1), ClockwiseSquare(5, 5, 6, 6)), "two")
            .Write(_directory.Path, nameof(multipart_polygon));

        using var reader = ShapefileReader.Open(shp);
        var features = reader.ReadFeatures().ToList();
        var multi = Assert.IsType<MultiPolygon>(features[0].Geometry);
        Assert.Equal(3, multi.NumGeometries);
        var a = (Polygon)multi.GetGeometryN(0);
        var b = (Polygon)multi.GetGeometryN(1);
        var c = (Polygon)multi.GetGeometryN(2);
        Assert.Equal((0, 100.0), (a.NumInteriorRings, a.Area));
        Assert.Equal((1, 400.0 - 256), (b.NumInteriorRings, b.Area));
        Assert.Equal((1, 100.0 - 16), (c.NumInteriorRings, c.Area));
        Assert.Equal(new Envelope(22, 38, 22, 38), b.GetInteriorRingN(0).EnvelopeInternal);
        Assert.Equal(new Envelope(28, 32, 28, 32), c.GetInteriorRingN(0).EnvelopeInternal);
        Assert.True(multi.IsValid);

        var two = Assert.IsType<MultiPolygon>(features[1].Geometry);
        Assert.Equal(2, two.NumGeometries);
        Assert.Equal(2, two.Area);

        // GDAL agrees on the area and the number of polygons.
        var (_, rows) = Gdal.ExportCsv(shp, $"SELECT ST_Area(geometry) AS area, ST_NumGeometries(geometry) AS parts FROM \"{nameof(multipart_polygon)}\"");
        Assert.Equal([328.0, 3], rows[0].Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal([2.0, 2], rows[1].Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));
        GdalComparison.AssertSameAsGdal(shp);
    }

    [Fact]
    public void null_shape_record()
    {
        string shp = new ShapefileBuilder(ShapeType.Polygon)
            .Field("NAME", 'C', 10)
            .Record(Polygon(ClockwiseSquare(0, 0, 1, 1)), "first")
            .Record(NullShape(), "nothing")
            .Record(Polygon(ClockwiseSquare(2, 2, 3, 3)), "third")
            .Write(_directory.Path, nameof(null_shape_record));

        using var reader = ShapefileReader.Open(shp);
        var features = reader.ReadFeatures().ToList();
        Assert.Equal(3, features.Count);
        var empty = features[1].Geometry;
        Assert.True(empty.IsEmpty);
        Assert.IsType<MultiPolygon>(empty);
        Assert.Equal(2, features[1].RecordNumber);
        Assert.Equal("nothing", features[1].Attributes["NAME"]);
        Assert.IsType<Polygon>(features[2].Geometry);
        GdalComparison.AssertSameAsGdal(shp);
    }

    [Fact]
    public void point_z()
    {
        string shp = new ShapefileBuilder(ShapeType.PointZ)
            .Field("ID", 'N', 4)
            .Record(PointZ(1.5, 2.5, 3.5, 99), "1")
            .Record(PointZ(-4, 5, -6, null), "2") // M is optional in PointZ records
            .Write(_directory.Path, nameof(point_z));

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(ShapeType.PointZ, reader.ShapeType);
        var points = reader.ReadFeatures().Select(f => Assert.IsType<Point>(f.Geometry)).ToList();
        Assert.Equal(2, points.Count);
        Assert.Equal((1.5, 2.5, 3.5), (points[0].X, points[0].Y, points[0].Z));
        Assert.Equal((-4.0, 5.0, -6.0), (points[1].X, points[1].Y, points[1].Z));
        Assert.All(points, p => Assert.True(double.IsNaN(p.M), "M is ignored"));
        Assert.Equal(new Envelope(-4, 1.5, 2.5, 5), reader.Bounds);
    }

    [Fact]
    public void latin1_dbf_without_cpg()
    {
        // No .cpg and language driver 0: the text is decoded as Windows-1252, which agrees with
        // ISO-8859-1 on every printable Latin-1 character and also has the euro sign and curly quotes.
        var windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;
        string shp = new ShapefileBuilder(ShapeType.Point) { TextEncoding = windows1252 }
            .Field("NAME", 'C', 24)
            .Record(Point(1, 2), "Doña Ana")
            .Record(Point(3, 4), "Müller ß © ÿ")
            .Record(Point(5, 6), "“quoted” – 5 €")
            .Write(_directory.Path, nameof(latin1_dbf_without_cpg));
        Assert.False(File.Exists(Path.ChangeExtension(shp, ".cpg")));
        Assert.Equal(Encoding.Latin1.GetBytes("Doña Ana"), windows1252.GetBytes("Doña Ana"));

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(1252, reader.Encoding.CodePage);
        Assert.Equal(
            ["Doña Ana", "Müller ß © ÿ", "“quoted” – 5 €"],
            reader.ReadFeatures().Select(f => (string?)f.Attributes["NAME"]));

        // GDAL 3.6 leaves such text undecoded (its SOURCE_ENCODING is empty); told the code page,
        // it reads the same strings.
        GdalComparison.AssertSameAsGdal(shp, withGdalArea: true, "ENCODING=CP1252");
    }

    [Fact]
    public void truncated_shp_file()
    {
        string shp = new ShapefileBuilder(ShapeType.Polygon)
            .Field("NAME", 'C', 10)
            .Record(Polygon(ClockwiseSquare(0, 0, 1, 1)), "one")
            .Record(Polygon(ClockwiseSquare(0, 0, 2, 2)), "two")
            .Record(Polygon(ClockwiseSquare(0, 0, 3, 3)), "three")
            .Write(_directory.Path, nameof(truncated_shp_file));

        // Cut the main file in the middle of record 2 (the index still lists all three records).
        byte[] bytes = File.ReadAllBytes(shp);
        int recordSize = 8 + Polygon(ClockwiseSquare(0, 0, 1, 1)).Length;
        File.WriteAllBytes(shp, bytes[..(100 + recordSize + (recordSize / 2))]);

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(3, reader.Count);
        using var features = reader.ReadFeatures().GetEnumerator();
        Assert.True(features.MoveNext());
        Assert.Equal("one", features.Current.Attributes["NAME"]);
        var error = Assert.Throws<InvalidDataException>(() => features.MoveNext());
        Assert.Contains(shp, error.Message, StringComparison.Ordinal);
        Assert.Contains("record 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void truncated_shp_header()
    {
        string shp = new ShapefileBuilder(ShapeType.Point).Field("ID", 'N', 4).Record(Point(0, 0), "1")
            .Write(_directory.Path, nameof(truncated_shp_header));
        File.WriteAllBytes(shp, File.ReadAllBytes(shp)[..60]);

        var error = Assert.Throws<InvalidDataException>(() => ShapefileReader.Open(shp));
        Assert.Contains(shp, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void record_content_shorter_than_its_points()
    {
        // The record is complete in the file but declares more points than its content holds.
        var content = Polygon(ClockwiseSquare(0, 0, 1, 1));
        BitConverter.TryWriteBytes(content.AsSpan(40), 50);
        string shp = new ShapefileBuilder(ShapeType.Polygon).Field("ID", 'N', 4).Record(content, "1")
            .Write(_directory.Path, nameof(record_content_shorter_than_its_points));

        using var reader = ShapefileReader.Open(shp);
        var error = Assert.Throws<InvalidDataException>(() => reader.ReadFeatures().ToList());
        Assert.Contains(shp, error.Message, StringComparison.Ordinal);
        Assert.Contains("record 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void wrong_file_code()
    {
        string shp = new ShapefileBuilder(ShapeType.Point).Field("ID", 'N', 4).Record(Point(0, 0), "1")
            .Write(_directory.Path, nameof(wrong_file_code));
        byte[] bytes = File.ReadAllBytes(shp);
        bytes[3] = 0x0B; // 9994 is 0x0000270A big-endian
        File.WriteAllBytes(shp, bytes);

        var error = Assert.Throws<InvalidDataException>(() => ShapefileReader.Open(shp));
        Assert.Contains(shp, error.Message, StringComparison.Ordinal);
        Assert.Contains("9994", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void deleted_dbf_record()
    {
        string shp = new ShapefileBuilder(ShapeType.Point)
            .Field("NAME", 'C', 10)
            .Record(Point(1, 1), "kept")
            .DeletedRecord(Point(2, 2), "deleted")
            .Record(Point(3, 3), "also kept")
            .Write(_directory.Path, nameof(deleted_dbf_record));

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(3, reader.Count);
        var features = reader.ReadFeatures().ToList();
        Assert.Equal([1, 3], features.Select(f => f.RecordNumber));
        Assert.Equal(["kept", "also kept"], features.Select(f => (string?)f.Attributes["NAME"]));
        Assert.Equal(3, ((Point)features[1].Geometry).X);

        // GDAL skips the deleted record the same way. (GDAL 3.6's SQLite dialect fails on a
        // shapefile with deleted records, so GDAL's own area is not asked for here.)
        GdalComparison.AssertSameAsGdal(shp, withGdalArea: false);
    }

    [Fact]
    public void dbf_value_types()
    {
        string shp = new ShapefileBuilder(ShapeType.Point)
            .Field("TEXT", 'C', 12)
            .Field("INT", 'N', 10)
            .Field("BIG", 'N', 20)
            .Field("REAL", 'N', 12, 3)
            .Field("FLOAT", 'F', 12, 4)
            .Field("DAY", 'D', 8)
            .Field("FLAG", 'L', 1)
            .Record(Point(0, 0), "  padded  ", "-42", "12345678901234567", "3.250", "-0.5000", "20240229", "T")
            .Record(Point(1, 1), null, null, null, null, null, null, null)
            .Record(Point(2, 2), "x", "**********", "99999999999999999999", "***", "1e3", "00000000", "?")
            .Record(Point(3, 3), "y", "7", "8", "9", "10", "20230101", "n")
            .Write(_directory.Path, nameof(dbf_value_types));

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(
            [new ShapefileField("TEXT", 'C', 12, 0), new ShapefileField("INT", 'N', 10, 0), new ShapefileField("BIG", 'N', 20, 0),
             new ShapefileField("REAL", 'N', 12, 3), new ShapefileField("FLOAT", 'F', 12, 4), new ShapefileField("DAY", 'D', 8, 0),
             new ShapefileField("FLAG", 'L', 1, 0)],
            reader.Fields);
        var rows = reader.ReadFeatures().Select(f => f.Attributes.Values.ToArray()).ToList();
        Assert.Equal(["padded", -42L, 12345678901234567L, 3.25, -0.5, new DateOnly(2024, 2, 29), true], rows[0]);
        Assert.All(rows[1], Assert.Null);
        Assert.Equal(["x", null, 1e20, null, 1000.0, null, null], rows[2]);
        Assert.Equal(["y", 7L, 8L, 9.0, 10.0, new DateOnly(2023, 1, 1), false], rows[3]);
        GdalComparison.AssertSameAsGdal(shp);
    }

    [Fact]
    public void language_driver_without_cpg()
    {
        // LDID 201 (0xC9) is Windows-1251 in GDAL's table; decoding needs CodePagesEncodingProvider.
        var cp1251 = CodePagesEncodingProvider.Instance.GetEncoding(1251)!;
        string shp = new ShapefileBuilder(ShapeType.Point) { TextEncoding = cp1251, LanguageDriver = 201 }
            .Field("NAME", 'C', 20)
            .Record(Point(0, 0), "Москва")
            .Write(_directory.Path, nameof(language_driver_without_cpg));

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(1251, reader.Encoding.CodePage);
        Assert.Equal("Москва", Assert.Single(reader.ReadFeatures()).Attributes["NAME"]);
        GdalComparison.AssertSameAsGdal(shp);
    }

    [Theory]
    [InlineData("UTF-8", 65001)]
    [InlineData("utf8", 65001)]
    [InlineData("1252", 1252)]
    [InlineData("ANSI 1251", 1251)]
    [InlineData("88591", 28591)]
    [InlineData("8859-2", 28592)]
    [InlineData("windows-1250", 1250)]
    [InlineData("LDID/201", 1251)]
    public void cpg_code_page_names(string cpg, int codePage)
    {
        string shp = new ShapefileBuilder(ShapeType.Point) { CodePage = cpg + "\r\n", LanguageDriver = 3 }
            .Field("ID", 'N', 4)
            .Record(Point(0, 0), "1")
            .Write(_directory.Path, "cpg_" + codePage.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(codePage, reader.Encoding.CodePage);
    }

    [Fact]
    public void polyline_z_and_m()
    {
        (double X, double Y)[][] parts = [[(0, 0), (1, 1), (2, 0)], [(5, 5), (6, 6)]];
        string shp = new ShapefileBuilder(ShapeType.PolyLineZ)
            .Field("ID", 'N', 4)
            .Record(PolyLineZ(parts, [1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), "1")
            .Record(PolyLineZ([parts[0]], [7, 8, 9], [0, 0, 0]), "2")
            .Write(_directory.Path, nameof(polyline_z_and_m));

        using var reader = ShapefileReader.Open(shp);
        var features = reader.ReadFeatures().ToList();
        var multi = Assert.IsType<MultiLineString>(features[0].Geometry);
        Assert.Equal([1.0, 2, 3, 4, 5], multi.Coordinates.Select(c => c.Z));
        Assert.All(multi.Coordinates, c => Assert.True(double.IsNaN(c.M)));
        var line = Assert.IsType<LineString>(features[1].Geometry);
        Assert.Equal(3, line.NumPoints);
        Assert.Equal(9, line.GetCoordinateN(2).Z);

        string measured = new ShapefileBuilder(ShapeType.PolyLineM)
            .Field("ID", 'N', 4)
            .Record(PolyLineM(parts, [1, 2, 3, 4, 5]), "1")
            .Write(_directory.Path, "polyline_m");
        using var measuredReader = ShapefileReader.Open(measured);
        var plain = Assert.IsType<MultiLineString>(Assert.Single(measuredReader.ReadFeatures()).Geometry);
        Assert.All(plain.Coordinates, c => Assert.True(double.IsNaN(c.Z) && double.IsNaN(c.M)));
        Assert.Equal(2 * Math.Sqrt(2) + Math.Sqrt(2), plain.Length, 12);
    }

    [Fact]
    public void missing_shx_walks_the_main_file()
    {
        string shp = new ShapefileBuilder(ShapeType.Polygon) { WriteIndex = false }
            .Field("NAME", 'C', 10)
            .Record(Polygon(ClockwiseSquare(0, 0, 1, 1)), "a")
            .Record(NullShape(), "b")
            .Record(Polygon(ClockwiseSquare(0, 0, 2, 2), CounterClockwiseSquare(0.5, 0.5, 1, 1)), "c")
            .Write(_directory.Path, nameof(missing_shx_walks_the_main_file));

        using var reader = ShapefileReader.Open(shp);
        Assert.Equal(3, reader.Count);
        Assert.Equal([1.0, 0, 3.75], reader.ReadFeatures().Select(f => f.Geometry.Area));
    }

    [Fact]
    public void unclosed_ring_is_closed()
    {
        string shp = new ShapefileBuilder(ShapeType.Polygon)
            .Field("ID", 'N', 4)
            .Record(Polygon([(0, 0), (0, 4), (4, 4), (4, 0)]), "1")
            .Write(_directory.Path, nameof(unclosed_ring_is_closed));

        using var reader = ShapefileReader.Open(shp);
        var polygon = Assert.IsType<Polygon>(Assert.Single(reader.ReadFeatures()).Geometry);
        Assert.Equal(5, polygon.NumPoints);
        Assert.Equal(16, polygon.Area);
    }

    [Fact]
    public void concurrent_enumeration_is_refused_and_dispose_is_honoured()
    {
        string shp = new ShapefileBuilder(ShapeType.Point).Field("ID", 'N', 4)
            .Record(Point(0, 0), "1").Record(Point(1, 1), "2")
            .Write(_directory.Path, nameof(concurrent_enumeration_is_refused_and_dispose_is_honoured));

        var reader = ShapefileReader.Open(shp);
        using (var first = reader.ReadFeatures().GetEnumerator())
        {
            Assert.True(first.MoveNext());
            Assert.Throws<InvalidOperationException>(() => reader.ReadFeatures().First());
        }

        Assert.Equal(2, reader.ReadFeatures().Count());
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.ReadFeatures());
    }
}
