namespace GeoOrs.Analysis.Hotspots;

/// <summary>One distance of an incremental spatial autocorrelation profile (see <see cref="ScaleOfAnalysis.DistanceBand"/>).</summary>
/// <param name="Distance">The distance band, in the units of the coordinates (metres).</param>
/// <param name="I">Global Moran's I with row-standardised weights of that band (<see cref="GlobalMoran"/>).</param>
/// <param name="Z">Its z-score under randomisation; 0 when the variance is 0.</param>
/// <param name="P">Its two-sided p-value; 1 when the variance is 0.</param>
public sealed record IncrementalMoranStep(double Distance, double I, double Z, double P);

/// <summary>The distance band chosen for weighted features, how it was chosen, and the profile it was chosen from.</summary>
/// <param name="Distance">The distance band, in the units of the coordinates (metres).</param>
/// <param name="Method"><see cref="Peak"/> (<c>"peak"</c>) or <see cref="KthNeighbor"/> (<c>"kth_neighbor"</c>).</param>
/// <param name="K">The k of the fallback, 5 % of the features clamped to 3–30 (and below the number of features); reported whichever method was used.</param>
/// <param name="Start">The first distance of the profile: the largest nearest-neighbour distance among the locations that are not locational outliers.</param>
/// <param name="Increment">The step between distances: the mean nearest-neighbour distance of those locations.</param>
/// <param name="Profile">Moran's I and its z-score at each distance, increasing.</param>
public sealed record DistanceBandChoice(
    double Distance, string Method, int K, double Start, double Increment, IReadOnlyList<IncrementalMoranStep> Profile)
{
    /// <summary>The distance is the first statistically significant peak of the profile's z-scores.</summary>
    public const string Peak = "peak";

    /// <summary>No peak: the distance is the mean distance to each feature's k-th nearest neighbour.</summary>
    public const string KthNeighbor = "kth_neighbor";
}
