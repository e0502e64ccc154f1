namespace GeoOrs.Data.Synthetic;

/// <summary>Streams the seizure rows.</summary>
internal static class SeizureWriter
{
    private static readonly double[] WeekdayWeights = [0.7, 1.1, 1.1, 1.1, 1.1, 1.0, 0.75]; // Sunday first

    private static readonly double[] LocalHourWeights =
    [
        0.4, 0.35, 0.3, 0.25, 0.25, 0.35, 0.6, 0.9, 1.2, 1.4, 1.5, 1.5,
        1.4, 1.4, 1.5, 1.5, 1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.6, 0.5,
    ];

    /// <summary>Writes the header and <see cref="SyntheticOptions.Seizures"/> rows.</summary>
    /// <param name="output">The destination.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="model">The counties.</param>
    /// <param name="random">The seed's seizure stream.</param>
    /// <param name="cancellationToken">Stops the writing between rows.</param>
    /// <returns>The rows written per kind of place.</returns>
    public static (int Corridor, int Port, int Population) Write(
        TextWriter output, SyntheticOptions options, CountyModel model, SyntheticRandom random, CancellationToken cancellationToken)
    {
        output.Write(SyntheticEvents.SeizureHeader);
        output.Write('\n');
        var calendar = new EventCalendar(options.Start, options.End, WeekdayWeights, 0, LocalHourWeights);
        var places = new SeizureLocations(model);
        var contents = new SeizureContents();
        var line = new CsvLineBuilder();
        string prefix = FormattableString.Invariant($"syn-sz-{options.Seed}-");
        int corridor = 0, port = 0, population = 0;
        for (long n = 1; n <= options.Seizures; n++)
        {
            if (n % OverdoseWriter.CheckEvery == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (lon, lat, place) = places.Sample(random);
            _ = place switch
            {
                SeizurePlace.PortOfEntry => port++,
                SeizurePlace.Population => population++,
                _ => corridor++,
            };
            int day = calendar.SampleDay(random);
            string date = calendar.DateText(day);

            // external_id,seized_at,lat,lon,drug,quantity,unit,case_reference,agency
            line.Append(prefix);
            line.Append(n);
            line.Append(',');
            line.AppendTimestamp(date, calendar.SampleSecondOfDay(random, lon));
            line.Append(',');
            line.AppendFixed(lat, 6);
            line.Append(',');
            line.AppendFixed(lon, 6);
            line.Append(',');
            contents.Append(line, random, place == SeizurePlace.PortOfEntry);
            line.Append(",SYN-");
            line.Append(date[..4]);
            line.Append('-');
            line.Append(n);
            line.Append(',');
            line.Append(SyntheticEvents.Agency);
            line.WriteLineTo(output);
        }

        return (corridor, port, population);
    }
}
