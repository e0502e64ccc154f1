using GeoOrs.Analysis.Projections;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using ProjNet.CoordinateSystems;

namespace GeoOrs.Analysis.Tests.Projections;

using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Expected coordinates come from GDAL 3.6.2 / PROJ (Debian gdal-bin); each block names the command
/// that printed them. Projected coordinates are checked to 0.01 m, geographic ones to 1e-9 degree
/// (about 0.1 mm).
/// </summary>
public class ReprojectionTests
{
    private const double Metre = 0.01;
    private const double Degree = 1e-9;

    /// <summary>The .prj of the US Census cartographic boundary files (ESRI WKT, NAD83 geographic).</summary>
    private const string CensusPrj =
        "GEOGCS[\"GCS_North_American_1983\",DATUM[\"D_North_American_1983\",SPHEROID[\"GRS_1980\",6378137,298.257222101]]," +
        "PRIMEM[\"Greenwich\",0],UNIT[\"Degree\",0.017453292519943295]]";

    /// <summary><c>gdalsrsinfo -o wkt_esri ESRI:102003</c> (USA Contiguous Albers Equal Area Conic, lat_0 = 37.5).</summary>
    private const string EsriUsaAlbersPrj =
        "PROJCS[\"USA_Contiguous_Albers_Equal_Area_Conic\",GEOGCS[\"GCS_North_American_1983\",DATUM[\"D_North_American_1983\"," +
        "SPHEROID[\"GRS_1980\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]," +
        "PROJECTION[\"Albers\"],PARAMETER[\"False_Easting\",0.0],PARAMETER[\"False_Northing\",0.0],PARAMETER[\"Central_Meridian\",-96.0]," +
        "PARAMETER[\"Standard_Parallel_1\",29.5],PARAMETER[\"Standard_Parallel_2\",45.5],PARAMETER[\"Latitude_Of_Origin\",37.5]," +
        "UNIT[\"Meter\",1.0]]";

    /// <summary><c>gdalsrsinfo -o wkt_esri EPSG:26918</c> (NAD83 / UTM zone 18N).</summary>
    private const string EsriUtm18Prj =
        "PROJCS[\"NAD_1983_UTM_Zone_18N\",GEOGCS[\"GCS_North_American_1983\",DATUM[\"D_North_American_1983\"," +
        "SPHEROID[\"GRS_1980\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]," +
        "PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"False_Easting\",500000.0],PARAMETER[\"False_Northing\",0.0]," +
        "PARAMETER[\"Central_Meridian\",-75.0],PARAMETER[\"Scale_Factor\",0.9996],PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]";

    /// <summary><c>gdalsrsinfo -o wkt_esri EPSG:2263</c> (NAD83 / New York Long Island, US survey feet).</summary>
    private const string EsriLongIslandFeetPrj =
        "PROJCS[\"NAD_1983_StatePlane_New_York_Long_Island_FIPS_3104_Feet\",GEOGCS[\"GCS_North_American_1983\"," +
        "DATUM[\"D_North_American_1983\",SPHEROID[\"GRS_1980\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0]," +
        "UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Lambert_Conformal_Conic\"],PARAMETER[\"False_Easting\",984250.0]," +
        "PARAMETER[\"False_Northing\",0.0],PARAMETER[\"Central_Meridian\",-74.0],PARAMETER[\"Standard_Parallel_1\",41.0333333333333]," +
        "PARAMETER[\"Standard_Parallel_2\",40.6666666666667],PARAMETER[\"Latitude_Of_Origin\",40.1666666666667]," +
        "UNIT[\"US survey foot\",0.304800609601219]]";

    /// <summary><c>gdalsrsinfo -o wkt_esri EPSG:3857</c> (ESRI's name for Web Mercator).</summary>
    private const string EsriWebMercatorPrj =
        "PROJCS[\"WGS_1984_Web_Mercator_Auxiliary_Sphere\",GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\"," +
        "SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]," +
        "PROJECTION[\"Mercator_Auxiliary_Sphere\"],PARAMETER[\"False_Easting\",0.0],PARAMETER[\"False_Northing\",0.0]," +
        "PARAMETER[\"Central_Meridian\",0.0],PARAMETER[\"Standard_Parallel_1\",0.0],PARAMETER[\"Auxiliary_Sphere_Type\",0.0]," +
        "UNIT[\"Meter\",1.0]]";

    private static readonly GeometryFactory Factory = new();

