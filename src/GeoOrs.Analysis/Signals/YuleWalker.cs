namespace GeoOrs.Analysis.Signals;

/// <summary>An autoregressive model of a series: x<sub>t</sub> − μ = Σ φ<sub>i</sub> (x<sub>t−i</sub> − μ) + e<sub>t</sub>.</summary>
/// <param name="Mean">μ, the series' mean.</param>
/// <param name="Coefficients">φ<sub>1</sub>…φ<sub>p</sub>; empty for order 0 (white noise).</param>
/// <param name="Variance">The innovations' variance, with R's correction n / (n − p − 1).</param>
public sealed record AutoRegressiveModel(double Mean, IReadOnlyList<double> Coefficients, double Variance)
{
    /// <summary>p, the model's order.</summary>
    public int Order => Coefficients.Count;

    /// <summary>
    /// The series filtered by the model: e<sub>t</sub> = (x<sub>t</sub> − μ) − Σ φ<sub>i</sub> (x<sub>t−i</sub> − μ)
    /// for t = p+1…n (the first p values have no complete past and are dropped), as R's
    /// <c>stats::filter(x - mean, c(1, -ar), sides = 1)</c> without its leading NAs.
    /// </summary>
    /// <param name="series">The series to filter: the one the model was fitted to, or another (prewhitening filters both).</param>
    /// <param name="mean">The mean taken from <paramref name="series"/> before filtering (its own; the filtered values of a constant are constant, so the correlations do not depend on it).</param>
    /// <returns>n − p filtered values.</returns>
    public double[] Filter(IReadOnlyList<double> series, double mean)
    {
        ArgumentNullException.ThrowIfNull(series);
        int p = Order;
        var filtered = new double[Math.Max(0, series.Count - p)];
        for (int t = p; t < series.Count; t++)
        {
            double e = series[t] - mean;
            for (int i = 1; i <= p; i++)
            {
                e -= Coefficients[i - 1] * (series[t - i] - mean);
            }

            filtered[t - p] = e;
        }

        return filtered;
    }
}

/// <summary>
/// Fits an autoregressive model by the Yule–Walker equations, solved by the Levinson–Durbin recursion,
/// with the order chosen by Akaike's information criterion, as R's
/// <c>ar(x, aic = TRUE, method = "yule-walker")</c> does (Brockwell &amp; Davis, <i>Introduction to Time
/// Series and Forecasting</i>, 3rd ed., 2016, §5.1.1 and §2.5.3; Akaike, <i>A new look at the
/// statistical model identification</i>, IEEE Trans. Automatic Control 19(6), 1974).
/// </summary>
/// <remarks>
/// The autocovariances are those of the demeaned series with divisor n. Orders 0…P are considered,
/// P = min(n − 1, ⌊10 log<sub>10</sub> n⌋), and the one that minimises
/// AIC(p) = n log σ²<sub>p</sub> + 2p is kept, σ²<sub>p</sub> being the one-step prediction error of
/// the order-p fit, γ(0) Π<sub>k≤p</sub> (1 − φ<sub>kk</sub>²).
/// </remarks>
public static class YuleWalker
{
    /// <summary>Fits the model.</summary>
    /// <param name="x">The series, at least 2 values.</param>
    /// <returns>The model; null when the series does not vary.</returns>
    /// <exception cref="ArgumentException">Fewer than 2 values.</exception>
    public static AutoRegressiveModel? Fit(IReadOnlyList<double> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.Count;
        if (n < 2)
        {
            throw new ArgumentException("an autoregressive model needs at least 2 values", nameof(x));
        }

        int maxOrder = Math.Min(n - 1, (int)Math.Floor(10 * Math.Log10(n)));
        double mean = x.Average();
        var gamma = new double[maxOrder + 1];
        for (int k = 0; k <= maxOrder; k++)
        {
            double s = 0;
            for (int t = 0; t + k < n; t++)
            {
                s += (x[t + k] - mean) * (x[t] - mean);
            }

            gamma[k] = s / n;
        }

        if (gamma[0] <= 0)
        {
            return null;
        }

        // Levinson–Durbin: phi holds the order-m coefficients; variance the order-m prediction error.
        var phi = new double[maxOrder + 1];
        var previous = new double[maxOrder + 1];
        double variance = gamma[0];
        double bestAic = n * Math.Log(variance);
        int bestOrder = 0;
        double bestVariance = variance;
        var best = Array.Empty<double>();
        for (int m = 1; m <= maxOrder; m++)
        {
            double numerator = gamma[m];
            for (int j = 1; j < m; j++)
            {
                numerator -= previous[j] * gamma[m - j];
            }

            double reflection = numerator / variance;
            phi[m] = reflection;
            for (int j = 1; j < m; j++)
            {
                phi[j] = previous[j] - (reflection * previous[m - j]);
            }

            variance *= 1 - (reflection * reflection);
            Array.Copy(phi, previous, m + 1);
            if (!(variance > 0))
            {
                break; // a perfectly predictable series: higher orders add nothing
            }

            double aic = (n * Math.Log(variance)) + (2 * m);
            if (aic < bestAic)
            {
                bestAic = aic;
                bestOrder = m;
                bestVariance = variance;
                best = phi[1..(m + 1)];
            }
        }

        return new AutoRegressiveModel(mean, best, bestVariance * n / (n - (bestOrder + 1)));
    }
}
