using NetTopologySuite.Algorithm;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Shapefiles;

// GeoOrs.Data.Geometry is a namespace; this alias makes 'Geometry' mean the NTS type here.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Builds a Polygon or MultiPolygon from the rings of a shapefile Polygon record.
/// </summary>
/// <remarks>
/// <para>
/// ESRI Shapefile Technical Description (July 1998), "Polygon": "The order of vertices or
/// orientation for a ring indicates which side of the ring is the interior of the polygon. The
/// neighborhood to the right of an observer walking along the ring in vertex order is the
/// neighborhood inside the polygon. Vertices of rings defining holes in polygons are in a
/// counterclockwise direction." So clockwise rings are outer rings (shells) and counter-clockwise
/// rings are holes; the ring order within a record is not significant.
/// </para>
/// <para>
/// Each hole goes to the smallest shell that contains it: candidate shells are those whose envelope
/// covers the hole's envelope, then a vertex of the hole that is not on the shell boundary is located
/// in the shell (ray crossing, or an <see cref="IndexedPointInAreaLocator"/> for shells tested many
/// times). With a single shell every hole goes to it without tests, as GDAL does. A hole contained in
/// no shell becomes a polygon of its own (as do the rings of a record that has only counter-clockwise
/// rings).
/// </para>
/// <para>
/// The result is a <see cref="Polygon"/> when there is one shell and a <see cref="MultiPolygon"/>
/// when there are several, the polygons in the order of their shells in the record.
/// </para>
/// </remarks>
internal static class PolygonAssembler
{
    /// <summary>Shells tested at least this many times get a spatial index of their edges.</summary>
    private const int IndexAfterTests = 8;

    /// <summary>Assembles the rings of one record.</summary>
    /// <param name="factory">The geometry factory.</param>
    /// <param name="rings">The rings, in record order; at least one.</param>
    /// <returns>A Polygon or a MultiPolygon.</returns>
    public static Geometry Assemble(GeometryFactory factory, IReadOnlyList<LinearRing> rings)
    {
        if (rings.Count == 1)
        {
            return factory.CreatePolygon(rings[0]);
        }

        var shells = new List<Shell>();
        var holes = new List<int>();
        for (int i = 0; i < rings.Count; i++)
        {
            if (Orientation.IsCCW(rings[i].CoordinateSequence))
            {
                holes.Add(i);
            }
            else
            {
                shells.Add(new Shell(i, rings[i]));
            }
        }

        if (shells.Count == 0)
        {
            // Only counter-clockwise rings: the file does not follow the orientation rule, so every
            // ring is taken as an outer ring.
            return Combine(factory, [.. rings.Select((ring, i) => new Shell(i, ring))]);
        }

        if (shells.Count == 1)
        {
            shells[0].Holes.AddRange(holes.Select(i => rings[i]));
            return Combine(factory, shells);
        }

        foreach (int holeIndex in holes)
        {
            var hole = rings[holeIndex];
            var owner = FindOwner(factory, shells, hole);
            if (owner is null)
            {
                shells.Add(new Shell(holeIndex, hole));
            }
            else
            {
                owner.Holes.Add(hole);
            }
        }

        return Combine(factory, shells);
    }

    /// <summary>The smallest shell containing <paramref name="hole"/>, or <see langword="null"/>.</summary>
    private static Shell? FindOwner(GeometryFactory factory, List<Shell> shells, LinearRing hole)
    {
        var holeEnvelope = hole.EnvelopeInternal;
        Shell? best = null;
        foreach (var shell in shells)
        {
            if (!shell.Envelope.Covers(holeEnvelope)
                || (best is not null && shell.Envelope.Area >= best.Envelope.Area)
                || !shell.Contains(factory, hole))
            {
                continue;
            }

            best = shell;
        }

        return best;
    }

    private static Geometry Combine(GeometryFactory factory, List<Shell> shells)
    {
        shells.Sort((a, b) => a.RingIndex.CompareTo(b.RingIndex));
        var polygons = new Polygon[shells.Count];
        for (int i = 0; i < polygons.Length; i++)
        {
            polygons[i] = factory.CreatePolygon(shells[i].Ring, [.. shells[i].Holes]);
        }

        return polygons.Length == 1 ? polygons[0] : factory.CreateMultiPolygon(polygons);
    }

    /// <summary>An outer ring, its holes and a lazily built point locator.</summary>
    private sealed class Shell(int ringIndex, LinearRing ring)
    {
        private IndexedPointInAreaLocator? _locator;
        private int _tests;

        public int RingIndex { get; } = ringIndex;

        public LinearRing Ring { get; } = ring;

        public Envelope Envelope { get; } = ring.EnvelopeInternal;

        public List<LinearRing> Holes { get; } = [];

        /// <summary>
        /// Whether the hole lies inside this ring, judged by the first hole vertex that is not on the
        /// ring; a hole lying entirely on the ring counts as inside.
        /// </summary>
        public bool Contains(GeometryFactory factory, LinearRing hole)
        {
            _tests++;
            if (_locator is null && _tests >= IndexAfterTests)
            {
                _locator = new IndexedPointInAreaLocator(factory.CreatePolygon(Ring));
            }

            var holeSequence = hole.CoordinateSequence;
            var shellSequence = Ring.CoordinateSequence;
            var point = new Coordinate();
            for (int i = 0; i < holeSequence.Count; i++)
            {
                point.X = holeSequence.GetX(i);
                point.Y = holeSequence.GetY(i);
                var location = _locator is not null
                    ? _locator.Locate(point)
                    : RayCrossingCounter.LocatePointInRing(point, shellSequence);
                if (location != Location.Boundary)
                {
                    return location == Location.Interior;
                }
            }

            return true;
        }
    }
}
