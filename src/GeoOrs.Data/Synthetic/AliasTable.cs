namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Draws an index with probability proportional to its weight in constant time (Walker's alias
/// method, built with Vose's stable variant).
/// </summary>
/// <remarks>
/// References: A. J. Walker, <i>An efficient method for generating discrete random variables with
/// general distributions</i>, ACM TOMS 3(3), 1977; M. D. Vose, <i>A linear algorithm for
/// generating random numbers with a given distribution</i>, IEEE TSE 17(9), 1991.
/// </remarks>
internal sealed class AliasTable
{
    private readonly double[] _probability;
    private readonly int[] _alias;

    /// <summary>Builds the table.</summary>
    /// <param name="weights">Non-negative weights, at least one of them positive.</param>
    /// <exception cref="ArgumentException">No weight is positive, or a weight is negative or not finite.</exception>
    public AliasTable(IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int n = weights.Count;
        double total = 0;
        foreach (double w in weights)
        {
            if (!(w >= 0) || double.IsInfinity(w))
            {
                throw new ArgumentException("weights must be finite and non-negative", nameof(weights));
            }

            total += w;
        }

        if (n == 0 || total <= 0)
        {
            throw new ArgumentException("at least one weight must be positive", nameof(weights));
        }

        _probability = new double[n];
        _alias = new int[n];
        var scaled = new double[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (int i = n - 1; i >= 0; i--)
        {
            scaled[i] = weights[i] * n / total;
            (scaled[i] < 1 ? small : large).Push(i);
        }

        while (small.Count > 0 && large.Count > 0)
        {
            int s = small.Pop();
            int l = large.Pop();
            _probability[s] = scaled[s];
            _alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1;
            (scaled[l] < 1 ? small : large).Push(l);
        }

        while (large.Count > 0)
        {
            int l = large.Pop();
            _probability[l] = 1;
            _alias[l] = l;
        }

        while (small.Count > 0)
        {
            // Only rounding leaves an index here; its probability is 1 up to that rounding.
            int s = small.Pop();
            _probability[s] = 1;
            _alias[s] = s;
        }

        Total = total;
    }

    /// <summary>The number of indexes.</summary>
    public int Count => _probability.Length;

    /// <summary>The sum of the weights.</summary>
    public double Total { get; }

    /// <summary>Draws an index.</summary>
    /// <param name="random">The random stream.</param>
    /// <returns>An index in [0, <see cref="Count"/>).</returns>
    public int Sample(SyntheticRandom random)
    {
        int i = random.NextInt(_probability.Length);
        return random.NextDouble() < _probability[i] ? i : _alias[i];
    }
}
