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
/// The table here: a cell of n ≥ 1 records gets noise −4…+4 with probabilities
/// .04 .07 .13 .16 .20 .16 .13 .07 .04 (mean 0, variance 3.9) and is published as max(0, n + noise).
/// A cell of no record has no records to key it: its key is drawn from a keyed hash of the cell's
/// name instead, and it is published as 0 with probability .80, else as 1–4 (.08 .06 .04 .02), so a
/// withheld small count may be an empty cell. The SQL function <c>geoors_perturb</c> (migration 0016)
/// holds the same table; a test holds the two equal.
/// </para>
/// </remarks>
public static class CellKeyPerturbation
{
    /// <summary>The largest noise, either way.</summary>
    public const int MaxNoise = 4;

    /// <summary>Cumulative probabilities of noise −4…+4 for a cell of at least one record.</summary>
    private static readonly double[] Counted = [0.04, 0.11, 0.24, 0.40, 0.60, 0.76, 0.89, 0.96, 1.0];

    /// <summary>Cumulative probabilities of publishing 0…4 for a cell of no record.</summary>
    private static readonly double[] Empty = [0.80, 0.88, 0.94, 0.98, 1.0];

    /// <summary>The probability of each noise −4…+4 for a counted cell, index 0 for −4.</summary>
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

        return Math.Max(0, count + Index(Counted, key) - MaxNoise);
    }

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
