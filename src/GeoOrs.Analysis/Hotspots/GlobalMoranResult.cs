namespace GeoOrs.Analysis.Hotspots;

/// <summary>Moran's I for a whole map with its test under randomisation (see <see cref="GlobalMoran"/>).</summary>
/// <param name="I">Moran's I; 0 when it is undefined (all values equal, or no neighbour pairs).</param>
/// <param name="Expectation">E[I] = −1 / (n − 1), n counting the features that have neighbours.</param>
/// <param name="Variance">Var[I] under randomisation; 0 when it cannot be computed.</param>
/// <param name="Z">(I − E) / √Var; 0 when the variance is 0.</param>
/// <param name="P">The normal p-value of <paramref name="Z"/> under the requested alternative (two-sided by default); 1 when the variance is 0.</param>
public sealed record GlobalMoranResult(double I, double Expectation, double Variance, double Z, double P);
