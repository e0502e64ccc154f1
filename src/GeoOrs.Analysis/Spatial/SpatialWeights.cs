namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// A sparse spatial weights matrix W = (w<sub>ij</sub>) over n features: for each feature i the
/// indices j of its neighbours (ascending) and the weights w<sub>ij</sub> (R spdep's <c>listw</c>,
/// PySAL's <c>W</c>). Stored row by row in compressed sparse row arrays.
/// </summary>
/// <remarks>
/// <para>
/// The neighbour structure is binary; the weights follow from it and <see cref="Style"/>: 1 for
/// <see cref="WeightStyle.Binary"/>, 1 / k<sub>i</sub> for <see cref="WeightStyle.RowStandardized"/>
/// where k<sub>i</sub> is the number of neighbours of i (itself included when it is listed). So
/// <see cref="WithSelf"/>, <see cref="WithoutSelf"/> and <see cref="AsBinary"/> can always recover
/// the structure, and re-standardise rows after adding or removing the feature itself, as spdep's
/// <c>include.self</c> followed by <c>nb2listw(style = "W")</c> does.
/// </para>
/// <para>Instances are immutable and safe to share between threads.</para>
/// </remarks>
public sealed class SpatialWeights
{
    private readonly int[] _offsets;
    private readonly int[] _indices;
    private readonly double[] _weights;
    private readonly int[] _islands;

    /// <summary>Wraps compressed rows whose indices are already ascending, distinct and in range.</summary>
    private SpatialWeights(int[] offsets, int[] indices, WeightStyle style)
    {
        _offsets = offsets;
        _indices = indices;
        Style = style;
        int n = offsets.Length - 1;
        _weights = new double[indices.Length];
        var islands = new List<int>();
        bool allSelf = n > 0;
        for (int i = 0; i < n; i++)
        {
            int start = offsets[i];
            int count = offsets[i + 1] - start;
            bool self = indices.AsSpan(start, count).BinarySearch(i) >= 0;
            allSelf &= self;
            if (count - (self ? 1 : 0) == 0)
            {
                islands.Add(i);
            }

            double w = style == WeightStyle.RowStandardized ? 1.0 / count : 1.0;
            _weights.AsSpan(start, count).Fill(w);
        }

        HasSelf = allSelf;
        _islands = [.. islands];
    }

    /// <summary>The number of features n.</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>
    /// <see langword="true"/> when every feature is listed among its own neighbours (w<sub>ii</sub> &gt; 0,
    /// as for Getis–Ord G<sub>i</sub>*); <see langword="false"/> when some or all are not, or when there
    /// are no features.
    /// </summary>
    public bool HasSelf { get; }

    /// <summary>How the weights are scaled.</summary>
    public WeightStyle Style { get; }

    /// <summary>The features (ascending) that have no neighbour other than themselves.</summary>
    public IReadOnlyList<int> Islands => _islands;

    /// <summary>The total number of (i, j) neighbour pairs, i.e. of non-zero weights.</summary>
    public int PairCount => _indices.Length;

