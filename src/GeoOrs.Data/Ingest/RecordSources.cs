using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Csv;

namespace GeoOrs.Data.Ingest;

/// <summary>The body formats ingest reads.</summary>
public enum IngestFormat
{
    /// <summary><c>text/csv</c> with a header row.</summary>
    Csv,

    /// <summary><c>application/geo+json</c>: one FeatureCollection of Point features.</summary>
    GeoJson,

    /// <summary><c>application/x-ndjson</c>: one JSON object per line.</summary>
    NdJson,
}

/// <summary>
/// Reads a body as a stream of <see cref="SourceRecord"/>s without ever holding more than one
/// record (and one read buffer): CSV row by row, NDJSON line by line, and a GeoJSON
/// FeatureCollection feature by feature with <see cref="Utf8JsonReader"/> over a refilled buffer.
/// </summary>
public static class RecordSources
{
    private const int MaxRecordBytes = 16 * 1024 * 1024;

    /// <summary>The format for a media type, or null when ingest does not read it.</summary>
    /// <param name="mediaType">The Content-Type's media type.</param>
    /// <returns>The format.</returns>
    public static IngestFormat? FormatOf(string? mediaType) => mediaType?.Trim().ToLowerInvariant() switch
    {
        "text/csv" or "application/csv" => IngestFormat.Csv,
        "application/geo+json" or "application/json" => IngestFormat.GeoJson,
        "application/x-ndjson" or "application/ndjson" or "application/jsonl" => IngestFormat.NdJson,
        _ => null,
    };

    /// <summary>Reads <paramref name="body"/> in <paramref name="format"/>.</summary>
    /// <param name="body">The bytes; read once, forward only.</param>
    /// <param name="format">The format.</param>
    /// <param name="encoding">The text encoding of CSV; UTF-8 with Latin-1 for stray bytes when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records, in order.</returns>
    /// <exception cref="IngestFormatException">The body cannot be read as that format.</exception>
    public static IAsyncEnumerable<SourceRecord> ReadAsync(Stream body, IngestFormat format, Encoding? encoding = null, CancellationToken cancellationToken = default) =>
        format switch
        {
            IngestFormat.Csv => ReadCsvAsync(body, encoding ?? Utf8OrLatin1.Encoding, cancellationToken),
            IngestFormat.NdJson => ReadNdJsonAsync(body, cancellationToken),
            IngestFormat.GeoJson => ReadGeoJsonAsync(body, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };

    private static async IAsyncEnumerable<SourceRecord> ReadCsvAsync(Stream body, Encoding encoding, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var csv = new CsvReader(new StreamReader(body, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true));
        var header = await NextCsvAsync(csv, cancellationToken).ConfigureAwait(false)
            ?? throw new IngestFormatException("the body is empty: a CSV needs a header row and at least one record");
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Length; i++)
        {
            if (!columns.TryAdd(header[i].Trim(), i))
            {
                throw new IngestFormatException($"line 1: the column '{header[i].Trim()}' appears twice in the header");
            }
        }

        while (await NextCsvAsync(csv, cancellationToken).ConfigureAwait(false) is { } row)
        {
            yield return new SourceRecord(csv.RecordLine, columns, row)
            {
                Fault = row.Length == header.Length ? null : $"{row.Length} fields where the header has {header.Length}",
            };
        }
    }

    private static async ValueTask<string[]?> NextCsvAsync(CsvReader csv, CancellationToken cancellationToken)
    {
        try
        {
            return await csv.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CsvFormatException e)
        {
            throw new IngestFormatException($"malformed CSV at line {e.Line}: {e.Reason}", e);
        }
    }

    private static async IAsyncEnumerable<SourceRecord> ReadNdJsonAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        long line = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (text.Length > MaxRecordBytes)
            {
                throw new IngestFormatException($"line {line}: a record longer than {MaxRecordBytes / 1024 / 1024} MB");
            }

