using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// Emerging hot spot analysis: a space–time Getis–Ord G<sub>i</sub>* for every location and time bin, a
/// Mann–Kendall trend test of each location's z-scores, and the location's pattern among the 17 of ArcGIS's
/// Emerging Hot Spot Analysis (Esri, "How Emerging Hot Spot Analysis works" and "Emerging Hot Spot Analysis
/// (Space Time Pattern Mining)", ArcGIS Pro documentation; R sfdep's <c>emerging_hotspot_analysis</c>,
/// Parry, <i>sfdep: Spatial Dependence for Simple Features</i>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Space–time neighbourhood.</b> The input is a space–time cube: the values (counts) x<sub>i,t</sub> of n
/// locations in T time bins, oldest first. The neighbours of bin (i, t) are the bins (j, u) with j a spatial
/// neighbour of i or i itself, and t − k ≤ u ≤ t: the spatial neighbours in that bin and in the k bins before it,
/// as ArcGIS builds its neighbourhood ("Neighborhood Time Step", default 1: the tool finds the bins within the
/// neighbourhood distance, then adds for each of them the bins at the same location in the previous k time steps)
/// and as sfdep's <c>k</c> (default 1) does. The first k bins have fewer past bins in their neighbourhood.
/// </para>
/// <para>
/// <b>Statistic.</b> G<sub>i</sub>* of <see cref="GetisOrd"/> (Ord &amp; Getis 1995, eq. 3–4) with binary weights,
/// taken over all N = n·T bins of the cube: with x̄ and S² = Σ (x − x̄)² / N over every bin (ArcGIS's default global
/// window, "Entire cube"), m<sub>b</sub> = (number of spatial neighbours of i, itself included) · (min(t, k) + 1) bins
/// in the neighbourhood of bin b = (i, t), and W = S<sub>1</sub> = m<sub>b</sub>:
/// </para>
/// <para>z<sub>b</sub> = Σ<sub>(j,u)∈N(b)</sub> (x<sub>j,u</sub> − x̄) / (S √(m<sub>b</sub> (N − m<sub>b</sub>) / (N − 1))), P = 2 Φ̄(|z|).</para>
/// <para>
/// sfdep takes the mean and variance of each time slice instead, while summing the lagged bins of earlier slices
/// into the numerator; the whole-cube moments used here keep numerator and moments on the same population.
/// The weights' style and self-neighbours are replaced as in <see cref="GetisOrd"/>: binary, the location itself
/// included. <b>Zero variance</b> (all N values equal, a neighbourhood of every bin, N &lt; 2) gives Z = 0 and
/// P = 1, decided exactly. An island is its own spatial neighbourhood and still has a z-score.
/// </para>
/// <para>
/// <b>Significance.</b> A bin is a significant hot (cold) spot when its p-value is at most <c>alpha</c> and its z is
/// positive (negative). With <c>fdr = true</c> the p-values judged are the Benjamini–Hochberg adjusted p-values of
/// all N bins together (<see cref="FalseDiscoveryRate.Adjust"/>; ArcGIS computes each bin's G<sub>i</sub>* "using an
/// FDR correction"); <see cref="EmergingHotSpotResult.P"/> stays unadjusted and <see cref="EmergingHotSpotResult.Bins"/> are
/// judged like the categories. The default alpha is 0.05. ArcGIS's category definitions speak of "statistically
/// significant" bins and trends without naming a level (its per-bin output reports the 90, 95 and 99 % bins and
/// applies FDR); sfdep's <c>threshold</c> defaults to 0.01 and serves both the bins (permutation p-values) and the
/// trend. The trend is <see cref="MannKendall.Compute"/> of the location's z-scores at the same alpha (significant
/// when its P &lt; alpha), as both ArcGIS and sfdep test the series of G<sub>i</sub>* z-scores.
/// </para>
/// <para>
/// <b>Complexity.</b> O(n·T·(w + k) + n·T²) time, where w is the mean number of spatial neighbours: the spatial lag
/// of each bin is computed once and the k past lags are added from a ring of k + 1 slices, never by comparing bins
/// pairwise (O((nT)²)); the T² is the Mann–Kendall test of each location. Memory is O(n·T): about 28 bytes per bin
/// while computing (48 with FDR), of which the results keep 20. 100,000 hexagons × 52 weekly bins with six neighbours
/// take about two seconds on two cores, 0.8 s of it the Mann–Kendall tests.
/// </para>
/// </remarks>
public static class EmergingHotSpots
{
    /// <summary>Runs the emerging hot spot analysis of a space–time cube.</summary>
    /// <param name="series">For each location, its values (counts) in the T time bins, oldest first; every series has the same length.</param>
    /// <param name="weights">The spatial neighbours of the locations (binary; self-neighbours are added).</param>
    /// <param name="timeStep">k: how many earlier bins join each bin's neighbourhood, ≥ 0 (ArcGIS's and sfdep's default 1).</param>
    /// <param name="alpha">The significance level of the bins and of the trend, 0 &lt; alpha &lt; 1.</param>
    /// <param name="fdr"><see langword="true"/> to judge the bins on Benjamini–Hochberg adjusted p-values over all n·T bins.</param>
    /// <returns>One result per location, in the order of the weights.</returns>
    /// <exception cref="ArgumentException">The numbers of series and locations differ, the series differ in length, or a value is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeStep"/> is negative or <paramref name="alpha"/> is outside (0, 1).</exception>
    public static IReadOnlyList<EmergingHotSpotResult> Compute(
        IReadOnlyList<IReadOnlyList<double>> series, SpatialWeights weights, int timeStep = 1, double alpha = 0.05, bool fdr = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(weights);
        CheckAlpha(alpha);
        if (timeStep < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timeStep), timeStep, "The neighbourhood time step must be at least 0.");
        }

        int n = weights.Count;
        if (series.Count != n)
        {
            throw new ArgumentException($"There are {series.Count} series but the weights cover {n} locations.", nameof(series));
        }

        if (n == 0)
        {
            return [];
        }

        int steps = (series[0] ?? throw new ArgumentException("Series 0 is null.", nameof(series))).Count;
        var x = new double[checked(n * steps)]; // time-major: x[t * n + i]
        for (int i = 0; i < n; i++)
        {
            var row = series[i] ?? throw new ArgumentException($"Series {i} is null.", nameof(series));
            if (row.Count != steps)
            {
                throw new ArgumentException($"Series {i} has {row.Count} bins but series 0 has {steps}.", nameof(series));
            }

            for (int t = 0; t < steps; t++)
            {
                double v = row[t];
                if (!double.IsFinite(v))
                {
                    throw new ArgumentException($"The value of location {i} in bin {t} is not a finite number.", nameof(series));
                }

                x[(t * n) + i] = v;
            }
        }

        // Location-major outputs: z[i * T + t].
        var z = new double[x.Length];
        var p = new double[x.Length];
        SpaceTimeGiStar(x, n, steps, weights.WithSelf(), timeStep, z, p);
        double[] judged = fdr ? FalseDiscoveryRate.Adjust(p) : p;

        var bins = new int[x.Length];
        var results = new EmergingHotSpotResult[n];
        for (int i = 0; i < n; i++)
        {
            int start = i * steps;
            for (int b = start; b < start + steps; b++)
            {
                bins[b] = GetisOrd.Bin(z[b], judged[b]);
            }

            var zSeries = new ArraySegment<double>(z, start, steps);
            var trend = MannKendall.Compute(zSeries, alpha);
            var category = Classify(z.AsSpan(start, steps), judged.AsSpan(start, steps), trend.Trend, alpha);
            results[i] = new EmergingHotSpotResult(
                zSeries, new ArraySegment<double>(p, start, steps), new ArraySegment<int>(bins, start, steps), trend, category);
        }

        return results;
    }

    /// <summary>Assigns the pattern of one location from its bins' z-scores and p-values and its trend.</summary>
    /// <remarks>
    /// <para>
    /// A bin is hot when p ≤ alpha and z &gt; 0, cold when p ≤ alpha and z &lt; 0, otherwise not significant. With T
    /// bins, h of them hot and c cold, "at least 90 %" means 10 h ≥ 9 T (exact integers: 9 of 10 bins, 18 of 20).
    /// The final bin is the last one. ArcGIS's definitions overlap in a few cases; they are made a partition by
    /// deciding in this order.
    /// </para>
    /// <para><b>The final bin is not significant:</b></para>
    /// <list type="bullet">
    /// <item><b>historical hot</b> when 10 h ≥ 9 T ("the most recent time period is not hot, but at least ninety percent
    /// of the time-step intervals have been statistically significant hot spots"); <b>historical cold</b> likewise;</item>
    /// <item>otherwise <b>no pattern</b>. Under ArcGIS Pro's definitions every hot and cold pattern other than historical
    /// needs a significant final bin (sporadic included; ArcMap 10.3's sporadic did not), so an on-and-off hot spot
    /// that is quiet in the final bin has no pattern.</item>
    /// </list>
    /// <para>
    /// <b>The final bin is hot</b> (cold: the same with hot and cold exchanged, and an intensifying trend downward).
    /// Let r be the length of the final run of hot bins:
    /// </para>
    /// <list type="number">
    /// <item><b>new</b> when h = 1 and c = 0: hot in the final bin, never hot (nor cold) before; a single bin (T = 1) that is hot is new;</item>
    /// <item>when 10 h ≥ 9 T: <b>intensifying</b> with a significant upward trend of z, <b>diminishing</b> with a significant
    /// downward trend, otherwise <b>persistent</b> ("hot spot for ninety percent of the time-step intervals, including the
    /// final time step", with or without "discernible trend");</item>
    /// <item><b>oscillating</b> when c &gt; 0: "a history of also being a statistically significant cold spot during a prior
    /// time step", fewer than 90 % hot;</item>
    /// <item><b>consecutive</b> when r = h: "a single uninterrupted run of at least two statistically significant hot spot
    /// bins in the final time-step intervals", never hot before it, fewer than 90 % hot (r ≥ 2 here, as h = 1 is new);</item>
    /// <item>otherwise <b>sporadic</b>: hot before the final run as well, fewer than 90 % hot, never cold.</item>
    /// </list>
    /// <para>
    /// Where the published definitions overlap, this order decides: an earlier cold bin makes a location oscillating
    /// rather than new or consecutive (ArcGIS's new and consecutive only require that it was never <i>hot</i> before;
    /// sfdep requires no significant bin of either kind before, as here); a significant final bin decides the side, so a
    /// location hot in ≥ 90 % of bins whose final bin is cold is an oscillating cold spot, not historical hot; ≥ 90 % hot
    /// with a final bin that is not significant is historical even without a trend (sfdep tests persistent first and
    /// calls it persistent). sfdep's sporadic omits the final-bin condition (ArcMap's older definition), its intensifying
    /// hot spot counts significant bins of either sign toward the 90 %, and its final run of a consecutive spot is a run
    /// of significant bins of either sign. Quotations are from Esri, "How Emerging Hot Spot Analysis works", ArcGIS Pro.
    /// </para>
    /// </remarks>
    /// <param name="z">The z-scores of the location's bins, oldest first, finite.</param>
    /// <param name="p">The p-values to judge, one per bin, in [0, 1] (adjusted ones when an FDR correction applies).</param>
    /// <param name="trend">The sign of a significant trend of the z-scores (<see cref="MannKendallResult.Trend"/>): +1 up, −1 down, 0 none.</param>
    /// <param name="alpha">The significance level of the bins, 0 &lt; alpha &lt; 1.</param>
    /// <returns>The category.</returns>
    /// <exception cref="ArgumentException">The sequences differ in length, a z-score is not finite or a p-value is outside [0, 1].</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside (0, 1).</exception>
    public static EmergingHotSpotCategory Classify(IReadOnlyList<double> z, IReadOnlyList<double> p, int trend, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(p);
        CheckAlpha(alpha);
        if (z.Count != p.Count)
        {
            throw new ArgumentException($"There are {z.Count} z-scores but {p.Count} p-values.", nameof(p));
        }

        var zs = new double[z.Count];
        var ps = new double[p.Count];
        for (int t = 0; t < zs.Length; t++)
        {
            zs[t] = z[t];
            ps[t] = p[t];
            if (!double.IsFinite(zs[t]))
            {
                throw new ArgumentException($"z-score {t} is not a finite number.", nameof(z));
            }

            if (!(ps[t] >= 0 && ps[t] <= 1))
            {
                throw new ArgumentException($"p-value {t} is not in [0, 1].", nameof(p));
            }
        }

        return Classify(zs, ps, trend, alpha);
    }

    private static EmergingHotSpotCategory Classify(ReadOnlySpan<double> z, ReadOnlySpan<double> p, int trend, double alpha)
    {
        int steps = z.Length;
        if (steps == 0)
        {
            return EmergingHotSpotCategory.NoPattern;
        }

        int hot = 0, cold = 0;
        for (int t = 0; t < steps; t++)
        {
            int state = State(z[t], p[t], alpha);
            hot += state > 0 ? 1 : 0;
            cold += state < 0 ? 1 : 0;
        }

        int side = State(z[steps - 1], p[steps - 1], alpha);
        if (side == 0)
        {
            return 10L * hot >= 9L * steps ? EmergingHotSpotCategory.HistoricalHotSpot
                : 10L * cold >= 9L * steps ? EmergingHotSpotCategory.HistoricalColdSpot
                : EmergingHotSpotCategory.NoPattern;
        }

        // Count on the final bin's side ("own") and the other side; the length of the final run on that side.
        int own = side > 0 ? hot : cold, other = side > 0 ? cold : hot;
        int run = 0;
        while (run < steps && State(z[steps - 1 - run], p[steps - 1 - run], alpha) == side)
        {
            run++;
        }

        int toward = Math.Sign(trend) * side; // +1: the trend strengthens this side's clustering
        Pattern pattern = own == 1 && other == 0 ? Pattern.New
            : 10L * own >= 9L * steps ? (toward > 0 ? Pattern.Intensifying : toward < 0 ? Pattern.Diminishing : Pattern.Persistent)
            : other > 0 ? Pattern.Oscillating
            : run == own ? Pattern.Consecutive
            : Pattern.Sporadic;
        int first = side > 0 ? (int)EmergingHotSpotCategory.NewHotSpot : (int)EmergingHotSpotCategory.NewColdSpot;
        return (EmergingHotSpotCategory)(first + (int)pattern);
    }

    /// <summary>+1 for a significant hot bin, −1 for a significant cold bin, 0 otherwise.</summary>
    private static int State(double z, double p, double alpha) => p <= alpha ? Math.Sign(z) : 0;

    /// <summary>
    /// Space–time G<sub>i</sub>* of every bin of the time-major cube <paramref name="x"/> (x[t·n + i]), written
    /// location-major into <paramref name="z"/> and <paramref name="p"/> (z[i·T + t]).
    /// </summary>
    private static void SpaceTimeGiStar(double[] x, int n, int steps, SpatialWeights withSelf, int timeStep, double[] z, double[] p)
    {
        int total = x.Length;
        if (total == 0)
        {
            return;
        }

        // The mean as a reference value plus the mean deviation (exact when all values are equal), as Sample does.
        double reference = x[0], sum = 0, min = x[0], max = x[0];
        foreach (double v in x)
        {
            sum += v - reference;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double mean = reference + (sum / total);
        double squares = 0;
        foreach (double v in x)
        {
            squares += (v - mean) * (v - mean);
        }

        bool allEqual = min == max;

        // The spatial lags Σ_{j∈W*(i)} (x_j,u − x̄) of the last k + 1 slices, in a ring.
        int window = (int)Math.Min((long)timeStep + 1, steps);
        var lags = new double[checked(window * n)];
        for (int t = 0; t < steps; t++)
        {
            int slice = t * n;
            var lag = lags.AsSpan(t % window * n, n);
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                foreach (int j in withSelf.Neighbors(i))
                {
                    s += x[slice + j] - mean;
                }

                lag[i] = s;
            }

            int first = Math.Max(0, t - timeStep);
            int depth = t - first + 1;
            for (int i = 0; i < n; i++)
            {
                double numerator = 0;
                for (int u = first; u <= t; u++)
                {
                    numerator += lags[(u % window * n) + i];
                }

                // m bins in the neighbourhood; W = S1 = m for binary weights.
                long m = (long)withSelf.NeighborCount(i) * depth;
                int at = (i * steps) + t;
                if (allEqual || m >= total || total < 2)
                {
                    z[at] = 0;
                    p[at] = 1;
                    continue;
                }

                double variance = squares / total * ((double)m * (total - m) / (total - 1));
                z[at] = numerator / Math.Sqrt(variance);
                p[at] = StandardNormal.TwoSided(z[at]);
            }
        }
    }

    private static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1).");
        }
    }

    /// <summary>The eight patterns of one side, in the order of the category values.</summary>
    private enum Pattern
    {
        New,
        Consecutive,
        Intensifying,
        Persistent,
        Diminishing,
        Sporadic,
        Oscillating,
        Historical,
    }
}
