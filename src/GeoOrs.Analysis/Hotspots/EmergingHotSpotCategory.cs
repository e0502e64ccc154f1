namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// The 17 patterns of ArcGIS's Emerging Hot Spot Analysis (Esri, "How Emerging Hot Spot Analysis works",
/// ArcGIS Pro documentation): eight hot spot trends, the same eight for cold spots, and no pattern. The
/// rules that assign them are given on <see cref="EmergingHotSpots.Classify(IReadOnlyList{double}, IReadOnlyList{double}, int, double)"/>.
/// </summary>
/// <remarks>
/// The numeric values are fixed, but store the names of <see cref="EmergingHotSpotCategories.Name"/>
/// (<c>"new_hot_spot"</c>, <c>"no_pattern"</c>, …), which are stable and readable in SQL and JSON.
/// </remarks>
public enum EmergingHotSpotCategory
{
    /// <summary>None of the hot or cold spot patterns (<c>no_pattern</c>).</summary>
    NoPattern = 0,

    /// <summary>A significant hot spot in the final bin and in no bin before (<c>new_hot_spot</c>).</summary>
    NewHotSpot = 1,

    /// <summary>A single run of at least two significant hot bins ending in the final bin, never hot before the run, fewer than 90 % of bins hot (<c>consecutive_hot_spot</c>).</summary>
    ConsecutiveHotSpot = 2,

    /// <summary>Hot in at least 90 % of the bins, the final bin included, with a significant upward trend of the z-scores (<c>intensifying_hot_spot</c>).</summary>
    IntensifyingHotSpot = 3,

    /// <summary>Hot in at least 90 % of the bins, the final bin included, with no significant trend (<c>persistent_hot_spot</c>).</summary>
    PersistentHotSpot = 4,

    /// <summary>Hot in at least 90 % of the bins, the final bin included, with a significant downward trend of the z-scores (<c>diminishing_hot_spot</c>).</summary>
    DiminishingHotSpot = 5,

    /// <summary>Hot in the final bin and on and off before, fewer than 90 % of bins hot, never a significant cold spot (<c>sporadic_hot_spot</c>).</summary>
    SporadicHotSpot = 6,

    /// <summary>Hot in the final bin, a significant cold spot in some earlier bin, fewer than 90 % of bins hot (<c>oscillating_hot_spot</c>).</summary>
    OscillatingHotSpot = 7,

    /// <summary>Not significant in the final bin, but hot in at least 90 % of the bins (<c>historical_hot_spot</c>).</summary>
    HistoricalHotSpot = 8,

    /// <summary>A significant cold spot in the final bin and in no bin before (<c>new_cold_spot</c>).</summary>
    NewColdSpot = 9,

    /// <summary>A single run of at least two significant cold bins ending in the final bin, never cold before the run, fewer than 90 % of bins cold (<c>consecutive_cold_spot</c>).</summary>
    ConsecutiveColdSpot = 10,

    /// <summary>Cold in at least 90 % of the bins, the final bin included, with a significant downward trend of the z-scores (<c>intensifying_cold_spot</c>).</summary>
    IntensifyingColdSpot = 11,

    /// <summary>Cold in at least 90 % of the bins, the final bin included, with no significant trend (<c>persistent_cold_spot</c>).</summary>
    PersistentColdSpot = 12,

    /// <summary>Cold in at least 90 % of the bins, the final bin included, with a significant upward trend of the z-scores (<c>diminishing_cold_spot</c>).</summary>
    DiminishingColdSpot = 13,

    /// <summary>Cold in the final bin and on and off before, fewer than 90 % of bins cold, never a significant hot spot (<c>sporadic_cold_spot</c>).</summary>
    SporadicColdSpot = 14,

    /// <summary>Cold in the final bin, a significant hot spot in some earlier bin, fewer than 90 % of bins cold (<c>oscillating_cold_spot</c>).</summary>
    OscillatingColdSpot = 15,

    /// <summary>Not significant in the final bin, but cold in at least 90 % of the bins (<c>historical_cold_spot</c>).</summary>
    HistoricalColdSpot = 16,
}

/// <summary>The stable snake_case names of the <see cref="EmergingHotSpotCategory"/> values, for storage and JSON.</summary>
public static class EmergingHotSpotCategories
{
    private static readonly string[] Names =
    [
        "no_pattern",
        "new_hot_spot", "consecutive_hot_spot", "intensifying_hot_spot", "persistent_hot_spot",
        "diminishing_hot_spot", "sporadic_hot_spot", "oscillating_hot_spot", "historical_hot_spot",
        "new_cold_spot", "consecutive_cold_spot", "intensifying_cold_spot", "persistent_cold_spot",
        "diminishing_cold_spot", "sporadic_cold_spot", "oscillating_cold_spot", "historical_cold_spot",
    ];

    /// <summary>All 17 categories, in the order of their values.</summary>
    public static IReadOnlyList<EmergingHotSpotCategory> All { get; } =
        [.. Enumerable.Range(0, Names.Length).Select(i => (EmergingHotSpotCategory)i)];

    /// <summary>The stable name of a category, such as <c>"new_hot_spot"</c> or <c>"no_pattern"</c>.</summary>
    /// <param name="category">The category.</param>
    /// <returns>Its snake_case name.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is not one of the 17 categories.</exception>
    public static string Name(this EmergingHotSpotCategory category) =>
        (uint)category < (uint)Names.Length
            ? Names[(int)category]
            : throw new ArgumentOutOfRangeException(nameof(category), category, "Not an emerging hot spot category.");

    /// <summary>The category with a given stable name (exact, lower case).</summary>
    /// <param name="name">A name returned by <see cref="Name"/>.</param>
    /// <param name="category">The category, or <see cref="EmergingHotSpotCategory.NoPattern"/> when the name is unknown.</param>
    /// <returns><see langword="true"/> when the name is one of the 17.</returns>
    public static bool TryParse(string? name, out EmergingHotSpotCategory category)
    {
        int at = name is null ? -1 : Array.IndexOf(Names, name);
        category = at >= 0 ? (EmergingHotSpotCategory)at : EmergingHotSpotCategory.NoPattern;
        return at >= 0;
    }

    /// <summary>Whether the category is one of the eight hot spot patterns.</summary>
    /// <param name="category">The category.</param>
    /// <returns><see langword="true"/> for the hot spot patterns.</returns>
    public static bool IsHot(this EmergingHotSpotCategory category) =>
        category is >= EmergingHotSpotCategory.NewHotSpot and <= EmergingHotSpotCategory.HistoricalHotSpot;

    /// <summary>Whether the category is one of the eight cold spot patterns.</summary>
    /// <param name="category">The category.</param>
    /// <returns><see langword="true"/> for the cold spot patterns.</returns>
    public static bool IsCold(this EmergingHotSpotCategory category) =>
        category is >= EmergingHotSpotCategory.NewColdSpot and <= EmergingHotSpotCategory.HistoricalColdSpot;
}