            yield return ParseJsonLine(line, text);
        }
    }

    /// <summary>A record from one JSON object (properties as text, a <c>geometry</c> Point as x/y).</summary>
    /// <param name="line">The record's line or number.</param>
    /// <param name="obj">The object.</param>
    /// <returns>The record.</returns>
    public static SourceRecord FromJson(long line, JsonElement obj) =>
        obj.ValueKind == JsonValueKind.Object
            ? new SourceRecord(line, Flatten(obj))
            : new SourceRecord(line, []) { Fault = "the record is not a JSON object" };

    private static SourceRecord ParseJsonLine(long line, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return FromJson(line, doc.RootElement);
        }
        catch (JsonException e)
        {
            return new SourceRecord(line, []) { Fault = $"not valid JSON: {e.Message}" };
        }
    }

    /// <summary>A JSON object's properties as text; a <c>geometry</c> Point fills <c>$x</c>/<c>$y</c>; arrays join with ';'.</summary>
    private static Dictionary<string, string?> Flatten(JsonElement obj)
    {
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in obj.EnumerateObject())
        {
            if (p.NameEquals("geometry") && p.Value.ValueKind == JsonValueKind.Object)
            {
                ReadPoint(p.Value, fields);
                continue;
            }

            fields[p.Name] = Text(p.Value);
        }

        return fields;
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Array => string.Join(';', value.EnumerateArray().Select(Text).Where(t => t is not null)),
        _ => value.GetRawText(),
    };

    /// <summary>Reads a GeoJSON Point into <c>$x</c>/<c>$y</c>; returns why it is not one, or null.</summary>
    private static string? ReadPoint(JsonElement geometry, Dictionary<string, string?> fields)
    {
        if (geometry.ValueKind != JsonValueKind.Object
            || !geometry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            return "the feature has no geometry";
        }

        if (type.GetString() != "Point")
        {
            return $"the geometry is a {type.GetString()}, not a Point";
        }

        if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array
            || coordinates.GetArrayLength() < 2
            || coordinates[0].ValueKind != JsonValueKind.Number || coordinates[1].ValueKind != JsonValueKind.Number)
        {
            return "the Point has no [x, y] coordinates";
        }

        fields[SourceRecord.PointXColumn] = coordinates[0].GetRawText();
        fields[SourceRecord.PointYColumn] = coordinates[1].GetRawText();
        return null;
    }

    private static SourceRecord FeatureRecord(long number, JsonElement feature)
    {
        if (feature.ValueKind != JsonValueKind.Object)
        {
            return new SourceRecord(number, []) { Fault = "the feature is not a JSON object" };
        }

        var fields = feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            ? Flatten(properties)
            : new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (feature.TryGetProperty("id", out var id))
        {
            fields[SourceRecord.FeatureIdColumn] = Text(id);
        }

        var fault = feature.TryGetProperty("geometry", out var geometry) ? ReadPoint(geometry, fields) : "the feature has no geometry";
        return new SourceRecord(number, fields) { Fault = fault };
    }

    private enum GeoJsonPhase
    {
        Root,
        Members,
        Features,
        Done,
    }

    private static async IAsyncEnumerable<SourceRecord> ReadGeoJsonAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        var final = false;
        var parser = new GeoJsonParser();
        var ready = new List<SourceRecord>();
        while (true)
        {
            if (!final)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxRecordBytes)
                    {
                        throw new IngestFormatException($"feature {parser.Features + 1}: larger than {MaxRecordBytes / 1024 / 1024} MB");
                    }

                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                length += read;
                final = read == 0;
            }

            if (final && length == 0 && parser.Phase == GeoJsonPhase.Root)
            {
                throw new IngestFormatException("the body is empty: a GeoJSON FeatureCollection is needed");
            }

            var consumed = parser.Parse(buffer.AsSpan(0, length), final, ready);
            foreach (var record in ready)
            {
                yield return record;
            }

            ready.Clear();
            if (parser.Phase == GeoJsonPhase.Done)
            {
                yield break;
            }

            if (final)
            {
                throw new IngestFormatException($"the GeoJSON ends after feature {parser.Features} before the FeatureCollection is closed (truncated?)");
            }

            Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
            length -= consumed;
        }
    }

    /// <summary>Walks a FeatureCollection token by token, resuming where the last buffer ended.</summary>
    private sealed class GeoJsonParser
    {
        private JsonReaderState _state = new(new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });

        public GeoJsonPhase Phase { get; private set; } = GeoJsonPhase.Root;

        public long Features { get; private set; }

        /// <summary>Consumes whole tokens and features; returns the bytes consumed.</summary>
        public int Parse(ReadOnlySpan<byte> data, bool final, List<SourceRecord> ready)
        {
            var reader = new Utf8JsonReader(data, final, _state);
            try
            {
                while (Phase != GeoJsonPhase.Done && Step(ref reader, ready))
                {
                }
            }
            catch (JsonException e)
            {
                throw new IngestFormatException(final
                    ? $"the GeoJSON is malformed or truncated after feature {Features}: {e.Message}"
                    : $"malformed GeoJSON after feature {Features}: {e.Message}", e);
            }

            _state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }

        /// <summary>One step; false when the data ran out before the step could finish (nothing consumed then).</summary>
        private bool Step(ref Utf8JsonReader reader, List<SourceRecord> ready)
        {
            var probe = reader;
            if (!probe.Read())
            {
                return false;
            }

            switch (Phase)
            {
                case GeoJsonPhase.Root:
                    if (probe.TokenType != JsonTokenType.StartObject)
                    {
                        throw new IngestFormatException("the body is not a GeoJSON FeatureCollection object");
                    }

                    Phase = GeoJsonPhase.Members;
                    break;

                case GeoJsonPhase.Members when probe.TokenType == JsonTokenType.EndObject:
                    Phase = GeoJsonPhase.Done;
                    break;

                case GeoJsonPhase.Members:
                    var name = probe.GetString();
                    if (!probe.Read())
                    {
                        return false;
                    }

                    if (name == "features")
                    {
                        if (probe.TokenType != JsonTokenType.StartArray)
                        {
                            throw new IngestFormatException("'features' must be an array");
                        }

                        Phase = GeoJsonPhase.Features;
                    }
                    else if (name == "type")
                    {
                        if (probe.TokenType != JsonTokenType.String || probe.GetString() != "FeatureCollection")
                        {
                            throw new IngestFormatException("the GeoJSON must be a FeatureCollection");
                        }
                    }
                    else if (!probe.TrySkip())
                    {
                        return false;
                    }

                    break;

                case GeoJsonPhase.Features when probe.TokenType == JsonTokenType.EndArray:
                    Phase = GeoJsonPhase.Members;
                    break;

                case GeoJsonPhase.Features:
                    var whole = probe;
                    if (!whole.TrySkip())
                    {
                        return false;
                    }

                    using (var feature = JsonDocument.ParseValue(ref probe))
                    {
                        Features++;
                        ready.Add(FeatureRecord(Features, feature.RootElement));
                    }

                    break;
            }

            reader = probe;
            return true;
        }
    }

    /// <summary>Parses a number written with a '.' decimal point, as every format here writes them.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The number.</param>
    /// <returns>False when the text is not a finite number.</returns>
    public static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
