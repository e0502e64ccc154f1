using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Index.Strtree;

namespace GeoOrs.Analysis.Spatial;

// Keeps 'Geometry' the NTS type even if a GeoOrs.Analysis.Geometry namespace appears.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Contiguity weights between polygons (counties, tracts, hexagons): queen contiguity, where polygons
/// sharing at least one boundary point are neighbours, and rook contiguity, where they must share a
/// stretch of boundary of positive length (R spdep's <c>poly2nb(queen = TRUE / FALSE)</c>, PySAL's
/// <c>Queen</c> and <c>Rook</c>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Candidates.</b> Only pairs whose envelopes intersect are examined, found with an STR-tree
/// (Leutenegger, Edgington &amp; Lopez, 1997); all pairs are never compared.
/// </para>
/// <para>
/// <b>Exact coordinates first.</b> The polygons are assumed to form a clean coverage, as the US Census
/// TIGER/Line boundaries do: where two polygons meet they have the same vertices, bit for bit. A pair is
/// then queen neighbours when they share a vertex and rook neighbours when they share an edge (the same
/// two consecutive vertices, in either direction), which is what PySAL's <c>Queen</c> and <c>Rook</c> test.
/// Vertices and edges are compared in sorted arrays restricted to the intersection of the two envelopes,
/// so a pair costs O(log m + k log m) for k vertices of one polygon within the x-range of that window.
/// </para>
/// <para>
/// <b>NetTopologySuite only where needed.</b> Unless exact matching is requested alone, a pair the exact
/// test does not settle is decided by NTS, which tolerates coverages that are not clean (a vertex of one
/// polygon in the middle of an edge of the other, edges split differently on the two sides):
/// for queen, a candidate pair with no shared vertex is a neighbour when the polygons intersect (a
/// prepared-geometry <c>Intersects</c>); for rook, a candidate pair with no shared edge is a neighbour
/// when its boundaries intersect in a line (DE-9IM boundary/boundary entry of dimension 1), checked only
/// for pairs that share a vertex or intersect and whose envelopes overlap in more than a point.
/// Overlapping polygons are thus queen neighbours, and rook neighbours only when their boundaries overlap
/// along a line. The NTS operations may throw
/// <see cref="TopologyException"/> for invalid polygons.
/// </para>
/// <para>Empty geometries have no neighbours (islands). Features are numbered by their position in the list.</para>
/// </remarks>
public static class ContiguityWeights
{
    /// <summary>Builds binary queen contiguity weights: polygons sharing at least one point are neighbours.</summary>
    /// <param name="polygons">The polygons or multipolygons, in one planar or geographic CRS.</param>
    /// <returns>Symmetric binary weights.</returns>
    public static SpatialWeights Queen(IReadOnlyList<Geometry> polygons) => Queen(polygons, exactCoordinatesOnly: false);

    /// <summary>Builds binary queen contiguity weights, choosing whether NTS decides pairs exact coordinates do not.</summary>
    /// <param name="polygons">The polygons or multipolygons, in one planar or geographic CRS.</param>
    /// <param name="exactCoordinatesOnly">
    /// <see langword="true"/> to rely on shared vertices alone (PySAL's behaviour; faster, right for a clean
    /// coverage); <see langword="false"/> to also ask NTS whether pairs without a shared vertex intersect.
    /// </param>
    /// <param name="cancellationToken">Stops the work (checked every 256 polygons).</param>
    /// <returns>Symmetric binary weights.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static SpatialWeights Queen(IReadOnlyList<Geometry> polygons, bool exactCoordinatesOnly, CancellationToken cancellationToken = default) =>
        new Builder(polygons, rook: false, exactCoordinatesOnly, cancellationToken).Build();

    /// <summary>Builds binary rook contiguity weights: polygons sharing a boundary segment of positive length are neighbours.</summary>
    /// <param name="polygons">The polygons or multipolygons, in one planar or geographic CRS.</param>
    /// <returns>Symmetric binary weights.</returns>
    public static SpatialWeights Rook(IReadOnlyList<Geometry> polygons) => Rook(polygons, exactCoordinatesOnly: false);

    /// <summary>Builds binary rook contiguity weights, choosing whether NTS decides pairs exact coordinates do not.</summary>
    /// <param name="polygons">The polygons or multipolygons, in one planar or geographic CRS.</param>
    /// <param name="exactCoordinatesOnly">
    /// <see langword="true"/> to rely on shared edges alone (PySAL's behaviour; faster, right for a clean
    /// coverage); <see langword="false"/> to also ask NTS whether touching pairs without a shared edge share a line.
    /// </param>
    /// <param name="cancellationToken">Stops the work (checked every 256 polygons).</param>
    /// <returns>Symmetric binary weights.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static SpatialWeights Rook(IReadOnlyList<Geometry> polygons, bool exactCoordinatesOnly, CancellationToken cancellationToken = default) =>
        new Builder(polygons, rook: true, exactCoordinatesOnly, cancellationToken).Build();

