using NetTopologySuite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Geometry;

/// <summary>
/// Moves NetTopologySuite geometries to and from PostGIS as extended well-known binary (EWKB),
/// which keeps the SRID. SQL reads a geometry with <c>ST_AsEWKB(geom)</c> and writes one with
/// <c>ST_GeomFromEWKB($1)</c>; this class does the other half.
/// </summary>
/// <remarks>
/// EWKB is PostGIS's extension of OGC Simple Features WKB (ISO 19125-1) with a SRID flag
/// (<c>0x20000000</c>) in the type word; see PostGIS's <c>doc/ZMSGeoms.txt</c>.
/// </remarks>
public static class GeometryWkb
{
    private static readonly NtsGeometryServices Services = NtsGeometryServices.Instance;

    /// <summary>Reads EWKB (or plain WKB) into a geometry, keeping its SRID.</summary>
    /// <param name="ewkb">The bytes PostGIS's <c>ST_AsEWKB</c> returned.</param>
    /// <returns>The geometry.</returns>
    public static NetTopologySuite.Geometries.Geometry Read(byte[] ewkb)
    {
        ArgumentNullException.ThrowIfNull(ewkb);
        var reader = new WKBReader(Services) { HandleSRID = true };
        return reader.Read(ewkb);
    }

    /// <summary>Writes a geometry as little-endian EWKB with its SRID and, where present, its Z.</summary>
    /// <param name="geometry">The geometry.</param>
    /// <returns>The bytes <c>ST_GeomFromEWKB</c> reads.</returns>
    public static byte[] Write(NetTopologySuite.Geometries.Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var ordinates = HasZ(geometry) ? Ordinates.XYZ : Ordinates.XY;
        var writer = new WKBWriter(ByteOrder.LittleEndian, handleSRID: true, emitZ: ordinates.HasFlag(Ordinates.Z));
        return writer.Write(geometry);
    }

    /// <summary>
    /// The EWKB of a 2D point, built without allocating a geometry: what a binary COPY writes into a
    /// geometry column (the column's receive function reads EWKB).
    /// </summary>
    /// <param name="x">The x (longitude).</param>
    /// <param name="y">The y (latitude).</param>
    /// <param name="srid">The SRID.</param>
    /// <returns>25 bytes: byte order, type with the SRID flag, SRID, x, y.</returns>
    public static byte[] PointEwkb(double x, double y, int srid)
    {
        var bytes = new byte[25];
        bytes[0] = 1; // little-endian
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(1), 0x20000001); // Point | SRID flag
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(5), srid);
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(9), x);
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(17), y);
        return bytes;
    }

    /// <summary>A bytea parameter holding <paramref name="geometry"/> as EWKB, for <c>ST_GeomFromEWKB($n)</c>.</summary>
    /// <param name="geometry">The geometry.</param>
    /// <returns>The parameter.</returns>
    public static NpgsqlParameter Parameter(NetTopologySuite.Geometries.Geometry geometry) =>
        new() { Value = Write(geometry), NpgsqlDbType = NpgsqlDbType.Bytea };

    /// <summary>Reads the EWKB column at <paramref name="ordinal"/> (selected as <c>ST_AsEWKB(geom)</c>).</summary>
    /// <param name="reader">The reader positioned on a row.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The geometry, or <see langword="null"/> for SQL NULL.</returns>
    public static NetTopologySuite.Geometries.Geometry? GetGeometry(this NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : Read(reader.GetFieldValue<byte[]>(ordinal));
    }

    private static bool HasZ(NetTopologySuite.Geometries.Geometry geometry)
    {
        foreach (var c in geometry.Coordinates)
        {
            if (!double.IsNaN(c.Z))
            {
                return true;
            }
        }

        return false;
    }
}
