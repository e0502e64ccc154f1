namespace GeoOrs.Analysis.Hotspots;

/// <summary>The emerging hot spot analysis of one location (see <see cref="EmergingHotSpots"/>).</summary>
/// <param name="Z">The space–time G<sub>i</sub>* z-score of each time bin, oldest first; 0 where the variance is 0.</param>
/// <param name="P">The two-sided p-value of each z-score (not adjusted for multiple testing); 1 where the variance is 0.</param>
/// <param name="Bins">
/// The ArcGIS confidence bin of each time bin (<see cref="GetisOrd.Bin"/>: ±3, ±2, ±1 at 99, 95 and 90 %, 0 not
/// significant), judged on the Benjamini–Hochberg adjusted p-values when the analysis used the FDR correction.
/// </param>
/// <param name="Trend">The Mann–Kendall test of the z-scores <paramref name="Z"/> in time order.</param>
/// <param name="Category">The pattern; store its <see cref="EmergingHotSpotCategories.Name"/>.</param>
public sealed record EmergingHotSpotResult(
    IReadOnlyList<double> Z,
    IReadOnlyList<double> P,
    IReadOnlyList<int> Bins,
    MannKendallResult Trend,
    EmergingHotSpotCategory Category);
