using GeoOrs.Analysis.Hotspots;

namespace GeoOrs.Analysis.Signals;

/// <summary>The association at one lag.</summary>
/// <param name="Lag">The lag in steps (weeks): the earlier series leads the later one by this much.</param>
/// <param name="Raw">The cross-correlation of the raw series (R's <c>ccf</c>).</param>
/// <param name="Prewhitened">The cross-correlation of the prewhitened series.</param>
/// <param name="P">The two-sided p-value of <paramref name="Prewhitened"/> under no cross-correlation, N(0, 1/n').</param>
/// <param name="Significant">Whether <paramref name="P"/> is below the level divided by the number of lags (Bonferroni).</param>
public sealed record LagCorrelation(int Lag, double Raw, double Prewhitened, double P, bool Significant);

/// <summary>The lagged association of two series.</summary>
/// <param name="Lags">One entry per lag 0…L; empty when either series does not vary.</param>
/// <param name="Order">The order of the autoregressive model that prewhitened them.</param>
/// <param name="Used">n', the values each prewhitened series keeps (n − order).</param>
/// <param name="Bound">1.96 / √n': the band R's <c>ccf</c> plot draws, inside which a single lag is not significant at 5 %.</param>
public sealed record LaggedAssociationResult(IReadOnlyList<LagCorrelation> Lags, int Order, int Used, double Bound);

/// <summary>
/// The lagged cross-correlation of a later series (weekly overdoses) with an earlier one (weekly
/// seizures) at lags 0…L, with its significance judged on the prewhitened series (Box, Jenkins &amp;
/// Reinsel, <i>Time Series Analysis</i>, 4th ed., 2008, §12.2; Shumway &amp; Stoffer, <i>Time Series
/// Analysis and Its Applications</i>, 4th ed., 2017, Example 5.11; R's <c>TSA::prewhiten</c>).
/// </summary>
/// <remarks>
/// <para>
/// Two autocorrelated series (counts that trend, or rise and fall with the seasons) are correlated
/// at every lag though neither has anything to do with the other, and the usual band ±1.96/√n is far
/// too narrow for them. Prewhitening removes that: an autoregressive model of the earlier series
/// (<see cref="YuleWalker"/>, order by AIC) filters both series, the earlier one becomes white
/// noise, and under no cross-correlation the prewhitened r(k) is about N(0, 1/n'), so the band is
/// right. A permutation test would not do: shuffling weeks destroys the autocorrelation that makes
/// the raw correlations misleading, so its null distribution is as wrong as the naive band.
/// </para>
/// <para>
/// Nine lags are looked at, so a lag is called significant when its p-value is below 0.05 / (L + 1)
/// (Bonferroni), not 0.05. This is association, not cause: seizures and overdoses both follow the
/// supply of a drug, the effort spent looking for it, and the reporting of both.
/// </para>
/// </remarks>
public static class LaggedAssociation
{
    /// <summary>Computes the association.</summary>
    /// <param name="later">The later series (overdoses per week).</param>
    /// <param name="earlier">The earlier series (seizures per week), as long as <paramref name="later"/>.</param>
    /// <param name="maxLag">The largest lag L.</param>
    /// <param name="level">The family-wise significance level over the L + 1 lags.</param>
    /// <returns>The correlations; no lags when either series does not vary or too few values remain.</returns>
    public static LaggedAssociationResult Compute(IReadOnlyList<double> later, IReadOnlyList<double> earlier, int maxLag = 8, double level = 0.05)
    {
        ArgumentNullException.ThrowIfNull(later);
        ArgumentNullException.ThrowIfNull(earlier);
        var raw = CrossCorrelation.Compute(later, earlier, maxLag);
        var model = YuleWalker.Fit(earlier);
        if (raw is null || model is null)
        {
            return new LaggedAssociationResult([], 0, 0, double.NaN);
        }

        var whiteEarlier = model.Filter(earlier, earlier.Average());
        var whiteLater = model.Filter(later, later.Average());
        int used = whiteEarlier.Length;
        var white = used > maxLag ? CrossCorrelation.Compute(whiteLater, whiteEarlier, maxLag) : null;
        if (white is null)
        {
            return new LaggedAssociationResult([], model.Order, used, double.NaN);
        }

        double root = Math.Sqrt(used);
        var lags = new LagCorrelation[maxLag + 1];
        for (int k = 0; k <= maxLag; k++)
        {
            double p = StandardNormal.TwoSided(white[k] * root);
            lags[k] = new LagCorrelation(k, raw[k], white[k], p, p < level / (maxLag + 1));
        }

        return new LaggedAssociationResult(lags, model.Order, used, 1.959963984540054 / root);
    }
}
