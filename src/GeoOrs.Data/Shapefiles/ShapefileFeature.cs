using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Shapefiles;

// GeoOrs.Data.Geometry is a namespace; this alias makes 'Geometry' mean the NTS type here.
using Geometry = NetTopologySuite.Geometries.Geometry;

/// <summary>
/// One record of a shapefile: its geometry from the main file (<c>.shp</c>) and its attributes
/// from the dBASE file (<c>.dbf</c>).
/// </summary>
/// <param name="RecordNumber">
/// The 1-based position of the record in the file (record numbers begin at 1 in the ESRI
/// Shapefile Technical Description; GDAL's FID is <c>RecordNumber - 1</c>).
/// </param>
/// <param name="Geometry">
/// The geometry. A Null shape (shape type 0) or a shape with no parts or points, which GDAL
/// reports as a null geometry, is an empty geometry (<see cref="Geometry.IsEmpty"/>): POINT EMPTY in
/// point files, MULTIPOINT, MULTILINESTRING or MULTIPOLYGON EMPTY in multipoint, polyline or polygon files.
/// </param>
/// <param name="Attributes">
/// The attribute values by field name (case-insensitive), in field order. Values are
/// <see cref="string"/> (C), <see cref="long"/> or <see cref="double"/> (N, F), <see cref="DateOnly"/> (D),
/// <see cref="bool"/> (L), or <see langword="null"/> for blank or <c>*</c>-filled values.
/// </param>
public sealed record ShapefileFeature(int RecordNumber, Geometry Geometry, IReadOnlyDictionary<string, object?> Attributes);
