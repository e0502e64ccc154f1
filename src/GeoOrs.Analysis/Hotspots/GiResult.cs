namespace GeoOrs.Analysis.Hotspots;

/// <summary>The Getis–Ord statistic of one feature (see <see cref="GetisOrd"/>).</summary>
/// <param name="G">
/// G<sub>i</sub>* = Σ<sub>j</sub> w<sub>ij</sub> x<sub>j</sub> / Σ<sub>j</sub> x<sub>j</sub> (or G<sub>i</sub>, with j ≠ i in
/// both sums) with binary weights: the share of the total in the neighbourhood; 0 when the denominator is 0.
/// </param>
/// <param name="Z">The standardised statistic (G − E[G]) / √Var[G]; positive for a hot spot, negative for a cold spot; 0 when the variance is 0.</param>
/// <param name="P">The two-sided p-value of <paramref name="Z"/> under the normal approximation (not adjusted for multiple testing).</param>
/// <param name="Bin">
/// The confidence bin as in ArcGIS Hot Spot Analysis (<c>Gi_Bin</c>): ±3 at 99 %, ±2 at 95 %, ±1 at 90 %
/// confidence, 0 when not significant; the sign is the sign of <paramref name="Z"/>.
/// </param>
public sealed record GiResult(double G, double Z, double P, int Bin);
