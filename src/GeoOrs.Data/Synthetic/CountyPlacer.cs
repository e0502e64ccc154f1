namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Places events inside one county: part of them around one or two "town centres" (Gaussian, a
/// few kilometres wide), the rest uniformly over the county, so maps show towns rather than an
/// even scatter.
/// </summary>
/// <remarks>
/// The main centre is the county's largest city in <see cref="TownGazetteer"/>, else a point drawn
/// uniformly inside the county once per seed. Its spread is
/// <c>clamp(1.5 + 2·log10(population / 10,000), 1.2, 9)</c> km. A county of 100,000 people or more
/// has a second centre (its second listed city, else with probability 0.7 a random point) taking
/// 30 % of the clustered events, at 70 % of that spread. The clustered share is
/// <c>clamp(0.5 + 0.1·log10(population / 10,000), 0.5, 0.85)</c>: a city county clusters more than
/// a rural one. Of the other events, a county larger than 1,500 km² puts 85 % around "villages"
/// (one per 1,500 km², at most 12, drawn at random inside it, σ = 1.5 km) and the rest uniformly,
/// so that large western counties show scattered small towns rather than their own outline; a
/// smaller county puts them all uniformly. A Gaussian draw that leaves the county is redrawn (up
/// to <see cref="MaxTries"/> times), then replaced by a uniform point in the county.
/// </remarks>
internal sealed class CountyPlacer
{
    /// <summary>Gaussian draws before falling back to a uniform point.</summary>
    public const int MaxTries = 8;

    private readonly CountyShape _shape;
    private readonly (double Lon, double Lat, double SigmaKm)[] _centres;
    private readonly double _firstShare;
    private readonly (double Lon, double Lat)[] _villages;

    /// <summary>The spread of a village in kilometres.</summary>
    public const double VillageSigmaKm = 1.5;

    /// <summary>The share of the non-town events put around villages when the county has some.</summary>
    public const double VillageShare = 0.85;

    /// <summary>Chooses the county's town centres.</summary>
    /// <param name="county">The county.</param>
    /// <param name="setup">The seed's set-up stream.</param>
    public CountyPlacer(SyntheticCounty county, SyntheticRandom setup)
    {
        _shape = county.Shape;
        double scale = Math.Log10(county.Population / 10_000.0);
        double sigma = Math.Clamp(1.5 + (2 * scale), 1.2, 9);
        ClusteredShare = Math.Clamp(0.5 + (0.1 * scale), 0.5, 0.85);
        var towns = county.Towns;
        var first = towns.Count > 0 ? towns[0] : _shape.SampleUniform(setup);
        if (county.Population >= 100_000 && (towns.Count > 1 || setup.Chance(0.7)))
        {
            var second = towns.Count > 1 ? towns[1] : _shape.SampleUniform(setup);
            _centres = [(first.Lon, first.Lat, sigma), (second.Lon, second.Lat, sigma * 0.7)];
            _firstShare = 0.7;
        }
        else
        {
            _centres = [(first.Lon, first.Lat, sigma)];
            _firstShare = 1;
        }

        _villages = new (double Lon, double Lat)[Math.Clamp((int)(_shape.AreaKm2 / 1500), 0, 12)];
        for (int i = 0; i < _villages.Length; i++)
        {
            _villages[i] = _shape.SampleUniform(setup);
        }
    }

    /// <summary>The share of the county's background events drawn around its town centres.</summary>
    public double ClusteredShare { get; }

    /// <summary>Draws a point in the county.</summary>
    /// <param name="random">The random stream.</param>
    /// <param name="clustered">The share of points drawn around the town centres; the rest are uniform.</param>
    /// <returns>The point's longitude and latitude.</returns>
    public (double Lon, double Lat) Sample(SyntheticRandom random, double clustered)
    {
        double lon, lat, sigma;
        if (random.Chance(clustered))
        {
            (lon, lat, sigma) = _centres[_centres.Length == 1 || random.Chance(_firstShare) ? 0 : 1];
        }
        else if (_villages.Length > 0 && random.Chance(VillageShare))
        {
            (lon, lat) = _villages[random.NextInt(_villages.Length)];
            sigma = VillageSigmaKm;
        }
        else
        {
            return _shape.SampleUniform(random);
        }

        for (int attempt = 0; attempt < MaxTries; attempt++)
        {
            var point = LocalOffset.Move(lon, lat, sigma * random.NextGaussian(), sigma * random.NextGaussian());
            if (_shape.Contains(point.Lon, point.Lat))
            {
                return point;
            }
        }

        return _shape.SampleUniform(random);
    }

    /// <summary>
    /// Draws a point within <paramref name="radiusKm"/> of a centre (Gaussian with σ = radius / 2,
    /// truncated at the radius), inside the county when it can.
    /// </summary>
    /// <param name="random">The random stream.</param>
    /// <param name="lon">The centre's longitude.</param>
    /// <param name="lat">The centre's latitude.</param>
    /// <param name="radiusKm">The radius.</param>
    /// <returns>The point's longitude and latitude.</returns>
    public (double Lon, double Lat) SampleWithin(SyntheticRandom random, double lon, double lat, double radiusKm)
    {
        double sigma = radiusKm / 2;
        (double East, double North) offset = (0, 0);
        for (int attempt = 0; attempt < 4 * MaxTries; attempt++)
        {
            offset = (sigma * random.NextGaussian(), sigma * random.NextGaussian());
            if ((offset.East * offset.East) + (offset.North * offset.North) > radiusKm * radiusKm * 0.98)
            {
                continue;
            }

            var point = LocalOffset.Move(lon, lat, offset.East, offset.North);
            if (_shape.Contains(point.Lon, point.Lat))
            {
                return point;
            }
        }

        // Rare (a centre by the shore): a point in the disc even if it is off the county.
        double r = radiusKm * 0.98 * Math.Sqrt(random.NextDouble());
        double angle = 2 * Math.PI * random.NextDouble();
        return LocalOffset.Move(lon, lat, r * Math.Cos(angle), r * Math.Sin(angle));
    }
}
