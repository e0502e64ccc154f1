using ProjNet.CoordinateSystems;

namespace GeoOrs.Analysis.Projections;

/// <summary>
/// Well-known coordinate reference systems as ProjNet coordinate systems, and helpers to
/// parse OGC/ESRI WKT (for example the text of a shapefile's <c>.prj</c>).
/// </summary>
/// <remarks>
/// The definitions are the OGC WKT1 texts of the EPSG registry (as printed by
/// <c>gdalsrsinfo -o wkt1 EPSG:n</c>), so each carries <c>AUTHORITY["EPSG", n]</c> and
/// <see cref="EpsgCode(CoordinateSystem)"/> returns that code.
/// </remarks>
public static class Crs
{
    /// <summary>EPSG code of WGS 84 geographic coordinates (longitude/latitude in degrees).</summary>
    public const int Wgs84Srid = 4326;

    /// <summary>EPSG code of NAD83 geographic coordinates (longitude/latitude in degrees).</summary>
    public const int Nad83Srid = 4269;

    /// <summary>EPSG code of NAD83 / Conus Albers (equal-area, metres).</summary>
    public const int ConusAlbersSrid = 5070;

    private const string Wgs84Wkt =
        "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]]," +
        "AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]]," +
        "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Longitude\",EAST],AXIS[\"Latitude\",NORTH]," +
        "AUTHORITY[\"EPSG\",\"4326\"]]";

    private const string Nad83GeogcsBody =
        "\"NAD83\",DATUM[\"North_American_Datum_1983\",SPHEROID[\"GRS 1980\",6378137,298.257222101,AUTHORITY[\"EPSG\",\"7019\"]]," +
        "AUTHORITY[\"EPSG\",\"6269\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]]," +
        "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]]";

    private const string Nad83Wkt =
        "GEOGCS[" + Nad83GeogcsBody + ",AXIS[\"Longitude\",EAST],AXIS[\"Latitude\",NORTH],AUTHORITY[\"EPSG\",\"4269\"]]";

    private const string ConusAlbersWkt =
        "PROJCS[\"NAD83 / Conus Albers\",GEOGCS[" + Nad83GeogcsBody + ",AUTHORITY[\"EPSG\",\"4269\"]]," +
        "PROJECTION[\"Albers_Conic_Equal_Area\"],PARAMETER[\"latitude_of_center\",23],PARAMETER[\"longitude_of_center\",-96]," +
        "PARAMETER[\"standard_parallel_1\",29.5],PARAMETER[\"standard_parallel_2\",45.5]," +
        "PARAMETER[\"false_easting\",0],PARAMETER[\"false_northing\",0],UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]]," +
        "AXIS[\"Easting\",EAST],AXIS[\"Northing\",NORTH],AUTHORITY[\"EPSG\",\"5070\"]]";

    /// <summary>WGS 84 longitude/latitude in degrees (EPSG:4326).</summary>
    public static GeographicCoordinateSystem Wgs84 { get; } = (GeographicCoordinateSystem)FromWkt(Wgs84Wkt);

    /// <summary>NAD83 longitude/latitude in degrees (EPSG:4269), the CRS of US Census boundary files.</summary>
    public static GeographicCoordinateSystem Nad83 { get; } = (GeographicCoordinateSystem)FromWkt(Nad83Wkt);

    /// <summary>
    /// NAD83 / Conus Albers (EPSG:5070): Albers equal-area conic on GRS 1980 with
    /// lat_1=29.5, lat_2=45.5, lat_0=23, lon_0=-96, x_0=0, y_0=0, metres.
    /// </summary>
    public static ProjectedCoordinateSystem ConusAlbers { get; } = (ProjectedCoordinateSystem)FromWkt(ConusAlbersWkt);

    /// <summary>
    /// Parses a CRS given as OGC WKT1 or ESRI WKT (the content of a <c>.prj</c> file).
    /// </summary>
    /// <param name="wkt">The WKT text; surrounding white space and a byte order mark are ignored.</param>
    /// <returns>The ProjNet coordinate system.</returns>
    /// <remarks>
    /// ESRI's <c>Mercator_Auxiliary_Sphere</c> projection (ESRI's name for Web Mercator, EPSG:3857) is
    /// mapped to ProjNet's <c>Pseudo-Mercator</c>; every other projection name is passed to ProjNet as is
    /// (ProjNet accepts the ESRI spellings <c>Albers</c>, <c>Transverse_Mercator</c> and
    /// <c>Lambert_Conformal_Conic</c>).
    /// </remarks>
    /// <exception cref="ArgumentException">The text is empty or is not a coordinate system WKT ProjNet can read.</exception>
    /// <exception cref="NotSupportedException">ProjNet reads the WKT but does not support something in it.</exception>
    public static CoordinateSystem FromWkt(string wkt)
    {
        ArgumentNullException.ThrowIfNull(wkt);
        string text = wkt.Trim().TrimStart('\uFEFF').Trim();
        if (text.Length == 0)
        {
            throw new ArgumentException("The CRS WKT is empty.", nameof(wkt));
        }

        text = text.Replace("\"Mercator_Auxiliary_Sphere\"", "\"Pseudo-Mercator\"", StringComparison.OrdinalIgnoreCase);
        try
        {
            return new CoordinateSystemFactory().CreateFromWkt(text);
        }
        catch (Exception ex) when (ex is not ArgumentException and not NotSupportedException and not OutOfMemoryException)
        {
            throw new ArgumentException($"Cannot parse the CRS WKT: {ex.Message}", nameof(wkt), ex);
        }
    }

