using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GeoOrs.Data.Synthetic;

namespace GeoOrs.Data.Tests.Synthetic;

public sealed partial class SyntheticEventsTests(SyntheticRunFixture runs) : IClassFixture<SyntheticRunFixture>
{
    private const string OverdoseHeader =
        "external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex,source_agency";

    private const string SeizureHeader = "external_id,seized_at,lat,lon,drug,quantity,unit,case_reference,agency";

    private const string Agency = "SYNTHETIC (GeoOrs generator)";

    private static readonly HashSet<string> OverdoseDrugs =
        ["fentanyl", "heroin", "prescription_opioid", "other_opioid", "cocaine", "methamphetamine", "xylazine", "benzodiazepine", "other", "unknown"];

    private static readonly HashSet<string> Units = ["g", "kg", "oz", "lb", "pills", "dosage_units", "ml"];

    private static readonly HashSet<string> AgeBands =
        ["0-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+", ""];

    [Fact]
    public void Same_seed_gives_byte_identical_files_and_manifest()
    {
        var again = SyntheticRun.Generate(runs.Small.Options);

        Assert.Equal(runs.Small.OverdoseText, again.OverdoseText);
        Assert.Equal(runs.Small.SeizureText, again.SeizureText);
        Assert.Equal(runs.Small.Manifest.ToJson(), again.Manifest.ToJson());
        Assert.DoesNotContain('\r', runs.Small.OverdoseText);
        Assert.EndsWith("\n", runs.Small.OverdoseText, StringComparison.Ordinal);
    }

    [Fact]
    public void A_different_seed_gives_different_files()
    {
        var other = SyntheticRun.Generate(runs.Small.Options with { Seed = 8 });

        Assert.NotEqual(runs.Small.OverdoseText, other.OverdoseText);
        Assert.NotEqual(runs.Small.SeizureText, other.SeizureText);
        Assert.StartsWith("syn-od-8-1,", other.OverdoseRows[1][0] + ",", StringComparison.Ordinal);
    }

    [Fact]
    public void The_number_of_seizures_does_not_change_the_overdoses()
    {
        var other = SyntheticRun.Generate(runs.Small.Options with { Seizures = 17 });

        Assert.Equal(runs.Small.OverdoseText, other.OverdoseText);
        Assert.Equal(18, other.SeizureRows.Count);
    }

