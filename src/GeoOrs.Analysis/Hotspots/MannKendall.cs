namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// The Mann–Kendall test for a monotonic trend in a series (Mann HB, "Nonparametric tests against
/// trend", Econometrica 1945;13(3):245–259; Kendall MG, Rank Correlation Methods, 4th ed.,
/// Griffin 1975), the test of the space–time pattern mining tools' emerging hot spot analysis.
/// </summary>
/// <remarks>
/// <para>For a series x₁ … xₙ in time order:</para>
/// <list type="bullet">
/// <item>S = Σ_{i&lt;j} sign(xⱼ − xᵢ);</item>
/// <item>Var(S) = [n(n − 1)(2n + 5) − Σₚ tₚ(tₚ − 1)(2tₚ + 5)] / 18, where tₚ is the size of
/// the p-th group of tied (exactly equal) values (Kendall 1975, eq. 4.4);</item>
/// <item>Z = (S − 1)/√Var(S) for S &gt; 0, 0 for S = 0 and (S + 1)/√Var(S) for S &lt; 0: the
/// continuity correction of S's discrete distribution;</item>
/// <item>P = 2·(1 − Φ(|Z|)), two-sided, from the normal approximation;</item>
/// <item>Trend = sign(S) when P &lt; alpha, otherwise 0.</item>
/// </list>
/// <para>
/// A series whose variance is 0 (fewer than two values, or all values equal) has Z = 0, P = 1 and
/// no trend. S is computed over all pairs, O(n²): about 0.3 million comparisons for two years of
/// days. The normal approximation is poor below about 10 values; for those the p-value is only
/// indicative (Kendall 1975 tabulates S's exact distribution).
/// </para>
/// </remarks>
public static class MannKendall
{
    /// <summary>Tests a series for a monotonic trend.</summary>
    /// <param name="series">The values in time order; no NaN or infinity.</param>
    /// <param name="alpha">The significance level of the two-sided test, 0 &lt; alpha &lt; 1.</param>
    /// <returns>S, its variance, Z, the two-sided P and the trend at <paramref name="alpha"/>.</returns>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside (0, 1).</exception>
    public static MannKendallResult Compute(IReadOnlyList<double> series, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1).");
        }
        var n = series.Count;
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = series[i];
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"The value at index {i} is not a finite number.", nameof(series));
            }
        }

        long s = 0;
        for (var i = 0; i < n - 1; i++)
        {
            var xi = values[i];
            for (var j = i + 1; j < n; j++)
            {
                s += Math.Sign(values[j] - xi);
            }
        }

        var variance = ((double)n * (n - 1) * ((2.0 * n) + 5) - TiesTerm(values)) / 18;
        if (!(variance > 0))
        {
            return new MannKendallResult(s, Math.Max(variance, 0), 0, 1, 0);
        }
        var z = s > 0 ? (s - 1) / Math.Sqrt(variance) : s < 0 ? (s + 1) / Math.Sqrt(variance) : 0;
        var p = Math.Min(1, 2 * StandardNormal.UpperTail(Math.Abs(z)));
        var trend = p < alpha ? Math.Sign(s) : 0;
        return new MannKendallResult(s, variance, z, p, trend);
    }

    /// <summary>Σₚ tₚ(tₚ − 1)(2tₚ + 5) over the groups of equal values; sorts <paramref name="values"/>.</summary>
    private static double TiesTerm(double[] values)
    {
        Array.Sort(values);
        var sum = 0.0;
        var start = 0;
        for (var i = 1; i <= values.Length; i++)
        {
            if (i == values.Length || values[i] != values[start])
            {
                double t = i - start;
                sum += t * (t - 1) * ((2 * t) + 5);
                start = i;
            }
        }
        return sum;
    }
}
