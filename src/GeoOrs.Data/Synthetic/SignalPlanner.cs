namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Chooses the planted signals of a run: where and when the spikes are, where the hotspots are,
/// and how many events each adds.
/// </summary>
/// <remarks>
/// <para>
/// Runs below 1,000 overdoses get none; otherwise up to one spike and one hotspot per 1,000
/// overdoses, at most the requested numbers, and all planted events together at most 20 % of the
/// run (spikes that would not fit are dropped).
/// </para>
/// <para>
/// Hotspots go to distinct counties among the 60 most populous (drawn by population), each at a
/// point near one of the county's town centres, with max(20, N / 500) events within
/// <see cref="HotspotRadiusKm"/>. Spikes go to other counties of at least 100,000 people (drawn by
/// population): a window of <see cref="SpikeDays"/> days starting at least 9 days after the first
/// day when the period allows (so a 7-day baseline with a 2-day guard band exists), with
/// max(10, ⌈5 λ⌉) extra events a day, where λ is the county's largest expected daily count in the
/// window. With a 7-day baseline of mean λ and standard deviation about √λ, that excess is at least
/// 5√λ standard deviations (and 10 events over an empty baseline), so EARS C2 (threshold 3) flags
/// every spike day.
/// </para>
/// </remarks>
internal static class SignalPlanner
{
    /// <summary>The length of a spike in days.</summary>
    public const int SpikeDays = 3;

    /// <summary>The radius of a hotspot in kilometres.</summary>
    public const double HotspotRadiusKm = 1.5;

    /// <summary>The batches a spike's extra events carry.</summary>
    public static IReadOnlyList<string> SpikeBatches { get; } =
    [
        "fentanyl;xylazine", "fentanyl;cocaine", "fentanyl;methamphetamine", "fentanyl;benzodiazepine", "fentanyl;heroin;xylazine",
    ];

    /// <summary>Plans the signals.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="model">The counties and their rates.</param>
    /// <param name="calendar">The days.</param>
    /// <param name="random">The seed's signal stream.</param>
    /// <returns>The planned spikes and hotspots.</returns>
    public static (IReadOnlyList<SpikePlan> Spikes, IReadOnlyList<HotspotPlan> Hotspots) Plan(
        SyntheticOptions options, CountyModel model, EventCalendar calendar, SyntheticRandom random)
    {
        int n = options.Overdoses;
        int budget = n / 5;
        var counties = model.Geography.Counties;
        var used = new HashSet<int>();

        var hotspots = new List<HotspotPlan>();
        int hotspotCount = n < 1000 ? 0 : Math.Min(options.Hotspots, n / 1000);
        int perHotspot = Math.Max(20, n / 500);
        var populous = counties.OrderByDescending(c => c.Population).ThenBy(c => c.Index).Take(60).ToList();
        for (int i = 0; i < hotspotCount && budget >= perHotspot; i++)
        {
            var county = Draw(populous, used, random);
            if (county is null)
            {
                break;
            }

            var (lon, lat) = model.Placers[county.Index].Sample(random, 1);
            hotspots.Add(new HotspotPlan(county, Math.Round(lon, 6), Math.Round(lat, 6), HotspotRadiusKm, perHotspot));
            budget -= perHotspot;
        }

        var spikes = new List<SpikePlan>();
        int spikeCount = n < 1000 ? 0 : Math.Min(options.Spikes, n / 1000);
        var large = counties.Where(c => c.Population >= 100_000).ToList();
        if (large.Count < spikeCount + used.Count)
        {
            large = [.. counties];
        }

        int days = Math.Min(SpikeDays, calendar.DayCount);
        int firstStart = calendar.DayCount >= 9 + SpikeDays ? 9 : 0;
        int lastStart = calendar.DayCount - days;
        for (int i = 0; i < spikeCount; i++)
        {
            var county = Draw(large, used, random);
            if (county is null)
            {
                break;
            }

            int start = random.NextInt(firstStart, lastStart);
            double expected = Enumerable.Range(start, days).Max(d => n * model.Share(county.Index) * calendar.Share(d));
            int perDay = Math.Max(10, (int)Math.Ceiling(5 * expected));
            string batch = SpikeBatches[random.NextInt(SpikeBatches.Count)];
            if (perDay * days > budget)
            {
                continue; // too large for this run (a very short period); try no other county for it
            }

            spikes.Add(new SpikePlan(county, start, days, perDay, DrugVocabulary.Mask(batch)));
            budget -= perDay * days;
        }

        return (spikes, hotspots);
    }

    /// <summary>Draws a county not yet used, by population.</summary>
    private static SyntheticCounty? Draw(List<SyntheticCounty> candidates, HashSet<int> used, SyntheticRandom random)
    {
        var free = candidates.Where(c => !used.Contains(c.Index)).ToList();
        if (free.Count == 0)
        {
            return null;
        }

        var county = free[new AliasTable([.. free.Select(c => (double)c.Population)]).Sample(random)];
        used.Add(county.Index);
        return county;
    }
}

/// <summary>A planned spike.</summary>
/// <param name="County">The county.</param>
/// <param name="StartDay">The first day's index in the calendar.</param>
/// <param name="Days">The number of days.</param>
/// <param name="PerDay">Extra events per day.</param>
/// <param name="Batch">The drug mask of the batch.</param>
internal sealed record SpikePlan(SyntheticCounty County, int StartDay, int Days, int PerDay, int Batch)
{
    /// <summary>All extra events.</summary>
    public int Total => Days * PerDay;
}

/// <summary>A planned hotspot.</summary>
/// <param name="County">The county.</param>
/// <param name="Lon">The centre's longitude (rounded to 6 decimals).</param>
/// <param name="Lat">The centre's latitude (rounded to 6 decimals).</param>
/// <param name="RadiusKm">The radius.</param>
/// <param name="Events">The extra events.</param>
internal sealed record HotspotPlan(SyntheticCounty County, double Lon, double Lat, double RadiusKm, int Events);
