namespace GeoOrs.Analysis.Planning;

/// <summary>
/// The greedy heuristic for maximal covering with lazy evaluation: Minoux's accelerated greedy
/// (<i>Accelerated greedy algorithms for maximizing submodular set functions</i>, Optimization
/// Techniques, LNCS 7, 1978), known as CELF after Leskovec et al. (<i>Cost-effective outbreak detection
/// in networks</i>, KDD 2007).
/// </summary>
/// <remarks>
/// Each step adds the site with the largest marginal gain, the open demand it covers that no chosen site
/// covers yet; ties go to the lowest candidate index. Covered demand is a monotone submodular function
/// of the chosen set, so a gain computed earlier is an upper bound on the gain now. The candidates sit in
/// a max-heap keyed by their last computed gain (then by lower index); the top is recomputed and put back
/// until the top's gain is current, and that site is the greedy choice: every other key bounds its
/// site's current gain. The bound holds in floating point too: a gain is the sum of a subset of the same
/// non-negative terms in the same order, and rounded addition is monotone.
/// </remarks>
internal static class LazyGreedy
{
    /// <summary>Runs the greedy over the candidates of <paramref name="pool"/> for up to <paramref name="k"/> steps.</summary>
    /// <param name="sets">The coverage sets.</param>
    /// <param name="pool">The candidates to choose from, each once.</param>
    /// <param name="k">The number of sites to choose; at most the size of the pool are chosen.</param>
    /// <param name="cancellationToken">Stops the work (checked at every step).</param>
    /// <returns>The sites in the order chosen and the demand each added.</returns>
    public static (int[] Sites, double[] Gains) Run(CoverageSets sets, IReadOnlyCollection<int> pool, int k, CancellationToken cancellationToken = default)
    {
        k = Math.Min(k, pool.Count);
        var covered = new bool[sets.DemandCount];
        var stamp = new int[sets.CandidateCount]; // the step at which each key was computed
        var heap = new PriorityQueue<int, (double Gain, int Site)>(
            pool.Select(j => (j, (Gain(sets, covered, j), j))), ByGainThenIndex.Instance);
        var sites = new int[k];
        var gains = new double[k];
        for (int step = 0; step < k; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (true)
            {
                heap.TryDequeue(out int j, out var key);
                if (stamp[j] == step)
                {
                    sites[step] = j;
                    gains[step] = key.Gain;
                    foreach (int i in sets.Covered(j))
                    {
                        covered[i] = true;
                    }

                    break;
                }

                stamp[j] = step;
                heap.Enqueue(j, (Gain(sets, covered, j), j));
            }
        }

        return (sites, gains);
    }

    /// <summary>The open demand of site <paramref name="j"/> not yet covered.</summary>
    private static double Gain(CoverageSets sets, bool[] covered, int j)
    {
        double gain = 0;
        foreach (int i in sets.Covered(j))
        {
            if (!covered[i])
            {
                gain += sets.Weight[i];
            }
        }

        return gain;
    }

    /// <summary>Orders heap keys so the largest gain, then the lowest index, comes first.</summary>
    private sealed class ByGainThenIndex : IComparer<(double Gain, int Site)>
    {
        public static readonly ByGainThenIndex Instance = new();

        public int Compare((double Gain, int Site) a, (double Gain, int Site) b)
        {
            int byGain = b.Gain.CompareTo(a.Gain);
            return byGain != 0 ? byGain : a.Site.CompareTo(b.Site);
        }
    }
}
