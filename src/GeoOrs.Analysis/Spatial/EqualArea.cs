using GeoOrs.Analysis.Projections;

namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// Projects WGS 84 longitude/latitude to NAD83 / Conus Albers (EPSG:5070), an equal-area conic in
/// metres, so that distances and neighbourhoods for the spatial statistics are planar and comparable
/// across the contiguous United States.
/// </summary>
/// <remarks>
/// The projection is ProjNet's Albers equal-area conic (Snyder, <i>Map Projections — A Working
/// Manual</i>, USGS Professional Paper 1395, 1987, §14) with the EPSG:5070 parameters of
/// <see cref="Crs.ConusAlbers"/>. WGS 84 and NAD83 are treated as the same datum (about a metre apart),
/// as in <see cref="Reprojection"/>. Areas are true everywhere; lengths have a scale error of at most
/// 1.25 % over the 48 contiguous states with these standard parallels (29.5° N, 45.5° N; Snyder 1987,
/// p. 98), so distance bands in metres mean the same from coast to coast. Alaska, Hawaii and the
/// territories are distorted much more and are better projected with their own equal-area systems.
/// </remarks>
public static class EqualArea
{
    [ThreadStatic]
    private static GeometryTransformer? t_transformer;

    /// <summary>Projects one longitude/latitude pair (degrees) to EPSG:5070 metres.</summary>
    /// <param name="lon">Longitude in degrees east.</param>
    /// <param name="lat">Latitude in degrees north.</param>
    /// <returns>Easting X and northing Y in metres.</returns>
    public static (double X, double Y) Project(double lon, double lat) => Transformer().Transform(lon, lat);

    /// <summary>Projects longitude/latitude pairs (degrees) to EPSG:5070 metres.</summary>
    /// <param name="points">The points as (longitude, latitude) in degrees.</param>
    /// <returns>The projected points, in the same order.</returns>
    public static (double X, double Y)[] Project(IReadOnlyList<(double Lon, double Lat)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var transformer = Transformer();
        var result = new (double X, double Y)[points.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = transformer.Transform(points[i].Lon, points[i].Lat);
        }

        return result;
    }

    /// <summary>One transformer per thread: ProjNet does not document its transforms as thread-safe.</summary>
    private static GeometryTransformer Transformer() =>
        t_transformer ??= Reprojection.Create(Crs.Wgs84, Crs.ConusAlbers, Crs.ConusAlbersSrid);
}