    [Theory]
    // printf -- "-96 23\n-77.0365 38.8977\n-122.4194 37.7749\n-149.9003 61.2181\n" \
    //   | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:5070 -output_xy
    [InlineData(-96, 23, 0, 0)]
    [InlineData(-77.0365, 38.8977, 1618600.04927957, 1925474.64332171)]
    [InlineData(-122.4194, 37.7749, -2275431.91474504, 1955935.41713777)]
    [InlineData(-149.9003, 61.2181, -3091177.26236514, 5076132.67985915)]
    public void Wgs84_to_conus_albers_matches_gdaltransform(double lon, double lat, double x, double y)
    {
        var transformer = Reprojection.Create(Crs.Wgs84, Crs.ConusAlbers);

        var (actualX, actualY) = transformer.Transform(lon, lat);

        Assert.Equal(x, actualX, Metre);
        Assert.Equal(y, actualY, Metre);
        var point = transformer.Transform(Factory.CreatePoint(new Coordinate(lon, lat)));
        Assert.Equal(5070, point.SRID);
        Assert.Equal(x, ((Point)point).X, Metre);
        Assert.Equal(y, ((Point)point).Y, Metre);
    }

    [Theory]
    // printf -- "1618600 1925475\n-2000000 500000\n" | gdaltransform -s_srs EPSG:5070 -t_srs EPSG:4326 -output_xy
    [InlineData(1618600, 1925475, -77.0364997392925, 38.8977032062491)]
    [InlineData(-2000000, 500000, -115.863371227027, 25.6581317213105)]
    public void Conus_albers_to_wgs84_matches_gdaltransform(double x, double y, double lon, double lat)
    {
        var (actualLon, actualLat) = Reprojection.Create(Crs.ConusAlbers, Crs.Wgs84).Transform(x, y);

        Assert.Equal(lon, actualLon, Degree);
        Assert.Equal(lat, actualLat, Degree);
    }

    public static TheoryData<string, string, double, double, double, double> EsriPrjCases => new()
    {
        // printf -- "1500000 300000\n-2000000 -500000\n" | gdaltransform -s_srs ESRI:102003 -t_srs EPSG:4326 -output_xy
        { "USA Albers (ESRI:102003)", EsriUsaAlbersPrj, 1500000, 300000, -78.4333256708957, 38.9361563479798 },
        { "USA Albers (ESRI:102003)", EsriUsaAlbersPrj, -2000000, -500000, -117.186124129117, 31.0221021554905 },

        // printf -- "323394.296410752 4307395.63372755\n600000 4500000\n" | gdaltransform -s_srs EPSG:26918 -t_srs EPSG:4326 -output_xy
        { "UTM 18N (EPSG:26918)", EsriUtm18Prj, 323394.296410752, 4307395.63372755, -77.0365, 38.8977 },
        { "UTM 18N (EPSG:26918)", EsriUtm18Prj, 600000, 4500000, -73.8173003773332, 40.6447996505625 },

        // printf -- "988000 200000\n" | gdaltransform -s_srs EPSG:2263 -t_srs EPSG:4326 -output_xy
        { "Long Island feet (EPSG:2263)", EsriLongIslandFeetPrj, 988000, 200000, -73.9864726335113, 40.7156297033049 },

        // printf -- "-8575663.95249602 4707028.55080514\n" | gdaltransform -s_srs EPSG:3857 -t_srs EPSG:4326 -output_xy
        { "Web Mercator (EPSG:3857)", EsriWebMercatorPrj, -8575663.95249602, 4707028.55080514, -77.0365, 38.8977 },
    };

    [Theory]
    [MemberData(nameof(EsriPrjCases))]
    public void Esri_prj_to_wgs84_matches_gdaltransform(string name, string prj, double x, double y, double lon, double lat)
    {
        var toWgs84 = Reprojection.ToWgs84(prj);

        var point = toWgs84(Factory.CreatePoint(new Coordinate(x, y)));

        Assert.Equal(4326, point.SRID);
        Assert.True(Math.Abs(lon - ((Point)point).X) < Degree, $"{name}: longitude {((Point)point).X:R}, expected {lon}");
        Assert.True(Math.Abs(lat - ((Point)point).Y) < Degree, $"{name}: latitude {((Point)point).Y:R}, expected {lat}");
    }

