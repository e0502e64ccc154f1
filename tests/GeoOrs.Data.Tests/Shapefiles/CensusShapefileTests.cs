using System.Globalization;
using System.Text.RegularExpressions;
using GeoOrs.Data.Boundaries;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri.Dbf;
using Xunit.Abstractions;

namespace GeoOrs.Data.Tests.Shapefiles;

/// <summary>
/// Reads the committed US Census cartographic boundary files as GeoOrs does (NetTopologySuite.IO.Esri
/// through <see cref="CensusFiles.OpenShapefile"/>) and checks every feature against GDAL
/// (ogr2ogr/ogrinfo from Debian's gdal-bin), which must be installed: the tests fail, never skip,
/// without it.
/// </summary>
public sealed partial class CensusShapefileTests(ITestOutputHelper output)
{
    public const string Counties = "cb_2018_us_county_20m.shp";
    public const string States = "cb_2018_us_state_20m.shp";

    [Theory]
    [InlineData(Counties, 3220)]
    [InlineData(States, 52)]
    public void Features_attributes_areas_and_rings_match_gdal(string file, int expectedCount)
    {
        string shp = TestData.Shapefile(file);
        Assert.True(File.Exists(shp), $"{shp} is missing: the census shapefiles must be committed under shapefiles/.");

        var features = GdalComparison.AssertSameAsGdal(shp);

        Assert.Equal(expectedCount, features.Count);
        Assert.All(features, f => Assert.IsAssignableFrom<IPolygonal>(f.Geometry));
        output.WriteLine($"{file}: {features.Count} features, {features.Sum(f => f.Geometry.NumPoints)} points, " +
            $"{features.Count(f => f.Geometry.NumGeometries > 1)} of several polygons, " +
            $"{features.Sum(f => Enumerable.Range(0, f.Geometry.NumGeometries).Sum(i => ((Polygon)f.Geometry.GetGeometryN(i)).NumInteriorRings))} holes");
    }

    [Theory]
    [InlineData(Counties)]
    [InlineData(States)]
    public void Header_fields_and_projection_match_ogrinfo(string file)
    {
        string shp = TestData.Shapefile(file);
        string summary = Gdal.Run("ogrinfo", ["-al", "-so", shp]);
        using var reader = CensusFiles.OpenShapefile(shp);

        Assert.Equal(NetTopologySuite.IO.Esri.ShapeType.Polygon, reader.ShapeType);
        Assert.Contains("Geometry: Polygon", summary, StringComparison.Ordinal);
        Assert.Contains($"Feature Count: {reader.RecordCount}", summary, StringComparison.Ordinal);

        var extent = ExtentLine().Match(summary);
        Assert.True(extent.Success, summary);
        double[] e = [.. Enumerable.Range(1, 4).Select(i => double.Parse(extent.Groups[i].Value, CultureInfo.InvariantCulture))];
        Assert.Equal(e[0], reader.BoundingBox.MinX, 6);
        Assert.Equal(e[1], reader.BoundingBox.MinY, 6);
        Assert.Equal(e[2], reader.BoundingBox.MaxX, 6);
        Assert.Equal(e[3], reader.BoundingBox.MaxY, 6);

        // e.g. "ALAND: Integer64 (14.0)", "NAME: String (100.0)"
        var gdalFields = FieldLine().Matches(summary)
            .Select(m => (Name: m.Groups[1].Value, Type: m.Groups[2].Value, Width: int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
                Precision: int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(gdalFields.Select(f => f.Name), reader.Fields.Select(f => f.Name));
        foreach (var (gdal, ours) in gdalFields.Zip(reader.Fields))
        {
            Assert.Equal(gdal.Width, ours.Length);
            Assert.Equal(gdal.Precision, ours.NumericScale);
            Assert.Equal(gdal.Type == "String" ? DbfType.Character : DbfType.Numeric, ours.FieldType);
        }

        Assert.Equal("UTF-8", reader.Encoding.WebName, ignoreCase: true);
        Assert.StartsWith("GEOGCS[\"GCS_North_American_1983\"", reader.Projection, StringComparison.Ordinal);
    }

    [Fact]
    public void Attribute_values_have_the_documented_types()
    {
        using var reader = CensusFiles.OpenShapefile(TestData.Shapefile(Counties));
        var counties = reader.ToList();
        Assert.Equal(3220, counties.Count);
        Assert.All(counties, c => Assert.Matches("^[0-9]{5}$", (string)c.Attributes["GEOID"]));
        var donaAna = counties.Single(f => (string)f.Attributes["GEOID"] == "35013");

        Assert.Equal("Doña Ana", donaAna.Attributes["NAME"]);
        Assert.Equal("35", donaAna.Attributes["STATEFP"]);
        Assert.IsType<long>(donaAna.Attributes["ALAND"]);
        Assert.Equal(
            ["STATEFP", "COUNTYFP", "COUNTYNS", "AFFGEOID", "GEOID", "NAME", "LSAD", "ALAND", "AWATER"],
            donaAna.Attributes.GetNames());
    }

    [GeneratedRegex(@"Extent: \(([-0-9.eE+]+), ([-0-9.eE+]+)\) - \(([-0-9.eE+]+), ([-0-9.eE+]+)\)")]
    private static partial Regex ExtentLine();

    [GeneratedRegex(@"^(\w+): (\w+) \((\d+)\.(\d+)\)$", RegexOptions.Multiline)]
    private static partial Regex FieldLine();
}
