using System.Text.Json.Serialization;

namespace GeoOrs.Data.Synthetic;

/// <summary>What <see cref="SyntheticEvents"/> generates. The same options give byte-identical files.</summary>
public sealed record SyntheticOptions
{
    /// <summary>The number of overdose rows, planted signals included (≥ 0).</summary>
    public required int Overdoses { get; init; }

    /// <summary>The number of seizure rows (≥ 0).</summary>
    public required int Seizures { get; init; }

    /// <summary>The seed (≥ 0); it appears in every <c>external_id</c> (<c>syn-od-{seed}-{n}</c>).</summary>
    public required long Seed { get; init; }

    /// <summary>The first day of events (UTC).</summary>
    public required DateOnly Start { get; init; }

    /// <summary>
    /// The last day of events (UTC, inclusive). The generator never reads the clock: callers that
    /// want "up to today" pass today's date (and should mind that ingest rejects events in the future).
    /// </summary>
    public required DateOnly End { get; init; }

    /// <summary>
    /// The most county × 3-day spikes to plant (default 5). Fewer are planted for small runs: one
    /// per 1,000 overdoses, none below 1,000.
    /// </summary>
    public int Spikes { get; init; } = 5;

    /// <summary>
    /// The most hotspots to plant (default 5). Fewer are planted for small runs: one per 1,000
    /// overdoses, none below 1,000.
    /// </summary>
    public int Hotspots { get; init; } = 5;

    /// <summary>
    /// The folder with the county shapefile and population estimates, laid out as the repository's
    /// <c>shapefiles/</c>; needed only by
    /// <see cref="SyntheticEvents.Generate(SyntheticOptions, TextWriter, TextWriter, CancellationToken)"/>. Not written to the manifest,
    /// so the manifest does not depend on where the repository is.
    /// </summary>
    [JsonIgnore]
    public string? ShapefilesDirectory { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">A count or the seed is negative, or <see cref="End"/> is before <see cref="Start"/>.</exception>
    public void Validate()
    {
        if (Overdoses < 0 || Seizures < 0 || Spikes < 0 || Hotspots < 0)
        {
            throw new ArgumentException("the numbers of overdoses, seizures, spikes and hotspots cannot be negative");
        }

        if (Seed < 0)
        {
            throw new ArgumentException($"the seed must be >= 0, not {Seed}");
        }

        if (End < Start)
        {
            throw new ArgumentException($"the end date {End:yyyy-MM-dd} is before the start date {Start:yyyy-MM-dd}");
        }
    }
}
