namespace GeoOrs.Analysis.Hotspots;

/// <summary>The local Moran statistic of one feature (see <see cref="LocalMoran"/>).</summary>
/// <param name="I">I<sub>i</sub> = (z<sub>i</sub> / m<sub>2</sub>) Σ<sub>j</sub> w<sub>ij</sub> z<sub>j</sub>; 0 when the variance of the values is 0.</param>
/// <param name="Expectation">E[I<sub>i</sub>] under conditional randomisation.</param>
/// <param name="Variance">Var[I<sub>i</sub>] under conditional randomisation.</param>
/// <param name="Z">(I<sub>i</sub> − E) / √Var; 0 when the variance is 0.</param>
/// <param name="P">The two-sided normal p-value of <paramref name="Z"/>; 1 when the variance is 0.</param>
/// <param name="PseudoP">The folded permutation p-value (M + 1) / (R + 1); 1 when the variance is 0 or there are no permutations.</param>
/// <param name="Quadrant">
/// "HH", "LL", "HL" or "LH": the value (first letter) and its spatial lag (second letter) above (H) or at
/// most (L) their means; "" for an island or when all values are equal.
/// </param>
public sealed record LocalMoranResult(double I, double Expectation, double Variance, double Z, double P, double PseudoP, string Quadrant);
