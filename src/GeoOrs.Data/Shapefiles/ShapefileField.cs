namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// An attribute column of a shapefile, read from a 32-byte field descriptor of the dBASE
/// (<c>.dbf</c>) file header (dBASE III/IV file format: name at bytes 0-10, type at byte 11,
/// length at byte 16, decimal count at byte 17).
/// </summary>
/// <param name="Name">The field name as decoded from the file (at most 10 characters in dBASE).</param>
/// <param name="Type">
/// The dBASE type character: <c>C</c> character, <c>N</c> numeric, <c>F</c> float, <c>D</c> date
/// (<c>YYYYMMDD</c>), <c>L</c> logical; other types are read as trimmed text.
/// </param>
/// <param name="Length">The width of the field in bytes.</param>
/// <param name="Decimals">The number of decimal places (0 for non-numeric fields).</param>
public sealed record ShapefileField(string Name, char Type, int Length, int Decimals);
