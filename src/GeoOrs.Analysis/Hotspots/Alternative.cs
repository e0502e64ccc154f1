namespace GeoOrs.Analysis.Hotspots;

/// <summary>The alternative hypothesis of a test on a z-score (R's <c>alternative</c> argument).</summary>
public enum Alternative
{
    /// <summary>The statistic differs from its expectation in either direction: p = P(|Z| ≥ |z|).</summary>
    TwoSided,

    /// <summary>The statistic is larger than its expectation (positive autocorrelation for Moran's I): p = P(Z ≥ z).</summary>
    Greater,

    /// <summary>The statistic is smaller than its expectation: p = P(Z ≤ z).</summary>
    Less,
}
