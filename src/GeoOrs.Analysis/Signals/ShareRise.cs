using MathNet.Numerics.Distributions;

namespace GeoOrs.Analysis.Signals;

/// <summary>
/// Whether a drug's share of an area's overdoses rose from one week to the next: the one-sided
/// Fisher exact test on the 2×2 table of (overdoses naming the drug, the others) × (this week, the
/// week before) (Fisher, <i>Statistical Methods for Research Workers</i>, 1925, §21.02; Agresti,
/// <i>Categorical Data Analysis</i>, 3rd ed., 2013, §3.5), the same as R's
/// <c>fisher.test(matrix(c(a, c, b, d), 2), alternative = "greater")$p.value</c>.
/// </summary>
/// <remarks>
/// <para>
/// With a of this week's n₁ overdoses naming the drug and c of last week's n₀, and the margins fixed,
/// a is hypergeometric under the null hypothesis of an unchanged share: of the N = n₁ + n₀ overdoses,
/// K = a + c name the drug, and this week draws n₁ of them. The p-value is P(X ≥ a) = Σ<sub>x ≥ a</sub>
/// C(K, x) C(N − K, n₁ − x) / C(N, n₁).
/// </para>
/// <para>
/// An exact test, not the two-proportion z-test: an area's weekly counts are small (a handful of
/// overdoses in most counties), where the normal approximation's p-values are far too small and a
/// single xylazine case would alert. Many areas and drugs are tested each week, so the job adjusts
/// the week's p-values for the false discovery rate before it alerts
/// (<see cref="Hotspots.FalseDiscoveryRate"/>).
/// </para>
/// </remarks>
public static class ShareRise
{
    /// <summary>The one-sided p-value of a rise in a drug's share.</summary>
    /// <param name="drugNow">Overdoses naming the drug this week (a).</param>
    /// <param name="totalNow">All overdoses this week (n₁ ≥ a).</param>
    /// <param name="drugBefore">Overdoses naming the drug the week before (c).</param>
    /// <param name="totalBefore">All overdoses the week before (n₀ ≥ c).</param>
    /// <returns>P(X ≥ a) under an unchanged share; 1 when there is nothing to test.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or a drug count exceeds its week's total.</exception>
    public static double PValue(int drugNow, int totalNow, int drugBefore, int totalBefore)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(drugNow);
        ArgumentOutOfRangeException.ThrowIfNegative(drugBefore);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalNow, drugNow);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBefore, drugBefore);
        int population = totalNow + totalBefore, successes = drugNow + drugBefore;
        if (drugNow == 0 || population == 0 || successes == population)
        {
            return 1.0;
        }

        // The upper tail summed from its own terms, not 1 − CDF, which loses the small p-values.
        int top = Math.Min(successes, totalNow);
        double p = 0;
        for (int x = drugNow; x <= top; x++)
        {
            p += Hypergeometric.PMF(population, successes, totalNow, x);
        }

        return Math.Min(1.0, p);
    }
}
