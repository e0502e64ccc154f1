using System.Security.Cryptography;
using Npgsql;

namespace GeoOrs.Data.Access;

/// <summary>
/// The key of the partner role's donut geomask (<see cref="GeoOrs.Analysis.Privacy.DonutGeomask"/>,
/// SQL <c>geoors_geomask</c>): 256 random bits kept in <c>access_secrets</c> under the name
/// <c>geomask</c>. It is made once, by whichever server asks first, so every server on the database
/// masks an event to the same point, and it survives restarts (a new key would move every masked
/// point, and two answers for one event would narrow down where it is).
/// </summary>
public static class GeomaskSecret
{
    private const string Name = "geomask";

    /// <summary>The stored key, made first if there is none.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The 32-byte key.</returns>
    public static async Task<byte[]> GetAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using (var insert = dataSource.CreateCommand("INSERT INTO access_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"))
        {
            insert.Parameters.AddWithValue(Name);
            insert.Parameters.AddWithValue(RandomNumberGenerator.GetBytes(32));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A separate statement, so a key another server committed while this insert waited is seen.
        await using var select = dataSource.CreateCommand("SELECT secret FROM access_secrets WHERE name = $1");
        select.Parameters.AddWithValue(Name);
        return (byte[])(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
