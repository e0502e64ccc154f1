namespace GeoOrs.Data.Ingest;

/// <summary>One record as the sender wrote it: column (or property) name → text, and where it began.</summary>
public sealed class SourceRecord
{
    /// <summary>The pseudo-column holding a GeoJSON feature's <c>id</c>.</summary>
    public const string FeatureIdColumn = "$id";

    /// <summary>The pseudo-column holding a GeoJSON point's x (longitude).</summary>
    public const string PointXColumn = "$x";

    /// <summary>The pseudo-column holding a GeoJSON point's y (latitude).</summary>
    public const string PointYColumn = "$y";

    private readonly IReadOnlyDictionary<string, int>? _header;
    private readonly string?[]? _values;
    private readonly Dictionary<string, string?>? _properties;

    /// <summary>A CSV row: values by position, named by the shared header.</summary>
    /// <param name="line">The 1-based line where the record began.</param>
    /// <param name="header">Column name → position.</param>
    /// <param name="values">The row's values.</param>
    public SourceRecord(long line, IReadOnlyDictionary<string, int> header, string?[] values)
    {
        Line = line;
        _header = header;
        _values = values;
    }

    /// <summary>A JSON record: property name → text.</summary>
    /// <param name="line">The 1-based line (NDJSON) or feature number (GeoJSON).</param>
    /// <param name="properties">The properties.</param>
    public SourceRecord(long line, Dictionary<string, string?> properties)
    {
        Line = line;
        _properties = properties;
    }

    /// <summary>Where the record began: its line, or for GeoJSON its feature number.</summary>
    public long Line { get; }

    /// <summary>A problem with the record as a whole (a wrong number of CSV fields, a feature that is no point), or null.</summary>
    public string? Fault { get; init; }

    /// <summary>The text under <paramref name="column"/>, or null when there is no such column or it is empty.</summary>
    /// <param name="column">The column or property name.</param>
    /// <returns>The trimmed text.</returns>
    public string? Get(string column)
    {
        string? value = null;
        if (_properties is not null)
        {
            _properties.TryGetValue(column, out value);
        }
        else if (_header!.TryGetValue(column, out var index) && index < _values!.Length)
        {
            value = _values[index];
        }

        value = value?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }
}

/// <summary>A file that cannot be read at all (malformed CSV, truncated JSON): the whole batch is refused.</summary>
public sealed class IngestFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and where.</param>
    /// <param name="inner">The parser's own exception.</param>
    public IngestFormatException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
