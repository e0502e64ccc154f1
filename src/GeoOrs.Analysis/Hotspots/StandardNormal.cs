namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// The upper tail of the standard normal distribution, 1 − Φ(z) = erfc(z/√2)/2, to a relative
/// error below about 10⁻¹¹ against Python's math.erfc (.NET has no error function).
/// </summary>
/// <remarks>
/// erfc(x) for 0 ≤ x &lt; 2.5 is 1 − erf(x) from the series erf(x) = (2/√π)·e^(−x²)·Σₖ
/// 2ᵏx^(2k+1)/(1·3·…·(2k+1)) (Abramowitz M, Stegun IA, Handbook of Mathematical Functions, 1964,
/// eq. 7.1.6), whose terms are all positive, so nothing cancels; from 2.5 on, the continued
/// fraction erfc(x) = (e^(−x²)/√π)·1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))) (eq. 7.1.14),
/// evaluated by the modified Lentz method, keeps the relative precision of small tails.
/// </remarks>
internal static class StandardNormal
{
    /// <summary>1 − Φ(z), the probability that a standard normal variable exceeds z.</summary>
    public static double UpperTail(double z)
    {
        if (double.IsNaN(z))
        {
            return double.NaN;
        }
        return z >= 0 ? 0.5 * Erfc(z / Math.Sqrt(2)) : 1 - (0.5 * Erfc(-z / Math.Sqrt(2)));
    }

    /// <summary>erfc(x) for x ≥ 0.</summary>
    internal static double Erfc(double x)
    {
        if (x < 2.5)
        {
            // A&S 7.1.6: erf(x) = 2/√π · e^(−x²) · Σ 2^k x^(2k+1) / (2k+1)!!
            var term = x;
            var sum = x;
            var x2 = x * x;
            for (var k = 1; k < 200 && term > sum * 1e-17; k++)
            {
                term *= 2 * x2 / ((2 * k) + 1);
                sum += term;
            }
            return 1 - (2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum);
        }
        if (x > 27.3)
        {
            return 0; // e^(−x²) underflows
        }

        // A&S 7.1.14: 1/(x + a₁/(x + a₂/(x + …))) with aₖ = k/2, by the modified Lentz method.
        const double Tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var k = 1; k < 500; k++)
        {
            var a = k / 2.0;
            d = x + (a * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = x + (a / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
