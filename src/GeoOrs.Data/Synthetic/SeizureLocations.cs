namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Where synthetic seizures happen: along interstate drug-trafficking corridors, at southern
/// border ports of entry, and anywhere in proportion to population.
/// </summary>
/// <remarks>
/// <para>
/// The corridors are <b>approximate</b>: each interstate is a polyline through the real
/// coordinates of cities it serves, so it cuts corners a real highway follows, and a point drawn
/// on it may lie a few kilometres off the road (or, near a coast, in the water). They are meant to
/// make maps look plausible, not to match any road network.
/// </para>
/// <para>
/// A seizure is on a corridor with probability 0.65 (corridor chosen in proportion to its length,
/// point uniform along it, then an isotropic Gaussian jitter of σ = 1.2 km per axis, about 1.5 km
/// on average), at a port of entry with probability 0.20 (a few hundred metres on the US side of the
/// crossing), else in a county drawn in proportion to population, near its towns.
/// </para>
/// </remarks>
internal sealed class SeizureLocations
{
    /// <summary>The share of seizures at ports of entry.</summary>
    public const double PortShare = 0.20;

    /// <summary>The share of seizures placed by population anywhere.</summary>
    public const double PopulationShare = 0.15;

    /// <summary>The corridor jitter's standard deviation per axis, in kilometres.</summary>
    public const double JitterKm = 1.2;

