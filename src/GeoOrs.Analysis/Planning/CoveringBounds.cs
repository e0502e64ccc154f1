namespace GeoOrs.Analysis.Planning;

/// <summary>
/// Upper bounds on the new demand an optimal choice of sites could cover (existing coverage excluded);
/// each is valid on its own, and <see cref="CoveringSolution.UpperBound"/> is the least of them.
/// </summary>
/// <param name="Coverable">The open demand within reach of some candidate: all of it covered.</param>
/// <param name="Lagrangian">
/// The lowest Lagrangian bound L(λ) met by subgradient optimisation (Galvão &amp; ReVelle 1996; see
/// <see cref="MaximalCovering"/>), or <see cref="double.PositiveInfinity"/> when it was not computed.
/// </param>
/// <param name="GreedyRatio">
/// The greedy value for p sites divided by 1 − (1 − 1/p)<sup>p</sup> (≥ 1 − 1/e): Nemhauser, Wolsey &amp;
/// Fisher (<i>An analysis of approximations for maximizing submodular set functions — I</i>, Mathematical
/// Programming 14, 1978) prove the greedy reaches at least that share of the optimum.
/// </param>
/// <param name="Online">
/// f(S) + the sum of the p largest marginal gains with respect to the final sites S: for a monotone
/// submodular f, OPT ≤ f(S) + Σ<sub>j∈S*</sub> (f(S ∪ {j}) − f(S)) ≤ that sum (Nemhauser, Wolsey &amp; Fisher
/// 1978; the "online bound" of Leskovec et al., KDD 2007).
/// </param>
/// <param name="Exhaustive">
/// The optimum itself when every combination of sites was tried (<see cref="CoveringOptions.ExhaustiveCombinations"/>),
/// else <see cref="double.PositiveInfinity"/>.
/// </param>
public sealed record CoveringBounds(double Coverable, double Lagrangian, double GreedyRatio, double Online, double Exhaustive = double.PositiveInfinity)
{
    /// <summary>The least of the bounds.</summary>
    public double Least => Math.Min(Math.Min(Math.Min(Coverable, Lagrangian), Math.Min(GreedyRatio, Online)), Exhaustive);

    /// <summary>Whether the solution was proven optimal by trying every combination.</summary>
    public bool ProvenByEnumeration => !double.IsPositiveInfinity(Exhaustive);
}
