using System.Text;
using GeoOrs.Data.Boundaries;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using static GeoOrs.Data.Tests.Shapefiles.ShapefileBuilder;

namespace GeoOrs.Data.Tests.Shapefiles;

// GeoOrs.Data.Tests.Geometry is a namespace; this alias makes 'Geometry' mean the NTS type here.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Edge cases on small shapefiles written byte by byte by <see cref="ShapefileBuilder"/>, read as
/// GeoOrs reads shapefiles (<see cref="CensusFiles.OpenShapefile"/>: NetTopologySuite.IO.Esri with
/// GeoOrs's choice of encoding); each test is named after its case. Where GDAL reads the case, the
/// result is also compared with it.
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

        var feature = Assert.Single(Read(shp));
        var polygon = Assert.IsType<Polygon>(Assert.Single(Parts(feature.Geometry)));
        Assert.Equal(1, polygon.NumInteriorRings);
        Assert.Equal(96, polygon.Area);
        Assert.True(polygon.IsValid);
        Assert.Equal("donut", feature.Attributes["NAME"]);
        using (var reader = CensusFiles.OpenShapefile(shp))
        {
            Assert.Equal(new Envelope(0, 10, 0, 10), reader.BoundingBox);
        }

        GdalComparison.AssertSameAsGdal(shp);
    }

    [Fact]
    public void multipart_polygon()
    {
        // Two shells, an island inside the hole of the second and a hole in the island: each hole
        // must go to the smallest shell containing it.
        string shp = new ShapefileBuilder(ShapeType.Polygon)
            .Field("NAME", 'C', 10)
            .Record(Polygon(
                ClockwiseSquare(0, 0, 10, 10),          // shell A
                ClockwiseSquare(20, 20, 40, 40),        // shell B
                CounterClockwiseSquare(22, 22, 38, 38), // hole of B
                ClockwiseSquare(25, 25, 35, 35),        // shell C, an island in B's hole
                CounterClockwiseSquare(28, 28, 32, 32)), // hole of C (also inside B's outer ring)
                "islands")
            .Record(Polygon(ClockwiseSquare(0, 0, 1, 1), ClockwiseSquare(5, 5, 6, 6)), "two")
            .Write(_directory.Path, nameof(multipart_polygon));

        var features = Read(shp);
        var multi = Assert.IsType<MultiPolygon>(features[0].Geometry);
        Assert.Equal(3, multi.NumGeometries);
        var polygons = Parts(multi).Cast<Polygon>().OrderBy(p => p.EnvelopeInternal.MinX).ToList();
        Assert.Equal((0, 100.0), (polygons[0].NumInteriorRings, polygons[0].Area));
        Assert.Equal((1, 400.0 - 256), (polygons[1].NumInteriorRings, polygons[1].Area));
        Assert.Equal((1, 100.0 - 16), (polygons[2].NumInteriorRings, polygons[2].Area));
        Assert.Equal(new Envelope(22, 38, 22, 38), polygons[1].GetInteriorRingN(0).EnvelopeInternal);
        Assert.Equal(new Envelope(28, 32, 28, 32), polygons[2].GetInteriorRingN(0).EnvelopeInternal);
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

        var features = Read(shp);
        Assert.Equal(3, features.Count);
        Assert.True(features[1].Geometry is null or { IsEmpty: true }, $"a null shape read as {features[1].Geometry}");
        Assert.Equal("nothing", features[1].Attributes["NAME"]);
        Assert.Equal(1, features[2].Geometry.Area);
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

        var points = Read(shp).Select(f => Assert.IsType<Point>(f.Geometry)).ToList();
        Assert.Equal(2, points.Count);
        Assert.Equal((1.5, 2.5, 3.5), (points[0].X, points[0].Y, points[0].Z));
        Assert.Equal((-4.0, 5.0, -6.0), (points[1].X, points[1].Y, points[1].Z));
        GdalComparison.AssertSameAsGdal(shp, withGdalArea: false);
    }

    [Fact]
    public void latin1_dbf_without_cpg()
    {
        // No .cpg and language driver 0: the text is decoded as Windows-1252, which agrees with
        // ISO-8859-1 on every printable Latin-1 character and also has the euro sign and curly quotes
        // (the library alone would read it as UTF-8 and lose every accented letter).
        var windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;
        string shp = new ShapefileBuilder(ShapeType.Point) { TextEncoding = windows1252 }
            .Field("NAME", 'C', 24)
            .Record(Point(1, 2), "Doña Ana")
            .Record(Point(3, 4), "Müller ß © ÿ")
            .Record(Point(5, 6), "“quoted” – 5 €")
            .Write(_directory.Path, nameof(latin1_dbf_without_cpg));
        Assert.False(File.Exists(Path.ChangeExtension(shp, ".cpg")));
        Assert.Equal(Encoding.Latin1.GetBytes("Doña Ana"), windows1252.GetBytes("Doña Ana"));

        Assert.Equal(1252, CensusFiles.ShapefileEncoding(shp)!.CodePage);
        Assert.Equal(["Doña Ana", "Müller ß © ÿ", "“quoted” – 5 €"], Read(shp).Select(f => (string)f.Attributes["NAME"]));

        // GDAL 3.6 leaves such text undecoded (its SOURCE_ENCODING is empty); told the code page,
        // it reads the same strings.
        GdalComparison.AssertSameAsGdal(shp, withGdalArea: true, "ENCODING=CP1252");
    }

    [Fact]
    public void latin1_dbf_with_cpg()
    {
        string shp = new ShapefileBuilder(ShapeType.Point) { TextEncoding = Encoding.Latin1, CodePage = "88591\r\n", LanguageDriver = 0x57 }
            .Field("NAME", 'C', 24)
            .Record(Point(1, 2), "Doña Ana")
            .Record(Point(3, 4), "Mayagüez")
            .Write(_directory.Path, nameof(latin1_dbf_with_cpg));

        Assert.Equal(28591, CensusFiles.ShapefileEncoding(shp)!.CodePage);
        Assert.Equal(["Doña Ana", "Mayagüez"], Read(shp).Select(f => (string)f.Attributes["NAME"]));
        GdalComparison.AssertSameAsGdal(shp);
    }

    [Fact]
    public void utf8_dbf_with_cpg()
    {
        string shp = new ShapefileBuilder(ShapeType.Point) { TextEncoding = Encoding.UTF8, CodePage = "UTF-8" }
            .Field("NAME", 'C', 24)
            .Record(Point(1, 2), "Doña Ana")
            .Record(Point(3, 4), "Kauaʻi")
            .Write(_directory.Path, nameof(utf8_dbf_with_cpg));

        Assert.Equal(["Doña Ana", "Kauaʻi"], Read(shp).Select(f => (string)f.Attributes["NAME"]));
        GdalComparison.AssertSameAsGdal(shp);
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

        // Cut the main file in the middle of record 2 (the index and the .dbf still list all three records).
        byte[] bytes = File.ReadAllBytes(shp);
        int recordSize = 8 + Polygon(ClockwiseSquare(0, 0, 1, 1)).Length;
        File.WriteAllBytes(shp, bytes[..(100 + recordSize + (recordSize / 2))]);

        var error = Assert.Throws<InvalidDataException>(() => Read(shp));
        Assert.Contains(Path.GetFileName(shp), error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void truncated_shp_header()
    {
        string shp = new ShapefileBuilder(ShapeType.Point).Field("ID", 'N', 4).Record(Point(0, 0), "1")
            .Write(_directory.Path, nameof(truncated_shp_header));
        File.WriteAllBytes(shp, File.ReadAllBytes(shp)[..60]);

        var error = Assert.Throws<InvalidDataException>(() => Read(shp));
        Assert.Contains(Path.GetFileName(shp), error.Message, StringComparison.Ordinal);
        Assert.Contains("header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void wrong_file_code()
    {
        string shp = new ShapefileBuilder(ShapeType.Point).Field("ID", 'N', 4).Record(Point(0, 0), "1")
            .Write(_directory.Path, nameof(wrong_file_code));
        byte[] bytes = File.ReadAllBytes(shp);
        bytes[3] = 0x0B; // 9994 is 0x0000270A big-endian
        File.WriteAllBytes(shp, bytes);

        var error = Assert.Throws<InvalidDataException>(() => Read(shp));
        Assert.Contains(Path.GetFileName(shp), error.Message, StringComparison.Ordinal);
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

        var features = Read(shp);
        Assert.Equal(["kept", "also kept"], features.Select(f => (string)f.Attributes["NAME"]));
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
            .Field("BIG", 'N', 18)
            .Field("REAL", 'N', 12, 3)
            .Field("FLOAT", 'F', 12, 4)
            .Field("DAY", 'D', 8)
            .Field("FLAG", 'L', 1)
            .Record(Point(0, 0), "padded  ", "-42", "12345678901234567", "3.250", "-0.5000", "20240229", "T")
            .Record(Point(1, 1), null, null, null, null, null, null, null)
            .Record(Point(3, 3), "y", "7", "8", "9", "10", "20230101", "n")
            .Write(_directory.Path, nameof(dbf_value_types));

        var rows = Read(shp).Select(f => f.Attributes.GetValues()).ToList();
        Assert.Equal(3, rows.Count);
        // A blank character value reads as an empty string (GDAL's CSV shows it empty too); blank numbers,
        // dates and logicals read as null.
        Assert.Equal("", rows[1][0]);
        Assert.All(rows[1][1..], Assert.Null);
        Assert.Equal(["padded", -42, 12345678901234567L], rows[0][..3]);
        GdalComparison.AssertSameAsGdal(shp);
    }

    [Fact]
    public void leading_blanks_of_text_are_kept()
    {
        // dBASE pads text on the right; GDAL trims both ends, the library only the right. GeoOrs's
        // loaders trim what they read (no Census value begins with a blank).
        string shp = new ShapefileBuilder(ShapeType.Point)
            .Field("NAME", 'C', 12)
            .Record(Point(0, 0), "  indented")
            .Write(_directory.Path, nameof(leading_blanks_of_text_are_kept));

        Assert.Equal("  indented", Assert.Single(Read(shp)).Attributes["NAME"]);
        var (_, rows) = Gdal.ExportCsv(shp);
        Assert.Equal("indented", Assert.Single(rows)[1]);
    }

    [Fact]
    public void language_driver_without_cpg()
    {
        // LDID 201 (0xC9) is Windows-1251 in the library's table, as in GDAL's.
        var cp1251 = CodePagesEncodingProvider.Instance.GetEncoding(1251)!;
        string shp = new ShapefileBuilder(ShapeType.Point) { TextEncoding = cp1251, LanguageDriver = 201 }
            .Field("NAME", 'C', 20)
            .Record(Point(0, 0), "Москва")
            .Write(_directory.Path, nameof(language_driver_without_cpg));

        Assert.Null(CensusFiles.ShapefileEncoding(shp));
        Assert.Equal("Москва", Assert.Single(Read(shp)).Attributes["NAME"]);
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
    public void cpg_code_page_names(string cpg, int codePage)
    {
        string shp = new ShapefileBuilder(ShapeType.Point) { CodePage = cpg + "\r\n", LanguageDriver = 3 }
            .Field("ID", 'N', 4)
            .Record(Point(0, 0), "1")
            .Write(_directory.Path, "cpg_" + codePage.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(codePage, CensusFiles.ShapefileEncoding(shp)!.CodePage);
        using var reader = CensusFiles.OpenShapefile(shp);
        Assert.Equal(codePage, reader.Encoding.CodePage);
    }

    [Fact]
    public void polyline_z()
    {
        (double X, double Y)[][] parts = [[(0, 0), (1, 1), (2, 0)], [(5, 5), (6, 6)]];
        string shp = new ShapefileBuilder(ShapeType.PolyLineZ)
            .Field("ID", 'N', 4)
            .Record(PolyLineZ(parts, [1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), "1")
            .Record(PolyLineZ([parts[0]], [7, 8, 9], [0, 0, 0]), "2")
            .Write(_directory.Path, nameof(polyline_z));

        var features = Read(shp);
        var multi = Assert.IsType<MultiLineString>(features[0].Geometry);
        Assert.Equal([1.0, 2, 3, 4, 5], multi.Coordinates.Select(c => c.Z));
        var line = Assert.IsAssignableFrom<ILineal>(features[1].Geometry);
        Assert.Equal(3, ((Geometry)line).NumPoints);
        Assert.Equal(9, ((Geometry)line).Coordinates[2].Z);
        Assert.Equal(2 * Math.Sqrt(2) + Math.Sqrt(2), multi.Length, 12);
        GdalComparison.AssertSameAsGdal(shp, withGdalArea: false);
    }

    private static List<IFeature> Read(string shp)
    {
        using var reader = CensusFiles.OpenShapefile(shp);
        return [.. CensusFiles.Features(reader, shp)];
    }

    private static IEnumerable<Geometry> Parts(Geometry geometry) =>
        Enumerable.Range(0, geometry.NumGeometries).Select(geometry.GetGeometryN);
}