    /// <summary>The approximate corridors: name and (latitude, longitude) of the cities along them.</summary>
    public static IReadOnlyList<(string Name, (double Lat, double Lon)[] Points)> Corridors { get; } =
    [
        ("I-5", [
            (32.7157, -117.1611), (34.0522, -118.2437), (34.8400, -118.8600), (35.6200, -119.6900), (37.1000, -121.0200),
            (37.9577, -121.2908), (38.5816, -121.4944), (40.5865, -122.3917), (42.3265, -122.8756), (44.0521, -123.0868),
            (44.9429, -123.0351), (45.5152, -122.6784), (47.6062, -122.3321), (48.7519, -122.4787), (48.9990, -122.7471),
        ]),
        ("I-8", [
            (32.7157, -117.1611), (32.7920, -115.5631), (32.6927, -114.6277), (32.9478, -112.7168), (32.8795, -111.7574),
        ]),
        ("I-10", [
            (34.0195, -118.4912), (34.0522, -118.2437), (34.0633, -117.6509), (33.8303, -116.5453), (33.6103, -114.5964),
            (33.4484, -112.0740), (32.2226, -110.9747), (32.3199, -106.7637), (31.7619, -106.4850), (31.0399, -104.8307),
            (30.8940, -102.8793), (30.4894, -99.7720), (29.4241, -98.4936), (29.7604, -95.3698), (30.0802, -94.1266),
            (30.2266, -93.2174), (30.4515, -91.1871), (29.9511, -90.0715), (30.6954, -88.0399), (30.4213, -87.2169),
            (30.4383, -84.2807), (30.3322, -81.6557),
        ]),
        ("I-15", [
            (32.7157, -117.1611), (33.4936, -117.1484), (34.1083, -117.2898), (34.8958, -117.0173), (36.1699, -115.1398),
            (37.0965, -113.5684), (37.6775, -113.0619), (40.2338, -111.6585), (40.7608, -111.8910), (42.8713, -112.4455),
            (46.0038, -112.5348), (47.5053, -111.3008), (48.9967, -111.9597),
        ]),
        ("I-25", [
            (32.3199, -106.7637), (33.1284, -107.2528), (34.0584, -106.8914), (35.0844, -106.6504), (35.6870, -105.9378),
            (35.5939, -105.2239), (36.9034, -104.4391), (37.1695, -104.5005), (38.2544, -104.6091), (38.8339, -104.8214),
            (39.7392, -104.9903), (40.5853, -105.0844), (41.1400, -104.8202), (42.8501, -106.3252), (44.3483, -106.6989),
        ]),
        ("I-35", [
            (27.5306, -99.4803), (29.4241, -98.4936), (30.2672, -97.7431), (31.5493, -97.1467), (32.7767, -96.7970),
            (33.2148, -97.1331), (35.4676, -97.5164), (37.6872, -97.3301), (39.0997, -94.5786), (41.5868, -93.6250),
            (44.9778, -93.2650), (46.7867, -92.1005),
        ]),
        ("I-40", [
            (34.8958, -117.0173), (34.8481, -114.6141), (35.1894, -114.0530), (35.1983, -111.6513), (35.5281, -108.7426),
            (35.0844, -106.6504), (35.2220, -101.8313), (35.4676, -97.5164), (35.3859, -94.3985), (34.7465, -92.2896),
            (35.1495, -90.0490), (36.1627, -86.7816), (35.9606, -83.9207), (35.5951, -82.5515), (36.0999, -80.2442),
            (36.0726, -79.7920), (35.7796, -78.6382), (34.2257, -77.9447),
        ]),
        ("I-65", [
            (30.6954, -88.0399), (32.3792, -86.3077), (33.5186, -86.8104), (34.6059, -86.9833), (36.1627, -86.7816),
            (36.9685, -86.4808), (38.2527, -85.7585), (39.7684, -86.1581), (40.4167, -86.8753), (41.5934, -87.3464),
        ]),
        ("I-70", [
            (38.6000, -112.5800), (39.0639, -108.5506), (39.5505, -107.3248), (39.7392, -104.9903), (39.2639, -103.6922),
            (38.8403, -97.6114), (39.0473, -95.6752), (39.0997, -94.5786), (38.9517, -92.3341), (38.6270, -90.1994),
            (39.1200, -88.5434), (39.7684, -86.1581), (39.7589, -84.1916), (39.9612, -82.9988), (40.0640, -80.7209),
            (40.1740, -80.2462), (39.9987, -78.2406), (39.6418, -77.7200), (39.2904, -76.6122),
        ]),
        ("I-75", [
            (25.8576, -80.2781), (26.1420, -81.7948), (26.6406, -81.8723), (27.9506, -82.4572), (29.1872, -82.1401),
            (30.1897, -82.6393), (30.8327, -83.2785), (32.8407, -83.6324), (33.7490, -84.3880), (35.0456, -85.3097),
            (35.9606, -83.9207), (38.0406, -84.5037), (39.1031, -84.5120), (39.7589, -84.1916), (41.6528, -83.5379),
            (42.3314, -83.0458), (43.0125, -83.6875), (43.4195, -83.9508), (46.4953, -84.3453),
        ]),
        ("I-80", [
            (37.7749, -122.4194), (38.5816, -121.4944), (39.5296, -119.8138), (40.9730, -117.7357), (40.8324, -115.7631),
            (40.7608, -111.8910), (41.5875, -109.2029), (41.1400, -104.8202), (41.1239, -100.7654), (40.8136, -96.7026),
            (41.2565, -95.9345), (41.5868, -93.6250), (41.6611, -91.5302), (41.5250, -88.0817), (41.6528, -83.5379),
            (41.3800, -81.6944), (41.0998, -80.6495), (41.0270, -78.4392), (40.9868, -75.1946), (40.9168, -74.1718),
            (40.8976, -74.0160),
        ]),
        ("I-95", [
            (25.7617, -80.1918), (26.1224, -80.1373), (26.7153, -80.0534), (29.2108, -81.0228), (30.3322, -81.6557),
            (32.1000, -81.3000), (34.1954, -79.7626), (35.0527, -78.8784), (35.9382, -77.7905), (37.5407, -77.4360),
            (38.9072, -77.0369), (39.2904, -76.6122), (39.7391, -75.5398), (39.9526, -75.1652), (40.2171, -74.7429),
            (40.7357, -74.1724), (40.7128, -74.0060), (41.3083, -72.9279), (41.8240, -71.4128), (42.3601, -71.0589),
        ]),
    ];

