using System.Text.Json;
using System.Text.Json.Serialization;

namespace GeoOrs.Data.Ingest;

/// <summary>Overdose or seizure events.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventKind>))]
public enum EventKind
{
    /// <summary>Overdose events (fatal and non-fatal).</summary>
    Overdoses,

    /// <summary>Drug seizure events.</summary>
    Seizures,
}

/// <summary>
/// How a sender's file maps onto GeoOrs's canonical event fields: which column holds each field,
/// how its dates are written and in which time zone, the CRS of its coordinates, value maps
/// (<c>Narcan_Given</c> Yes/No/NULL → true/false/empty) and constants (the agency, the location
/// precision). A file with the canonical headers needs none (<see cref="Canonical"/>).
/// </summary>
public sealed record ColumnMapping
{
    /// <summary>The options used to read and write mappings (snake_case JSON).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    /// <summary>The mapping's name, chosen with <c>?mapping=NAME</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Which events the mapping reads.</summary>
    public EventKind Kind { get; init; }

    /// <summary>What the mapping is for, in words.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// Canonical field → the source columns that hold it. A scalar field takes the first non-empty
    /// of its columns; <c>suspected_drugs</c> takes every one (Allegheny's <c>combined_od1..10</c>).
    /// </summary>
    [JsonConverter(typeof(ColumnListConverter))]
    public Dictionary<string, string[]> Fields { get; init; } = [];

    /// <summary>.NET custom date formats tried in order (e.g. <c>yyyy/MM/dd HH:mm:sszz</c>); empty means ISO 8601.</summary>
    public string[] DateFormats { get; init; } = [];

    /// <summary>The IANA time zone of dates written without an offset; UTC when empty.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The EPSG code of the <c>lon</c>/<c>lat</c> (or x/y) columns; 4326 by default.</summary>
    public int Crs { get; init; } = 4326;

    /// <summary>Canonical field → (value as sent → value to use); an empty result means "not given".</summary>
    public Dictionary<string, Dictionary<string, string>> Values { get; init; } = [];

    /// <summary>Canonical field → a value used for every row where the file gives none.</summary>
    public Dictionary<string, string> Constants { get; init; } = [];

    /// <summary>Places events without coordinates at the centroid of this county (FIPS), e.g. files with ZIP codes only.</summary>
    public string? CountyCentroid { get; init; }

    /// <summary><c>reject</c> (default) refuses a row naming a drug outside the synonym table; <c>other</c> maps it to <c>other</c>.</summary>
    public string UnknownDrugs { get; init; } = "reject";

    /// <summary>The canonical fields of each kind.</summary>
    public static IReadOnlyList<string> CanonicalFields(EventKind kind) => EventKindInfo.Of(kind).CanonicalFields;

    /// <summary>The mapping for files whose headers (or JSON properties) are the canonical names; GeoJSON's feature id and point fill in.</summary>
    public static ColumnMapping Canonical(EventKind kind) => new()
    {
        Name = "canonical",
        Kind = kind,
        Description = "columns named as in docs/INGEST.md",
        Fields = CanonicalFields(kind).ToDictionary(f => f, f => f switch
        {
            "external_id" => new[] { "external_id", SourceRecord.FeatureIdColumn },
            "lon" => ["lon", SourceRecord.PointXColumn],
            "lat" => ["lat", SourceRecord.PointYColumn],
            _ => [f],
        }),
    };

    /// <summary>Checks the mapping's own consistency; returns what is wrong, or nothing.</summary>
    public IReadOnlyList<string> Validate()
    {
        // JSON nulls get past the non-nullable types; a mapping with one would fail the first row it reads.
        if (Fields is null || DateFormats is null || Values is null || Constants is null
            || Fields.Values.Any(c => c is null || c.Any(n => n is null)) || DateFormats.Any(f => f is null)
            || Values.Values.Any(m => m is null || m.Values.Any(v => v is null)) || Constants.Values.Any(v => v is null))
        {
            return ["fields, date_formats, values and constants, their entries, columns and values must not be null"];
        }

        var errors = new List<string>();
        if (!Enum.IsDefined(Kind))
        {
            errors.Add("kind must be overdoses or seizures");
        }

        var known = CanonicalFields(Kind);
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100 || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            errors.Add("name must be 1-100 letters, digits, '-' or '_'");
        }

        foreach (var field in Fields.Keys.Concat(Values.Keys).Concat(Constants.Keys).Distinct())
        {
            if (!known.Contains(field))
            {
                errors.Add($"'{field}' is not a {Kind.ToString().ToLowerInvariant()} field; the fields are {string.Join(", ", known)}");
            }
        }

        foreach (var (field, map) in Values)
        {
            if (map.Keys.GroupBy(k => k, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                errors.Add($"values.{field} has '{twice.Key}' twice: values as sent are matched ignoring case");
            }
        }

        if (TimeZone is { Length: > 0 } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            errors.Add($"time zone '{zone}' is not known");
        }

        if (!CoordinateSystems.IsKnown(Crs))
        {
            errors.Add($"EPSG:{Crs} is not a coordinate system GeoOrs knows; known: {string.Join(", ", CoordinateSystems.Known)}");
        }

        if (UnknownDrugs is not ("reject" or "other"))
        {
            errors.Add("unknown_drugs must be 'reject' or 'other'");
        }

        if (CountyCentroid is { } fips && (fips.Length != 5 || !fips.All(char.IsAsciiDigit)))
        {
            errors.Add("county_centroid must be a 5-digit county FIPS code");
        }

        // The mapping is stored as jsonb, which cannot hold a NUL character.
        string?[] texts =
        [
            Description, TimeZone, .. DateFormats, .. Fields.Keys, .. Fields.Values.SelectMany(c => c),
            .. Values.Keys, .. Values.Values.SelectMany(m => m.Keys.Concat(m.Values)), .. Constants.Keys, .. Constants.Values,
        ];
        if (texts.Any(t => t?.Contains('\0', StringComparison.Ordinal) == true))
        {
            errors.Add("a mapping cannot hold NUL characters");
        }

        return errors;
    }
}

/// <summary>Reads each field's columns as one column name or a list of them.</summary>
internal sealed class ColumnListConverter : JsonConverter<Dictionary<string, string[]>>
{
    public override Dictionary<string, string[]> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("fields must be an object of field → column or [columns]");
        }

        var fields = new Dictionary<string, string[]>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var field = reader.GetString()!;
            reader.Read();
            fields[field] = reader.TokenType switch
            {
                JsonTokenType.String => [reader.GetString()!],
                JsonTokenType.StartArray => JsonSerializer.Deserialize<string[]>(ref reader, options) ?? [],
                _ => throw new JsonException($"fields.{field} must be a column name or a list of column names"),
            };
        }

        return fields;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string[]> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (field, columns) in value)
        {
            writer.WritePropertyName(field);
            JsonSerializer.Serialize(writer, columns, options);
        }

        writer.WriteEndObject();
    }
}
