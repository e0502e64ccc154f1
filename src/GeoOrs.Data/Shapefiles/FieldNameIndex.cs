namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// Field names of a dBASE file and their positions, shared by the attribute dictionaries of all
/// records so that each record only stores its values.
/// </summary>
internal sealed class FieldNameIndex
{
    private readonly Dictionary<string, int> _positions;

    /// <summary>Creates the index; names must be unique ignoring case.</summary>
    /// <param name="names">The field names in file order.</param>
    public FieldNameIndex(IReadOnlyList<string> names)
    {
        Names = names;
        _positions = new Dictionary<string, int>(names.Count, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Count; i++)
        {
            _positions.Add(names[i], i);
        }
    }

    /// <summary>The field names in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Finds the position of a field by name, ignoring case.</summary>
    public bool TryGetPosition(string name, out int position) => _positions.TryGetValue(name, out position);
}
