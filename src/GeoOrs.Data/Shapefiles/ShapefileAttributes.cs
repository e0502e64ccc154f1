using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// The attribute values of one record as a read-only dictionary keyed by field name (case-insensitive),
/// enumerated in field order.
/// </summary>
internal sealed class ShapefileAttributes : IReadOnlyDictionary<string, object?>
{
    private readonly FieldNameIndex _index;
    private readonly object?[] _values;

    /// <summary>Wraps the values of one record.</summary>
    /// <param name="index">The shared field names.</param>
    /// <param name="values">The values, one per field, in field order.</param>
    public ShapefileAttributes(FieldNameIndex index, object?[] values)
    {
        _index = index;
        _values = values;
    }

    /// <inheritdoc />
    public int Count => _values.Length;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _index.Names;

    /// <inheritdoc />
    public IEnumerable<object?> Values => _values;

    /// <inheritdoc />
    public object? this[string key] => TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"The shapefile has no field named '{key}'.");

    /// <inheritdoc />
    public bool ContainsKey(string key) => _index.TryGetPosition(key, out _);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_index.TryGetPosition(key, out int position))
        {
            value = _values[position];
            return true;
        }

        value = null;
        return false;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < _values.Length; i++)
        {
            yield return new KeyValuePair<string, object?>(_index.Names[i], _values[i]);
        }
    }

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