    /// <summary>
    /// Returns the EPSG code carried by a coordinate system (<c>AUTHORITY["EPSG", n]</c>), or
    /// <see langword="null"/> when it has none (ESRI <c>.prj</c> files carry no authority).
    /// </summary>
    /// <param name="crs">The coordinate system.</param>
    /// <returns>The EPSG code, or <see langword="null"/>.</returns>
    public static int? EpsgCode(CoordinateSystem crs)
    {
        ArgumentNullException.ThrowIfNull(crs);
        if (string.Equals(crs.Authority, "EPSG", StringComparison.OrdinalIgnoreCase)
            && crs.AuthorityCode > 0 && crs.AuthorityCode <= int.MaxValue)
        {
            return (int)crs.AuthorityCode;
        }

        return null;
    }

    /// <summary>
    /// Tells whether a coordinate system is longitude/latitude in degrees from Greenwich on the
    /// WGS 84 datum or on any NAD83 realisation, i.e. whether its coordinates can be used as
    /// EPSG:4326 coordinates unchanged.
    /// </summary>
    /// <param name="crs">The coordinate system.</param>
    /// <returns><see langword="true"/> for WGS 84 or NAD83 geographic coordinates in degrees.</returns>
    /// <remarks>
    /// NAD83 and WGS 84 differ by about a metre; with no datum grid GDAL/PROJ use the EPSG
    /// "NAD83 to WGS 84 (1)" null transformation, and this library does the same.
    /// The datum is recognised by its EPSG code (6326, 6269) or its OGC/ESRI name
    /// (<c>WGS_1984</c>, <c>D_WGS_1984</c>, <c>North_American_Datum_1983</c>, <c>D_North_American_1983</c>,
    /// <c>NAD83(HARN)</c>, ...), and its ellipsoid must be WGS 84 or GRS 1980 with no non-zero TOWGS84.
    /// </remarks>
    public static bool IsWgs84OrNad83Geographic(CoordinateSystem crs)
    {
        ArgumentNullException.ThrowIfNull(crs);
        return crs is GeographicCoordinateSystem geographic
            && Math.Abs(geographic.AngularUnit.RadiansPerUnit - (Math.PI / 180)) < 1e-12
            && geographic.PrimeMeridian.Longitude == 0
            && IsWgs84OrNad83Datum(geographic.HorizontalDatum);
    }

    /// <summary>
    /// Tells whether a datum is WGS 84 or a NAD83 realisation, treated as interchangeable (see
    /// <see cref="IsWgs84OrNad83Geographic(CoordinateSystem)"/>).
    /// </summary>
    /// <param name="datum">The horizontal datum.</param>
    /// <returns><see langword="true"/> when the datum is WGS 84 or NAD83.</returns>
    public static bool IsWgs84OrNad83Datum(HorizontalDatum datum)
    {
        ArgumentNullException.ThrowIfNull(datum);
        var shift = datum.Wgs84Parameters;
        if (shift is not null && !shift.HasZeroValuesOnly)
        {
            return false;
        }

        var ellipsoid = datum.Ellipsoid;
        double metresPerUnit = ellipsoid.AxisUnit?.MetersPerUnit ?? 1;
        bool ellipsoidMatches = Math.Abs((ellipsoid.SemiMajorAxis * metresPerUnit) - 6378137) < 1e-3
            && (Math.Abs(ellipsoid.InverseFlattening - 298.257223563) < 1e-6
                || Math.Abs(ellipsoid.InverseFlattening - 298.257222101) < 1e-6);
        if (!ellipsoidMatches)
        {
            return false;
        }

        if (string.Equals(datum.Authority, "EPSG", StringComparison.OrdinalIgnoreCase)
            && datum.AuthorityCode is 6326 or 6269)
        {
            return true;
        }

        string name = NormaliseName(datum.Name);
        return name is "WGS84" or "WGS1984" or "WORLDGEODETICSYSTEM1984"
            || name.StartsWith("NAD83", StringComparison.Ordinal)
            || name.StartsWith("NORTHAMERICAN1983", StringComparison.Ordinal)
            || name.StartsWith("NORTHAMERICANDATUM1983", StringComparison.Ordinal);
    }

    /// <summary>Upper-cases a datum name, drops ESRI's <c>D_</c> prefix and keeps letters and digits only.</summary>
    private static string NormaliseName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return string.Empty;
        }

        ReadOnlySpan<char> span = name.AsSpan().Trim();
        if (span.StartsWith("D_", StringComparison.OrdinalIgnoreCase))
        {
            span = span[2..];
        }

        var builder = new System.Text.StringBuilder(span.Length);
        foreach (char c in span)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(char.ToUpperInvariant(c));
            }
        }

        return builder.ToString();
    }
}
