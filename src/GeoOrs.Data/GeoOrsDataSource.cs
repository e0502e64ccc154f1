using Npgsql;

namespace GeoOrs.Data;

/// <summary>
/// Builds the <see cref="NpgsqlDataSource"/> every part of GeoOrs talks to PostGIS through: the
/// server's pools, the command line and the tests. PostGIS's <c>geometry</c> maps to
/// NetTopologySuite's <see cref="NetTopologySuite.Geometries.Geometry"/> (Npgsql.NetTopologySuite),
/// so a geometry is a parameter, a column value or a binary COPY field like any other value.
/// </summary>
/// <remarks>
/// Npgsql learns the database's types when the data source first connects; on a database that
/// did not yet have PostGIS, <see cref="Migrations.Migrator"/> reloads them after the migrations
/// created the extension.
/// </remarks>
public static class GeoOrsDataSource
{
    /// <summary>A builder for <paramref name="connectionString"/> with the geometry mapping set up.</summary>
    /// <param name="connectionString">The PostgreSQL connection string.</param>
    /// <returns>The builder, for the caller's further settings.</returns>
    public static NpgsqlDataSourceBuilder Builder(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseNetTopologySuite();
        return builder;
    }

    /// <summary>The data source for <paramref name="connectionString"/> with the geometry mapping set up.</summary>
    /// <param name="connectionString">The PostgreSQL connection string.</param>
    /// <returns>The data source; dispose it to close its pool.</returns>
    public static NpgsqlDataSource Create(string connectionString) => Builder(connectionString).Build();
}
