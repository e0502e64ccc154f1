namespace GeoOrs.Analysis.Planning;

/// <summary>The sites <see cref="MaximalCovering.Solve"/> chose, the demand they cover, the greedy coverage curve and the bound on the optimum.</summary>
/// <param name="Sites">
/// The chosen sites, min(k, number of candidates) of them, in greedy order among themselves (each the one
/// adding most demand given those before it, ties to the lower index), each with the demand it adds.
/// Trailing sites may add 0 when everything within reach is already covered.
/// </param>
/// <param name="GreedyCurve">
/// Entry p − 1 is the new demand covered by the greedy choice of p sites, p = 1 … min(k, candidates);
/// each entry is a p-site solution and the curve is concave. The swap search improves only the last
/// point: <see cref="NewDemand"/> ≥ the last entry. Add <see cref="ExistingDemand"/> for total coverage.
/// </param>
/// <param name="TotalDemand">The weight of all demand points.</param>
/// <param name="ExistingDemand">The demand covered by the existing sites.</param>
/// <param name="NewDemand">The demand covered by the chosen sites and by no existing site.</param>
/// <param name="UpperBound">
/// An upper bound on the new demand any choice of k candidates could cover: the least of <see cref="Bounds"/>,
/// raised to <see cref="NewDemand"/> if rounding put it below (they agree to about 10⁻¹⁵ then).
/// </param>
/// <param name="Bounds">The separate upper bounds.</param>
/// <param name="Swaps">The swaps the local search made to reach the final sites.</param>
/// <param name="LocalOptimum">Whether no single swap improves the final sites (false when a swap or time limit stopped the search).</param>
/// <param name="LagrangianIterations">The subgradient iterations run (fewer than asked when the bound met the solution).</param>
public sealed record CoveringSolution(
    IReadOnlyList<ChosenSite> Sites,
    IReadOnlyList<double> GreedyCurve,
    double TotalDemand,
    double ExistingDemand,
    double NewDemand,
    double UpperBound,
    CoveringBounds Bounds,
    int Swaps,
    bool LocalOptimum,
    int LagrangianIterations)
{
    /// <summary>The demand covered by the existing and the chosen sites together.</summary>
    public double CoveredDemand => ExistingDemand + NewDemand;

    /// <summary>The share of all demand the chosen sites add (0 when there is no demand).</summary>
    public double NewShare => TotalDemand > 0 ? NewDemand / TotalDemand : 0;

    /// <summary>The share of all demand covered, existing sites included (0 when there is no demand).</summary>
    public double CoveredShare => TotalDemand > 0 ? CoveredDemand / TotalDemand : 0;

    /// <summary>How much more new demand an optimal choice could at most cover: <see cref="UpperBound"/> − <see cref="NewDemand"/>.</summary>
    public double Gap => UpperBound - NewDemand;

    /// <summary>The gap as a share of the bound, (UB − value) / UB; 0 when the bound is 0. The solution is within this share of the optimum.</summary>
    public double RelativeGap => UpperBound > 0 ? Gap / UpperBound : 0;
}
