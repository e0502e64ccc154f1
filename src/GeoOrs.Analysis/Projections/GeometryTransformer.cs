using NetTopologySuite.Geometries;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;

namespace GeoOrs.Analysis.Projections;

// Keeps 'Geometry' the NTS type even if a GeoOrs.Analysis.Geometry namespace appears.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Transforms NetTopologySuite geometries of every type from one coordinate reference system to
/// another. Create instances with <see cref="Reprojection.Create(CoordinateSystem, CoordinateSystem, int?)"/>.
/// </summary>
/// <remarks>
/// <para>
/// The transformation is a chain of ProjNet math transforms: the inverse projection of the source
/// (when it is projected), a datum change between the two geographic coordinate systems (left out
/// when both are WGS 84 / NAD83, see <see cref="Crs.IsWgs84OrNad83Datum(HorizontalDatum)"/>), and the
/// projection of the target (when it is projected). An empty chain is the identity: the geometry is
/// copied and only its SRID changes.
/// </para>
/// <para>
/// Only X and Y are transformed; Z and M ordinates are copied unchanged. The input geometry is never
/// modified: <see cref="Transform(Geometry)"/> returns a new geometry carrying <see cref="TargetSrid"/>.
/// </para>
/// <para>
/// Instances hold no mutable state of their own, but ProjNet does not document the thread safety of
/// its math transforms, so use one transformer per thread when transforming in parallel.
/// </para>
/// </remarks>
public sealed class GeometryTransformer
{
    private readonly MathTransform[] _steps;

    internal GeometryTransformer(CoordinateSystem source, CoordinateSystem target, int targetSrid, MathTransform[] steps)
    {
        Source = source;
        Target = target;
        TargetSrid = targetSrid;
        _steps = steps;
    }

    /// <summary>The coordinate system the input coordinates are in.</summary>
    public CoordinateSystem Source { get; }

    /// <summary>The coordinate system the output coordinates are in.</summary>
    public CoordinateSystem Target { get; }

    /// <summary>The SRID given to every transformed geometry (the target's EPSG code, or as requested).</summary>
    public int TargetSrid { get; }

    /// <summary>
    /// <see langword="true"/> when coordinates are not changed at all (same CRS, or WGS 84 / NAD83
    /// geographic on both sides); <see cref="Transform(Geometry)"/> then only copies and sets the SRID.
    /// </summary>
    public bool IsIdentity => _steps.Length == 0;

    /// <summary>Transforms one coordinate pair.</summary>
    /// <param name="x">X (easting, or longitude in degrees) in the source CRS.</param>
    /// <param name="y">Y (northing, or latitude in degrees) in the source CRS.</param>
    /// <returns>The coordinate pair in the target CRS.</returns>
    public (double X, double Y) Transform(double x, double y)
    {
        foreach (var step in _steps)
        {
            step.Transform(ref x, ref y);
        }

        return (x, y);
    }

    /// <summary>
    /// Transforms a geometry of any type (points, lines, polygons, multi-geometries, collections,
    /// empty geometries) into a new geometry whose SRID is <see cref="TargetSrid"/>.
    /// </summary>
    /// <param name="geometry">The geometry, in the source CRS; it is not modified.</param>
    /// <returns>A transformed copy.</returns>
    public Geometry Transform(Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var copy = geometry.Copy();
        if (_steps.Length != 0 && !copy.IsEmpty)
        {
            copy.Apply(new TransformFilter(_steps));
        }

        copy.SRID = TargetSrid;
        return copy;
    }

    /// <summary>Applies the transform chain to every coordinate of every sequence.</summary>
    private sealed class TransformFilter(MathTransform[] steps) : IEntireCoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq)
        {
            for (int i = 0; i < seq.Count; i++)
            {
                double x = seq.GetX(i);
                double y = seq.GetY(i);
                foreach (var step in steps)
                {
                    step.Transform(ref x, ref y);
                }

                seq.SetX(i, x);
                seq.SetY(i, y);
            }
        }
    }
}
