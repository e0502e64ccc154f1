using System.Globalization;
using System.Text.Json;
using NetTopologySuite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;

namespace GeoOrs.Data.Geometry;

/// <summary>A GeoJSON geometry that could not be read, with why.</summary>
public sealed class GeoJsonException(string message, Exception? inner = null) : FormatException(message, inner);

/// <summary>
/// GeoJSON geometries in request and response bodies, read and written by NetTopologySuite.IO.GeoJSON4STJ
/// in EPSG:4326. GeoOrs reads the six simple types of RFC 7946 §3.1 (Point, MultiPoint, LineString,
/// MultiLineString, Polygon, MultiPolygon, not GeometryCollection), with every position finite, its
/// longitude within ±180 and its latitude within ±90, and rings closed with four positions or more.
/// Whether a polygon is valid (no self-intersection) is the caller's question
/// (<see cref="NetTopologySuite.Geometries.Geometry.IsValid"/>).
/// </summary>
/// <remarks>
/// Bodies of events (ingest) are not read here: the ingest reader streams a FeatureCollection of any
/// size through <see cref="Utf8JsonReader"/> in bounded memory.
/// </remarks>
public static class GeoJsonGeometry
{
    /// <summary>
    /// Serializer options with GeoJSON4STJ's converters (geometries, features, feature collections and
    /// attribute tables) and EPSG:4326 geometries.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    /// <summary>Adds GeoJSON4STJ's converters to <paramref name="options"/> (for example the HTTP API's).</summary>
    /// <param name="options">The options to extend.</param>
    /// <returns>The same options.</returns>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new GeoJsonConverterFactory(NtsGeometryServices.Instance.CreateGeometryFactory(4326)));
        return options;
    }

    /// <summary>Reads a geometry object.</summary>
    /// <param name="element">The GeoJSON geometry object.</param>
    /// <returns>The geometry, SRID 4326.</returns>
    /// <exception cref="GeoJsonException">It is not a geometry GeoOrs reads; the message says why.</exception>
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

        if (type.GetString() is not ("Point" or "MultiPoint" or "LineString" or "MultiLineString" or "Polygon" or "MultiPolygon"))
        {
            throw new GeoJsonException($"'{type.GetString()}' is not a geometry type GeoOrs reads (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon)");
        }

        if (!element.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
        {
            throw new GeoJsonException($"the {type.GetString()} has no 'coordinates' array");
        }

        NetTopologySuite.Geometries.Geometry? geometry;
        try
        {
            geometry = element.Deserialize<NetTopologySuite.Geometries.Geometry>(Options);
        }
        catch (JsonException e)
        {
            throw new GeoJsonException($"the {type.GetString()}'s coordinates are not {Shape(type.GetString())} of [longitude, latitude] positions (numbers)", e);
        }
        catch (ArgumentException e)
        {
            // NetTopologySuite refuses a ring that is not closed or has fewer than four positions, and a
            // line of one position.
            throw new GeoJsonException($"the {type.GetString()} is malformed: a line needs two positions or more, a polygon ring is closed (first position = last) and has four positions or more ({e.Message})", e);
        }

        if (geometry is null)
        {
            throw new GeoJsonException("the geometry is null");
        }

        foreach (var c in geometry.Coordinates)
        {
            if (!double.IsFinite(c.X) || !double.IsFinite(c.Y) || Math.Abs(c.X) > 180 || Math.Abs(c.Y) > 90)
            {
                throw new GeoJsonException(string.Create(CultureInfo.InvariantCulture, $"[{c.X}, {c.Y}] is not a longitude within ±180 and a latitude within ±90"));
            }
        }

        return geometry;
    }

    private static string Shape(string? type) => type switch
    {
        "Point" => "one position",
        "MultiPoint" or "LineString" => "an array",
        "MultiLineString" or "Polygon" => "arrays of arrays",
        _ => "arrays of arrays of arrays",
    };
}
