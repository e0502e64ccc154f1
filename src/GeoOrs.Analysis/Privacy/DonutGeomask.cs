using System.Buffers.Binary;
using System.Security.Cryptography;

namespace GeoOrs.Analysis.Privacy;

/// <summary>
/// Donut geomasking: each event point is moved in a random direction by a random distance between
/// an inner and an outer radius, so a displaced point is never at, nor close to, the true location
/// (Hampton KH et al., "Mapping health data: improved privacy protection with donut method
/// geomasking", Am J Epidemiol 2010;172(9):1062–1069).
/// </summary>
/// <remarks>
/// <para>
/// The radii follow the local population density, for k-anonymity: the inner radius is the circle
/// expected to hold <see cref="MinPeople"/> people, the outer one <see cref="MaxPeople"/>, so a
/// rural point moves further than an urban one (Allshouse WB et al., "Geomasking sensitive health
/// data and privacy protection: an evaluation using an E911 database", Geocarto Int
/// 2010;25(6):443–452, who set displacement by the population around each point).
/// </para>
/// <para>
/// The displacement is deterministic: direction and distance come from a keyed hash, SHA-256 of
/// the secret followed by the event id. A random draw per request would let anyone who asks for the
/// same event many times average the answers back to the true location; with the hash every request
/// gives the same point. The secret keeps a partner who knows the method and the event id from
/// recomputing the offset and undoing it.
/// </para>
/// <para>
/// The distance r = √(u·(R₂² − R₁²) + R₁²) is uniform over the annulus' area, not over the
/// radius, so the masked points are not denser near the inner ring. The destination is found on a
/// sphere by the great-circle direct formula. The SQL function <c>geoors_geomask</c> (migration
/// 0010) computes the same point with the same operations in the same order.
/// </para>
/// </remarks>
public static class DonutGeomask
{
    /// <summary>People expected inside the inner radius: nobody is masked among fewer.</summary>
    public const double MinPeople = 50;

    /// <summary>People expected inside the outer radius.</summary>
    public const double MaxPeople = 500;

    /// <summary>The smallest inner radius, in metres, however dense the population.</summary>
    public const double MinimumInnerMeters = 100;

    /// <summary>The largest inner radius, in metres, however sparse the population.</summary>
    public const double MaximumInnerMeters = 5000;

    /// <summary>The largest outer radius, in metres (at least twice <see cref="MaximumInnerMeters"/>).</summary>
    public const double MaximumOuterMeters = 10000;

    /// <summary>The density assumed where it is lower, unknown or not a number, in people per km².</summary>
    public const double FloorDensity = 0.1;

    /// <summary>The radius of the sphere, in metres: the mean Earth radius R₁ of IUGG/WGS 84.</summary>
    public const double EarthRadiusMeters = 6371008.8;

    /// <summary>
    /// The inner and outer radii for a population density: the inner one is
    /// 1000·√(<see cref="MinPeople"/>/(π·d)) clamped to [<see cref="MinimumInnerMeters"/>,
    /// <see cref="MaximumInnerMeters"/>], the outer one 1000·√(<see cref="MaxPeople"/>/(π·d))
    /// clamped to [2·inner, <see cref="MaximumOuterMeters"/>].
    /// </summary>
    /// <param name="peoplePerKm2">People per km² around the point; zero, negative or NaN means <see cref="FloorDensity"/>.</param>
    /// <returns>The radii in metres.</returns>
    public static (double InnerMeters, double OuterMeters) Radii(double peoplePerKm2)
    {
        var d = double.IsNaN(peoplePerKm2) || peoplePerKm2 < FloorDensity ? FloorDensity : peoplePerKm2;
        var inner = Math.Clamp(1000 * Math.Sqrt(MinPeople / (Math.PI * d)), MinimumInnerMeters, MaximumInnerMeters);
        var outer = Math.Clamp(1000 * Math.Sqrt(MaxPeople / (Math.PI * d)), 2 * inner, MaximumOuterMeters);
        return (inner, outer);
    }

