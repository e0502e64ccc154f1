using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// Moran's I for a whole map (Moran, <i>Notes on continuous stochastic phenomena</i>, Biometrika 37, 1950)
/// with its test under randomisation (Cliff &amp; Ord, <i>Spatial Processes: Models and Applications</i>, 1981,
/// eq. 1.38–1.39), as R spdep's <c>moran.test(x, listw, randomisation = TRUE)</c> computes it.
/// </summary>
/// <remarks>
/// <para>
/// With z<sub>i</sub> = x<sub>i</sub> − x̄ over all features, n the number of features that have at least one
/// neighbour (spdep's <c>adjust.n = TRUE</c>; islands still count in x̄ and the kurtosis),
/// S<sub>0</sub> = Σ<sub>ij</sub> w<sub>ij</sub>, S<sub>1</sub> = ½ Σ<sub>ij</sub> (w<sub>ij</sub> + w<sub>ji</sub>)²,
/// S<sub>2</sub> = Σ<sub>i</sub> (w<sub>i·</sub> + w<sub>·i</sub>)² and the kurtosis b<sub>2</sub> = N Σ z⁴ / (Σ z²)²
/// over all N features:
/// </para>
/// <para>I = (n / S<sub>0</sub>) Σ<sub>ij</sub> w<sub>ij</sub> z<sub>i</sub> z<sub>j</sub> / Σ<sub>i</sub> z<sub>i</sub>², E[I] = −1 / (n − 1),</para>
/// <para>
/// Var[I] = [n((n² − 3n + 3) S<sub>1</sub> − n S<sub>2</sub> + 3 S<sub>0</sub>²) − b<sub>2</sub>((n² − n) S<sub>1</sub> − 2n S<sub>2</sub> + 6 S<sub>0</sub>²)]
/// / ((n − 1)(n − 2)(n − 3) S<sub>0</sub>²) − E[I]².
/// </para>
/// <para>
/// The weights may be asymmetric (k nearest neighbours): S<sub>1</sub> and S<sub>2</sub> use w<sub>ji</sub>, found by
/// binary search in the sorted rows. The p-value is two-sided by default — spdep's default is the one-sided
/// <c>alternative = "greater"</c>; pass <see cref="Alternative.Greater"/> for that.
/// </para>
/// <para>
/// <b>Zero variance.</b> When all values are equal, or there are no neighbour pairs, I is undefined and
/// reported as 0 with Var = Z = 0 and P = 1; when n &lt; 4 or the variance is not positive (possible only
/// with extreme kurtosis), I and E are reported with Var = Z = 0 and P = 1.
/// </para>
/// </remarks>
public static class GlobalMoran
{
    /// <summary>Computes Moran's I with a two-sided test under randomisation.</summary>
    /// <param name="values">The value of each feature, finite.</param>
    /// <param name="weights">The weights, usually row-standardised.</param>
    /// <returns>The statistic and its test.</returns>
    /// <exception cref="ArgumentException">The numbers of values and features differ, or a value is not finite.</exception>
    public static GlobalMoranResult Compute(IReadOnlyList<double> values, SpatialWeights weights) =>
        Compute(values, weights, Alternative.TwoSided);

    /// <summary>Computes Moran's I with a test under randomisation against the given alternative.</summary>
    /// <param name="values">The value of each feature, finite.</param>
    /// <param name="weights">The weights, usually row-standardised.</param>
    /// <param name="alternative">The alternative hypothesis (<see cref="Alternative.Greater"/> for spdep's default).</param>
    /// <returns>The statistic and its test.</returns>
    /// <exception cref="ArgumentException">The numbers of values and features differ, or a value is not finite.</exception>
    public static GlobalMoranResult Compute(IReadOnlyList<double> values, SpatialWeights weights, Alternative alternative)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var sample = Sample.Of(values, weights.Count);
        int total = sample.Count;
        var (_, z, squares, fourth) = Moments.Of(sample);

        double s0 = 0, s1 = 0, cross = 0;
        int n = 0;
        var rowSums = new double[total];
        var columnSums = new double[total];
        for (int i = 0; i < total; i++)
        {
            var neighbors = weights.Neighbors(i);
            var row = weights.Weights(i);
            n += neighbors.Length > 0 ? 1 : 0;
            for (int s = 0; s < neighbors.Length; s++)
            {
                int j = neighbors[s];
                double wij = row[s];
                rowSums[i] += wij;
                columnSums[j] += wij;
                s1 += (wij * wij) + (wij * weights.Weight(j, i));
                cross += wij * z[i] * z[j];
            }

            s0 += rowSums[i];
        }

        double s2 = 0;
        for (int i = 0; i < total; i++)
        {
            double t = rowSums[i] + columnSums[i];
            s2 += t * t;
        }

        return FromSums(n, total, s0, s1, s2, cross, squares, fourth, sample.AllEqual, alternative);
    }

    /// <summary>
    /// Moran's I and its test under randomisation from the sums Compute forms: n features with
    /// neighbours of <paramref name="total"/>, S0, S1, S2, Σwᵢⱼzᵢzⱼ, Σz², Σz⁴; shared with
    /// <see cref="IncrementalSpatialAutocorrelation"/>, which forms the sums of many bands at once.
    /// </summary>
    internal static GlobalMoranResult FromSums(
        int n, int total, double s0, double s1, double s2, double cross, double squares, double fourth, bool allEqual, Alternative alternative)
    {
        double expectation = n > 1 ? -1.0 / (n - 1) : 0;
        if (allEqual || s0 == 0)
        {
            return new GlobalMoranResult(0, expectation, 0, 0, 1);
        }

        double moranI = n / s0 * (cross / squares);
        if (n < 4)
        {
            return new GlobalMoranResult(moranI, expectation, 0, 0, 1);
        }

        double kurtosis = total * fourth / (squares * squares);
        double nn = (double)n * n, s02 = s0 * s0;
        double a = n * ((s1 * (nn - (3.0 * n) + 3)) - (n * s2) + (3 * s02));
        double b = kurtosis * ((s1 * (nn - n)) - (2.0 * n * s2) + (6 * s02));
        double variance = ((a - b) / ((n - 1.0) * (n - 2.0) * (n - 3.0) * s02)) - (expectation * expectation);
        if (!(variance > 0))
        {
            return new GlobalMoranResult(moranI, expectation, 0, 0, 1);
        }

        double zScore = (moranI - expectation) / Math.Sqrt(variance);
        return new GlobalMoranResult(moranI, expectation, variance, zScore, StandardNormal.PValue(zScore, alternative));
    }
}
