namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// k-nearest-neighbour weights: each point's neighbours are the k other points nearest to it in the
/// plane (R spdep's <c>knn2nb(knearneigh(x, k))</c>, PySAL's <c>KNN</c>).
/// </summary>
/// <remarks>
/// <para>
/// Distances are Euclidean in the units of the coordinates, so project longitude/latitude first
/// (<see cref="EqualArea.Project(IReadOnlyList{ValueTuple{double, double}})"/>). Points at equal distance are
/// ordered by index: when the k-th and (k+1)-th nearest are equally far, the one with the lower index
/// is the neighbour. Coincident points are at distance 0 and are neighbours like any other; a point is
/// never its own neighbour.
/// </para>
/// <para>
/// The relation is not symmetric (j may be among the k nearest of i without i being among the k nearest
/// of j), as with spdep's <c>knn2nb(..., sym = FALSE)</c>, the default. Every point has exactly k
/// neighbours, so there are no islands. The search uses a k-d tree (<see cref="KdTree"/>), O(n log n)
/// for well-spread points.
/// </para>
/// </remarks>
public static class NearestNeighborWeights
{
    /// <summary>Builds binary k-nearest-neighbour weights.</summary>
    /// <param name="points">The points, in planar coordinates (metres).</param>
    /// <param name="k">The number of neighbours of each point, 1 ≤ k &lt; number of points.</param>
    /// <param name="cancellationToken">Stops the search (checked every 1,024 points).</param>
    /// <returns>Binary weights whose rows list each point's k nearest others, ascending by index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">k is less than 1 or not less than the number of points.</exception>
    /// <exception cref="ArgumentException">A coordinate is NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static SpatialWeights Build(IReadOnlyList<(double X, double Y)> points, int k, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        int n = points.Count;
        if (k < 1 || k >= n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be at least 1 and less than the number of points ({n}).");
        }

        var tree = new KdTree(points);
        var offsets = new int[n + 1];
        var indices = new int[checked(n * k)];
        for (int i = 0; i < n; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var row = indices.AsSpan(i * k, k);
            tree.Nearest(i, k, row);
            row.Sort();
            offsets[i + 1] = (i + 1) * k;
        }

        return SpatialWeights.FromSortedRows(offsets, indices);
    }
}