    /// <summary>The neighbours of feature <paramref name="i"/>, ascending.</summary>
    /// <param name="i">The feature index, 0 ≤ i &lt; <see cref="Count"/>.</param>
    /// <returns>The neighbour indices; empty for an island without itself.</returns>
    public ReadOnlySpan<int> Neighbors(int i)
    {
        CheckIndex(i);
        return _indices.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);
    }

    /// <summary>The weights w<sub>ij</sub> of feature <paramref name="i"/>, in the order of <see cref="Neighbors(int)"/>.</summary>
    /// <param name="i">The feature index, 0 ≤ i &lt; <see cref="Count"/>.</param>
    /// <returns>The weights, as many as there are neighbours.</returns>
    public ReadOnlySpan<double> Weights(int i)
    {
        CheckIndex(i);
        return _weights.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);
    }

    /// <summary>The number of neighbours of feature <paramref name="i"/> (itself included when listed).</summary>
    /// <param name="i">The feature index, 0 ≤ i &lt; <see cref="Count"/>.</param>
    /// <returns>The length of <see cref="Neighbors(int)"/>.</returns>
    public int NeighborCount(int i)
    {
        CheckIndex(i);
        return _offsets[i + 1] - _offsets[i];
    }

    /// <summary>The weight w<sub>ij</sub>, 0 when j is not a neighbour of i (binary search in the row).</summary>
    /// <param name="i">The row feature.</param>
    /// <param name="j">The column feature.</param>
    /// <returns>The weight.</returns>
    public double Weight(int i, int j)
    {
        CheckIndex(i);
        CheckIndex(j);
        int start = _offsets[i];
        int at = _indices.AsSpan(start, _offsets[i + 1] - start).BinarySearch(j);
        return at >= 0 ? _weights[start + at] : 0.0;
    }

    /// <summary>
    /// Builds binary weights from neighbour lists (R spdep's <c>nb</c> object with
    /// <c>nb2listw(style = "B")</c>). Lists need not be sorted; a feature may list itself.
    /// </summary>
    /// <param name="neighbors">For each feature i, the indices of its neighbours.</param>
    /// <returns>The binary weights.</returns>
    /// <exception cref="ArgumentException">A list is null, holds an index out of range, or holds an index twice.</exception>
    public static SpatialWeights FromNeighbors(IReadOnlyList<IReadOnlyList<int>> neighbors)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        int n = neighbors.Count;
        var offsets = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            var row = neighbors[i] ?? throw new ArgumentException($"The neighbour list of feature {i} is null.", nameof(neighbors));
            offsets[i + 1] = checked(offsets[i] + row.Count);
        }

        var indices = new int[offsets[n]];
        for (int i = 0; i < n; i++)
        {
            var row = neighbors[i];
            var span = indices.AsSpan(offsets[i], row.Count);
            for (int k = 0; k < row.Count; k++)
            {
                int j = row[k];
                if ((uint)j >= (uint)n)
                {
                    throw new ArgumentException($"Feature {i} lists neighbour {j}, outside 0..{n - 1}.", nameof(neighbors));
                }

                span[k] = j;
            }

            span.Sort();
            for (int k = 1; k < span.Length; k++)
            {
                if (span[k] == span[k - 1])
                {
                    throw new ArgumentException($"Feature {i} lists neighbour {span[k]} twice.", nameof(neighbors));
                }
            }
        }

        return new SpatialWeights(offsets, indices, WeightStyle.Binary);
    }

    /// <summary>
    /// Builds weights from compressed rows whose indices are already ascending, distinct and in range
    /// (for the builders in this namespace; not checked).
    /// </summary>
    internal static SpatialWeights FromSortedRows(int[] offsets, int[] indices, WeightStyle style = WeightStyle.Binary) =>
        new(offsets, indices, style);

    /// <summary>
    /// The same weights with every feature also its own neighbour (spdep's <c>include.self</c>), as
    /// Getis–Ord G<sub>i</sub>* needs. The feature itself gets weight 1 in binary weights; row-standardised
    /// rows are re-standardised over the enlarged neighbourhood.
    /// </summary>
    /// <returns>Weights with <see cref="HasSelf"/> true; this instance when it already is.</returns>
    public SpatialWeights WithSelf()
    {
        if (HasSelf)
        {
            return this;
        }

        int n = Count;
        var offsets = new int[n + 1];
        var indices = new int[_indices.Length + n];
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            var row = _indices.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);
            bool placed = false;
            foreach (int j in row)
            {
                if (!placed && j >= i)
                {
                    if (j != i)
                    {
                        indices[at++] = i;
                    }

                    placed = true;
                }

                indices[at++] = j;
            }

            if (!placed)
            {
                indices[at++] = i;
            }

            offsets[i + 1] = at;
        }

        return new SpatialWeights(offsets, indices[..at], Style);
    }

    /// <summary>
    /// The same weights with no feature its own neighbour (spdep's <c>remove.self</c>); row-standardised
    /// rows are re-standardised over the remaining neighbours.
    /// </summary>
    /// <returns>Weights without self-neighbours; this instance when there are none.</returns>
    public SpatialWeights WithoutSelf()
    {
        int n = Count;
        var offsets = new int[n + 1];
        var indices = new int[_indices.Length];
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            foreach (int j in _indices.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]))
            {
                if (j != i)
                {
                    indices[at++] = j;
                }
            }

            offsets[i + 1] = at;
        }

        return at == _indices.Length ? this : new SpatialWeights(offsets, indices[..at], Style);
    }

    /// <summary>
    /// Row-standardised weights w<sub>ij</sub> = 1 / k<sub>i</sub> over the same neighbours (spdep
    /// <c>style = "W"</c>); islands keep an empty row (spdep's <c>zero.policy = TRUE</c>).
    /// </summary>
    /// <returns>The row-standardised weights; this instance when already row-standardised.</returns>
    public SpatialWeights RowStandardized() =>
        Style == WeightStyle.RowStandardized ? this : new SpatialWeights(_offsets, _indices, WeightStyle.RowStandardized);

    /// <summary>Binary weights (every w<sub>ij</sub> = 1) over the same neighbours.</summary>
    /// <returns>The binary weights; this instance when already binary.</returns>
    public SpatialWeights AsBinary() =>
        Style == WeightStyle.Binary ? this : new SpatialWeights(_offsets, _indices, WeightStyle.Binary);

    /// <summary>Whether j is a neighbour of i exactly when i is a neighbour of j (contiguity and distance bands are; k nearest neighbours usually are not).</summary>
    /// <returns><see langword="true"/> for a symmetric neighbour structure.</returns>
    public bool IsSymmetric()
    {
        for (int i = 0; i < Count; i++)
        {
            foreach (int j in _indices.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]))
            {
                if (_indices.AsSpan(_offsets[j], _offsets[j + 1] - _offsets[j]).BinarySearch(i) < 0)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private void CheckIndex(int i)
    {
        if ((uint)i >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(i), i, $"The feature index must be in 0..{Count - 1}.");
        }
    }
}