    /// <summary>
    /// The masked location of an event: h = SHA-256(secret ‖ id as 8 bytes big-endian); the
    /// azimuth is 2π·u₁ clockwise from north and the distance √(u₂·(outer² − inner²) + inner²), where
    /// u₁ and u₂ are h's first and second 4 bytes as big-endian integers divided by 2³².
    /// </summary>
    /// <param name="lon">The true longitude in degrees.</param>
    /// <param name="lat">The true latitude in degrees.</param>
    /// <param name="eventId">The event's id.</param>
    /// <param name="secret">The masking key (see <c>GeoOrs.Data.Access.GeomaskSecret</c>).</param>
    /// <param name="peoplePerKm2">People per km² around the point (see <see cref="Radii"/>).</param>
    /// <returns>The displaced point, longitude in [−180, 180).</returns>
    public static (double Lon, double Lat) Displace(double lon, double lat, long eventId, ReadOnlySpan<byte> secret, double peoplePerKm2)
    {
        var message = secret.Length <= 248 ? stackalloc byte[secret.Length + sizeof(long)] : new byte[secret.Length + sizeof(long)];
        secret.CopyTo(message);
        BinaryPrimitives.WriteInt64BigEndian(message[secret.Length..], eventId);
        Span<byte> h = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(message, h);
        var u1 = BinaryPrimitives.ReadUInt32BigEndian(h) / 4294967296.0;
        var u2 = BinaryPrimitives.ReadUInt32BigEndian(h[4..]) / 4294967296.0;

        var (inner, outer) = Radii(peoplePerKm2);
        var theta = 2 * Math.PI * u1;
        var r = Math.Sqrt((u2 * ((outer * outer) - (inner * inner))) + (inner * inner));
        return Destination(lon, lat, theta, r);
    }

    /// <summary>
    /// The point at a distance and azimuth from a start, on the sphere of <see cref="EarthRadiusMeters"/>
    /// (the great-circle direct problem): φ₂ = asin(sin φ₁ cos δ + cos φ₁ sin δ cos θ),
    /// λ₂ = λ₁ + atan2(sin θ sin δ cos φ₁, cos δ − sin φ₁ sin φ₂), δ = r/R.
    /// </summary>
    /// <param name="lon">The start's longitude in degrees.</param>
    /// <param name="lat">The start's latitude in degrees.</param>
    /// <param name="azimuth">Radians clockwise from north.</param>
    /// <param name="meters">The distance.</param>
    /// <returns>The destination, longitude in [−180, 180).</returns>
    public static (double Lon, double Lat) Destination(double lon, double lat, double azimuth, double meters)
    {
        var phi1 = lat * Math.PI / 180;
        var delta = meters / EarthRadiusMeters;
        // Clamped: rounding may step past ±1 next to a pole.
        var phi2 = Math.Asin(Math.Clamp((Math.Sin(phi1) * Math.Cos(delta)) + (Math.Cos(phi1) * Math.Sin(delta) * Math.Cos(azimuth)), -1, 1));
        var dLambda = Math.Atan2(Math.Sin(azimuth) * Math.Sin(delta) * Math.Cos(phi1), Math.Cos(delta) - (Math.Sin(phi1) * Math.Sin(phi2)));
        var lon2 = lon + (dLambda * 180 / Math.PI);
        lon2 -= 360 * Math.Floor((lon2 + 180) / 360);
        return (lon2 >= 180 ? lon2 - 360 : lon2, phi2 * 180 / Math.PI);
    }

    /// <summary>
    /// The great-circle distance between two points on the sphere of <see cref="EarthRadiusMeters"/>,
    /// by the haversine formula (Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984).
    /// </summary>
    /// <param name="lon1">First longitude in degrees.</param>
    /// <param name="lat1">First latitude in degrees.</param>
    /// <param name="lon2">Second longitude in degrees.</param>
    /// <param name="lat2">Second latitude in degrees.</param>
    /// <returns>The distance in metres.</returns>
    public static double DistanceMeters(double lon1, double lat1, double lon2, double lat2)
    {
        var phi1 = lat1 * Math.PI / 180;
        var phi2 = lat2 * Math.PI / 180;
        var sinHalfDPhi = Math.Sin((phi2 - phi1) / 2);
        var sinHalfDLambda = Math.Sin((lon2 - lon1) * Math.PI / 180 / 2);
        var a = (sinHalfDPhi * sinHalfDPhi) + (Math.Cos(phi1) * Math.Cos(phi2) * sinHalfDLambda * sinHalfDLambda);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
