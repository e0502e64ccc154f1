using System.Globalization;
using GeoOrs.Data.Boundaries;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri.Dbf;
using NetTopologySuite.IO;

namespace GeoOrs.Data.Tests.Shapefiles;

// GeoOrs.Data.Tests.Geometry is a namespace; this alias makes 'Geometry' mean the NTS type here.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// Compares everything GeoOrs reads from a shapefile (NetTopologySuite.IO.Esri's reader, opened by
/// <see cref="CensusFiles.OpenShapefile"/>) with what GDAL reads:
/// feature count, field names, every attribute value, geometry type, part/ring/point counts,
/// coordinates, and per-feature area (GDAL's SQLite dialect <c>ST_Area</c>, in the file's own CRS).
/// </summary>
internal static class GdalComparison
{
    /// <summary>Relative tolerance on areas.</summary>
    public const double AreaTolerance = 1e-9;

    /// <summary>GDAL writes WKT coordinates with 15 significant digits; this is far above that error.</summary>
    private const double CoordinateTolerance = 1e-9;

    /// <summary>Fails with a list of every difference between the reader and GDAL.</summary>
    /// <param name="shpPath">The shapefile.</param>
    /// <param name="withGdalArea">Whether to ask GDAL for the areas (through its SQLite dialect).</param>
    /// <param name="openOptions">Shapefile driver open options for GDAL.</param>
    /// <returns>The features read, for further assertions.</returns>
    public static List<IFeature> AssertSameAsGdal(string shpPath, bool withGdalArea = true, params string[] openOptions)
    {
        string layer = Path.GetFileNameWithoutExtension(shpPath);
        var (header, rows) = withGdalArea
            ? Gdal.ExportCsv(shpPath, $"SELECT *, ST_Area(geometry) AS gdal_area FROM \"{layer}\"", openOptions)
            : Gdal.ExportCsv(shpPath, null, openOptions);
        if (!withGdalArea)
        {
            header = [.. header, "gdal_area"];
            rows = [.. rows.Select(r => (string[])[.. r, ""])];
        }

        using var reader = CensusFiles.OpenShapefile(shpPath);
        var fields = reader.Fields.Select(f => (f.Name, f.FieldType)).ToList();
        List<IFeature> features = [.. CensusFiles.Features(reader, shpPath)];
        Assert.Equal(rows.Count, features.Count);
        Assert.Equal("WKT", header[0]);
        Assert.Equal("gdal_area", header[^1]);
        Assert.Equal(header[1..^1], fields.Select(f => f.Name));

        var problems = new List<string>();
        var wkt = new WKTReader();
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var feature = features[i];
            string where = $"{layer} feature {i + 1}";
            for (int f = 0; f < fields.Count; f++)
            {
                var field = fields[f];
                object? ours = feature.Attributes[field.Name];
                if (!SameValue(field.FieldType, row[f + 1], ours))
                {
                    problems.Add($"{where} field {field.Name}: GDAL '{row[f + 1]}', ours '{Format(ours)}' ({ours?.GetType().Name ?? "null"})");
                }
            }

            CompareGeometry(where, row[0], row[^1], feature.Geometry, wkt, problems);
        }

        Assert.True(problems.Count == 0,
            $"{problems.Count} differences from GDAL in {shpPath}:\n" + string.Join('\n', problems.Take(30)));
        return features;
    }

    private static void CompareGeometry(string where, string gdalWkt, string gdalArea, Geometry? ours, WKTReader wkt, List<string> problems)
    {
        if (gdalWkt.Length == 0)
        {
            if (ours is { IsEmpty: false })
            {
                problems.Add($"{where}: GDAL has a null geometry, ours is {ours.GeometryType} with {ours.NumPoints} points");
            }

            return;
        }

        var expected = wkt.Read(gdalWkt);
        if (ours is null)
        {
            problems.Add($"{where}: GDAL has {expected.GeometryType}, ours no geometry");
            return;
        }

        // The library reads every Polygon record as a MultiPolygon and every PolyLine as a
        // MultiLineString; GDAL gives a single-part record as a Polygon or LineString. The parts,
        // rings, points and areas must agree.
        if (ours is MultiPolygon { NumGeometries: 1 } or MultiLineString { NumGeometries: 1 } && expected is Polygon or LineString)
        {
            ours = ours.GetGeometryN(0);
        }

        if (expected.GeometryType != ours.GeometryType)
        {
            problems.Add($"{where}: GDAL geometry type {expected.GeometryType}, ours {ours.GeometryType}");
            return;
        }

        if (expected.NumGeometries != ours.NumGeometries || expected.NumPoints != ours.NumPoints)
        {
            problems.Add($"{where}: GDAL has {expected.NumGeometries} parts and {expected.NumPoints} points, " +
                $"ours {ours.NumGeometries} parts and {ours.NumPoints} points");
            return;
        }

        for (int part = 0; part < expected.NumGeometries; part++)
        {
            var e = expected.GetGeometryN(part);
            var o = ours.GetGeometryN(part);
            if (e is Polygon ep && o is Polygon op && ep.NumInteriorRings != op.NumInteriorRings)
            {
                problems.Add($"{where} part {part}: GDAL has {ep.NumInteriorRings} holes, ours {op.NumInteriorRings}");
                return;
            }
        }

        var expectedCoordinates = expected.Coordinates;
        var ourCoordinates = ours.Coordinates;
        for (int c = 0; c < expectedCoordinates.Length; c++)
        {
            var e = expectedCoordinates[c];
            var o = ourCoordinates[c];
            if (Math.Abs(e.X - o.X) > CoordinateTolerance || Math.Abs(e.Y - o.Y) > CoordinateTolerance
                || (!double.IsNaN(e.Z) && Math.Abs(e.Z - o.Z) > CoordinateTolerance))
            {
                problems.Add($"{where} coordinate {c}: GDAL {e}, ours {o}");
                return;
            }
        }

        if (gdalArea.Length != 0)
        {
            double area = double.Parse(gdalArea, CultureInfo.InvariantCulture);
            double difference = Math.Abs(area - ours.Area);
            if (difference > AreaTolerance * Math.Max(Math.Abs(area), double.Epsilon) && difference > 1e-15)
            {
                problems.Add($"{where}: GDAL area {area:R}, ours {ours.Area:R} (relative difference {difference / area:E2})");
            }
        }
    }

    /// <summary>Whether a value read by the reader equals GDAL's CSV text for it.</summary>
    private static bool SameValue(DbfType type, string gdal, object? ours) => ours switch
    {
        // GDAL 3.6 reads logical fields as strings and keeps '?' (dBASE's unknown).
        null => gdal.Length == 0 || (type == DbfType.Logical && gdal == "?"),
        int n => SameValue(type, gdal, (long)n),
        decimal m => SameValue(type, gdal, (double)m),
        DateTime t => SameValue(type, gdal, DateOnly.FromDateTime(t)),
        string s => s == gdal,
        // GDAL reads numeric fields wider than 18 digits as Real and prints 15 significant digits.
        long l => long.TryParse(gdal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long g)
            ? g == l
            : double.TryParse(gdal, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && Math.Abs(r - l) <= 1e-14 * Math.Abs(r),
        double d => double.TryParse(gdal, NumberStyles.Float, CultureInfo.InvariantCulture, out double g)
            && Math.Abs(g - d) <= 1e-12 * Math.Max(1, Math.Abs(d)),
        DateOnly date => gdal == date.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture),
        bool b => b ? gdal is "T" or "t" or "Y" or "y" : gdal is "F" or "f" or "N" or "n",
        _ => false,
    };

    private static string Format(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
