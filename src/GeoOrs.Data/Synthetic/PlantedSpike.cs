namespace GeoOrs.Data.Synthetic;

/// <summary>
/// A planted spike: extra overdoses in one county on a few consecutive days, enough that a
/// 7-day-baseline EARS C2 flags each day.
/// </summary>
/// <param name="CountyGeoid">The county's 5-digit FIPS code.</param>
/// <param name="CountyName">The county's name.</param>
/// <param name="Start">The first spike day: a local date of the county (its events fall on it in the county's time zone).</param>
/// <param name="End">The last spike day (a local date, inclusive).</param>
/// <param name="ExpectedDaily">The county's expected background overdoses per day over the window (the largest day's).</param>
/// <param name="EventsPerDay">Extra overdoses planted on each spike day: max(10, ⌈5 × expected⌉).</param>
/// <param name="EventsAdded">All extra overdoses planted.</param>
/// <param name="SuspectedDrugs">The batch's drugs, given as suspected_drugs in 75 % of the extra events.</param>
public sealed record PlantedSpike(
    string CountyGeoid, string CountyName, DateOnly Start, DateOnly End, double ExpectedDaily, int EventsPerDay, int EventsAdded, string SuspectedDrugs);
