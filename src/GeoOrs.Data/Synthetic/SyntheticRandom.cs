namespace GeoOrs.Data.Synthetic;

/// <summary>
/// The generator's pseudo-random numbers: xoshiro256** seeded through SplitMix64, with the few
/// distributions the generator draws from.
/// </summary>
/// <remarks>
/// <para>
/// Algorithms: D. Blackman and S. Vigna, <i>Scrambled linear pseudorandom number generators</i>,
/// ACM TOMS 47(4), 2021 (xoshiro256** and SplitMix64); normal deviates by G. Marsaglia and
/// T. A. Bray's polar method, <i>A convenient method for generating normal variables</i>, SIAM
/// Review 6(3), 1964.
/// </para>
/// <para>
/// The sequence depends only on the seed and the stream, never on the clock or the runtime's own
/// <see cref="Random"/> implementation, so the same options give the same files. Each concern of
/// the generator (county set-up, overdoses, seizures) draws from its own stream, so changing the
/// number of seizures does not change the overdoses.
/// </para>
/// </remarks>
internal sealed class SyntheticRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    /// <summary>Creates the stream <paramref name="stream"/> of the generator seeded with <paramref name="seed"/>.</summary>
    /// <param name="seed">The user's seed.</param>
    /// <param name="stream">A constant naming the concern that draws from the stream.</param>
    public SyntheticRandom(long seed, ulong stream)
    {
        ulong state = unchecked((ulong)seed ^ (stream * 0xD1B54A32D192ED03UL));
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    /// <summary>The next 64 random bits.</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    /// <returns>The deviate.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>) (Lemire's multiply-shift, bias below 2⁻³²).</summary>
    /// <param name="maxExclusive">The exclusive upper bound, at least 1.</param>
    /// <returns>The integer.</returns>
    public int NextInt(int maxExclusive) => (int)(((NextUInt64() >> 32) * (ulong)(uint)maxExclusive) >> 32);

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    /// <param name="min">The smallest value.</param>
    /// <param name="maxInclusive">The largest value.</param>
    /// <returns>The integer.</returns>
    public int NextInt(int min, int maxInclusive) => min + NextInt(maxInclusive - min + 1);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    /// <param name="p">The probability.</param>
    /// <returns>The outcome.</returns>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A standard normal deviate (Marsaglia's polar method).</summary>
    /// <returns>The deviate.</returns>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }

        double u, v, s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);

        double factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * factor;
        _hasSpare = true;
        return u * factor;
    }

    /// <summary>A log-normal deviate with median <paramref name="median"/> and log-scale spread <paramref name="sigma"/>.</summary>
    /// <param name="median">The median, e<sup>μ</sup>.</param>
    /// <param name="sigma">The standard deviation of the logarithm.</param>
    /// <returns>The deviate.</returns>
    public double NextLogNormal(double median, double sigma) => median * Math.Exp(sigma * NextGaussian());

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
