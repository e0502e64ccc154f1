using NetTopologySuite.Geometries;

namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// The true area of a polygon drawn in longitude and latitude with straight edges in those degrees —
/// the region that PostGIS geometry in EPSG:4326, and every planar test on it, takes as inside — on
/// the authalic sphere of WGS 84, so that it is exact on an equal-area basis however large or
/// distorted the polygon: a polygon spanning −180…180 and −90…90 is the whole Earth, 510 million km².
/// </summary>
/// <remarks>
/// <para>
/// The area element of the sphere is R² cos φ dφ dλ. By Green's theorem,
/// A = R² |∮ sin φ dλ| over the rings (the sign depends on the ring's orientation). Along an edge from
/// (λ₁, φ₁) to (λ₂, φ₂) on which φ is linear in λ, ∫ sin φ dλ = Δλ (cos φ₁ − cos φ₂) / (φ₂ − φ₁)
/// = Δλ sin φ̄ · sin(δ/2) / (δ/2), with φ̄ the mean latitude and δ = φ₂ − φ₁ (the second form stays
/// exact as δ → 0). A polygon's area is its shell's less its holes'; a multipolygon's, the sum of its parts'.
/// </para>
/// <para>
/// R = 6,371,007.2 m, the radius of the sphere of the same area as the GRS 80 / WGS 84 ellipsoid
/// (Snyder, <i>Map Projections — A Working Manual</i>, USGS Professional Paper 1395, 1987, p. 16). Areas on
/// the sphere differ from the ellipsoid's by under 0.5 % for regions of a few degrees; the value is meant
/// for bounds on work, not for reporting.
/// </para>
/// </remarks>
public static class LonLatArea
{
    /// <summary>The radius of the authalic sphere of WGS 84, in metres.</summary>
    public const double AuthalicRadius = 6_371_007.2;

    /// <summary>The area in square metres of a polygon or multipolygon in longitude/latitude degrees; 0 for other geometries.</summary>
    /// <param name="geometry">The geometry, x = longitude and y = latitude in degrees.</param>
    /// <returns>The area in m².</returns>
    public static double Of(Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        double area = 0;
        for (int g = 0; g < geometry.NumGeometries; g++)
        {
            if (geometry.GetGeometryN(g) is Polygon polygon && !polygon.IsEmpty)
            {
                area += Ring(polygon.ExteriorRing.CoordinateSequence);
                for (int h = 0; h < polygon.NumInteriorRings; h++)
                {
                    area -= Ring(polygon.GetInteriorRingN(h).CoordinateSequence);
                }
            }
        }

        return Math.Max(0, area);
    }

    /// <summary>The area enclosed by one ring, in m².</summary>
    private static double Ring(CoordinateSequence ring)
    {
        const double ToRadians = Math.PI / 180;
        double sum = 0;
        for (int k = 1; k < ring.Count; k++)
        {
            double l1 = ring.GetX(k - 1) * ToRadians, p1 = ring.GetY(k - 1) * ToRadians;
            double l2 = ring.GetX(k) * ToRadians, p2 = ring.GetY(k) * ToRadians;
            double half = (p2 - p1) / 2;
            double sinc = Math.Abs(half) < 1e-9 ? 1 : Math.Sin(half) / half;
            sum += (l2 - l1) * Math.Sin((p1 + p2) / 2) * sinc;
        }

        return Math.Abs(sum) * AuthalicRadius * AuthalicRadius;
    }
}
