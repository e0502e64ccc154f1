namespace GeoOrs.Analysis.Planning;

/// <summary>
/// Global empirical Bayes smoothing of rates (Marshall RJ, "Mapping disease and mortality rates using
/// empirical Bayes estimators", Applied Statistics 1991;40(2):283–294; as GeoDa's "Empirical Bayes"
/// rate smoother): a small area's rate is drawn toward the overall rate as far as its population makes
/// it unreliable, so a county of 6,000 people with 11 overdoses does not outrank every city.
/// </summary>
/// <remarks>
/// With counts yᵢ, populations nᵢ, rᵢ = yᵢ/nᵢ, m = Σy/Σn and n̄ = Σn/N, the between-area variance is
/// s² = Σ nᵢ (rᵢ − m)² / Σn − m/n̄ (0 when negative); the shrinkage Cᵢ = s² / (s² + m/nᵢ); the smoothed
/// rate m + Cᵢ (rᵢ − m). Areas with no population keep the overall rate and count for nothing in m, s².
/// </remarks>
public static class EmpiricalBayesRates
{
    /// <summary>Smooths rates.</summary>
    /// <param name="counts">Each area's count, ≥ 0.</param>
    /// <param name="populations">Each area's population, ≥ 0.</param>
    /// <returns>The smoothed rates per person (multiply by 100,000 for per 100k), in input order.</returns>
    /// <exception cref="ArgumentException">The lists differ in length, or a value is negative or not finite.</exception>
    public static double[] Smooth(IReadOnlyList<double> counts, IReadOnlyList<double> populations)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(populations);
        if (counts.Count != populations.Count)
        {
            throw new ArgumentException("One population per count is needed.", nameof(populations));
        }

        double totalCount = 0, totalPopulation = 0;
        int areas = 0;
        for (int i = 0; i < counts.Count; i++)
        {
            if (!(counts[i] >= 0) || !(populations[i] >= 0) || double.IsInfinity(counts[i]) || double.IsInfinity(populations[i]))
            {
                throw new ArgumentException($"Area {i} has a negative or non-finite count or population.", nameof(counts));
            }

            if (populations[i] > 0)
            {
                totalCount += counts[i];
                totalPopulation += populations[i];
                areas++;
            }
        }

        var smoothed = new double[counts.Count];
        if (totalPopulation == 0)
        {
            return smoothed;
        }

        double m = totalCount / totalPopulation, meanPopulation = totalPopulation / areas, spread = 0;
        for (int i = 0; i < counts.Count; i++)
        {
            if (populations[i] > 0)
            {
                double r = counts[i] / populations[i];
                spread += populations[i] * (r - m) * (r - m);
            }
        }

        double s2 = Math.Max(0, (spread / totalPopulation) - (m / meanPopulation));
        for (int i = 0; i < counts.Count; i++)
        {
            if (populations[i] > 0 && s2 > 0)
            {
                double c = s2 / (s2 + (m / populations[i]));
                smoothed[i] = m + (c * ((counts[i] / populations[i]) - m));
            }
            else
            {
                smoothed[i] = m;
            }
        }

        return smoothed;
    }
}
