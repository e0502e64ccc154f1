namespace GeoOrs.Data.Hotspots;

/// <summary>
/// What the public sees of a hot spot cell's figures (docs/ACCESS.md). A cell's Gi* z-score, p-value
/// and trend are linear or monotone in the counts of it and its neighbours, so exact values for many
/// cells could be solved back to counts the public may not see, and the event counts of nightly runs
/// over sliding windows differ by a day's events. The public gets the confidence bin and the emerging
/// category, and densities to two significant figures; keyed roles get everything.
/// </summary>
public static class PublicStatistics
{
    /// <summary>SQL of a figure withheld from the public (<c>@suppress</c>).</summary>
    /// <param name="sql">The figure's SQL.</param>
    /// <returns>The SQL.</returns>
    public static string Hidden(string sql) => $"CASE WHEN @suppress THEN NULL ELSE {sql} END";

    /// <summary>SQL of a density as its caller sees it: to two significant figures for the public, to six decimals for others.</summary>
    /// <param name="column">The density column.</param>
    /// <returns>The SQL.</returns>
    public static string Density(string column) => $"CASE WHEN @suppress THEN {TwoFigures(column)} ELSE round({column}::numeric, 6)::float8 END";

    /// <summary>SQL of a value to two significant figures (0 and null as they are).</summary>
    /// <param name="column">The value's SQL.</param>
    /// <returns>The SQL.</returns>
    public static string TwoFigures(string column) =>
        $"CASE WHEN {column} > 0 THEN round({column}::numeric, 1 - floor(log({column}::numeric))::int)::float8 ELSE {column}::float8 END";
}