    [Fact]
    public void Headers_are_exactly_the_canonical_headers()
    {
        Assert.StartsWith(OverdoseHeader + "\n", runs.Small.OverdoseText, StringComparison.Ordinal);
        Assert.StartsWith(SeizureHeader + "\n", runs.Small.SeizureText, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_overdose_row_parses_in_the_canonical_format()
    {
        var run = runs.Small;
        var rows = run.OverdoseRows.Skip(1).ToList();
        Assert.Equal(5_000, rows.Count);
        var first = run.Options.Start.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = run.Options.End.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            string where = $"row {i + 1}: {string.Join(',', r)}";
            Assert.True(r.Length == 12, where);
            Assert.True(r[0] == $"syn-od-7-{i + 1}", where);
            Assert.True(TimestampFormat().IsMatch(r[1]), where);
            var at = SyntheticRun.Timestamp(r[1]);
            Assert.True(at >= first && at < end, where);
            AssertCoordinates(r[2], r[3], where);
            Assert.True(r[4] == "exact", where);
            Assert.True(r[5] is "true" or "false", where);
            Assert.True(r[6] is "true" or "false" or "", where);
            Assert.True(r[6] switch
            {
                "true" => r[7] is "1" or "2" or "3" or "4",
                "false" => r[7] == "0",
                _ => r[7] == "",
            }, where);
            var drugs = r[8].Length == 0 ? [] : r[8].Split(';');
            Assert.True(drugs.All(OverdoseDrugs.Contains) && drugs.Distinct().Count() == drugs.Length, where);
            Assert.True(AgeBands.Contains(r[9]), where);
            Assert.True(r[10] is "female" or "male" or "unknown", where);
            Assert.True(r[11] == Agency, where);
        }
    }

    [Fact]
    public void Overdose_fields_have_plausible_proportions()
    {
        var rows = runs.Dense.OverdoseRows.Skip(1).ToList();
        double fatal = rows.Count(r => r[5] == "true") / (double)rows.Count;
        var nonFatal = rows.Where(r => r[5] == "false").ToList();
        double naloxone = nonFatal.Count(r => r[6] == "true") / (double)nonFatal.Count;
        var drugCounts = rows.SelectMany(r => r[8].Split(';', StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());

        Assert.InRange(fatal, 0.10, 0.14);
        Assert.InRange(naloxone, 0.60, 0.70);
        Assert.Contains(nonFatal, r => r[6] == "");
        Assert.Equal("fentanyl", drugCounts.MaxBy(kv => kv.Value).Key);
        Assert.All(["cocaine", "xylazine", "methamphetamine", "heroin", "benzodiazepine", "unknown"], d => Assert.True(drugCounts[d] > 1000, d));
        Assert.Contains(rows, r => r[8].Contains(';', StringComparison.Ordinal));
        Assert.True(rows.Count(r => r[10] == "male") > rows.Count(r => r[10] == "female"));
    }

    [Fact]
    public void Every_seizure_row_parses_in_the_canonical_format()
    {
        var run = runs.Small;
        var rows = run.SeizureRows.Skip(1).ToList();
        Assert.Equal(500, rows.Count);
        var first = run.Options.Start.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = run.Options.End.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            string where = $"row {i + 1}: {string.Join(',', r)}";
            Assert.True(r.Length == 9, where);
            Assert.True(r[0] == $"syn-sz-7-{i + 1}", where);
            Assert.True(TimestampFormat().IsMatch(r[1]), where);
            var at = SyntheticRun.Timestamp(r[1]);
            Assert.True(at >= first && at < end, where);
            AssertCoordinates(r[2], r[3], where);
            Assert.True(OverdoseDrugs.Contains(r[4]) || r[4] == "marijuana", where);
            Assert.True(QuantityFormat().IsMatch(r[5]) && SyntheticRun.Number(r[5]) > 0, where);
            Assert.True(Units.Contains(r[6]), where);
            Assert.True(r[7] == $"SYN-{at.Year}-{i + 1}", where);
            Assert.True(r[8] == Agency, where);
        }

        Assert.Contains(rows, r => r[4] == "marijuana" && r[6] == "lb");
        Assert.Contains(rows, r => r[4] == "fentanyl");
    }

    [Fact]
    public void Seizures_lie_on_corridors_at_ports_of_entry_and_by_population()
    {
        var run = SyntheticRun.Generate(SyntheticRun.Options2023To2024(0, 20_000, 3));
        var counts = run.Manifest.Counts;
        (double Lat, double Lon)[] ports = [(32.5440, -117.0296), (31.3340, -110.9425), (31.7660, -106.4515), (27.5030, -99.5035)];
        int nearPorts = run.SeizureRows.Skip(1).Count(r =>
            ports.Any(p => SyntheticRun.DistanceKm(p.Lon, p.Lat, SyntheticRun.Number(r[3]), SyntheticRun.Number(r[2])) < 5));

        Assert.Equal(20_000, counts.CorridorSeizures + counts.PortOfEntrySeizures + counts.PopulationSeizures);
        Assert.InRange(counts.PortOfEntrySeizures / 20_000.0, 0.18, 0.22);
        Assert.InRange(counts.PopulationSeizures / 20_000.0, 0.13, 0.17);
        Assert.InRange(nearPorts, counts.PortOfEntrySeizures, counts.PortOfEntrySeizures + 1000);
        Assert.Contains("I-95", run.Manifest.Corridors);
        Assert.Equal(["San Ysidro", "Nogales", "El Paso", "Laredo"], run.Manifest.PortsOfEntry);
    }

    [Fact]
    public void Overdoses_follow_population()
    {
        var byCounty = runs.Small.Truth.GroupBy(t => t.CountyGeoid).ToDictionary(g => g.Key, g => g.Count());
        int losAngeles = byCounty.GetValueOrDefault("06037");
        int loving = byCounty.GetValueOrDefault("48301");

        Assert.True(losAngeles > 40, $"Los Angeles County got {losAngeles} of 5,000 overdoses");
        Assert.True(losAngeles > 10 * (loving + 1), $"Los Angeles {losAngeles}, Loving {loving}");
        Assert.DoesNotContain(runs.Small.Truth, t => t.CountyGeoid.StartsWith("72", StringComparison.Ordinal));

        // Over all counties, the counts track population (overdispersed, so loosely).
        var geography = SyntheticRun.Geography;
        var top = geography.Counties.OrderByDescending(c => c.Population).Take(100).ToList();
        double populationShare = top.Sum(c => c.Population) / (double)geography.TotalPopulation;
        double eventShare = runs.Dense.Truth.Count(t => t.Signal == SyntheticSignal.Background && top.Any(c => c.Geoid == t.CountyGeoid))
            / (double)runs.Dense.Manifest.Counts.BackgroundOverdoses;
        Assert.InRange(eventShare, populationShare * 0.8, populationShare * 1.2);
    }

    [Fact]
    public void Background_and_spike_points_lie_in_their_county()
    {
        var rows = runs.Small.OverdoseRows.Skip(1).ToList();
        var geography = SyntheticRun.Geography;
        foreach (var t in runs.Small.Truth.Where(t => t.Signal != SyntheticSignal.Hotspot))
        {
            var r = rows[(int)t.Number - 1];
            var county = geography.Find(t.CountyGeoid);
            Assert.NotNull(county);
            Assert.True(county.Contains(SyntheticRun.Number(r[3]), SyntheticRun.Number(r[2])), $"{t} at {r[2]},{r[3]}");
        }
    }

    [Fact]
    public void Small_runs_plant_fewer_signals()
    {
        var tiny = SyntheticRun.Generate(SyntheticRun.Options2023To2024(999, 0, 1));
        var thousand = SyntheticRun.Generate(SyntheticRun.Options2023To2024(1_000, 0, 1));

        Assert.Empty(tiny.Manifest.Spikes);
        Assert.Empty(tiny.Manifest.Hotspots);
        Assert.Single(thousand.Manifest.Spikes);
        Assert.Single(thousand.Manifest.Hotspots);
        Assert.Equal(5, runs.Small.Manifest.Spikes.Count);
        Assert.Equal(5, runs.Small.Manifest.Hotspots.Count);
        Assert.Equal(1_000, thousand.OverdoseRows.Count - 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Planted_spikes_are_in_their_county_and_days_and_EARS_C2_flags_them(bool dense)
    {
        var run = dense ? runs.Dense : runs.Small;
        var rows = run.OverdoseRows.Skip(1).ToList();
        Assert.NotEmpty(run.Manifest.Spikes);
        for (int s = 0; s < run.Manifest.Spikes.Count; s++)
        {
            var spike = run.Manifest.Spikes[s];
            var county = SyntheticRun.Geography.Find(spike.CountyGeoid)!;
            Assert.Equal(spike.End.DayNumber - spike.Start.DayNumber + 1, spike.EventsAdded / spike.EventsPerDay);
            Assert.True(spike.EventsPerDay >= Math.Max(10, 5 * spike.ExpectedDaily), $"{spike}");

            // The ground truth: exactly the planted rows, on the spike's days in the county's own time zone.
            var planted = run.Truth.Where(t => t.Signal == SyntheticSignal.Spike && t.SignalIndex == s).ToList();
            Assert.Equal(spike.EventsAdded, planted.Count);
            Assert.All(planted, t => Assert.Equal(spike.CountyGeoid, t.CountyGeoid));
            var plantedDays = planted.Select(t => LocalDay(rows[(int)t.Number - 1][1], county.TimeZone)).ToList();
            Assert.All(plantedDays, d => Assert.InRange(d, spike.Start, spike.End));
            Assert.All(plantedDays.GroupBy(d => d), g => Assert.Equal(spike.EventsPerDay, g.Count()));

            // The CSV alone: daily counts of the points inside the county polygon, on its local days.
            var daily = rows
                .Where(r => county.Contains(SyntheticRun.Number(r[3]), SyntheticRun.Number(r[2])))
                .GroupBy(r => LocalDay(r[1], county.TimeZone))
                .ToDictionary(g => g.Key, g => g.Count());
            for (var day = spike.Start; day <= spike.End; day = day.AddDays(1))
            {
                int x = daily.GetValueOrDefault(day);
                Assert.True(x >= spike.EventsPerDay, $"{spike.CountyGeoid} {day}: {x} overdoses, {spike.EventsPerDay} planted");

                // EARS C2: baseline days t-9 .. t-3.
                var baseline = Enumerable.Range(3, 7).Select(k => (double)daily.GetValueOrDefault(day.AddDays(-k))).ToList();
                double mean = baseline.Average();
                double sd = Math.Sqrt(baseline.Sum(b => (b - mean) * (b - mean)) / (baseline.Count - 1));
                double c2 = (x - mean) / Math.Max(sd, 0.5);
                Assert.True(c2 > 3, $"{spike.CountyGeoid} {day}: C2 = {c2:F1} (x = {x}, baseline mean {mean:F1}, sd {sd:F1})");
            }
        }
    }

    [Fact]
    public void Spike_evenings_stay_on_their_local_day_and_the_last_day_ends_with_the_period()
    {
        // A spike on the period's last day: its evening events are on that day in the county's zone,
        // and none lies after the period's last UTC second (the demo ingests up to yesterday, UTC).
        var run = SyntheticRun.Generate(new SyntheticOptions
        {
            Overdoses = 20_000, Seizures = 0, Seed = 3, Start = new DateOnly(2024, 6, 20), End = new DateOnly(2024, 7, 4), Spikes = 20, Hotspots = 0,
        });
        Assert.Contains(run.Manifest.Spikes, s => s.End == run.Options.End);
        var rows = run.OverdoseRows.Skip(1).ToList();
        var end = run.Options.End.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var evenings = 0;
        for (int s = 0; s < run.Manifest.Spikes.Count; s++)
        {
            var spike = run.Manifest.Spikes[s];
            var zone = SyntheticRun.Geography.Find(spike.CountyGeoid)!.TimeZone;
            Assert.StartsWith("America/", zone.Id, StringComparison.Ordinal); // the repository's table, not a fallback offset
            foreach (var t in run.Truth.Where(t => t.Signal == SyntheticSignal.Spike && t.SignalIndex == s))
            {
                var text = rows[(int)t.Number - 1][1];
                var local = TimeZoneInfo.ConvertTimeFromUtc(SyntheticRun.Timestamp(text), zone);
                Assert.InRange(LocalDay(text, zone), spike.Start, spike.End);
                Assert.True(SyntheticRun.Timestamp(text) < end, text);
                if (local.Hour >= 20 && DateOnly.FromDateTime(SyntheticRun.Timestamp(text)) > DateOnly.FromDateTime(local))
                {
                    evenings++; // the next day in UTC, the spike's day where it happened
                }
            }
        }

        Assert.True(evenings > 0, "no planted spike event in a local evening that is the next day in UTC");
    }

    [Fact]
    public void Hotspot_points_lie_within_their_radius_over_the_whole_period()
    {
        var run = runs.Small;
        var rows = run.OverdoseRows.Skip(1).ToList();
        for (int h = 0; h < run.Manifest.Hotspots.Count; h++)
        {
            var hotspot = run.Manifest.Hotspots[h];
            Assert.Equal(1.5, hotspot.RadiusKm);
            Assert.True(SyntheticRun.Geography.Find(hotspot.CountyGeoid)!.Contains(hotspot.Lon, hotspot.Lat), $"{hotspot}");
            var planted = run.Truth.Where(t => t.Signal == SyntheticSignal.Hotspot && t.SignalIndex == h)
                .Select(t => rows[(int)t.Number - 1]).ToList();
            Assert.Equal(hotspot.EventsAdded, planted.Count);
            Assert.All(planted, r =>
                Assert.True(SyntheticRun.DistanceKm(hotspot.Lon, hotspot.Lat, SyntheticRun.Number(r[3]), SyntheticRun.Number(r[2])) <= hotspot.RadiusKm,
                    $"{string.Join(',', r)} is off {hotspot}"));
            var months = planted.Select(r => r[1][..7]).Distinct().Count();
            Assert.True(months >= 10, $"hotspot {h} spans only {months} months");
        }
    }

    [Fact]
    public void Days_have_a_weekly_and_a_seasonal_rhythm()
    {
        var run = SyntheticRun.Generate(SyntheticRun.Options2023To2024(60_000, 0, 5));
        var times = run.OverdoseRows.Skip(1).Select(r => SyntheticRun.Timestamp(r[1])).ToList();
        double PerDay(Func<DateTime, bool> which, int days) => times.Count(which) / (double)days;

        // 2023-01-01 .. 2024-12-31 has 104 or 105 of each weekday.
        double weekend = PerDay(t => t.DayOfWeek is DayOfWeek.Friday or DayOfWeek.Saturday or DayOfWeek.Sunday, 3 * 104);
        double weekday = PerDay(t => t.DayOfWeek is DayOfWeek.Monday or DayOfWeek.Tuesday or DayOfWeek.Wednesday or DayOfWeek.Thursday, 4 * 104);
        double july = PerDay(t => t.Month == 7, 62);
        double january = PerDay(t => t.Month == 1, 62);
        var hours = times.GroupBy(t => t.Hour).Select(g => g.Count()).ToList();

        Assert.InRange(weekend / weekday, 1.2, 1.45);
        Assert.InRange(july / january, 1.1, 1.3);
        Assert.Equal(24, hours.Count);
        Assert.True(hours.Max() > 2.5 * hours.Min(), "hours of day should not be uniform");
    }

    [Fact]
    public void Manifest_is_snake_case_json_marked_synthetic()
    {
        var run = runs.Small;
        using var json = JsonDocument.Parse(run.Manifest.ToJson());
        var root = json.RootElement;

        Assert.True(root.GetProperty("synthetic").GetBoolean());
        Assert.Equal("synthetic", root.EnumerateObject().First().Name);
        Assert.Equal(7, root.GetProperty("options").GetProperty("seed").GetInt64());
        Assert.Equal("2023-01-01", root.GetProperty("options").GetProperty("start").GetString());
        Assert.False(root.GetProperty("options").TryGetProperty("shapefiles_directory", out _));
        var counts = root.GetProperty("counts");
        Assert.Equal(5_000, counts.GetProperty("overdoses").GetInt32());
        Assert.Equal(5_000, counts.GetProperty("background_overdoses").GetInt32() + counts.GetProperty("spike_overdoses").GetInt32()
            + counts.GetProperty("hotspot_overdoses").GetInt32());
        var spike = root.GetProperty("spikes")[0];
        Assert.Matches("^[0-9]{5}$", spike.GetProperty("county_geoid").GetString());
        Assert.True(spike.GetProperty("events_added").GetInt32() > 0);
        Assert.True(root.GetProperty("hotspots")[0].TryGetProperty("lon", out _));
        Assert.Equal(2019, root.GetProperty("sources").GetProperty("population_year").GetInt32());
        Assert.Equal(78, root.GetProperty("sources").GetProperty("skipped_counties").GetInt32());
    }

    [Fact]
    public void Zero_rows_give_headers_only_and_bad_options_are_refused()
    {
        var empty = SyntheticRun.Generate(SyntheticRun.Options2023To2024(0, 0, 1));
        Assert.Equal(OverdoseHeader + "\n", empty.OverdoseText);
        Assert.Equal(SeizureHeader + "\n", empty.SeizureText);

        var oneDay = SyntheticRun.Generate(new() { Overdoses = 2_000, Seizures = 10, Seed = 1, Start = new DateOnly(2024, 2, 29), End = new DateOnly(2024, 2, 29) });
        Assert.All(oneDay.OverdoseRows.Skip(1), r => Assert.StartsWith("2024-02-29T", r[1], StringComparison.Ordinal));

        Assert.Throws<ArgumentException>(() => SyntheticRun.Generate(SyntheticRun.Options2023To2024(-1, 0, 1)));
        Assert.Throws<ArgumentException>(() => SyntheticRun.Generate(SyntheticRun.Options2023To2024(10, 0, -1)));
        Assert.Throws<ArgumentException>(() => SyntheticRun.Generate(runs.Small.Options with { End = new DateOnly(2022, 12, 31) }));
        Assert.Throws<ArgumentException>(() => SyntheticEvents.Generate(runs.Small.Options, TextWriter.Null, TextWriter.Null));
    }

    private static void AssertCoordinates(string latText, string lonText, string where)
    {
        Assert.True(CoordinateFormat().IsMatch(latText) && CoordinateFormat().IsMatch(lonText), where);
        double lat = SyntheticRun.Number(latText), lon = SyntheticRun.Number(lonText);
        bool conterminous = lat is >= 24.3 and <= 49.5 && lon is >= -125 and <= -66.8;
        bool alaska = lat is >= 51 and <= 71.5 && (lon is >= -180 and <= -129.9 || lon is >= 172 and <= 180);
        bool hawaii = lat is >= 18.8 and <= 22.4 && lon is >= -160.4 and <= -154.7;
        Assert.True(conterminous || alaska || hawaii, where);
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")]
    private static partial Regex TimestampFormat();

    [GeneratedRegex(@"^-?[0-9]{1,3}(\.[0-9]{1,6})?$")]
    private static partial Regex CoordinateFormat();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?$")]
    private static partial Regex QuantityFormat();

    /// <summary>The local date of a row's UTC timestamp in a zone.</summary>
    private static DateOnly LocalDay(string timestamp, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(SyntheticRun.Timestamp(timestamp), zone));
}