    /// <summary>
    /// Southern border ports of entry: name, the US end of the crossing (latitude, longitude), the
    /// unit vector (east, north) pointing into the United States, and a weight.
    /// </summary>
    public static IReadOnlyList<(string Name, double Lat, double Lon, double InEast, double InNorth, double Weight)> PortsOfEntry { get; } =
    [
        ("San Ysidro", 32.5440, -117.0296, 0, 1, 0.35),
        ("Nogales", 31.3340, -110.9425, 0, 1, 0.25),
        ("El Paso", 31.7660, -106.4515, 0, 1, 0.20),
        ("Laredo", 27.5030, -99.5035, 0.7071, 0.7071, 0.20),
    ];

    private readonly CountyModel _counties;
    private readonly double[][] _cumulativeKm;
    private readonly AliasTable _corridors;
    private readonly AliasTable _ports;

    /// <summary>Measures the corridors.</summary>
    /// <param name="counties">The county model, for population-weighted seizures.</param>
    public SeizureLocations(CountyModel counties)
    {
        _counties = counties;
        _cumulativeKm = new double[Corridors.Count][];
        for (int c = 0; c < Corridors.Count; c++)
        {
            var points = Corridors[c].Points;
            var cumulative = new double[points.Length];
            for (int i = 1; i < points.Length; i++)
            {
                cumulative[i] = cumulative[i - 1] + LocalOffset.DistanceKm(points[i - 1].Lon, points[i - 1].Lat, points[i].Lon, points[i].Lat);
            }

            _cumulativeKm[c] = cumulative;
        }

        _corridors = new AliasTable([.. _cumulativeKm.Select(c => c[^1])]);
        _ports = new AliasTable([.. PortsOfEntry.Select(p => p.Weight)]);
    }

    /// <summary>Draws a seizure location.</summary>
    /// <param name="random">The random stream.</param>
    /// <returns>The point and where it was drawn.</returns>
    public (double Lon, double Lat, SeizurePlace Place) Sample(SyntheticRandom random)
    {
        double u = random.NextDouble();
        if (u < PortShare)
        {
            var port = PortsOfEntry[_ports.Sample(random)];
            double inward = 0.3 + Math.Abs(0.5 * random.NextGaussian());
            double along = 0.5 * random.NextGaussian();
            var (lon, lat) = LocalOffset.Move(
                port.Lon, port.Lat,
                (inward * port.InEast) + (along * port.InNorth),
                (inward * port.InNorth) - (along * port.InEast));
            return (lon, lat, SeizurePlace.PortOfEntry);
        }

        if (u < PortShare + PopulationShare)
        {
            var (lon, lat) = _counties.Placers[_counties.Population.Sample(random)].Sample(random, 0.8);
            return (lon, lat, SeizurePlace.Population);
        }

        int corridor = _corridors.Sample(random);
        var cumulative = _cumulativeKm[corridor];
        var points = Corridors[corridor].Points;
        double at = random.NextDouble() * cumulative[^1];
        int segment = Array.BinarySearch(cumulative, at);
        segment = segment >= 0 ? Math.Min(segment, points.Length - 2) : Math.Min(~segment - 1, points.Length - 2);
        double length = cumulative[segment + 1] - cumulative[segment];
        double t = length > 0 ? (at - cumulative[segment]) / length : 0;
        var (a, b) = (points[segment], points[segment + 1]);
        var onRoad = (Lon: a.Lon + (t * (b.Lon - a.Lon)), Lat: a.Lat + (t * (b.Lat - a.Lat)));
        var jittered = LocalOffset.Move(onRoad.Lon, onRoad.Lat, JitterKm * random.NextGaussian(), JitterKm * random.NextGaussian());
        return (jittered.Lon, jittered.Lat, SeizurePlace.Corridor);
    }
}

/// <summary>Where a synthetic seizure was placed.</summary>
internal enum SeizurePlace
{
    /// <summary>On an interstate corridor.</summary>
    Corridor,

    /// <summary>At a southern border port of entry.</summary>
    PortOfEntry,

    /// <summary>In a county drawn by population.</summary>
    Population,
}
