using System.Collections.Frozen;
using GeoOrs.Analysis.Projections;

namespace GeoOrs.Data.Ingest;

/// <summary>The coordinate systems a mapping may name for its coordinates, each with its transform to WGS84 lon/lat.</summary>
public static class CoordinateSystems
{
    private const string WebMercatorWkt =
        "PROJCS[\"WGS 84 / Pseudo-Mercator\",GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563]]," +
        "PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]],PROJECTION[\"Pseudo-Mercator\"]," +
        "PARAMETER[\"latitude_of_origin\",0],PARAMETER[\"central_meridian\",0],PARAMETER[\"scale_factor\",1]," +
        "PARAMETER[\"false_easting\",0],PARAMETER[\"false_northing\",0],UNIT[\"metre\",1],AUTHORITY[\"EPSG\",\"3857\"]]";

    private static readonly FrozenDictionary<int, GeometryTransformer> ToWgs84 = new Dictionary<int, GeometryTransformer>
    {
        [Crs.Wgs84Srid] = Reprojection.Create(Crs.Wgs84, Crs.Wgs84),
        [Crs.Nad83Srid] = Reprojection.Create(Crs.Nad83, Crs.Wgs84),
        [Crs.ConusAlbersSrid] = Reprojection.Create(Crs.ConusAlbers, Crs.Wgs84),
        [3857] = Reprojection.Create(Crs.FromWkt(WebMercatorWkt), Crs.Wgs84),
    }.ToFrozenDictionary();

    /// <summary>The EPSG codes known.</summary>
    public static IEnumerable<int> Known => ToWgs84.Keys.Order();

    /// <summary>True when <paramref name="epsg"/> is known.</summary>
    /// <param name="epsg">An EPSG code.</param>
    /// <returns>Whether a mapping may name it.</returns>
    public static bool IsKnown(int epsg) => ToWgs84.ContainsKey(epsg);

    /// <summary>The transform from <paramref name="epsg"/> to WGS84 lon/lat.</summary>
    /// <param name="epsg">A known EPSG code.</param>
    /// <returns>The transformer.</returns>
    public static GeometryTransformer Wgs84From(int epsg) => ToWgs84[epsg];
}
