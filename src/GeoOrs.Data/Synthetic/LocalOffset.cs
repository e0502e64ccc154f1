namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Kilometre offsets and distances near a point on the WGS 84 ellipsoid's mean sphere, in the
/// local equirectangular approximation (exact to well under 0.1 % over the few kilometres the
/// generator moves points).
/// </summary>
internal static class LocalOffset
{
    /// <summary>Kilometres per degree of latitude on a sphere of radius 6,371.0088 km (the IUGG mean radius).</summary>
    public const double KmPerDegree = 6371.0088 * Math.PI / 180;

    /// <summary>Moves a point <paramref name="eastKm"/> east and <paramref name="northKm"/> north.</summary>
    /// <param name="lon">The longitude in degrees.</param>
    /// <param name="lat">The latitude in degrees.</param>
    /// <param name="eastKm">The eastward offset in kilometres.</param>
    /// <param name="northKm">The northward offset in kilometres.</param>
    /// <returns>The moved point's longitude and latitude.</returns>
    public static (double Lon, double Lat) Move(double lon, double lat, double eastKm, double northKm)
    {
        double cos = Math.Max(Math.Cos(lat * Math.PI / 180), 0.01);
        return (lon + (eastKm / (KmPerDegree * cos)), lat + (northKm / KmPerDegree));
    }

    /// <summary>The great-circle distance in kilometres (haversine formula).</summary>
    /// <param name="lon1">First longitude.</param>
    /// <param name="lat1">First latitude.</param>
    /// <param name="lon2">Second longitude.</param>
    /// <param name="lat2">Second latitude.</param>
    /// <returns>The distance.</returns>
    public static double DistanceKm(double lon1, double lat1, double lon2, double lat2)
    {
        const double r = Math.PI / 180;
        double dLat = (lat2 - lat1) * r;
        double dLon = (lon2 - lon1) * r;
        double a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(lat1 * r) * Math.Cos(lat2 * r) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * 6371.0088 * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
