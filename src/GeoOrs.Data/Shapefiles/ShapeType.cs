namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// Shape types of the ESRI Shapefile Technical Description (July 1998), table 1 ("Shape Types"),
/// stored as a little-endian integer at byte 32 of the main file header and at byte 0 of every
/// record's content.
/// </summary>
public enum ShapeType
{
    /// <summary>A record with no geometry (0).</summary>
    Null = 0,

    /// <summary>A single X, Y point (1).</summary>
    Point = 1,

    /// <summary>One or more lines made of X, Y vertices (3).</summary>
    PolyLine = 3,

    /// <summary>One or more X, Y rings; clockwise rings are outer rings, counter-clockwise rings are holes (5).</summary>
    Polygon = 5,

    /// <summary>A set of X, Y points (8).</summary>
    MultiPoint = 8,

    /// <summary>An X, Y, Z point with an optional measure (11).</summary>
    PointZ = 11,

    /// <summary>A PolyLine with Z values and optional measures (13).</summary>
    PolyLineZ = 13,

    /// <summary>A Polygon with Z values and optional measures (15).</summary>
    PolygonZ = 15,

    /// <summary>A MultiPoint with Z values and optional measures (18).</summary>
    MultiPointZ = 18,

    /// <summary>An X, Y point with a measure (21).</summary>
    PointM = 21,

    /// <summary>A PolyLine with measures (23).</summary>
    PolyLineM = 23,

    /// <summary>A Polygon with measures (25).</summary>
    PolygonM = 25,

    /// <summary>A MultiPoint with measures (28).</summary>
    MultiPointM = 28,

    /// <summary>A set of surface patches (31); not supported by <see cref="ShapefileReader"/>.</summary>
    MultiPatch = 31,
}
