namespace GeoOrs.Analysis.Signals;

/// <summary>
/// The sample cross-correlation of two series at lags 0…L, as R's <c>ccf(x, y, lag.max = L)</c>
/// gives it (Box, Jenkins &amp; Reinsel, <i>Time Series Analysis</i>, 4th ed., 2008, §12.1.2;
/// Venables &amp; Ripley, <i>Modern Applied Statistics with S</i>, 4th ed., 2002, §14.1).
/// </summary>
/// <remarks>
/// r<sub>xy</sub>(k) = c<sub>xy</sub>(k) / √(c<sub>xx</sub>(0) c<sub>yy</sub>(0)) with
/// c<sub>xy</sub>(k) = (1/n) Σ<sub>t=1</sub><sup>n−k</sup> (x<sub>t+k</sub> − x̄)(y<sub>t</sub> − ȳ):
/// the divisor is n at every lag, as R's, so the values are those of <c>ccf(x, y)$acf</c> at lags
/// 0…L. Lag k correlates x with y k steps earlier: with x the overdoses and y the seizures, a
/// positive lag asks whether seizures lead overdoses.
/// </remarks>
public static class CrossCorrelation
{
    /// <summary>The cross-correlations of x at t + k with y at t, for k = 0…<paramref name="maxLag"/>.</summary>
    /// <param name="x">The later series (overdoses).</param>
    /// <param name="y">The earlier series (seizures), as long as <paramref name="x"/>.</param>
    /// <param name="maxLag">The largest lag, below the series' length.</param>
    /// <returns>r(0)…r(maxLag); null when either series does not vary.</returns>
    /// <exception cref="ArgumentException">The series differ in length, or are no longer than <paramref name="maxLag"/>.</exception>
    public static double[]? Compute(IReadOnlyList<double> x, IReadOnlyList<double> y, int maxLag)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLag);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"the series differ in length ({x.Count} and {y.Count})", nameof(y));
        }

        int n = x.Count;
        if (n <= maxLag)
        {
            throw new ArgumentException($"{n} values are too few for lags up to {maxLag}", nameof(x));
        }

        double mx = x.Average(), my = y.Average();
        double sxx = 0, syy = 0;
        for (int t = 0; t < n; t++)
        {
            sxx += (x[t] - mx) * (x[t] - mx);
            syy += (y[t] - my) * (y[t] - my);
        }

        if (sxx <= 0 || syy <= 0)
        {
            return null;
        }

        double scale = Math.Sqrt(sxx * syy);
        var r = new double[maxLag + 1];
        for (int k = 0; k <= maxLag; k++)
        {
            double s = 0;
            for (int t = 0; t + k < n; t++)
            {
                s += (x[t + k] - mx) * (y[t] - my);
            }

            r[k] = s / scale;
        }

        return r;
    }
}
