using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// The Getis–Ord local statistics G<sub>i</sub>* and G<sub>i</sub> for hot and cold spots (Getis &amp; Ord,
/// <i>The analysis of spatial association by use of distance statistics</i>, Geographical Analysis 24(3), 1992;
/// Ord &amp; Getis, <i>Local spatial autocorrelation statistics: distributional issues and an application</i>,
/// Geographical Analysis 27(4), 1995), as R spdep's <c>localG</c> and ArcGIS's Hot Spot Analysis compute them.
/// </summary>
/// <remarks>
/// <para>
/// <b>Formulas</b> (Ord &amp; Getis 1995, eq. 3–4; spdep <c>localG</c>). For G<sub>i</sub>*, with the feature itself
/// among its neighbours (w<sub>ii</sub> = 1), n values x<sub>j</sub>, mean x̄ = Σ x<sub>j</sub> / n,
/// S² = Σ x<sub>j</sub>² / n − x̄², W<sub>i</sub> = Σ<sub>j</sub> w<sub>ij</sub> and S<sub>1i</sub> = Σ<sub>j</sub> w<sub>ij</sub>²:
/// </para>
/// <para>z<sub>i</sub> = (Σ<sub>j</sub> w<sub>ij</sub> x<sub>j</sub> − x̄ W<sub>i</sub>) / (S √((n S<sub>1i</sub> − W<sub>i</sub>²) / (n − 1))).</para>
/// <para>
/// For G<sub>i</sub> the feature itself is left out everywhere: the sums run over j ≠ i, and x̄ and S are
/// the mean and standard deviation (divisor n − 1) of the other n − 1 values, with n − 1 for n and n − 2
/// for n − 1 in the variance. Both are computed from deviations from the mean rather than from raw sums of
/// squares, so large values (rates per 100,000) lose no precision.
/// </para>
/// <para>
/// <b>Weights.</b> Binary weights are used, whatever the <see cref="SpatialWeights.Style"/> of the input:
/// the neighbour structure is taken from it and every neighbour weighs 1, the feature itself included for
/// G<sub>i</sub>* (<see cref="SpatialWeights.WithSelf"/>) and excluded for G<sub>i</sub>
/// (<see cref="SpatialWeights.WithoutSelf"/>). Row-standardised input gives the same z-scores, because
/// all weights of a row are equal and z<sub>i</sub> is unchanged when row i is scaled; only G itself would
/// be scaled, and it is reported for binary weights. This is ArcGIS's recommendation for G<sub>i</sub>*
/// (binary fixed distance bands) and matches spdep's <c>localG</c> with <c>style = "B"</c>.
/// </para>
/// <para>
/// <b>p-values and bins.</b> P is two-sided, 2 Φ̄(|z|). Bin is ±3 when P ≤ 0.01, ±2 when P ≤ 0.05, ±1
/// when P ≤ 0.10 and 0 otherwise (ArcGIS's <c>Gi_Bin</c>: 99, 95 and 90 % confidence), signed as z. With
/// <c>fdr = true</c> the bins are judged on the Benjamini–Hochberg adjusted p-values of all n features
/// (<see cref="FalseDiscoveryRate.Adjust"/>), so a bin of ±2 means the feature is among the discoveries of
/// the BH procedure run at a false discovery rate of 5 %, and likewise ±3 at 1 % and ±1 at 10 % — the
/// correction ArcGIS applies with "Apply False Discovery Rate (FDR) Correction". Features with zero
/// variance take part with their P of 1. <see cref="GiResult.P"/> stays the unadjusted p-value.
/// </para>
/// <para>
/// <b>Zero variance.</b> When the variance of G is 0 the z-score is 0/0; such a feature gets Z = 0, P = 1
/// and Bin 0. This happens when all values are equal (for G<sub>i</sub>: all values other than x<sub>i</sub>),
/// for a G<sub>i</sub> island (no neighbour), and when the neighbourhood is every feature (W<sub>i</sub> = n
/// for G<sub>i</sub>*, n − 1 for G<sub>i</sub>), and always when n &lt; 2 (G<sub>i</sub>*) or n &lt; 3 (G<sub>i</sub>).
/// These are decided exactly (by comparing values and counting neighbours), not by a tolerance. An island
/// for G<sub>i</sub>* still has a z-score, (x<sub>i</sub> − x̄) / S, since it is its own neighbourhood;
/// ArcGIS warns about such features and spdep reports the same value.
/// </para>
/// </remarks>
public static class GetisOrd
{
    /// <summary>Computes G<sub>i</sub>* (or G<sub>i</sub>) for every feature.</summary>
    /// <param name="values">The value of each feature (counts or rates), finite.</param>
    /// <param name="weights">The neighbour structure; its style and self-neighbours are replaced as described above.</param>
    /// <param name="star"><see langword="true"/> for G<sub>i</sub>* (the feature counts in its own neighbourhood), <see langword="false"/> for G<sub>i</sub>.</param>
    /// <param name="fdr"><see langword="true"/> to judge the confidence bins on Benjamini–Hochberg adjusted p-values.</param>
    /// <returns>One result per feature, in the order of the values.</returns>
    /// <exception cref="ArgumentException">The numbers of values and features differ, or a value is not finite.</exception>
    public static IReadOnlyList<GiResult> Compute(IReadOnlyList<double> values, SpatialWeights weights, bool star = true, bool fdr = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var sample = Sample.Of(values, weights.Count);
        var w = star ? weights.WithSelf() : weights.WithoutSelf();
        int n = sample.Count;
        double[] x = sample.Values;
        double mean = sample.Mean();
        double total = 0, squares = 0;
        var z = new double[n];
        for (int j = 0; j < n; j++)
        {
            total += x[j];
            z[j] = x[j] - mean;
            squares += z[j] * z[j];
        }

        var g = new double[n];
        var zScores = new double[n];
        var p = new double[n];
        for (int i = 0; i < n; i++)
        {
            var neighbors = w.Neighbors(i);
            double lag = 0, deviations = 0;
            foreach (int j in neighbors)
            {
                lag += x[j];
                deviations += z[j];
            }

            double denominator = star ? total : total - x[i];
            g[i] = denominator != 0 ? lag / denominator : 0;

            // m values take part: all n for Gi*, the n - 1 others for Gi; W = S1 = k for binary weights.
            int m = star ? n : n - 1;
            int k = neighbors.Length;
            bool zeroVariance = (star ? sample.AllEqual : sample.OthersEqual(i)) || k == 0 || k >= m || m < 2;
            if (zeroVariance)
            {
                zScores[i] = 0;
                p[i] = 1;
                continue;
            }

            double numerator, variance;
            if (star)
            {
                // Σ_N x_j − x̄ W = Σ_N (x_j − x̄); S² = Σ (x_j − x̄)² / n.
                numerator = deviations;
                variance = squares / n * ((double)k * (n - k) / (n - 1));
            }
            else
            {
                // x̄_(i) = x̄ − z_i / (n − 1); Σ_(i) (x_j − x̄_(i))² = Σ z² − z_i² n / (n − 1).
                numerator = deviations + (k * z[i] / (n - 1));
                double othersSquares = Math.Max(0, squares - (z[i] * z[i] * n / (n - 1)));
                variance = othersSquares / (n - 1) * ((double)k * (n - 1 - k) / (n - 2));
            }

            zScores[i] = numerator / Math.Sqrt(variance);
            p[i] = StandardNormal.TwoSided(zScores[i]);
        }

        double[] judged = fdr ? FalseDiscoveryRate.Adjust(p) : p;
        var results = new GiResult[n];
        for (int i = 0; i < n; i++)
        {
            results[i] = new GiResult(g[i], zScores[i], p[i], Bin(zScores[i], judged[i]));
        }

        return results;
    }

    /// <summary>The ArcGIS confidence bin of a z-score judged on the p-value <paramref name="p"/>.</summary>
    /// <param name="z">The z-score, whose sign gives the sign of the bin.</param>
    /// <param name="p">The p-value (adjusted or not) to compare with 0.01, 0.05 and 0.10.</param>
    /// <returns>−3 … +3.</returns>
    public static int Bin(double z, double p)
    {
        int level = p <= 0.01 ? 3 : p <= 0.05 ? 2 : p <= 0.10 ? 1 : 0;
        return z > 0 ? level : z < 0 ? -level : 0;
    }
}