    [Fact]
    public void Census_prj_takes_the_identity_fast_path()
    {
        var transformer = Reprojection.CreateToWgs84(CensusPrj);
        var county = new WKTReader().Read("MULTIPOLYGON (((-106.8 32.0, -106.8 32.8, -106.3 32.8, -106.3 32.0, -106.8 32.0)), ((-107 31, -107 31.1, -106.9 31.1, -107 31)))");
        county.SRID = 4269;

        var result = Reprojection.ToWgs84(CensusPrj)(county);

        Assert.True(transformer.IsIdentity);
        Assert.Equal(4326, result.SRID);
        Assert.Equal(county.Coordinates, result.Coordinates);
        Assert.NotSame(county, result);
        Assert.Equal(4269, county.SRID);
    }

    [Fact]
    public void Nad83_to_wgs84_is_the_null_transformation_like_gdal()
    {
        // printf -- "-77.0365 38.8977\n" | gdaltransform -s_srs EPSG:4269 -t_srs EPSG:4326 -output_xy
        // prints -77.0365 38.8977: without a datum grid PROJ uses "NAD83 to WGS 84 (1)", a null transformation.
        Assert.True(Reprojection.Create(Crs.Nad83, Crs.Wgs84).IsIdentity);
        Assert.True(Reprojection.Create(Crs.Wgs84, Crs.Nad83).IsIdentity);
        Assert.True(Reprojection.Create(Crs.ConusAlbers, Crs.ConusAlbers).IsIdentity);

        // Through a NAD83 projection, WGS 84 and NAD83 give the same projected coordinates.
        var fromNad83 = Reprojection.Create(Crs.Nad83, Crs.ConusAlbers).Transform(-77.0365, 38.8977);
        var fromWgs84 = Reprojection.Create(Crs.Wgs84, Crs.ConusAlbers).Transform(-77.0365, 38.8977);
        Assert.Equal(fromNad83, fromWgs84);
    }

    [Fact]
    public void Other_datums_use_their_towgs84_shift()
    {
        const string nad27 =
            "GEOGCS[\"NAD27\",DATUM[\"North_American_Datum_1927\",SPHEROID[\"Clarke 1866\",6378206.4,294.978698213898]," +
            "TOWGS84[-8,160,176,0,0,0,0]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]";

        // printf -- "-77.0365 38.8977\n" | gdaltransform -s_srs '<the WKT above>' -t_srs EPSG:4326 -output_xy
        var transformer = Reprojection.CreateToWgs84(nad27);
        var (lon, lat) = transformer.Transform(-77.0365, 38.8977);

        Assert.False(transformer.IsIdentity);
        Assert.False(Crs.IsWgs84OrNad83Geographic(Crs.FromWkt(nad27)));
        Assert.Equal(-77.0361761200157, lon, 1e-7);
        Assert.Equal(38.8977327921739, lat, 1e-7);
    }

    [Fact]
    public void Every_geometry_type_is_transformed_and_keeps_its_shape()
    {
        var reader = new WKTReader();
        string[] wkts =
        [
            "POINT (-96 23)",
            "POINT Z (-96 23 150)",
            "LINESTRING (-100 40, -90 41, -80 42)",
            "POLYGON ((-100 30, -100 40, -90 40, -90 30, -100 30), (-98 32, -92 32, -92 38, -98 38, -98 32))",
            "MULTIPOINT ((-96 23), (-77.0365 38.8977))",
            "MULTILINESTRING ((-100 40, -90 41), (-80 30, -81 31, -82 32))",
            "MULTIPOLYGON (((-100 30, -100 40, -90 40, -100 30)), ((-80 30, -80 35, -75 35, -80 30)))",
            "GEOMETRYCOLLECTION (POINT (-96 23), LINESTRING (-100 40, -90 41))",
            "POLYGON EMPTY",
        ];
        var transformer = Reprojection.Create(Crs.Wgs84, Crs.ConusAlbers);
        var single = Reprojection.Create(Crs.Wgs84, Crs.ConusAlbers);

        foreach (string wkt in wkts)
        {
            var input = reader.Read(wkt);
            var output = transformer.Transform(input);

            Assert.Equal(input.GeometryType, output.GeometryType);
            Assert.Equal(input.NumGeometries, output.NumGeometries);
            Assert.Equal(input.NumPoints, output.NumPoints);
            Assert.Equal(5070, output.SRID);
            Assert.All(Enumerable.Range(0, output.NumGeometries), i => Assert.Equal(5070, output.GetGeometryN(i).SRID));
            for (int i = 0; i < input.Coordinates.Length; i++)
            {
                var (x, y) = single.Transform(input.Coordinates[i].X, input.Coordinates[i].Y);
                Assert.Equal(x, output.Coordinates[i].X);
                Assert.Equal(y, output.Coordinates[i].Y);
                Assert.Equal(input.Coordinates[i].Z, output.Coordinates[i].Z);
            }

            Assert.Equal(reader.Read(wkt), input); // the input is left alone
        }

        var origin = transformer.Transform(reader.Read("POINT Z (-96 23 150)"));
        Assert.Equal((0.0, 0.0, 150.0), (Math.Round(origin.Coordinate.X, 6), Math.Round(origin.Coordinate.Y, 6), origin.Coordinate.Z));
        var polygon = (Polygon)transformer.Transform(reader.Read(wkts[3]));
        Assert.True(polygon.IsValid);
        Assert.True(polygon.Area > 0);
    }

