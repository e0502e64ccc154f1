namespace GeoOrs.Analysis.Planning;

/// <summary>A chosen site and what it adds.</summary>
/// <param name="Candidate">The index of the site among the candidates.</param>
/// <param name="AddedDemand">The demand it covers that no existing site and no site before it in the list covers.</param>
public sealed record ChosenSite(int Candidate, double AddedDemand);
