namespace GeoOrs.Data.Synthetic;

/// <summary>The boundary data the events were placed with.</summary>
/// <param name="CountyFile">The county shapefile's name.</param>
/// <param name="PopulationFile">The population estimates' file name.</param>
/// <param name="PopulationYear">The year of the population estimates.</param>
/// <param name="Counties">Counties events were placed in.</param>
/// <param name="SkippedCounties">Counties left out for want of a population (Puerto Rico).</param>
public sealed record SyntheticSources(string CountyFile, string PopulationFile, int PopulationYear, int Counties, int SkippedCounties);
