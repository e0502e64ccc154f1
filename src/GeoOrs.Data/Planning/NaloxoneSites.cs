using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Planning;

/// <summary>A stored naloxone site.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Agency">The agency that listed it.</param>
/// <param name="Name">Its name.</param>
/// <param name="Lon">Longitude.</param>
/// <param name="Lat">Latitude.</param>
public sealed record NaloxoneSite(long Id, string Agency, string Name, double Lon, double Lat);

/// <summary>The naloxone sites agencies list (<c>naloxone_sites</c>): each agency replaces its own list at once.</summary>
public static class NaloxoneSites
{
    /// <summary>Replaces an agency's sites with <paramref name="sites"/>, in one transaction.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="agency">The agency.</param>
    /// <param name="sites">The new list (name, longitude, latitude).</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>A task.</returns>
    public static async Task ReplaceAsync(NpgsqlDataSource dataSource, string agency, IReadOnlyList<PlanningSite> sites, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(sites);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand("DELETE FROM naloxone_sites WHERE agency = $1", connection, transaction))
        {
            delete.Parameters.AddWithValue(agency);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO naloxone_sites (agency, name, geom)
            SELECT $1, n, ST_SetSRID(ST_MakePoint(x, y), 4326) FROM unnest($2::text[], $3::float8[], $4::float8[]) AS s(n, x, y)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(agency);
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. sites.Select(s => s.Name)] });
            insert.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. sites.Select(s => s.Lon)] });
            insert.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. sites.Select(s => s.Lat)] });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every stored site, by agency and name.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="agency">Only this agency's, or null for all.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The sites.</returns>
    public static async Task<IReadOnlyList<NaloxoneSite>> ListAsync(NpgsqlDataSource dataSource, string? agency = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT id, agency, name, ST_X(geom), ST_Y(geom) FROM naloxone_sites WHERE $1::text IS NULL OR agency = $1 ORDER BY agency, name, id");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)agency ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var sites = new List<NaloxoneSite>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sites.Add(new NaloxoneSite(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetDouble(3), reader.GetDouble(4)));
        }

        return sites;
    }
}
