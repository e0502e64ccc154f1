using Npgsql;

namespace GeoOrs.Data.Boundaries;

/// <summary>Read queries on the boundary layers; GeoJSON is made in the database by <c>ST_AsGeoJSON</c>.</summary>
public static class BoundaryQueries
{
    /// <summary>The county as a GeoJSON Feature, or <see langword="null"/> when there is none with that GEOID.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="geoid">The 5-digit county FIPS code.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The Feature's JSON text.</returns>
    public static Task<string?> CountyFeatureAsync(NpgsqlDataSource dataSource, string geoid, CancellationToken cancellationToken = default) =>
        ScalarTextAsync(dataSource, SqlText.Get("county_feature"), cancellationToken, geoid);

    /// <summary>The county, state and HIDTA regions at a point, or <see langword="null"/> when no county holds it.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="lon">Longitude in degrees (EPSG:4326).</param>
    /// <param name="lat">Latitude in degrees (EPSG:4326).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The answer's JSON text.</returns>
    public static Task<string?> LookupAsync(NpgsqlDataSource dataSource, double lon, double lat, CancellationToken cancellationToken = default) =>
        ScalarTextAsync(dataSource, SqlText.Get("point_lookup"), cancellationToken, lon, lat);

    private static async Task<string?> ScalarTextAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }

        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
