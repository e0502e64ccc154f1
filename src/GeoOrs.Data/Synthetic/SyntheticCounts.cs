namespace GeoOrs.Data.Synthetic;

/// <summary>How many rows of each kind were written.</summary>
/// <param name="Overdoses">Overdose rows in all.</param>
/// <param name="BackgroundOverdoses">Overdoses spread by population.</param>
/// <param name="SpikeOverdoses">Overdoses added by the planted spikes.</param>
/// <param name="HotspotOverdoses">Overdoses added by the planted hotspots.</param>
/// <param name="Seizures">Seizure rows in all.</param>
/// <param name="CorridorSeizures">Seizures along interstate corridors.</param>
/// <param name="PortOfEntrySeizures">Seizures at southern border ports of entry.</param>
/// <param name="PopulationSeizures">Seizures placed by population anywhere.</param>
public sealed record SyntheticCounts(
    int Overdoses, int BackgroundOverdoses, int SpikeOverdoses, int HotspotOverdoses,
    int Seizures, int CorridorSeizures, int PortOfEntrySeizures, int PopulationSeizures);
