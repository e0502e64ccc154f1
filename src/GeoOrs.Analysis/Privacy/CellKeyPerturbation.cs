namespace GeoOrs.Analysis.Privacy;

/// <summary>
/// Cell-key perturbation of published counts, the method of the Australian Bureau of Statistics'
/// TableBuilder (Fraser B, Wooton J, "A proposed method for confidentialising tabular output to
/// protect against differencing", UNECE/Eurostat Work Session on Statistical Data Confidentiality,
/// Geneva 2005; Thompson G, Broadfoot S, Elazar D, "Methodology for the automatic confidentialisation
/// of statistical outputs from remote servers at the Australian Bureau of Statistics", UNECE/Eurostat
/// Work Session, Ottawa 2013).
/// </summary>
/// <remarks>
/// <para>
/// Every record carries a record key: 32 random bits drawn once, when it is stored. A cell's key is
/// the sum of the keys of the records it counts, modulo 2^32, and its noise is looked up from a
/// perturbation table by that key. The same records always make the same cell key, so the same cell
/// gets the same noise on every path and in every query that produces it (a window that adds no
/// event, a state of one county): repeating or rephrasing a query cannot average the noise away, and
/// two queries that differ by a few records differ by those records plus two independent draws.
/// </para>
/// <para>
/// The table here, one row by the count n of records (the ABS's perturbation tables also give
/// small counts rows of their own):
/// <list type="bullet">
/// <item>n ≥ 6: noise −6…+6 with probabilities .005 .015 .03 .06 .12 .17 .20 .17 .12 .06 .03 .015
/// .005 (mean 0, variance 4.45). The tails are light for the support: an attacker's bounds come from
/// the support (±6) while the noise is within ±2 in 78 % of cells and ±3 in 90 %, so the feasible interval of a
/// withheld figure, where many published figures intersect, stays wide. An interval audit over many
/// draws of keys found the narrowest interval excluding 0 at 10 values with this row; with −4…+4 for
/// every count it found intervals of 4.</item>
/// <item>1 ≤ n ≤ 5: noise −4…+4 with probabilities .04 .07 .13 .16 .20 .16 .13 .07 .04, so a cell of
/// five or fewer records is never published above 9: every shown figure of 10 or more counts at least
/// six records.</item>
/// <item>n = 0: a cell of no record has no records to key it: its key is drawn from a keyed hash of
/// the cell's name instead, and it is published as 0 with probability .80, else as 1–4 (.08 .06 .04
/// .02), so a withheld small count may be an empty cell.</item>
/// </list>
/// The published value is max(0, n + noise). The SQL function <c>geoors_perturb</c> (migrations 0016
/// and 0017) holds the same table; a test holds the two equal.
/// </para>
/// </remarks>
public static class CellKeyPerturbation
{
    /// <summary>The largest noise, either way.</summary>
    public const int MaxNoise = 6;

    /// <summary>The largest noise of a cell of <see cref="SmallCount"/> or fewer records, either way.</summary>
    public const int SmallMaxNoise = 4;

    /// <summary>The largest count of the small rows.</summary>
    public const int SmallCount = 5;

    /// <summary>Cumulative probabilities of noise −6…+6 for a cell of more than <see cref="SmallCount"/> records.</summary>
    private static readonly double[] Counted = [0.005, 0.02, 0.05, 0.11, 0.23, 0.40, 0.60, 0.77, 0.89, 0.95, 0.98, 0.995, 1.0];

    /// <summary>Cumulative probabilities of noise −4…+4 for a cell of 1 to <see cref="SmallCount"/> records.</summary>
    private static readonly double[] Small = [0.04, 0.11, 0.24, 0.40, 0.60, 0.76, 0.89, 0.96, 1.0];

    /// <summary>Cumulative probabilities of publishing 0…4 for a cell of no record.</summary>
    private static readonly double[] Empty = [0.80, 0.88, 0.94, 0.98, 1.0];

    /// <summary>The probability of each noise −6…+6 for a cell of more than <see cref="SmallCount"/> records, index 0 for −6.</summary>
    public static IReadOnlyList<double> NoiseProbabilities { get; } =
        [.. Counted.Select((c, i) => Math.Round(c - (i == 0 ? 0 : Counted[i - 1]), 10))];

    /// <summary>The cell key, as a fraction of 2^32 in [0, 1), of records whose keys sum to <paramref name="keySum"/>.</summary>
    /// <param name="keySum">The sum of the records' keys (signed 32-bit each), in any number of records.</param>
    /// <returns>The key in [0, 1).</returns>
    public static double CellKey(long keySum) => (double)(ulong)(uint)(keySum & 0xFFFF_FFFF) / 4294967296.0;

    /// <summary>The published value of a cell of <paramref name="count"/> records with cell key <paramref name="key"/>.</summary>
    /// <param name="count">The true count, at least 0.</param>
    /// <param name="key">The cell key in [0, 1).</param>
    /// <returns>The perturbed count, at least 0.</returns>
    public static long Perturb(long count, double key)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (key is < 0 or >= 1 || double.IsNaN(key))
        {
            throw new ArgumentOutOfRangeException(nameof(key), key, "a cell key is in [0, 1)");
        }

        if (count == 0)
        {
            return Index(Empty, key);
        }

        return count <= SmallCount
            ? Math.Max(0, count + Index(Small, key) - SmallMaxNoise)
            : Math.Max(0, count + Index(Counted, key) - MaxNoise);
    }

    /// <summary>
    /// What an attacker who knows the table learns from one published figure: the least and greatest
    /// true count that can be published as <paramref name="published"/>, or, for a withheld figure
    /// (<see langword="null"/>), as any of 1–9.
    /// </summary>
    /// <param name="published">The published value, or null where withheld.</param>
    /// <returns>The range of true counts.</returns>
    public static (long Low, long High) Possible(long? published)
    {
        var (from, to) = published is { } p ? (p, p) : (1L, 9L);
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        long low = long.MaxValue, high = long.MinValue;
        for (var n = Math.Max(0, from - MaxNoise); n <= to + MaxNoise; n++)
        {
            var (least, most) = Reach(n);
            if (least <= to && most >= from)
            {
                low = Math.Min(low, n);
                high = Math.Max(high, n);
            }
        }

        return (low, high);
    }

    /// <summary>The least and greatest value a cell of <paramref name="count"/> records can be published as.</summary>
    private static (long Least, long Most) Reach(long count) => count switch
    {
        0 => (0, Empty.Length - 1),
        <= SmallCount => (Math.Max(0, count - SmallMaxNoise), count + SmallMaxNoise),
        _ => (Math.Max(0, count - MaxNoise), count + MaxNoise),
    };

    /// <summary>Whether a published value is withheld from the public: 1 to 9 (the CDC WONDER rule, after perturbation).</summary>
    /// <param name="published">The perturbed count.</param>
    /// <returns>Whether it is withheld.</returns>
    public static bool Withheld(long published) => published is >= 1 and <= 9;

    private static int Index(double[] cumulative, double key)
    {
        var i = 0;
        while (key >= cumulative[i])
        {
            i++;
        }

        return i;
    }
}
