namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// Fixed-distance-band weights: two points are neighbours when they are at most a given distance apart
/// in the plane (R spdep's <c>dnearneigh(x, 0, d)</c>, PySAL's <c>DistanceBand(binary = True)</c>, the
/// "fixed distance band" conceptualisation of ArcGIS Hot Spot Analysis).
/// </summary>
/// <remarks>
/// <para>
/// The test is d<sub>ij</sub>² ≤ distance², with d<sub>ij</sub>² = Δx² + Δy² computed in double precision
/// in the units of the coordinates (metres after <see cref="EqualArea"/>). Points exactly on the band
/// edge are neighbours only when that computation gives exactly distance²; choose a band a little wider
/// than a lattice spacing rather than equal to it. Coincident points are neighbours; a point is never
/// its own neighbour; points with nothing within the band are islands.
/// </para>
/// <para>
/// The search is a fixed-radius query in a k-d tree (<see cref="KdTree"/>): O(n log n + number of pairs),
/// never a comparison of all pairs. The relation is symmetric.
/// </para>
/// </remarks>
public static class DistanceBandWeights
{
    /// <summary>Builds binary distance-band weights.</summary>
    /// <param name="points">The points, in planar coordinates (metres).</param>
    /// <param name="distance">The band: the largest distance at which two points are neighbours, ≥ 0.</param>
    /// <returns>Binary weights whose rows list the other points within the band, ascending by index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The distance is negative, NaN or infinite.</exception>
    /// <exception cref="ArgumentException">A coordinate is NaN or infinite.</exception>
    public static SpatialWeights Build(IReadOnlyList<(double X, double Y)> points, double distance)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!double.IsFinite(distance) || distance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(distance), distance, "The band must be a finite distance of at least 0.");
        }

        var tree = new KdTree(points);
        int n = points.Count;
        double r2 = distance * distance;
        var offsets = new int[n + 1];
        var indices = new List<int>();
        var row = new List<int>();
        for (int i = 0; i < n; i++)
        {
            row.Clear();
            tree.WithinRadius(i, r2, row);
            row.Sort();
            indices.AddRange(row);
            offsets[i + 1] = indices.Count;
        }

        return SpatialWeights.FromSortedRows(offsets, [.. indices]);
    }
}
