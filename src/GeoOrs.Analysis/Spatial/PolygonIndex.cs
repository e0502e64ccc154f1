using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// Finds which of a set of polygons (counties) holds a point: an STR-tree over their envelopes
/// (Leutenegger, Edgington &amp; Lopez, <i>STR: A Simple and Efficient Algorithm for R-Tree Packing</i>,
/// 1997) and an indexed point-in-area test per polygon, so a lookup costs O(log n + log m) for n
/// polygons of m edges. A point on a shared boundary belongs to every polygon it touches; the one
/// with the lowest id is returned, as PostGIS's <c>ST_Intersects … ORDER BY id LIMIT 1</c> would.
/// </summary>
/// <remarks>Built once, then safe to query from many threads at once.</remarks>
public sealed class PolygonIndex
{
    private readonly STRtree<Entry> _tree = new();

    private sealed record Entry(string Id, IPointOnGeometryLocator Locator);

    /// <summary>Indexes <paramref name="polygons"/>.</summary>
    /// <param name="polygons">Each polygon (or multipolygon) with its id.</param>
    public PolygonIndex(IEnumerable<(string Id, Geometry Polygon)> polygons)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        foreach (var (id, polygon) in polygons)
        {
            if (polygon.IsEmpty)
            {
                continue;
            }

            var locator = new IndexedPointInAreaLocator(polygon);
            locator.Locate(polygon.EnvelopeInternal.Centre); // builds the locator's index now, not under concurrent queries
            _tree.Insert(polygon.EnvelopeInternal, new Entry(id, locator));
            Count++;
        }

        _tree.Build();
    }

    /// <summary>How many polygons are indexed.</summary>
    public int Count { get; }

    /// <summary>The id of the polygon holding (x, y) — the lowest id where several touch — or null.</summary>
    /// <param name="x">The point's x (longitude).</param>
    /// <param name="y">The point's y (latitude).</param>
    /// <returns>The id, or null when no polygon holds the point.</returns>
    public string? Locate(double x, double y)
    {
        var point = new Coordinate(x, y);
        string? found = null;
        foreach (var entry in _tree.Query(new Envelope(point)))
        {
            if ((found is null || string.CompareOrdinal(entry.Id, found) < 0)
                && entry.Locator.Locate(point) != Location.Exterior)
            {
                found = entry.Id;
            }
        }

        return found;
    }
}
