namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Streams the overdose rows: background events and the planted spikes' and hotspots' extra
/// events, interleaved at random so planted rows are not grouped in the file.
/// </summary>
internal static class OverdoseWriter
{
    /// <summary>The least share of a spike's events drawn around town centres (a batch sold in town).</summary>
    public const double SpikeClustered = 0.85;

    /// <summary>Rows written between two looks at the cancellation token (the seizure writer's too).</summary>
    public const int CheckEvery = 4096;

    private static readonly double[] WeekdayWeights = [1.25, 1.0, 0.95, 0.95, 1.0, 1.3, 1.35]; // Sunday first

    private static readonly double[] LocalHourWeights =
    [
        1.2, 1.0, 0.8, 0.6, 0.45, 0.4, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95,
        1.0, 1.05, 1.1, 1.15, 1.25, 1.35, 1.45, 1.55, 1.6, 1.6, 1.5, 1.35,
    ];

    /// <summary>The overdose calendar: Friday–Sunday about 1.3× a weekday, mid-July 1.2× mid-January, evenings and nights likelier.</summary>
    /// <param name="options">The run's options.</param>
    /// <returns>The calendar.</returns>
    public static EventCalendar Calendar(SyntheticOptions options) =>
        new(options.Start, options.End, WeekdayWeights, 0.2, LocalHourWeights);

    /// <summary>Writes the header and <see cref="SyntheticOptions.Overdoses"/> rows.</summary>
    /// <param name="output">The destination.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="model">The counties.</param>
    /// <param name="calendar">The overdose calendar.</param>
    /// <param name="spikes">The planned spikes.</param>
    /// <param name="hotspots">The planned hotspots.</param>
    /// <param name="random">The seed's overdose stream.</param>
    /// <param name="observe">Receives each row's ground truth, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the writing between rows.</param>
    public static void Write(
        TextWriter output, SyntheticOptions options, CountyModel model, EventCalendar calendar,
        IReadOnlyList<SpikePlan> spikes, IReadOnlyList<HotspotPlan> hotspots, SyntheticRandom random,
        Action<SyntheticOverdoseInfo>? observe, CancellationToken cancellationToken)
    {
        output.Write(SyntheticEvents.OverdoseHeader);
        output.Write('\n');

        // One bucket per spike day and per hotspot: (signal, index, day or -1, remaining).
        var buckets = new List<(SyntheticSignal Signal, int Index, int Day, int Remaining)>();
        for (int s = 0; s < spikes.Count; s++)
        {
            for (int d = 0; d < spikes[s].Days; d++)
            {
                buckets.Add((SyntheticSignal.Spike, s, spikes[s].StartDay + d, spikes[s].PerDay));
            }
        }

        for (int h = 0; h < hotspots.Count; h++)
        {
            buckets.Add((SyntheticSignal.Hotspot, h, -1, hotspots[h].Events));
        }

        int planted = buckets.Sum(b => b.Remaining);
        int background = options.Overdoses - planted;
        var counties = model.Geography.Counties;
        var fields = new OverdoseFields();
        var line = new CsvLineBuilder();
        string prefix = FormattableString.Invariant($"syn-od-{options.Seed}-");
        for (long n = 1; n <= options.Overdoses; n++)
        {
            if (n % CheckEvery == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            SyntheticCounty county;
            double lon, lat;
            int day, signature = 0, signalIndex = -1;
            var signal = SyntheticSignal.Background;
            int r = random.NextInt(background + planted);
            if (r < background)
            {
                background--;
                county = counties[model.Rates.Sample(random)];
                var placer = model.Placers[county.Index];
                (lon, lat) = placer.Sample(random, placer.ClusteredShare);
                day = calendar.SampleDay(random);
            }
            else
            {
                r -= background;
                int b = 0;
                while (r >= buckets[b].Remaining)
                {
                    r -= buckets[b].Remaining;
                    b++;
                }

                var bucket = buckets[b];
                buckets[b] = bucket with { Remaining = bucket.Remaining - 1 };
                planted--;
                (signal, signalIndex) = (bucket.Signal, bucket.Index);
                if (signal == SyntheticSignal.Spike)
                {
                    var spike = spikes[signalIndex];
                    county = spike.County;
                    var placer = model.Placers[county.Index];
                    (lon, lat) = placer.Sample(random, Math.Max(SpikeClustered, placer.ClusteredShare));
                    day = bucket.Day;
                    signature = spike.Batch;
                }
                else
                {
                    var hotspot = hotspots[signalIndex];
                    county = hotspot.County;
                    (lon, lat) = model.Placers[county.Index].SampleWithin(random, hotspot.Lon, hotspot.Lat, hotspot.RadiusKm);
                    day = calendar.SampleDay(random);
                }
            }

            // external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex,source_agency
            line.Append(prefix);
            line.Append(n);
            line.Append(',');
            if (signal == SyntheticSignal.Spike)
            {
                line.AppendTimestamp(calendar.SampleLocalTime(random, day, county.TimeZone)); // on the county's own local day
            }
            else
            {
                line.AppendTimestamp(calendar.DateText(day), calendar.SampleSecondOfDay(random, lon));
            }

            line.Append(',');
            line.AppendFixed(lat, 6);
            line.Append(',');
            line.AppendFixed(lon, 6);
            line.Append(",exact,");
            fields.Append(line, random, signature);
            line.Append(',');
            line.Append(SyntheticEvents.Agency);
            line.WriteLineTo(output);
            observe?.Invoke(new SyntheticOverdoseInfo(n, county.Geoid, signal, signalIndex));
        }
    }
}
