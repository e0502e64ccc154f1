namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// Tail probabilities of the standard normal distribution, for the p-values of the z-scores.
/// </summary>
/// <remarks>
/// Φ̄(z) = P(Z &gt; z) = ½ erfc(z / √2). The complementary error function is computed, for x = |z| / √2,
/// from the series erf x = (2/√π) e<sup>−x²</sup> Σ 2<sup>n</sup> x<sup>2n+1</sup> / (1·3···(2n+1))
/// (Abramowitz &amp; Stegun, <i>Handbook of Mathematical Functions</i>, 1964, 7.1.6) when x &lt; 2, and from the
/// continued fraction erfc x = (e<sup>−x²</sup>/√π) · 1/(x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
/// (ibid. 7.1.14), evaluated by the modified Lentz method, when x ≥ 2, with e<sup>−z²/2</sup> taken from z
/// with the rounding error of z² carried separately. Both have only positive terms; the relative error is
/// about 10<sup>−13</sup> or less down to 10<sup>−290</sup> (checked against R's <c>pnorm</c> in the tests),
/// far below what a normal approximation of a spatial statistic can claim.
/// </remarks>
internal static class StandardNormal
{
    private const double SqrtPi = 1.7724538509055160273;

    /// <summary>The upper tail P(Z &gt; z).</summary>
    public static double UpperTail(double z) => z >= 0 ? HalfErfc(z) : 1 - HalfErfc(-z);

    /// <summary>The lower tail P(Z &lt; z).</summary>
    public static double LowerTail(double z) => UpperTail(-z);

    /// <summary>The two-sided p-value P(|Z| ≥ |z|) = erfc(|z| / √2).</summary>
    public static double TwoSided(double z) => Math.Min(1.0, 2 * HalfErfc(Math.Abs(z)));

    /// <summary>The p-value of z under an alternative hypothesis.</summary>
    public static double PValue(double z, Alternative alternative) => alternative switch
    {
        Alternative.Greater => UpperTail(z),
        Alternative.Less => LowerTail(z),
        _ => TwoSided(z),
    };

    /// <summary>P(Z &gt; z) = ½ erfc(z / √2) for z ≥ 0.</summary>
    private static double HalfErfc(double z)
    {
        if (double.IsNaN(z))
        {
            return double.NaN;
        }

        double x = z / Math.Sqrt(2);
        if (x < 2)
        {
            // erf x = (2/√π) e^{-x²} Σ_n 2^n x^{2n+1} / (1·3···(2n+1)); term_{n+1} = term_n · 2x² / (2n+3).
            double x2 = x * x, term = x, sum = x;
            for (int n = 0; n < 200 && term > sum * 1e-17; n++)
            {
                term *= 2 * x2 / ((2 * n) + 3);
                sum += term;
            }

            return 0.5 * (1 - (2 / SqrtPi * Math.Exp(-x2) * sum));
        }

        if (z > 38.5)
        {
            return 0; // P(Z > 38.5) ≈ 3e-325 underflows
        }

        // g = x + a1/(x + a2/(x + ...)), a_k = k/2, by the modified Lentz method.
        const double Tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int k = 1; k < 10_000; k++)
        {
            double a = k / 2.0;
            d = x + (a * d);
            d = Math.Abs(d) < Tiny ? 1 / Tiny : 1 / d;
            c = x + (a / c);
            if (Math.Abs(c) < Tiny)
            {
                c = Tiny;
            }

            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        // e^{-z²/2} with z² split into its double and the rounding error (exact by a fused multiply-add), so
        // that the large exponent loses no relative accuracy.
        double zz = z * z;
        double error = Math.FusedMultiplyAdd(z, z, -zz);
        return 0.5 * Math.Exp(-zz / 2) * Math.Exp(-error / 2) / (SqrtPi * f);
    }
}
