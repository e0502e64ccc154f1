using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Features;

/// <summary>One published collection: a table, its id column, its geometry and the allow-listed properties.</summary>
/// <param name="Id">The collection id in URLs.</param>
/// <param name="Title">A human title.</param>
/// <param name="Description">What the features are.</param>
/// <param name="Table">The table (an identifier from this list, never from a request).</param>
/// <param name="IdColumn">The feature id column.</param>
/// <param name="GeometryColumn">The geometry column (EPSG:4326, GiST-indexed).</param>
/// <param name="Properties">Property name → SQL expression over the table (alias <c>t</c>).</param>
public sealed record FeatureCollection(
    string Id, string Title, string Description, string Table, string IdColumn, string GeometryColumn,
    IReadOnlyDictionary<string, string> Properties);

/// <summary>A page of features as GeoJSON, with the counts OGC API – Features reports.</summary>
/// <param name="Json">The features as a JSON array text.</param>
/// <param name="NumberMatched">Features matching the query.</param>
/// <param name="NumberReturned">Features on this page.</param>
public sealed record FeaturePage(string Json, long NumberMatched, int NumberReturned);

/// <summary>
/// The collections GeoOrs publishes through OGC API – Features, registered one by one (nothing is
/// published because a database user can see it), and their queries. SQL is composed from these
/// constants; every value a request gives is a bound parameter. GeoJSON is written by PostGIS's
/// <c>ST_AsGeoJSON</c>.
/// </summary>
public static class FeatureCollections
{
    /// <summary>The published collections, by id.</summary>
    public static readonly FrozenDictionary<string, FeatureCollection> All = new FeatureCollection[]
    {
        new("counties", "US counties", "Census 2018 cartographic boundary counties (1:20M) with their 2019 population",
            "counties", "geoid", "geom", new Dictionary<string, string>
            {
                ["geoid"] = "t.geoid",
                ["name"] = "t.name",
                ["statefp"] = "t.statefp",
                ["population"] = "(SELECT p.population FROM county_population p WHERE p.geoid = t.geoid ORDER BY p.year DESC LIMIT 1)",
                ["aland"] = "t.aland",
                ["awater"] = "t.awater",
            }),
        new("states", "US states", "Census 2018 cartographic boundary states (1:20M)",
            "states", "statefp", "geom", new Dictionary<string, string>
            {
                ["statefp"] = "t.statefp",
                ["stusps"] = "t.stusps",
                ["name"] = "t.name",
                ["aland"] = "t.aland",
                ["awater"] = "t.awater",
            }),
        new("hidta-regions", "HIDTA regions", "High Intensity Drug Trafficking Areas as the union of their member counties (partial, dated lists unless the official one was loaded)",
            "hidta_regions", "id", "geom", new Dictionary<string, string>
            {
                ["id"] = "t.id",
                ["name"] = "t.name",
                ["counties"] = "(SELECT count(*) FROM hidta_counties m WHERE m.hidta_id = t.id)",
            }),
    }.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);

    /// <summary>The bounding box (west, south, east, north) of a collection's geometries, or null when it is empty.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The extent.</returns>
    public static Task<double[]?> ExtentAsync(NpgsqlDataSource dataSource, FeatureCollection collection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return LayerExtent.OfAsync(dataSource, collection.Table, collection.GeometryColumn, cancellationToken);
    }

    /// <summary>A page of a collection's features, ordered by id, optionally within a bbox.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="bbox">West, south, east, north in degrees, or null.</param>
    /// <param name="limit">Features per page.</param>
    /// <param name="offset">Features to skip.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The page.</returns>
    public static async Task<FeaturePage> ItemsAsync(
        NpgsqlDataSource dataSource, FeatureCollection collection, double[]? bbox, int limit, long offset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(collection);
        var where = bbox is null ? "true" : $"t.{collection.GeometryColumn} && ST_MakeEnvelope($3, $4, $5, $6, 4326) AND ST_Intersects(t.{collection.GeometryColumn}, ST_MakeEnvelope($3, $4, $5, $6, 4326))";
        var sql = $"""
            WITH matched AS (SELECT count(*) AS n FROM {collection.Table} t WHERE {where}),
                 page AS (SELECT {FeatureExpression(collection)} AS feature FROM {collection.Table} t WHERE {where}
                          ORDER BY t.{collection.IdColumn} LIMIT $1 OFFSET $2)
            SELECT (SELECT n FROM matched), count(page.feature), coalesce(json_agg(page.feature), '[]'::json)::text FROM page
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(offset);
        if (bbox is not null)
        {
            foreach (var v in bbox)
            {
                command.Parameters.AddWithValue(NpgsqlDbType.Double, v);
            }
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new FeaturePage(reader.GetString(2), reader.GetInt64(0), checked((int)reader.GetInt64(1)));
    }

    /// <summary>One feature as GeoJSON, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="featureId">The feature's id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The Feature's JSON text.</returns>
    public static async Task<string?> ItemAsync(NpgsqlDataSource dataSource, FeatureCollection collection, string featureId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(collection);
        await using var command = dataSource.CreateCommand(
            $"SELECT {FeatureExpression(collection)}::text FROM {collection.Table} t WHERE t.{collection.IdColumn}::text = $1");
        command.Parameters.AddWithValue(featureId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>The SQL that builds one GeoJSON Feature of a row (alias <c>t</c>).</summary>
    private static string FeatureExpression(FeatureCollection collection)
    {
        var properties = new StringBuilder();
        foreach (var (name, expression) in collection.Properties)
        {
            properties.Append(CultureInfo.InvariantCulture, $"'{name}', {expression}, ");
        }

        return $"json_build_object('type', 'Feature', 'id', t.{collection.IdColumn}, " +
               $"'geometry', ST_AsGeoJSON(t.{collection.GeometryColumn}, 6)::json, " +
               $"'properties', json_build_object({properties.ToString().TrimEnd(',', ' ')}))";
    }
}
