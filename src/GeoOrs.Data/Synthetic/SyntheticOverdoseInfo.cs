namespace GeoOrs.Data.Synthetic;

/// <summary>
/// The ground truth of one generated overdose row, which the canonical CSV does not carry: the
/// county it was placed in and the planted signal it belongs to. Passed to the optional observer
/// of <see cref="SyntheticEvents.Generate(SyntheticOptions, SyntheticGeography, TextWriter, TextWriter, Action{SyntheticOverdoseInfo}?, CancellationToken)"/>.
/// </summary>
/// <param name="Number">The row's number n, as in its external_id <c>syn-od-{seed}-{n}</c> (1-based, in file order).</param>
/// <param name="CountyGeoid">The county the event was placed in (a hotspot point near a shore may fall just outside it).</param>
/// <param name="Signal">The kind of event.</param>
/// <param name="SignalIndex">For a planted event, its index in <see cref="SyntheticManifest.Spikes"/> or <see cref="SyntheticManifest.Hotspots"/>; otherwise −1.</param>
public readonly record struct SyntheticOverdoseInfo(long Number, string CountyGeoid, SyntheticSignal Signal, int SignalIndex);

/// <summary>The kind of a synthetic overdose.</summary>
public enum SyntheticSignal
{
    /// <summary>A background event, spread by population.</summary>
    Background,

    /// <summary>An extra event of a planted spike.</summary>
    Spike,

    /// <summary>An extra event of a planted hotspot.</summary>
    Hotspot,
}
