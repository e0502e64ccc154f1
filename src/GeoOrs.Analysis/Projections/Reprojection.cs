using NetTopologySuite.Geometries;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;

namespace GeoOrs.Analysis.Projections;

// Keeps 'Geometry' the NTS type even if a GeoOrs.Analysis.Geometry namespace appears.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Reprojects NetTopologySuite geometries between coordinate reference systems with ProjNet.
/// </summary>
/// <remarks>
/// <para>
/// WGS 84 and NAD83 (any realisation) are treated as the same datum, as GDAL/PROJ do when no
/// datum grid is installed (EPSG's "NAD83 to WGS 84 (1)" null transformation): NAD83
/// longitude/latitude are used as WGS 84 longitude/latitude unchanged, and a NAD83 projected CRS
/// is converted to WGS 84 by its inverse projection only. Other datums use the datum shift
/// ProjNet builds from the WKT (<c>TOWGS84</c>), if any.
/// </para>
/// <para>Geographic coordinates are always in longitude (X), latitude (Y) order.</para>
/// </remarks>
public static class Reprojection
{
    /// <summary>
    /// Returns a function that transforms a geometry from the CRS described by
    /// <paramref name="sourceWkt"/> (OGC or ESRI WKT, e.g. a shapefile's <c>.prj</c>) to WGS 84
    /// longitude/latitude (EPSG:4326). Results carry SRID 4326.
    /// </summary>
    /// <param name="sourceWkt">The source CRS as WKT.</param>
    /// <returns>
    /// The transforming function. When the source is geographic on WGS 84 or NAD83 it only copies
    /// the geometry and sets SRID 4326 (see <see cref="Crs.IsWgs84OrNad83Geographic(CoordinateSystem)"/>).
    /// </returns>
    /// <exception cref="ArgumentException">The WKT cannot be parsed.</exception>
    /// <exception cref="NotSupportedException">ProjNet does not support the source projection.</exception>
    public static Func<Geometry, Geometry> ToWgs84(string sourceWkt) => CreateToWgs84(sourceWkt).Transform;

    /// <summary>
    /// Creates a transformer from the CRS described by <paramref name="sourceWkt"/> (OGC or ESRI
    /// WKT) to WGS 84 longitude/latitude (EPSG:4326).
    /// </summary>
    /// <param name="sourceWkt">The source CRS as WKT.</param>
    /// <returns>The transformer; <see cref="GeometryTransformer.IsIdentity"/> tells whether the fast path applies.</returns>
    /// <exception cref="ArgumentException">The WKT cannot be parsed.</exception>
    /// <exception cref="NotSupportedException">ProjNet does not support the source projection.</exception>
    public static GeometryTransformer CreateToWgs84(string sourceWkt) =>
        Create(Crs.FromWkt(sourceWkt), Crs.Wgs84, Crs.Wgs84Srid);

    /// <summary>
    /// Creates a transformer between two coordinate systems.
    /// </summary>
    /// <param name="from">The source CRS.</param>
    /// <param name="to">The target CRS (geographic or projected).</param>
    /// <param name="targetSrid">
    /// SRID to give transformed geometries; by default the target's EPSG code
    /// (<see cref="Crs.EpsgCode(CoordinateSystem)"/>), or 0 when it has none.
    /// </param>
    /// <returns>The transformer.</returns>
    /// <exception cref="NotSupportedException">
    /// A CRS is neither geographic nor projected, or ProjNet does not support a projection.
    /// </exception>
    public static GeometryTransformer Create(CoordinateSystem from, CoordinateSystem to, int? targetSrid = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        int srid = targetSrid ?? Crs.EpsgCode(to) ?? 0;

        var fromGeographic = BaseGeographic(from, nameof(from));
        var toGeographic = BaseGeographic(to, nameof(to));
        if (ReferenceEquals(from, to) || from.EqualParams(to)
            || (Crs.IsWgs84OrNad83Geographic(from) && Crs.IsWgs84OrNad83Geographic(to)))
        {
            return new GeometryTransformer(from, to, srid, []);
        }

        var factory = new CoordinateTransformationFactory();
        var steps = new List<MathTransform>(3);
        if (from is ProjectedCoordinateSystem projectedFrom)
        {
            steps.Add(factory.CreateFromCoordinateSystems(projectedFrom, fromGeographic).MathTransform);
        }

        bool sameDatum = fromGeographic.EqualParams(toGeographic)
            || (Crs.IsWgs84OrNad83Geographic(fromGeographic) && Crs.IsWgs84OrNad83Geographic(toGeographic));
        if (!sameDatum)
        {
            steps.Add(factory.CreateFromCoordinateSystems(fromGeographic, toGeographic).MathTransform);
        }

        if (to is ProjectedCoordinateSystem projectedTo)
        {
            steps.Add(factory.CreateFromCoordinateSystems(toGeographic, projectedTo).MathTransform);
        }

        return new GeometryTransformer(from, to, srid, [.. steps]);
    }

    /// <summary>Returns the CRS itself when geographic, or the geographic CRS a projected CRS is based on.</summary>
    private static GeographicCoordinateSystem BaseGeographic(CoordinateSystem crs, string parameterName) => crs switch
    {
        GeographicCoordinateSystem geographic => geographic,
        ProjectedCoordinateSystem projected => projected.GeographicCoordinateSystem,
        _ => throw new NotSupportedException(
            $"Parameter '{parameterName}': only geographic and projected coordinate systems are supported, not {crs.GetType().Name} '{crs.Name}'."),
    };
}
