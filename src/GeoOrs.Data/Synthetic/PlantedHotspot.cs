namespace GeoOrs.Data.Synthetic;

/// <summary>A planted hotspot: a tight cluster of extra overdoses around one point, spread over the whole period.</summary>
/// <param name="CountyGeoid">The county's 5-digit FIPS code.</param>
/// <param name="CountyName">The county's name.</param>
/// <param name="Lon">The centre's longitude (WGS 84).</param>
/// <param name="Lat">The centre's latitude (WGS 84).</param>
/// <param name="RadiusKm">Every extra event lies within this great-circle distance of the centre.</param>
/// <param name="EventsAdded">The extra overdoses planted.</param>
public sealed record PlantedHotspot(string CountyGeoid, string CountyName, double Lon, double Lat, double RadiusKm, int EventsAdded);
