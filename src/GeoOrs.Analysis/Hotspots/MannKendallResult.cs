namespace GeoOrs.Analysis.Hotspots;

/// <summary>The result of a <see cref="MannKendall"/> trend test.</summary>
/// <param name="S">Kendall's S, Σ_{i&lt;j} sign(xⱼ − xᵢ).</param>
/// <param name="Variance">The variance of S under no trend, corrected for ties.</param>
/// <param name="Z">The standardised statistic with the continuity correction.</param>
/// <param name="P">The two-sided p-value, 2·(1 − Φ(|Z|)).</param>
/// <param name="Trend">+1 for a significant upward trend, −1 for a significant downward one, 0 otherwise.</param>
public sealed record MannKendallResult(double S, double Variance, double Z, double P, int Trend);
