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
    /// <param name="cancellationToken">Stops the search (checked every 1,024 points).</param>
    /// <returns>Binary weights whose rows list the other points within the band, ascending by index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The distance is negative, NaN or infinite.</exception>
    /// <exception cref="ArgumentException">A coordinate is NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static SpatialWeights Build(IReadOnlyList<(double X, double Y)> points, double distance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        CheckDistance(distance);
        var tree = new KdTree(points);
        int n = points.Count;
        double r2 = distance * distance;
        var offsets = new int[n + 1];
        var indices = new List<int>();
        var row = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            row.Clear();
            tree.WithinRadius(i, r2, row);
            row.Sort();
            indices.AddRange(row);
            offsets[i + 1] = indices.Count;
        }

        return SpatialWeights.FromSortedRows(offsets, [.. indices]);
    }

    /// <summary>
    /// Counts the neighbour pairs (i, j), i ≠ j, that <see cref="Build"/> would list — twice the
    /// number of point pairs within the band — without building them, and stops as soon as the count
    /// passes <paramref name="limit"/>: so the size of the weights, and the work over them, can be
    /// known before they are built, at a cost of at most O(n log n + limit).
    /// </summary>
    /// <param name="points">The points, in planar coordinates (metres).</param>
    /// <param name="distance">The band, ≥ 0.</param>
    /// <param name="limit">The count at which to stop, ≥ 0.</param>
    /// <param name="cancellationToken">Stops the count (checked every 1,024 points).</param>
    /// <returns>The number of pairs when it is at most <paramref name="limit"/>; otherwise some number above it.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The distance is negative, NaN or infinite, or the limit is negative.</exception>
    /// <exception cref="ArgumentException">A coordinate is NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static long CountPairs(IReadOnlyList<(double X, double Y)> points, double distance, long limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        CheckDistance(distance);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var tree = new KdTree(points);
        double r2 = distance * distance;
        long count = 0;
        for (int i = 0; i < points.Count && count <= limit; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            count += tree.CountWithinRadius(i, r2, limit - count + 1);
        }

        return count;
    }

    private static void CheckDistance(double distance)
    {
        if (!double.IsFinite(distance) || distance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(distance), distance, "The band must be a finite distance of at least 0.");
        }
    }
}
