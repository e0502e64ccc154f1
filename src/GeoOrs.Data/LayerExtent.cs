using Npgsql;

namespace GeoOrs.Data;

/// <summary>The bounding box of a registered table's geometries.</summary>
public static class LayerExtent
{
    /// <summary>West, south, east, north of every geometry in the table, or null when it has none.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="table">A registered table (from a layer list, never from a request).</param>
    /// <param name="geometryColumn">Its EPSG:4326 geometry column.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The extent in degrees.</returns>
    public static async Task<double[]?> OfAsync(NpgsqlDataSource dataSource, string table, string geometryColumn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            $"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(t.{geometryColumn}) AS e FROM {table} t) x");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0)
            ? [reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3)]
            : null;
    }

    /// <summary>
    /// Bounds widened outward to whole degrees, for callers who may not learn where the extreme
    /// events are (an extent made of exact points names the outermost ones).
    /// </summary>
    /// <param name="bounds">West, south, east, north.</param>
    /// <returns>The widened bounds.</returns>
    public static double[] Coarsened(double[] bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        return [Math.Max(-180, Math.Floor(bounds[0])), Math.Max(-90, Math.Floor(bounds[1])), Math.Min(180, Math.Ceiling(bounds[2])), Math.Min(90, Math.Ceiling(bounds[3]))];
    }
}
