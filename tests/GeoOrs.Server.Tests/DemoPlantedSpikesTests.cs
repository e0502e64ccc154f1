using System.Globalization;
using GeoOrs.Analysis.Calendar;
using GeoOrs.Analysis.Spikes;
using GeoOrs.Data.Csv;
using GeoOrs.Data.Synthetic;
using GeoOrs.Server.Demo;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>demo_planted_spikes_same_local_days</c>: the shipped demo's synthetic set (its options, for a
/// fixed last day) plants its spikes on the same days as before days became local, and now on each
/// county's own local days: every planted event falls on a spike day in its county's zone, and EARS
/// C2 over the county's local daily counts, as the spike job runs it, flags every spike day. (The
/// spike job itself finds the planted spikes of a generated set in
/// <see cref="AnalysisJobsTests.Scheduled_jobs_find_the_planted_spikes_and_hotspots"/>.)
/// </summary>
public class DemoPlantedSpikesTests
{
    private static readonly DateOnly End = new(2026, 12, 6);

    // The demo's spikes for that last day, as the generator planted them when it counted UTC days.
    private static readonly (string County, string Start, string End)[] Before =
    [
        ("12057", "2025-10-14", "2025-10-16"), // Hillsborough, Florida (Eastern)
        ("34015", "2025-10-14", "2025-10-16"), // Gloucester, New Jersey
        ("42091", "2025-08-31", "2025-09-02"), // Montgomery, Pennsylvania
        ("41067", "2026-12-04", "2026-12-06"), // Washington, Oregon (Pacific): its last day is the period's last
        ("45051", "2026-05-03", "2026-05-05"), // Horry, South Carolina
    ];

    [Fact]
    public void Demo_planted_spikes_same_local_days()
    {
        var geography = SyntheticGeography.Load(PostGis.Shapefiles);
        var options = DemoLoader.Synthetic(new DemoOptions(), End, PostGis.Shapefiles);
        var truth = new List<SyntheticOverdoseInfo>();
        using var overdoses = new StringWriter(CultureInfo.InvariantCulture);
        var manifest = SyntheticEvents.Generate(options, geography, overdoses, TextWriter.Null, truth.Add);

        Assert.Equal(Before, manifest.Spikes.Select(s => (s.CountyGeoid, $"{s.Start:yyyy-MM-dd}", $"{s.End:yyyy-MM-dd}")).ToArray());

        var times = new List<DateTime>();
        using (var csv = new CsvReader(new StringReader(overdoses.ToString())))
        {
            _ = csv.Read(); // the header
            while (csv.Read() is { } row)
            {
                times.Add(DateTime.ParseExact(row[1], "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
            }
        }

        var endUtc = End.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        Assert.All(times, t => Assert.True(t < endUtc, $"{t:O} is after the demo's last day"));
        for (var s = 0; s < manifest.Spikes.Count; s++)
        {
            var spike = manifest.Spikes[s];
            var zone = geography.Find(spike.CountyGeoid)!.TimeZone;
            DateOnly Local(DateTime utc) => LocalDays.Of(new DateTimeOffset(utc), zone);

            // Every planted event on a spike day, in the county's own zone, the same number each day.
            var planted = truth.Where(t => t.Signal == SyntheticSignal.Spike && t.SignalIndex == s).Select(t => Local(times[(int)t.Number - 1])).ToList();
            Assert.Equal(spike.EventsAdded, planted.Count);
            Assert.All(planted.GroupBy(d => d), g =>
            {
                Assert.InRange(g.Key, spike.Start, spike.End);
                Assert.Equal(spike.EventsPerDay, g.Count());
            });

            // The county's local daily counts: EARS C2 (the spike job's default minimum sigma and count) flags each spike day.
            var daily = truth.Where(t => t.CountyGeoid == spike.CountyGeoid)
                .GroupBy(t => Local(times[(int)t.Number - 1])).ToDictionary(g => g.Key, g => g.Count());
            var from = spike.Start.AddDays(-SpikesJob.BaselineDays);
            var series = Enumerable.Range(0, spike.End.DayNumber - from.DayNumber + 1)
                .Select(d => (from.AddDays(d), daily.GetValueOrDefault(from.AddDays(d)))).ToList();
            var flagged = Ears.C2(series, minSigma: 1.0).Where(d => d.Alert && d.Count >= 3).Select(d => d.Date).ToHashSet();
            for (var day = spike.Start; day <= spike.End; day = day.AddDays(1))
            {
                Assert.True(flagged.Contains(day), $"{spike.CountyName} ({spike.CountyGeoid}) {day:yyyy-MM-dd}: C2 does not flag it; local counts {string.Join(", ", series.TakeLast(12).Select(x => $"{x.Item1:MM-dd}={x.Item2}"))}");
            }
        }
    }
}
