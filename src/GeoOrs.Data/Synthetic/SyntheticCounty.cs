namespace GeoOrs.Data.Synthetic;

/// <summary>A county the generator places events in: its Census identifiers, population and polygon.</summary>
public sealed class SyntheticCounty
{
    internal SyntheticCounty(int index, string geoid, string name, string stateFp, long population, NetTopologySuite.Geometries.Geometry geometry, TimeZoneInfo timeZone)
    {
        TimeZone = timeZone;
        Index = index;
        Geoid = geoid;
        Name = name;
        StateFp = stateFp;
        Population = population;
        Geometry = geometry;
        Shape = new CountyShape(geometry);
        Towns = TownGazetteer.In(Shape);
    }

    /// <summary>The 5-digit county FIPS code (Census <c>GEOID</c>), e.g. <c>06037</c>.</summary>
    public string Geoid { get; }

    /// <summary>The county's name without its legal/statistical area description, e.g. <c>Los Angeles</c>.</summary>
    public string Name { get; }

    /// <summary>The 2-digit state FIPS code, e.g. <c>06</c>.</summary>
    public string StateFp { get; }

    /// <summary>The population estimate the events are weighted by.</summary>
    public long Population { get; }

    /// <summary>The county's polygon or multipolygon in WGS 84 longitude/latitude (SRID 4326).</summary>
    public NetTopologySuite.Geometries.Geometry Geometry { get; }

    /// <summary>
    /// The time zone on whose calendar the county's planted spike days fall: its IANA zone from the
    /// folder's <c>*timezones*.csv</c>, or, when the folder has none or leaves the county out, the
    /// fixed standard-time offset of its longitude (<see cref="EventCalendar.UtcOffsetHours"/>).
    /// </summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>The position of the county in <see cref="SyntheticGeography.Counties"/>.</summary>
    internal int Index { get; }

    /// <summary>Point-in-county tests and sampling.</summary>
    internal CountyShape Shape { get; }

    /// <summary>The county's cities listed in <see cref="TownGazetteer"/>, largest first (longitude, latitude).</summary>
    internal IReadOnlyList<(double Lon, double Lat)> Towns { get; }

    /// <summary>Whether a point lies inside the county (or on its boundary).</summary>
    /// <param name="lon">The longitude in degrees.</param>
    /// <param name="lat">The latitude in degrees.</param>
    /// <returns>True when the point is in the county.</returns>
    public bool Contains(double lon, double lat) => Shape.Contains(lon, lat);

    /// <inheritdoc />
    public override string ToString() => $"{Geoid} {Name}";
}
