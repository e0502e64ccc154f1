namespace GeoOrs.Data.Synthetic;

/// <summary>
/// The canonical drug vocabulary of docs/INGEST.md, in its documented order, and the
/// <c>;</c>-separated lists of it that the generator writes.
/// </summary>
internal static class DrugVocabulary
{
    /// <summary>Index of <c>fentanyl</c>.</summary>
    public const int Fentanyl = 0;

    /// <summary>Index of <c>heroin</c>.</summary>
    public const int Heroin = 1;

    /// <summary>Index of <c>prescription_opioid</c>.</summary>
    public const int PrescriptionOpioid = 2;

    /// <summary>Index of <c>other_opioid</c>.</summary>
    public const int OtherOpioid = 3;

    /// <summary>Index of <c>cocaine</c>.</summary>
    public const int Cocaine = 4;

    /// <summary>Index of <c>methamphetamine</c>.</summary>
    public const int Methamphetamine = 5;

    /// <summary>Index of <c>xylazine</c>.</summary>
    public const int Xylazine = 6;

    /// <summary>Index of <c>benzodiazepine</c>.</summary>
    public const int Benzodiazepine = 7;

    /// <summary>Index of <c>other</c>.</summary>
    public const int Other = 8;

    /// <summary>Index of <c>unknown</c>.</summary>
    public const int Unknown = 9;

    /// <summary>Index of <c>marijuana</c> (seizures only).</summary>
    public const int Marijuana = 10;

    /// <summary>The names by index; the last, <c>marijuana</c>, is valid for seizures only.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "fentanyl", "heroin", "prescription_opioid", "other_opioid", "cocaine", "methamphetamine",
        "xylazine", "benzodiazepine", "other", "unknown", "marijuana",
    ];

    private static readonly string[] Lists = BuildLists();

    /// <summary>The <c>;</c>-separated list of the drugs whose bits are set, in vocabulary order.</summary>
    /// <param name="mask">Bit i set for drug index i (overdose vocabulary, indexes 0–9).</param>
    /// <returns>The list; empty for 0.</returns>
    public static string List(int mask) => Lists[mask & 0x3FF];

    /// <summary>The bit mask of a <c>;</c>-separated list.</summary>
    /// <param name="list">The list, e.g. <c>fentanyl;xylazine</c>.</param>
    /// <returns>The mask.</returns>
    public static int Mask(string list)
    {
        int mask = 0;
        foreach (var name in list.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int index = Names.ToList().IndexOf(name);
            if (index is < 0 or >= Marijuana)
            {
                throw new ArgumentException($"'{name}' is not an overdose drug of the vocabulary", nameof(list));
            }

            mask |= 1 << index;
        }

        return mask;
    }

    private static string[] BuildLists()
    {
        var lists = new string[1 << 10];
        for (int mask = 0; mask < lists.Length; mask++)
        {
            lists[mask] = string.Join(';', Enumerable.Range(0, 10).Where(i => (mask & (1 << i)) != 0).Select(i => Names[i]));
        }

        return lists;
    }
}
