using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// Local Moran's I, the local indicator of spatial association (LISA) for clusters (high–high, low–low)
/// and outliers (high–low, low–high) (Anselin, <i>Local indicators of spatial association — LISA</i>,
/// Geographical Analysis 27(2), 1995), as R spdep's <c>localmoran</c> computes it with its defaults
/// (<c>conditional = TRUE, mlvar = TRUE, alternative = "two.sided"</c>), with the conditional permutation
/// test of GeoDa and spdep's <c>localmoran_perm</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Statistic</b> (Anselin 1995, eq. 12). With z<sub>i</sub> = x<sub>i</sub> − x̄ and m<sub>2</sub> = Σ z<sub>j</sub>² / n,
/// I<sub>i</sub> = (z<sub>i</sub> / m<sub>2</sub>) Σ<sub>j</sub> w<sub>ij</sub> z<sub>j</sub>, with the weights as given
/// (callers normally pass row-standardised weights, <see cref="SpatialWeights.RowStandardized"/>). The
/// weights must not list a feature as its own neighbour, as spdep requires.
/// </para>
/// <para>
/// <b>Moments under conditional randomisation</b> — x<sub>i</sub> fixed at i, the other n − 1 values
/// permuted over the other features (Sokal, Oden &amp; Thomson, <i>Local spatial autocorrelation in a
/// biological model</i>, Geographical Analysis 30(4), 1998, eq. A7–A8; spdep <c>localmoran</c> since 1.1-7),
/// with W<sub>i</sub> = Σ<sub>j</sub> w<sub>ij</sub> and W<sub>i(2)</sub> = Σ<sub>j</sub> w<sub>ij</sub>²:
/// </para>
/// <para>E[I<sub>i</sub>] = −z<sub>i</sub>² W<sub>i</sub> / ((n − 1) m<sub>2</sub>),</para>
/// <para>
/// Var[I<sub>i</sub>] = (z<sub>i</sub> / m<sub>2</sub>)² · n / (n − 2) · (W<sub>i(2)</sub> − W<sub>i</sub>² / (n − 1)) ·
/// (m<sub>2</sub> − z<sub>i</sub>² / (n − 1)),
/// </para>
/// <para>Z = (I<sub>i</sub> − E[I<sub>i</sub>]) / √Var[I<sub>i</sub>] and P = 2 Φ̄(|Z|), two-sided.</para>
/// <para>
/// <b>Permutation test.</b> For each feature i with neighbours, R conditional permutations: x<sub>i</sub> stays,
/// and its k<sub>i</sub> neighbour values are drawn without replacement from the other n − 1 values (a partial
/// Fisher–Yates shuffle), as GeoDa and PySAL's <c>esda.Moran_Local</c> do. The random stream is
/// <see cref="Random"/> seeded with <c>seed</c>, features in order, so a result is reproducible for a given
/// seed, values and weights, but does not reproduce R's random numbers. M counts the permutations at least as
/// extreme as the observed I<sub>i</sub> on its side of the permutation distribution — M = min(#{I<sup>(r)</sup> ≥ I<sub>i</sub>},
/// #{I<sup>(r)</sup> ≤ I<sub>i</sub>}) — and PseudoP = (M + 1) / (R + 1), the folded pseudo p-value of GeoDa and of
/// spdep's <c>Pr(folded) Sim</c>. GeoDa and spdep count the lower side as R − #{I<sup>(r)</sup> ≥ I<sub>i</sub>},
/// leaving out permutations that tie with the observed value; here ties count on both sides, which gives the
/// same p-value when there are no ties and a larger (conservative) one when there are, as happens with small
/// integer counts. Because all weights of a row are equal (binary or row-standardised) and x<sub>i</sub> is
/// fixed, I<sup>(r)</sup> is a monotone function of the sum of the drawn values, so permutations are compared
/// through those sums, exactly for integer data.
/// </para>
/// <para>
/// <b>Quadrants</b> (spdep's <c>"mean"</c> quadrants): the first letter is H when x<sub>i</sub> &gt; x̄ and L
/// otherwise; the second is H when the spatial lag Σ<sub>j</sub> w<sub>ij</sub> x<sub>j</sub> is above the mean of
/// the lags and L otherwise. The mean of the lags is taken over the features that have neighbours (spdep also
/// averages in the zero lags of islands; without islands the two agree). Islands get "".
/// </para>
/// <para>
/// <b>Zero variance.</b> An island (no neighbours) gets I = E = Var = Z = 0, P = PseudoP = 1 and quadrant "".
/// When all values are equal m<sub>2</sub> = 0 and every feature gets the same, quadrant "" included. When
/// Var[I<sub>i</sub>] is 0 otherwise — x<sub>i</sub> equal to the mean, every other feature a neighbour, or all other
/// values equal, each decided exactly — I and E are reported, Z = 0, P = 1 and PseudoP = 1 (every permutation
/// then ties with the observed value). spdep reports NaN in these cases.
/// </para>
/// </remarks>
public static class LocalMoran
{
    /// <summary>Computes local Moran's I, its conditional-randomisation z-score and its permutation pseudo p-value for every feature.</summary>
    /// <param name="values">The value of each feature, finite.</param>
    /// <param name="weights">The weights, without self-neighbours; row-standardised in the usual analysis.</param>
    /// <param name="permutations">The number R of conditional permutations per feature, ≥ 0 (999 as GeoDa's default; 0 skips the test).</param>
    /// <param name="seed">The seed of the random permutations.</param>
    /// <param name="cancellationToken">Stops the work (checked before each feature's permutations).</param>
    /// <returns>One result per feature, in the order of the values.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ArgumentException">The numbers of values and features differ, a value is not finite, or a feature is its own neighbour.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="permutations"/> is negative.</exception>
    public static IReadOnlyList<LocalMoranResult> Compute(
        IReadOnlyList<double> values, SpatialWeights weights, int permutations = 999, int seed = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfNegative(permutations);
        var sample = Sample.Of(values, weights.Count);
        int n = sample.Count;
        for (int i = 0; i < n; i++)
        {
            if (weights.Neighbors(i).BinarySearch(i) >= 0)
            {
                throw new ArgumentException($"Feature {i} is its own neighbour; local Moran's I needs weights without self (WithoutSelf()).", nameof(weights));
            }
        }

        var results = new LocalMoranResult[n];
        var degenerate = new LocalMoranResult(0, 0, 0, 0, 1, 1, string.Empty);
        if (sample.AllEqual)
        {
            Array.Fill(results, degenerate);
            return results;
        }

        double[] x = sample.Values;
        var (mean, z, squares, _) = Moments.Of(sample);

        double m2 = squares / n;
        var lags = new double[n];
        double lagTotal = 0;
        int withNeighbors = 0;
        for (int i = 0; i < n; i++)
        {
            var row = weights.Weights(i);
            var neighbors = weights.Neighbors(i);
            for (int s = 0; s < neighbors.Length; s++)
            {
                lags[i] += row[s] * x[neighbors[s]];
            }

            if (neighbors.Length > 0)
            {
                lagTotal += lags[i];
                withNeighbors++;
            }
        }

        double lagMean = withNeighbors > 0 ? lagTotal / withNeighbors : 0;
        var permuter = new Permuter(x, permutations, seed);
        for (int i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var neighbors = weights.Neighbors(i);
            int k = neighbors.Length;
            if (k == 0)
            {
                results[i] = degenerate;
                continue;
            }

            var row = weights.Weights(i);
            double lz = 0;
            for (int s = 0; s < k; s++)
            {
                lz += row[s] * z[neighbors[s]];
            }

            double ii = z[i] / m2 * lz;

            // W_i and W_i(2) - W_i^2 / (n - 1) in closed form (all weights of a row are equal), so that a
            // neighbourhood of every other feature gives exactly 0.
            bool binary = weights.Style == WeightStyle.Binary;
            double wi = binary ? k : 1.0;
            double spread = binary ? (double)k * (n - 1 - k) / (n - 1) : (double)(n - 1 - k) / ((double)k * (n - 1));
            double expectation = -(z[i] * z[i] * wi) / ((n - 1) * m2);
            double zi = z[i] / m2;
            double variance = n < 3 || sample.OthersEqual(i)
                ? 0
                : zi * zi * n / (n - 2) * spread * Math.Max(0, m2 - (z[i] * z[i] / (n - 1)));

            string quadrant = string.Concat(x[i] > mean ? "H" : "L", lags[i] > lagMean ? "H" : "L");
            if (!(variance > 0))
            {
                results[i] = new LocalMoranResult(ii, expectation, 0, 0, 1, 1, quadrant);
                continue;
            }

            double zScore = (ii - expectation) / Math.Sqrt(variance);
            double pseudoP = permuter.FoldedPValue(i, neighbors, cancellationToken);
            results[i] = new LocalMoranResult(ii, expectation, variance, zScore, StandardNormal.TwoSided(zScore), pseudoP, quadrant);
        }

        return results;
    }

