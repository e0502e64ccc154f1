namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Generates realistic <b>synthetic</b> overdose and seizure events in the canonical CSV formats
/// of docs/INGEST.md, for demos, tests and ingest benchmarks.
/// </summary>
/// <remarks>
/// <para>
/// <b>Overdoses</b> are spread over the counties in proportion to population times a per-county
/// log-normal rate multiplier (overdispersion, see <see cref="CountyModel"/>), placed inside the
/// county polygon, half (rural) to 85 % (cities) of them around one or two town centres
/// (<see cref="CountyPlacer"/>). Days are drawn over
/// [start, end] with a weekly (Friday–Sunday ≈ 1.3×) and seasonal (summer ≈ 1.2×) rhythm, hours
/// with evenings and nights likelier; timestamps are UTC with seconds. Fields follow fixed
/// illustrative distributions (<see cref="OverdoseFields"/>).
/// </para>
/// <para>
/// <b>Planted signals</b> (<see cref="SignalPlanner"/>), listed in the manifest: county × 3-day
/// spikes large enough for EARS C2 to flag, on the county's own local days (its time zone from the
/// folder's <c>*timezones*.csv</c>; docs/adr/0021-local-days.md), and tight hotspots (radius 1.5 km)
/// spread over the period. They are part of the requested number of overdoses.
/// </para>
/// <para>
/// <b>Seizures</b> lie along approximate interstate corridors, at southern border ports of entry
/// and, for some, anywhere by population (<see cref="SeizureLocations"/>), with plausible drugs and
/// quantities (<see cref="SeizureContents"/>).
/// </para>
/// <para>
/// The output depends only on the options and the boundary files: the same options give
/// byte-identical files (on the same runtime; the generator never reads the clock). Rows are
/// streamed, so memory does not grow with the number of rows. Every row is marked as synthetic:
/// the agency is <see cref="Agency"/> and external ids start with <c>syn-</c>.
/// </para>
/// </remarks>
public static class SyntheticEvents
{
    /// <summary>The generator's name and version, written to the manifest.</summary>
    public const string GeneratorName = "GeoOrs synthetic events 1";

    /// <summary>The agency every synthetic row names.</summary>
    public const string Agency = "SYNTHETIC (GeoOrs generator)";

    /// <summary>The canonical overdose CSV header.</summary>
    public const string OverdoseHeader =
        "external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex,source_agency";

    /// <summary>The canonical seizure CSV header.</summary>
    public const string SeizureHeader = "external_id,seized_at,lat,lon,drug,quantity,unit,case_reference,agency";

    // Random streams, one per concern.
    private const ulong SetupStream = 1;
    private const ulong SignalStream = 2;
    private const ulong OverdoseStream = 3;
    private const ulong SeizureStream = 4;

    /// <summary>
    /// Generates the events, reading the counties from <see cref="SyntheticOptions.ShapefilesDirectory"/>.
    /// </summary>
    /// <param name="options">What to generate.</param>
    /// <param name="overdoses">Receives the overdose CSV (header, then rows; <c>\n</c> line ends).</param>
    /// <param name="seizures">Receives the seizure CSV.</param>
    /// <param name="cancellationToken">Stops the generation between rows (<see cref="OperationCanceledException"/>).</param>
    /// <returns>The manifest of the run.</returns>
    /// <exception cref="ArgumentException">The options are invalid or name no shapefile folder.</exception>
    /// <exception cref="IOException">A boundary file is missing or unreadable.</exception>
    /// <exception cref="InvalidDataException">A boundary file is malformed.</exception>
    public static SyntheticManifest Generate(SyntheticOptions options, TextWriter overdoses, TextWriter seizures, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.ShapefilesDirectory))
        {
            throw new ArgumentException("SyntheticOptions.ShapefilesDirectory must name the folder with the county shapefile and population file", nameof(options));
        }

        options.Validate();
        var geography = SyntheticGeography.Load(options.ShapefilesDirectory);
        cancellationToken.ThrowIfCancellationRequested();
        return Generate(options, geography, overdoses, seizures, cancellationToken: cancellationToken);
    }

    /// <summary>Generates the events in counties already loaded.</summary>
    /// <param name="options">What to generate (<see cref="SyntheticOptions.ShapefilesDirectory"/> is not used).</param>
    /// <param name="geography">The counties, from <see cref="SyntheticGeography.Load(string)"/>.</param>
    /// <param name="overdoses">Receives the overdose CSV (header, then rows; <c>\n</c> line ends).</param>
    /// <param name="seizures">Receives the seizure CSV.</param>
    /// <param name="observeOverdose">
    /// Receives the ground truth of each overdose row as it is written (its county and planted
    /// signal), or <see langword="null"/>.
    /// </param>
    /// <param name="cancellationToken">Stops the generation between rows (<see cref="OperationCanceledException"/>).</param>
    /// <returns>The manifest of the run.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static SyntheticManifest Generate(
        SyntheticOptions options, SyntheticGeography geography, TextWriter overdoses, TextWriter seizures,
        Action<SyntheticOverdoseInfo>? observeOverdose = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(geography);
        ArgumentNullException.ThrowIfNull(overdoses);
        ArgumentNullException.ThrowIfNull(seizures);
        options.Validate();

        var model = new CountyModel(geography, new SyntheticRandom(options.Seed, SetupStream));
        var calendar = OverdoseWriter.Calendar(options);
        var (spikes, hotspots) = SignalPlanner.Plan(options, model, calendar, new SyntheticRandom(options.Seed, SignalStream));

        OverdoseWriter.Write(overdoses, options, model, calendar, spikes, hotspots, new SyntheticRandom(options.Seed, OverdoseStream), observeOverdose, cancellationToken);
        overdoses.Flush();
        var (corridor, port, population) = SeizureWriter.Write(seizures, options, model, new SyntheticRandom(options.Seed, SeizureStream), cancellationToken);
        seizures.Flush();

        int spikeEvents = spikes.Sum(s => s.Total);
        int hotspotEvents = hotspots.Sum(h => h.Events);
        int background = options.Overdoses - spikeEvents - hotspotEvents;
        return new SyntheticManifest(
            options,
            new SyntheticSources(geography.CountyFile, geography.PopulationFile, geography.PopulationYear, geography.Counties.Count, geography.SkippedCounties),
            new SyntheticCounts(options.Overdoses, background, spikeEvents, hotspotEvents, options.Seizures, corridor, port, population),
            [.. spikes.Select(s => new PlantedSpike(
                s.County.Geoid,
                s.County.Name,
                calendar.Start.AddDays(s.StartDay),
                calendar.Start.AddDays(s.StartDay + s.Days - 1),
                Math.Round(Enumerable.Range(s.StartDay, s.Days).Max(d => background * model.Share(s.County.Index) * calendar.Share(d)), 3),
                s.PerDay,
                s.Total,
                DrugVocabulary.List(s.Batch)))],
            [.. hotspots.Select(h => new PlantedHotspot(h.County.Geoid, h.County.Name, h.Lon, h.Lat, h.RadiusKm, h.Events))],
            [.. SeizureLocations.Corridors.Select(c => c.Name)],
            [.. SeizureLocations.PortsOfEntry.Select(p => p.Name)]);
    }
}
