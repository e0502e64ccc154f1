using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Point-in-county tests and uniform points inside one county's polygon(s).
/// </summary>
/// <remarks>
/// A multipolygon county (islands, the Aleutians across the antimeridian) is handled part by part:
/// a part is chosen with probability proportional to its area (scaled by the cosine of its
/// latitude, so proportional to its ground area), then a point is drawn by rejection sampling in
/// that part's envelope, tested with an <see cref="IndexedPointInAreaLocator"/>. After
/// <see cref="MaxTries"/> misses, the part's interior point is used, so sampling always ends.
/// </remarks>
internal sealed class CountyShape
{
    /// <summary>Envelope draws before falling back to the interior point.</summary>
    public const int MaxTries = 64;

    private readonly Envelope[] _envelopes;
    private readonly IndexedPointInAreaLocator[] _locators;
    private readonly Coordinate[] _interiorPoints;
    private readonly AliasTable? _parts;

    /// <summary>Prepares the county's polygon(s).</summary>
    /// <param name="geometry">A polygon or multipolygon in longitude/latitude degrees.</param>
    public CountyShape(NetTopologySuite.Geometries.Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var polygons = Enumerable.Range(0, geometry.NumGeometries)
            .Select(geometry.GetGeometryN)
            .OfType<Polygon>()
            .Where(p => !p.IsEmpty)
            .ToArray();
        if (polygons.Length == 0)
        {
            throw new ArgumentException("the county has no polygon", nameof(geometry));
        }

        _envelopes = [.. polygons.Select(p => p.EnvelopeInternal)];
        _locators = [.. polygons.Select(p => new IndexedPointInAreaLocator(p))];
        _interiorPoints = [.. polygons.Select(p => p.InteriorPoint.Coordinate)];
        var weights = polygons
            .Select(p => p.Area * Math.Cos(p.EnvelopeInternal.Centre.Y * Math.PI / 180))
            .ToArray();
        _parts = polygons.Length > 1 && weights.Sum() > 0 ? new AliasTable(weights) : null;
        var largest = Array.IndexOf(weights, weights.Max());
        InteriorPoint = _interiorPoints[largest];
        Centre = geometry.EnvelopeInternal.Centre;
        AreaKm2 = weights.Sum() * LocalOffset.KmPerDegree * LocalOffset.KmPerDegree;
    }

    /// <summary>A point inside the county's largest part.</summary>
    public Coordinate InteriorPoint { get; }

    /// <summary>The centre of the county's envelope (for its rough longitude).</summary>
    public Coordinate Centre { get; }

    /// <summary>The approximate ground area in square kilometres.</summary>
    public double AreaKm2 { get; }

    /// <summary>Whether the point is inside the county (or on its boundary).</summary>
    /// <param name="lon">The longitude.</param>
    /// <param name="lat">The latitude.</param>
    /// <returns>True when inside.</returns>
    public bool Contains(double lon, double lat)
    {
        for (int i = 0; i < _envelopes.Length; i++)
        {
            if (_envelopes[i].Contains(lon, lat) && _locators[i].Locate(new Coordinate(lon, lat)) != Location.Exterior)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A point uniformly distributed over the county's area.</summary>
    /// <param name="random">The random stream.</param>
    /// <returns>The point's longitude and latitude.</returns>
    public (double Lon, double Lat) SampleUniform(SyntheticRandom random)
    {
        int part = _parts?.Sample(random) ?? 0;
        var envelope = _envelopes[part];
        var locator = _locators[part];
        for (int attempt = 0; attempt < MaxTries; attempt++)
        {
            double lon = envelope.MinX + (random.NextDouble() * envelope.Width);
            double lat = envelope.MinY + (random.NextDouble() * envelope.Height);
            if (locator.Locate(new Coordinate(lon, lat)) == Location.Interior)
            {
                return (lon, lat);
            }
        }

        var fallback = _interiorPoints[part];
        return (fallback.X, fallback.Y);
    }
}