    /// <summary>
    /// Counts the ordered pairs (i, j), i ≠ j, of polygons whose envelopes intersect — the pairs that
    /// contiguity must test, and an upper bound on the neighbour pairs <see cref="Queen(IReadOnlyList{Geometry})"/>
    /// and <see cref="Rook(IReadOnlyList{Geometry})"/> find — with an R-tree of the envelopes, stopping
    /// as soon as the count passes <paramref name="limit"/>; so polygons that would make a huge
    /// neighbour list, or a long contiguity test, can be refused before either is built.
    /// </summary>
    /// <param name="polygons">The polygons or multipolygons.</param>
    /// <param name="limit">The count at which to stop, ≥ 0.</param>
    /// <param name="cancellationToken">Stops the count (checked every 256 polygons).</param>
    /// <returns>The number of pairs when it is at most <paramref name="limit"/>; otherwise some number above it.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static long CountOverlappingEnvelopes(IReadOnlyList<Geometry> polygons, long limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var tree = new STRtree<int>();
        for (int i = 0; i < polygons.Count; i++)
        {
            if (polygons[i] is { IsEmpty: false } polygon)
            {
                tree.Insert(polygon.EnvelopeInternal, i);
            }
        }

        tree.Build();
        long count = 0;
        for (int i = 0; i < polygons.Count && count <= limit; i++)
        {
            if ((i & 255) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (polygons[i] is { IsEmpty: false } polygon)
            {
                count += tree.Query(polygon.EnvelopeInternal).Count - 1; // itself
            }
        }

        return count;
    }

    /// <summary>A vertex, ordered by X then Y.</summary>
    private readonly record struct Vertex(double X, double Y) : IComparable<Vertex>
    {
        public int CompareTo(Vertex other)
        {
            int c = X.CompareTo(other.X);
            return c != 0 ? c : Y.CompareTo(other.Y);
        }
    }

    /// <summary>An edge with its endpoints in ascending order, ordered by its first then its second endpoint.</summary>
    private readonly record struct Edge(Vertex A, Vertex B) : IComparable<Edge>
    {
        public int CompareTo(Edge other)
        {
            int c = A.CompareTo(other.A);
            return c != 0 ? c : B.CompareTo(other.B);
        }
    }

    /// <summary>Holds the working state of one build: sorted vertices and edges per polygon, prepared geometries on demand.</summary>
    private sealed class Builder
    {
        private readonly IReadOnlyList<Geometry> _polygons;
        private readonly bool _rook;
        private readonly bool _exactOnly;
        private readonly Vertex[][] _vertices;
        private readonly Edge[][] _edges;
        private readonly IPreparedGeometry?[] _prepared;
        private readonly CancellationToken _cancellationToken;

        public Builder(IReadOnlyList<Geometry> polygons, bool rook, bool exactOnly, CancellationToken cancellationToken)
        {
            _cancellationToken = cancellationToken;
            ArgumentNullException.ThrowIfNull(polygons);
            _polygons = polygons;
            _rook = rook;
            _exactOnly = exactOnly;
            int n = polygons.Count;
            _vertices = new Vertex[n][];
            _edges = new Edge[n][];
            _prepared = new IPreparedGeometry?[n];
            for (int i = 0; i < n; i++)
            {
                var polygon = polygons[i] ?? throw new ArgumentException($"Polygon {i} is null.", nameof(polygons));
                (_vertices[i], _edges[i]) = Extract(polygon, rook);
            }
        }

        public SpatialWeights Build()
        {
            int n = _polygons.Count;
            var tree = new STRtree<int>();
            for (int i = 0; i < n; i++)
            {
                if (!_polygons[i].IsEmpty)
                {
                    tree.Insert(_polygons[i].EnvelopeInternal, i);
                }
            }

            tree.Build();
            var rows = new List<int>[n];
            for (int i = 0; i < n; i++)
            {
                rows[i] = [];
            }

            for (int i = 0; i < n; i++)
            {
                if ((i & 255) == 0)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                }

                if (_polygons[i].IsEmpty)
                {
                    continue;
                }

                var envelope = _polygons[i].EnvelopeInternal;
                foreach (int j in tree.Query(envelope))
                {
                    if (j > i && AreNeighbors(i, j, envelope.Intersection(_polygons[j].EnvelopeInternal)))
                    {
                        rows[i].Add(j);
                        rows[j].Add(i);
                    }
                }
            }