    /// <summary>Draws conditional permutations: neighbour values without replacement from all values but x_i.</summary>
    private sealed class Permuter
    {
        private readonly double[] _x;
        private readonly int _permutations;
        private readonly Random _random;
        private readonly int[] _pool; // virtual indices 0..n-2 of "the others"; v maps to v (v < i) or v + 1 (v >= i)

        public Permuter(double[] x, int permutations, int seed)
        {
            _x = x;
            _permutations = permutations;
            _random = new Random(seed);
            _pool = new int[Math.Max(0, x.Length - 1)];
            for (int v = 0; v < _pool.Length; v++)
            {
                _pool[v] = v;
            }
        }

        /// <summary>(M + 1) / (R + 1), comparing the sums of the drawn neighbour values with the observed sum.</summary>
        public double FoldedPValue(int i, ReadOnlySpan<int> neighbors, CancellationToken cancellationToken)
        {
            double observed = 0;
            foreach (int j in neighbors)
            {
                observed += _x[j];
            }

            int k = neighbors.Length, others = _pool.Length, atLeast = 0, atMost = 0;
            for (int r = 0; r < _permutations; r++)
            {
                if ((r & 255) == 255)
                {
                    cancellationToken.ThrowIfCancellationRequested(); // a feature with thousands of neighbours takes a while
                }

                double sum = 0;
                for (int s = 0; s < k; s++)
                {
                    int pick = s + _random.Next(others - s);
                    (_pool[s], _pool[pick]) = (_pool[pick], _pool[s]);
                    int v = _pool[s];
                    sum += _x[v < i ? v : v + 1];
                }

                atLeast += sum >= observed ? 1 : 0;
                atMost += sum <= observed ? 1 : 0;
            }

            return (Math.Min(atLeast, atMost) + 1.0) / (_permutations + 1.0);
        }
    }
}