    [Fact]
    public void Round_trip_through_conus_albers_is_stable()
    {
        var forward = Reprojection.Create(Crs.Wgs84, Crs.ConusAlbers);
        var back = Reprojection.Create(Crs.ConusAlbers, Crs.Wgs84);
        for (double lon = -124; lon <= -67; lon += 3.7)
        {
            for (double lat = 25; lat <= 49; lat += 2.9)
            {
                var (x, y) = forward.Transform(lon, lat);
                var (lon2, lat2) = back.Transform(x, y);
                Assert.Equal(lon, lon2, Degree);
                Assert.Equal(lat, lat2, Degree);
            }
        }
    }

    [Fact]
    public void Target_srid_defaults_to_the_epsg_code_and_can_be_given()
    {
        var esriAlbers = Crs.FromWkt(EsriUsaAlbersPrj);
        var point = Factory.CreatePoint(new Coordinate(-96, 37.5));

        Assert.Equal(0, Reprojection.Create(Crs.Wgs84, esriAlbers).Transform(point).SRID);
        Assert.Equal(102003, Reprojection.Create(Crs.Wgs84, esriAlbers, 102003).Transform(point).SRID);
        Geometry origin = Reprojection.Create(Crs.Wgs84, esriAlbers).Transform(point);
        Assert.Equal(0, origin.Coordinate.X, Metre);
        Assert.Equal(0, origin.Coordinate.Y, Metre);
    }

    [Fact]
    public void Unparsable_wkt_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => Reprojection.ToWgs84("not a CRS"));
        Assert.Throws<ArgumentException>(() => Reprojection.ToWgs84("  "));
    }

    [Fact]
    public void Projection_not_supported_by_projnet_is_reported()
    {
        string robinson = EsriWebMercatorPrj.Replace("Mercator_Auxiliary_Sphere", "Robinson", StringComparison.Ordinal);

        var error = Record.Exception(() => Reprojection.ToWgs84(robinson));

        Assert.True(error is NotSupportedException or ArgumentException, error?.ToString());
        Assert.Contains("Robinson", error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Well_known_crs_have_their_epsg_codes()
    {
        Assert.Equal(4326, Crs.EpsgCode(Crs.Wgs84));
        Assert.Equal(4269, Crs.EpsgCode(Crs.Nad83));
        Assert.Equal(5070, Crs.EpsgCode(Crs.ConusAlbers));
        Assert.Null(Crs.EpsgCode(Crs.FromWkt(CensusPrj)));
        Assert.IsType<ProjectedCoordinateSystem>(Crs.ConusAlbers);
        Assert.Equal(6378137, Crs.ConusAlbers.GeographicCoordinateSystem.HorizontalDatum.Ellipsoid.SemiMajorAxis);
        Assert.Equal(298.257222101, Crs.ConusAlbers.GeographicCoordinateSystem.HorizontalDatum.Ellipsoid.InverseFlattening, 1e-9);
    }

    [Theory]
    [InlineData(CensusPrj, true)]
    [InlineData("GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]", true)]
    [InlineData("GEOGCS[\"NAD83(HARN)\",DATUM[\"NAD83_High_Accuracy_Reference_Network\",SPHEROID[\"GRS 1980\",6378137,298.257222101]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]", true)]
    [InlineData("GEOGCS[\"GCS_North_American_1927\",DATUM[\"D_North_American_1927\",SPHEROID[\"Clarke_1866\",6378206.4,294.9786982]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]", false)]
    [InlineData("GEOGCS[\"GCS_WGS_1984_grads\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Grad\",0.015707963267949]]", false)]
    [InlineData(EsriUsaAlbersPrj, false)]
    public void Wgs84_or_nad83_geographic_is_recognised(string wkt, bool expected)
    {
        Assert.Equal(expected, Crs.IsWgs84OrNad83Geographic(Crs.FromWkt(wkt)));
        Assert.Equal(expected, Reprojection.CreateToWgs84(wkt).IsIdentity);
    }
}
