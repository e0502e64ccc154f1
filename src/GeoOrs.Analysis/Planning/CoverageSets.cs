using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Analysis.Planning;

/// <summary>
/// The coverage sets of a maximal covering instance: which demand points each candidate site covers,
/// and the reverse, restricted to the demand that is still open.
/// </summary>
/// <remarks>
/// <para>
/// A site covers a demand point when their Euclidean distance is at most the radius, inclusive, compared
/// as squared distances in double precision (dx² + dy² ≤ r²). The sets come from fixed-radius queries in
/// a <see cref="KdTree"/> over the demand points, one per site: O(n log n) to build and about
/// O(m log n + output) to query, instead of the n·m pairwise distances.
/// </para>
/// <para>
/// Demand points covered by an existing site, of weight 0, or covered by no candidate cannot change the
/// choice of sites and are left out: the remaining <i>open</i> demand points are renumbered 0 … n′ − 1
/// in their input order, and every set lists them in increasing order.
/// </para>
/// </remarks>
internal sealed class CoverageSets
{
    private CoverageSets(
        int candidateCount, double[] weight, int[] siteStart, int[] siteDemand, int[] demandStart, int[] demandSite,
        double totalDemand, double existingDemand)
    {
        CandidateCount = candidateCount;
        Weight = weight;
        SiteStart = siteStart;
        SiteDemand = siteDemand;
        DemandStart = demandStart;
        DemandSite = demandSite;
        TotalDemand = totalDemand;
        ExistingDemand = existingDemand;
    }

    /// <summary>The number of candidate sites, m.</summary>
    public int CandidateCount { get; }

    /// <summary>The number of open demand points, n′.</summary>
    public int DemandCount => Weight.Length;

    /// <summary>The weight of each open demand point (all positive).</summary>
    public double[] Weight { get; }

    /// <summary>Candidate j covers the open demand points SiteDemand[SiteStart[j] .. SiteStart[j + 1]).</summary>
    public int[] SiteStart { get; }

    /// <summary>The open demand points of every candidate, concatenated (see <see cref="SiteStart"/>).</summary>
    public int[] SiteDemand { get; }

    /// <summary>Open demand point i is covered by the candidates DemandSite[DemandStart[i] .. DemandStart[i + 1]).</summary>
    public int[] DemandStart { get; }

    /// <summary>The covering candidates of every open demand point, concatenated (see <see cref="DemandStart"/>).</summary>
    public int[] DemandSite { get; }

    /// <summary>The weight of all demand points, Σ w<sub>i</sub>.</summary>
    public double TotalDemand { get; }

    /// <summary>The weight of the demand points covered by an existing site.</summary>
    public double ExistingDemand { get; }

    /// <summary>The demand points of candidate <paramref name="site"/>.</summary>
    public ReadOnlySpan<int> Covered(int site) => SiteDemand.AsSpan(SiteStart[site], SiteStart[site + 1] - SiteStart[site]);

    /// <summary>The candidates covering open demand point <paramref name="demand"/>.</summary>
    public ReadOnlySpan<int> Covering(int demand) => DemandSite.AsSpan(DemandStart[demand], DemandStart[demand + 1] - DemandStart[demand]);

    /// <summary>Builds the sets; the inputs have been checked by <see cref="MaximalCovering.Solve"/>.</summary>
    public static CoverageSets Build(
        IReadOnlyList<(double X, double Y)> demand,
        IReadOnlyList<double> weights,
        IReadOnlyList<(double X, double Y)> candidates,
        IReadOnlyList<(double X, double Y)> existing,
        double radius,
        CancellationToken cancellationToken = default)
    {
        int n = demand.Count, m = candidates.Count;
        var xs = new double[n];
        var ys = new double[n];
        var weight = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            (xs[i], ys[i]) = demand[i];
            weight[i] = weights[i];
            total += weight[i];
        }

        var tree = new KdTree(xs, ys);
        double r2 = radius * radius;
        var found = new List<int>();

        // Demand covered by an existing site is done: it leaves the open demand.
        var open = new bool[n];
        for (int i = 0; i < n; i++)
        {
            open[i] = weight[i] > 0;
        }

        foreach (var (x, y) in existing)
        {
            found.Clear();
            tree.WithinRadius(x, y, r2, found);
            foreach (int i in found)
            {
                open[i] = false;
            }
        }

        double existingDemand = 0;
        for (int i = 0; i < n; i++)
        {
            if (!open[i] && weight[i] > 0)
            {
                existingDemand += weight[i];
            }
        }

        // Each candidate's open demand, in input numbering, sorted.
        var siteStart = new int[m + 1];
        var covered = new List<int>();
        var reached = new bool[n];
        for (int j = 0; j < m; j++)
        {
            if ((j & 255) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            found.Clear();
            tree.WithinRadius(candidates[j].X, candidates[j].Y, r2, found);
            int start = covered.Count;
            foreach (int i in found)
            {
                if (open[i])
                {
                    covered.Add(i);
                    reached[i] = true;
                }
            }

            covered.Sort(start, covered.Count - start, null);
            siteStart[j + 1] = covered.Count;
        }

        // Renumber the open demand that some candidate reaches.
        var compact = new int[n];
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            compact[i] = reached[i] ? count++ : -1;
        }

        var openWeight = new double[count];
        for (int i = 0; i < n; i++)
        {
            if (reached[i])
            {
                openWeight[compact[i]] = weight[i];
            }
        }

        var siteDemand = new int[covered.Count];
        var demandStart = new int[count + 1];
        for (int p = 0; p < siteDemand.Length; p++)
        {
            siteDemand[p] = compact[covered[p]];
            demandStart[siteDemand[p] + 1]++;
        }

        for (int i = 0; i < count; i++)
        {
            demandStart[i + 1] += demandStart[i];
        }

        // The reverse sets, filled in candidate order so each lists its candidates increasing.
        var demandSite = new int[siteDemand.Length];
        var next = demandStart[..count];
        for (int j = 0; j < m; j++)
        {
            for (int p = siteStart[j]; p < siteStart[j + 1]; p++)
            {
                demandSite[next[siteDemand[p]]++] = j;
            }
        }

        return new CoverageSets(m, openWeight, siteStart, siteDemand, demandStart, demandSite, total, existingDemand);
    }

    /// <summary>The open demand covered by the sites, Σ of the weights of the points some of them cover.</summary>
    public double Value(IEnumerable<int> sites)
    {
        var covered = new bool[DemandCount];
        double value = 0;
        foreach (int j in sites)
        {
            foreach (int i in Covered(j))
            {
                if (!covered[i])
                {
                    covered[i] = true;
                    value += Weight[i];
                }
            }
        }

        return value;
    }
}