            var offsets = new int[n + 1];
            for (int i = 0; i < n; i++)
            {
                offsets[i + 1] = offsets[i] + rows[i].Count;
            }

            var indices = new int[offsets[n]];
            for (int i = 0; i < n; i++)
            {
                rows[i].Sort();
                rows[i].CopyTo(indices, offsets[i]);
            }

            return SpatialWeights.FromSortedRows(offsets, indices);
        }

        private bool AreNeighbors(int i, int j, Envelope window)
        {
            bool sharedVertex = ShareVertex(_vertices[i], _vertices[j], window);
            if (!_rook)
            {
                return sharedVertex || (!_exactOnly && Prepared(i).Intersects(_polygons[j]));
            }

            if (sharedVertex && ShareEdge(_edges[i], _edges[j], window))
            {
                return true;
            }

            // A shared stretch of boundary lies inside both envelopes, so a window that is a single point
            // (polygons meeting at a corner of both envelopes, as diagonal cells of a grid) rules it out.
            if (_exactOnly || (window.Width == 0 && window.Height == 0)
                || !(sharedVertex || Prepared(i).Intersects(_polygons[j])))
            {
                return false;
            }

            var matrix = _polygons[i].Relate(_polygons[j]);
            return matrix.Get(Location.Boundary, Location.Boundary) == Dimension.Curve;
        }

        private IPreparedGeometry Prepared(int i) => _prepared[i] ??= PreparedGeometryFactory.Prepare(_polygons[i]);

        /// <summary>Whether the two sorted vertex arrays have a vertex in common inside the window.</summary>
        private static bool ShareVertex(Vertex[] a, Vertex[] b, Envelope window)
        {
            if (a.Length > b.Length)
            {
                (a, b) = (b, a);
            }

            for (int p = LowerBoundX(a, window.MinX); p < a.Length && a[p].X <= window.MaxX; p++)
            {
                var v = a[p];
                if (v.Y >= window.MinY && v.Y <= window.MaxY && Array.BinarySearch(b, v) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the two sorted edge arrays have an edge in common inside the window.</summary>
        private static bool ShareEdge(Edge[] a, Edge[] b, Envelope window)
        {
            if (a.Length > b.Length)
            {
                (a, b) = (b, a);
            }

            int lo = 0, hi = a.Length;
            while (lo < hi)
            {
                int mid = lo + ((hi - lo) / 2);
                if (a[mid].A.X < window.MinX)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            for (int p = lo; p < a.Length && a[p].A.X <= window.MaxX; p++)
            {
                var e = a[p];
                if (window.Contains(e.A.X, e.A.Y) && window.Contains(e.B.X, e.B.Y) && Array.BinarySearch(b, e) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static int LowerBoundX(Vertex[] a, double x)
        {
            int lo = 0, hi = a.Length;
            while (lo < hi)
            {
                int mid = lo + ((hi - lo) / 2);
                if (a[mid].X < x)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }

        /// <summary>The distinct vertices and (for rook) distinct non-degenerate edges of every ring or line, sorted.</summary>
        private static (Vertex[] Vertices, Edge[] Edges) Extract(Geometry geometry, bool withEdges)
        {
            var vertices = new List<Vertex>();
            var edges = new List<Edge>();
            foreach (var line in LinearComponentExtracter.GetLines(geometry))
            {
                var sequence = ((LineString)line).CoordinateSequence;
                for (int k = 0; k < sequence.Count; k++)
                {
                    var v = new Vertex(sequence.GetX(k), sequence.GetY(k));
                    vertices.Add(v);
                    if (withEdges && k > 0)
                    {
                        var u = new Vertex(sequence.GetX(k - 1), sequence.GetY(k - 1));
                        int c = u.CompareTo(v);
                        if (c != 0)
                        {
                            edges.Add(c < 0 ? new Edge(u, v) : new Edge(v, u));
                        }
                    }
                }
            }

            if (geometry is Point or MultiPoint)
            {
                foreach (var c in geometry.Coordinates)
                {
                    vertices.Add(new Vertex(c.X, c.Y));
                }
            }

            return (SortedDistinct(vertices), SortedDistinct(edges));
        }

        private static T[] SortedDistinct<T>(List<T> items)
            where T : IComparable<T>
        {
            items.Sort();
            int count = 0;
            for (int k = 0; k < items.Count; k++)
            {
                if (count == 0 || items[k].CompareTo(items[count - 1]) != 0)
                {
                    items[count++] = items[k];
                }
            }

            return [.. items.GetRange(0, count)];
        }
    }
}
