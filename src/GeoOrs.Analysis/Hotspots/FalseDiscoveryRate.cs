namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// Benjamini–Hochberg adjusted p-values (Benjamini &amp; Hochberg, <i>Controlling the false discovery rate:
/// a practical and powerful approach to multiple testing</i>, J. R. Statist. Soc. B 57(1), 1995), the same
/// as R's <c>p.adjust(p, method = "BH")</c>.
/// </summary>
/// <remarks>
/// With the m p-values sorted ascending, p<sub>(1)</sub> ≤ … ≤ p<sub>(m)</sub>, the adjusted value of
/// p<sub>(i)</sub> is min over k ≥ i of min(1, m p<sub>(k)</sub> / k). Rejecting every hypothesis whose
/// adjusted p is ≤ q is exactly the step-up procedure of the paper at false discovery rate q: reject
/// H<sub>(1)</sub> … H<sub>(k)</sub> for the largest k with p<sub>(k)</sub> ≤ k q / m.
/// </remarks>
public static class FalseDiscoveryRate
{
    /// <summary>Adjusts p-values for the false discovery rate.</summary>
    /// <param name="p">The p-values, each in [0, 1].</param>
    /// <returns>The adjusted p-values, in the same order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A p-value is NaN or outside [0, 1].</exception>
    public static double[] Adjust(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        int m = p.Count;
        var order = new int[m];
        var keys = new double[m];
        for (int i = 0; i < m; i++)
        {
            double value = p[i];
            if (!(value >= 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(p), value, $"p-value {i} must be in [0, 1].");
            }

            order[i] = i;
            keys[i] = value;
        }

        Array.Sort(keys, order);
        var adjusted = new double[m];
        double running = 1.0;
        for (int rank = m; rank >= 1; rank--)
        {
            running = Math.Min(running, (double)m / rank * keys[rank - 1]);
            adjusted[order[rank - 1]] = running;
        }

        return adjusted;
    }
}
