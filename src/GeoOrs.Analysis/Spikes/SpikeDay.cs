namespace GeoOrs.Analysis.Spikes;

/// <summary>
/// One day of a spike-detection run: the day's count, the method's statistic, the threshold it
/// was compared with and whether the day alerts.
/// </summary>
/// <remarks>
/// <see cref="Statistic"/> and <see cref="Threshold"/> are in the same units, so for every method
/// <see cref="Alert"/> is <c>Statistic &gt; Threshold</c>, except <see cref="FixedThreshold"/>,
/// which alerts at <c>Statistic ≥ Threshold</c> (ODMAP's "N or more"). On a day without enough
/// baseline before it the statistic, the threshold, <see cref="Expected"/> and <see cref="Sigma"/>
/// are null and the day does not alert.
/// </remarks>
/// <param name="Date">The day.</param>
/// <param name="Count">The day's count.</param>
/// <param name="Statistic">The method's test statistic, or null when there is not enough baseline.</param>
/// <param name="Threshold">The value the statistic must exceed, or null when there is no statistic.</param>
/// <param name="Alert">Whether the day alerts; always false when <paramref name="Statistic"/> is null.</param>
public sealed record SpikeDay(DateOnly Date, int Count, double? Statistic, double? Threshold, bool Alert)
{
    /// <summary>
    /// The baseline mean the day is compared with (for EARS C3, the mean of the day's own C2
    /// baseline); null when there is no statistic and for <see cref="FixedThreshold"/>.
    /// </summary>
    public double? Expected { get; init; }

    /// <summary>
    /// The baseline standard deviation after the <c>minSigma</c> floor, max(s, minSigma) (for EARS
    /// C3, that of the day's own C2 baseline); null when there is no statistic and for
    /// <see cref="FixedThreshold"/>. For EARS C1 and C2, <c>Expected + Threshold·Sigma</c> is the
    /// count above which the day alerts (R surveillance's <c>upperbound</c>).
    /// </summary>
    public double? Sigma { get; init; }
}
