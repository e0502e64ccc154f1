namespace GeoOrs.Analysis.Planning;

/// <summary>Limits on the work of <see cref="MaximalCovering.Solve"/>.</summary>
public sealed record CoveringOptions
{
    /// <summary>The defaults: at most 1,000 swaps, no time limit, 500 subgradient iterations.</summary>
    public static CoveringOptions Default { get; } = new();

    /// <summary>The most improving swaps the local search makes (default 1,000); 0 keeps the greedy solution.</summary>
    public int MaxSwaps { get; init; } = 1000;

    /// <summary>
    /// The time after which the swap search starts no further pass, or <see langword="null"/> (the default)
    /// for none. With a time limit the result may depend on the machine's speed; without one it does not.
    /// </summary>
    public TimeSpan? SwapTimeLimit { get; init; }

    /// <summary>The most subgradient iterations for the Lagrangian bound (default 500); 0 leaves that bound out.</summary>
    public int LagrangianIterations { get; init; } = 500;

    /// <summary>
    /// When a gap remains and choosing the sites among the candidates that cover open demand has at
    /// most this many combinations (default 200,000), every combination is tried: the answer is then
    /// the optimum, proven, and the bound equals it. 0 never enumerates.
    /// </summary>
    public long ExhaustiveCombinations { get; init; } = 200_000;
}
