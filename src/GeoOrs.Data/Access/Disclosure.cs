using GeoOrs.Analysis.Privacy;

namespace GeoOrs.Data.Access;

/// <summary>
/// The note every public figure carries (TileJSON, OGC responses, the area panel, PNG legends, the
/// web map), so a reader knows the figures are protected and how.
/// </summary>
public static class Disclosure
{
    /// <summary>The method's name.</summary>
    public const string Method = "cell-key perturbation";

    /// <summary>One sentence for a reader.</summary>
    public const string Text =
        "Public figures are protected: each count is perturbed by up to ±6, mostly by ±2 or less (the same figure always by the same amount, " +
        "cell-key perturbation as in the ABS TableBuilder), counts of 1–9 after that are withheld, rates come from the " +
        "perturbed counts, and windows are one or twelve whole calendar months ending by the last complete month.";

    /// <summary>The PNG legend's footnote.</summary>
    public const string LegendLine = "Public figures perturbed ±6, 1–9 withheld";

    /// <summary>The note as a JSON object.</summary>
    public static IReadOnlyDictionary<string, object> Note { get; } = new Dictionary<string, object>
    {
        ["method"] = Method,
        ["description"] = Text,
        ["max_noise"] = CellKeyPerturbation.MaxNoise,
        ["withheld"] = "published counts of 1 to 9 (null, with suppressed: true)",
        ["windows"] = "one calendar month, or twelve, ending by the last complete month",
        ["documentation"] = "docs/ACCESS.md#disclosure-control-the-public",
    };
}
