namespace GeoOrs.Analysis.Planning;

/// <summary>An area's need components and index.</summary>
/// <param name="RateRank">The area's overdose rate per 100,000 (the caller passes it smoothed, see <see cref="EmpiricalBayesRates"/>) as a percentile rank among the areas, 0 … 1 (ties share their mean rank).</param>
/// <param name="Trend">(clamp(z, −3, 3) + 3) / 6 of the Mann–Kendall z of its monthly counts: 0.5 is no trend, 1 a steep rise.</param>
/// <param name="Hotspot">Its hot spot status, 0 … 1: a county's Gi* bin as (bin + 3) / 6; a region's share of hot member counties.</param>
/// <param name="Uncovered">The share of its overdoses farther than the radius from every listed naloxone site, 0 … 1.</param>
/// <param name="Index">The weighted sum of the four, 0 … 1.</param>
public sealed record NeedScore(double RateRank, double Trend, double Hotspot, double Uncovered, double Index);

/// <summary>
/// The need index that ranks areas for naloxone distribution: 0.4 × rate rank + 0.2 × trend + 0.2 ×
/// hot spot status + 0.2 × uncovered share. The rate (the burden, comparable across areas of any
/// size) weighs most; a rising trend, a hot spot and overdoses beyond today's sites each raise an area
/// as much. Every component is in [0, 1], so the index is too, and each is reported beside it.
/// </summary>
public static class NeedIndex
{
    /// <summary>The components' weights, in the order rate, trend, hot spot, uncovered.</summary>
    public static readonly IReadOnlyList<double> Weights = [0.4, 0.2, 0.2, 0.2];

    /// <summary>Scores areas.</summary>
    /// <param name="rates">Each area's rate per 100,000.</param>
    /// <param name="trendZ">Each area's Mann–Kendall z (0 when there is no series).</param>
    /// <param name="hotspot">Each area's hot spot status in [0, 1].</param>
    /// <param name="uncovered">Each area's uncovered share in [0, 1].</param>
    /// <returns>One score per area, in input order.</returns>
    /// <exception cref="ArgumentException">The lists differ in length, or a value is not finite or out of range.</exception>
    public static IReadOnlyList<NeedScore> Compute(IReadOnlyList<double> rates, IReadOnlyList<double> trendZ, IReadOnlyList<double> hotspot, IReadOnlyList<double> uncovered)
    {
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentNullException.ThrowIfNull(trendZ);
        ArgumentNullException.ThrowIfNull(hotspot);
        ArgumentNullException.ThrowIfNull(uncovered);
        int n = rates.Count;
        if (trendZ.Count != n || hotspot.Count != n || uncovered.Count != n)
        {
            throw new ArgumentException("One value of each component per area is needed.", nameof(rates));
        }

        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(rates[i]) || !double.IsFinite(trendZ[i]) || hotspot[i] is not (>= 0 and <= 1) || uncovered[i] is not (>= 0 and <= 1))
            {
                throw new ArgumentException($"Area {i} has a value that is not finite or out of range.", nameof(rates));
            }
        }

        var ranks = PercentRanks(rates);
        var scores = new NeedScore[n];
        for (int i = 0; i < n; i++)
        {
            double trend = (Math.Clamp(trendZ[i], -3, 3) + 3) / 6;
            double index = (Weights[0] * ranks[i]) + (Weights[1] * trend) + (Weights[2] * hotspot[i]) + (Weights[3] * uncovered[i]);
            scores[i] = new NeedScore(ranks[i], trend, hotspot[i], uncovered[i], index);
        }

        return scores;
    }

    /// <summary>Percentile ranks in [0, 1]: (mean rank − 1) / (n − 1) with ties sharing their mean rank; 1 for a single area.</summary>
    /// <param name="values">The values.</param>
    /// <returns>Their ranks, in input order.</returns>
    public static double[] PercentRanks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        var ranks = new double[n];
        if (n == 1)
        {
            ranks[0] = 1;
            return ranks;
        }

        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            double rank = ((start + end) / 2.0) / (n - 1);
            for (int q = start; q <= end; q++)
            {
                ranks[order[q]] = rank;
            }

            start = end + 1;
        }

        return ranks;
    }
}
