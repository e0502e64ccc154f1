using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Geometry;

/// <summary>A GeoJSON geometry that could not be read, with why.</summary>
public sealed class GeoJsonException(string message) : Exception(message);

/// <summary>
/// Reads GeoJSON geometries (RFC 7946 §3.1: Point, MultiPoint, LineString, MultiLineString, Polygon,
/// MultiPolygon) into NetTopologySuite geometries in EPSG:4326. Positions must be two or three finite
/// numbers (a third is dropped), longitudes within ±180 and latitudes within ±90; rings must be closed
/// with at least four positions. Whether a polygon is valid (no self-intersection) is the caller's
/// question (<see cref="NetTopologySuite.Geometries.Geometry.IsValid"/>).
/// </summary>
public static class GeoJsonGeometry
{
    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    /// <summary>Reads a geometry object.</summary>
    /// <param name="element">The GeoJSON geometry object.</param>
    /// <returns>The geometry, SRID 4326.</returns>
    /// <exception cref="GeoJsonException">It is not a geometry GeoOrs reads.</exception>
    public static NetTopologySuite.Geometries.Geometry Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new GeoJsonException("a geometry is a JSON object with 'type' and 'coordinates'");
        }

        if (!element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw new GeoJsonException("the geometry has no 'type'");
        }

        if (!element.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
        {
            throw new GeoJsonException($"the {type.GetString()} has no 'coordinates' array");
        }

        return type.GetString() switch
        {
            "Point" => Factory.CreatePoint(Position(coordinates)),
            "MultiPoint" => Factory.CreateMultiPoint([.. Items(coordinates).Select(p => Factory.CreatePoint(Position(p)))]),
            "LineString" => Line(coordinates),
            "MultiLineString" => Factory.CreateMultiLineString([.. Items(coordinates).Select(Line)]),
            "Polygon" => Polygon(coordinates),
            "MultiPolygon" => Factory.CreateMultiPolygon([.. Items(coordinates).Select(Polygon)]),
            var other => throw new GeoJsonException($"'{other}' is not a geometry type GeoOrs reads (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon)"),
        };
    }

    private static IEnumerable<JsonElement> Items(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : throw new GeoJsonException("coordinates must be nested arrays");

    private static Coordinate Position(JsonElement position)
    {
        if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() is < 2 or > 3
            || position.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
        {
            throw new GeoJsonException("a position is [longitude, latitude] (numbers)");
        }

        var lon = position[0].GetDouble();
        var lat = position[1].GetDouble();
        if (!double.IsFinite(lon) || !double.IsFinite(lat) || Math.Abs(lon) > 180 || Math.Abs(lat) > 90)
        {
            throw new GeoJsonException(string.Create(CultureInfo.InvariantCulture, $"[{lon}, {lat}] is not a longitude within ±180 and a latitude within ±90"));
        }

        return new Coordinate(lon, lat);
    }

    private static LineString Line(JsonElement positions)
    {
        var points = Items(positions).Select(Position).ToArray();
        return points.Length >= 2 ? Factory.CreateLineString(points) : throw new GeoJsonException("a line needs two positions or more");
    }

    private static LinearRing Ring(JsonElement positions)
    {
        var points = Items(positions).Select(Position).ToArray();
        if (points.Length < 4 || !points[0].Equals2D(points[^1]))
        {
            throw new GeoJsonException("a polygon ring is closed (first position = last) and has four positions or more");
        }

        return Factory.CreateLinearRing(points);
    }

    private static Polygon Polygon(JsonElement rings)
    {
        var all = Items(rings).Select(Ring).ToArray();
        return all.Length >= 1 ? Factory.CreatePolygon(all[0], all[1..]) : throw new GeoJsonException("a polygon needs an exterior ring");
    }
}
