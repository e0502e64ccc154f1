using System.Diagnostics;

namespace GeoOrs.Analysis.Planning;

/// <summary>
/// Swap (vertex substitution) local search for maximal covering, after Teitz &amp; Bart (<i>Heuristic
/// methods for estimating the generalized vertex median of a weighted graph</i>, Operations Research
/// 16(5), 1968): replace one chosen site by one unchosen candidate while that covers more demand.
/// </summary>
/// <remarks>
/// <para>
/// Each pass finds the best swap over all pairs and makes it when it gains more than a tolerance
/// (10⁻¹² of the open demand, so rounding cannot make it cycle); ties go to the lower candidate added,
/// then the lower candidate removed. The search stops at a swap-optimal set (no improving swap), after
/// <see cref="CoveringOptions.MaxSwaps"/> swaps, or when <see cref="CoveringOptions.SwapTimeLimit"/> has
/// passed; without a time limit the result does not depend on the machine.
/// </para>
/// <para>
/// <b>Evaluating all swaps in one pass over the sets.</b> With c<sub>i</sub> the number of chosen sites
/// covering demand i, the swap of chosen s for unchosen j changes the covered demand by
/// gain(j) + extra(s, j) − loss(s), where gain(j) = Σ<sub>i∈N(j), c_i=0</sub> w<sub>i</sub> (what j adds
/// now), loss(s) = Σ<sub>i∈N(s), c_i=1</sub> w<sub>i</sub> (what only s covers) and extra(s, j) =
/// Σ<sub>i∈N(s)∩N(j), c_i=1</sub> w<sub>i</sub> (what only s covers and j would keep). extra(s, ·) is
/// accumulated from the demand only s covers through the reverse sets, so a pass costs O(incidences + m),
/// like the fast interchange of Whitaker (<i>A fast algorithm for the greedy interchange for large-scale
/// clustering and median location problems</i>, INFOR 21(2), 1983). For the candidates j that share no
/// such demand with s, extra(s, j) = 0 and the best of them is the unchosen candidate of largest gain.
/// </para>
/// </remarks>
internal sealed class Interchange
{
    private readonly CoverageSets _sets;
    private readonly int[] _count;
    private readonly bool[] _chosen;
    private readonly int[] _sites;
    private readonly double _tolerance;

    private Interchange(CoverageSets sets, int[] start)
    {
        _sets = sets;
        _sites = (int[])start.Clone();
        _count = new int[sets.DemandCount];
        _chosen = new bool[sets.CandidateCount];
        foreach (int j in _sites)
        {
            _chosen[j] = true;
            foreach (int i in sets.Covered(j))
            {
                _count[i]++;
            }
        }

        double open = 0;
        foreach (double w in sets.Weight)
        {
            open += w;
        }

        _tolerance = 1e-12 * open;
    }

    /// <summary>Improves <paramref name="start"/> by swaps.</summary>
    /// <param name="sets">The coverage sets.</param>
    /// <param name="start">The chosen sites to start from (distinct).</param>
    /// <param name="maxSwaps">The most swaps to make.</param>
    /// <param name="timeLimit">The time after which no further pass starts, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Stops the work (checked before each swap).</param>
    /// <returns>The improved sites (same size), the number of swaps made and whether the set is swap-optimal.</returns>
    public static (int[] Sites, int Swaps, bool LocalOptimum) Run(CoverageSets sets, int[] start, int maxSwaps, TimeSpan? timeLimit, CancellationToken cancellationToken = default)
    {
        var search = new Interchange(sets, start);
        var clock = Stopwatch.StartNew();
        int swaps = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (start.Length == 0 || start.Length == sets.CandidateCount)
            {
                return (search._sites, swaps, true);
            }

            var (position, added, delta) = search.BestSwap();
            if (delta <= search._tolerance)
            {
                return (search._sites, swaps, true);
            }

            if (swaps == maxSwaps || (timeLimit is { } limit && clock.Elapsed >= limit))
            {
                return (search._sites, swaps, false);
            }

            search.Swap(position, added);
            swaps++;
        }
    }

    /// <summary>The marginal gain of every candidate with respect to the chosen sites (0 for a chosen one).</summary>
    public static double[] MarginalGains(CoverageSets sets, IEnumerable<int> chosen)
    {
        var covered = new bool[sets.DemandCount];
        foreach (int j in chosen)
        {
            foreach (int i in sets.Covered(j))
            {
                covered[i] = true;
            }
        }

        var gains = new double[sets.CandidateCount];
        for (int j = 0; j < gains.Length; j++)
        {
            foreach (int i in sets.Covered(j))
            {
                if (!covered[i])
                {
                    gains[j] += sets.Weight[i];
                }
            }
        }

        return gains;
    }

    /// <summary>The best swap: the position in the chosen sites to replace, the candidate to add and the change in covered demand.</summary>
    private (int Position, int Added, double Delta) BestSwap()
    {
        int m = _sets.CandidateCount;
        var weight = _sets.Weight;
        var gain = new double[m];
        int bestFree = -1;
        for (int j = 0; j < m; j++)
        {
            if (_chosen[j])
            {
                continue;
            }

            double g = 0;
            foreach (int i in _sets.Covered(j))
            {
                if (_count[i] == 0)
                {
                    g += weight[i];
                }
            }

            gain[j] = g;
            if (bestFree < 0 || g > gain[bestFree])
            {
                bestFree = j;
            }
        }

        var extra = new double[m];
        var touched = new List<int>();
        int bestPosition = -1, bestAdded = -1;
        double bestDelta = double.NegativeInfinity;
        for (int p = 0; p < _sites.Length; p++)
        {
            int s = _sites[p];
            double loss = 0;
            foreach (int i in _sets.Covered(s))
            {
                if (_count[i] != 1)
                {
                    continue;
                }

                loss += weight[i];
                foreach (int j in _sets.Covering(i))
                {
                    if (!_chosen[j])
                    {
                        if (extra[j] == 0)
                        {
                            touched.Add(j);
                        }

                        extra[j] += weight[i];
                    }
                }
            }

            Consider(p, bestFree, gain[bestFree] + extra[bestFree] - loss);
            foreach (int j in touched)
            {
                Consider(p, j, gain[j] + extra[j] - loss);
                extra[j] = 0;
            }

            touched.Clear();
        }

        return (bestPosition, bestAdded, bestDelta);

        void Consider(int position, int added, double delta)
        {
            if (delta > bestDelta
                || (delta == bestDelta && (added < bestAdded || (added == bestAdded && _sites[position] < _sites[bestPosition]))))
            {
                (bestPosition, bestAdded, bestDelta) = (position, added, delta);
            }
        }
    }

    private void Swap(int position, int added)
    {
        foreach (int i in _sets.Covered(_sites[position]))
        {
            _count[i]--;
        }

        foreach (int i in _sets.Covered(added))
        {
            _count[i]++;
        }

        _chosen[_sites[position]] = false;
        _chosen[added] = true;
        _sites[position] = added;
    }
}
