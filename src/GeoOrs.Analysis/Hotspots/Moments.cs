namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// The deviations of a sample from its mean and their power sums, as Moran's I and its tests take them:
/// z<sub>i</sub> = x<sub>i</sub> − x̄, Σ z<sub>i</sub>² and Σ z<sub>i</sub>⁴ over all N values. Global Moran's I divides
/// by Σ z² (Moran, <i>Notes on continuous stochastic phenomena</i>, Biometrika 37, 1950), its variance under
/// randomisation takes the kurtosis b<sub>2</sub> = N Σ z⁴ / (Σ z²)² (Cliff &amp; Ord, <i>Spatial Processes: Models
/// and Applications</i>, 1981, eq. 1.38–1.39), and local Moran's I the second moment m<sub>2</sub> = Σ z² / N
/// (Anselin, <i>Local indicators of spatial association — LISA</i>, 1995, eq. 12).
/// </summary>
/// <param name="Mean">x̄, as <see cref="Sample.Mean"/> computes it.</param>
/// <param name="Z">The deviations, one per value, in order.</param>
/// <param name="Squares">Σ z<sub>i</sub>².</param>
/// <param name="Fourth">Σ z<sub>i</sub>⁴.</param>
internal readonly record struct Moments(double Mean, double[] Z, double Squares, double Fourth)
{
    /// <summary>The deviations from <see cref="Sample.Mean"/> and their sums, taken in the order of the values.</summary>
    /// <param name="sample">The values.</param>
    /// <returns>The moments.</returns>
    public static Moments Of(Sample sample)
    {
        double[] x = sample.Values;
        double mean = sample.Mean();
        var z = new double[x.Length];
        double squares = 0, fourth = 0;
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = x[i] - mean;
            double z2 = z[i] * z[i];
            squares += z2;
            fourth += z2 * z2;
        }

        return new Moments(mean, z, squares, fourth);
    }
}
