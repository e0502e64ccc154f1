using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace GeoOrs.Data.Access;

/// <summary>A key as listed: never the key itself.</summary>
/// <param name="Prefix">The key's public prefix.</param>
/// <param name="Role">Its role.</param>
/// <param name="Agency">The agency it acts for.</param>
/// <param name="Note">What it is for.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="RevokedAt">When it was revoked, or null.</param>
public sealed record ApiKeyInfo(string Prefix, string Role, string Agency, string? Note, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>
/// API keys, hashed at rest: a key is <c>gok_</c>, an 8-character prefix and 43 characters of
/// secret (256 random bits, base64url), and only its SHA-256 is stored, so the database never holds
/// a usable key. A fast hash suffices for keys of full entropy (unlike passwords, they cannot be guessed).
/// </summary>
public static class ApiKeys
{
    /// <summary>How every key begins.</summary>
    public const string Scheme = "gok_";

    /// <summary>The public prefix of a well-formed key (what lists, logs and rate limits name it by).</summary>
    /// <param name="key">A key.</param>
    /// <returns>Its prefix.</returns>
    public static string PrefixOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Substring(Scheme.Length, 8);
    }

    /// <summary>Makes a key; the returned key is shown once and cannot be recovered.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="role">One of <see cref="Roles.Keyed"/>.</param>
    /// <param name="agency">The agency the key acts for.</param>
    /// <param name="note">What it is for, or null.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>The key and its prefix.</returns>
    /// <exception cref="ArgumentException">The role is unknown or the agency empty.</exception>
    public static async Task<(string Key, string Prefix)> CreateAsync(
        NpgsqlDataSource dataSource, string role, string agency, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (!Roles.Keyed.Contains(role))
        {
            throw new ArgumentException($"'{role}' is not a role (roles: {string.Join(", ", Roles.Keyed)})", nameof(role));
        }

        if (string.IsNullOrWhiteSpace(agency))
        {
            throw new ArgumentException("a key acts for an agency: name it", nameof(agency));
        }

        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var key = $"{Scheme}{prefix}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        await using var command = dataSource.CreateCommand("INSERT INTO api_keys (prefix, sha256, role, agency, note) VALUES ($1, $2, $3, $4, $5)");
        command.Parameters.AddWithValue(prefix);
        command.Parameters.AddWithValue(Hash(key));
        command.Parameters.AddWithValue(role);
        command.Parameters.AddWithValue(agency.Trim());
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)note ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return (key, prefix);
    }

    /// <summary>The role and agency of a valid, unrevoked key; null for anything else (malformed, unknown, revoked).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="key">The key as sent.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The key's role and agency, or null.</returns>
    public static async Task<(string Role, string Agency)?> FindAsync(NpgsqlDataSource dataSource, string? key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (key is null || key.Length != Scheme.Length + 8 + 1 + 43 || !key.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return null;
        }

        // Looked up by the hash (an index on a value an attacker cannot choose to collide), so no
        // comparison of secrets happens in this process.
        await using var command = dataSource.CreateCommand("SELECT role, agency FROM api_keys WHERE sha256 = $1 AND revoked_at IS NULL");
        command.Parameters.AddWithValue(Hash(key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>
    /// Revokes a key by its prefix, and notifies channel <c>geoors_data</c> with <c>keys</c> at commit,
    /// so servers that keep keys they have checked drop them at once.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="prefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>Whether an unrevoked key had that prefix.</returns>
    public static async Task<bool> RevokeAsync(NpgsqlDataSource dataSource, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            WITH revoked AS (UPDATE api_keys SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL RETURNING 1)
            SELECT count(*), pg_notify('geoors_data', 'keys') FROM revoked
            """);
        command.Parameters.AddWithValue(prefix);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    /// <summary>Every key, newest first, without the keys themselves.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The keys.</returns>
    public static async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT prefix, role, agency, note, created_at, revoked_at FROM api_keys ORDER BY id DESC");
        var keys = new List<ApiKeyInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new ApiKeyInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetDateTime(5)));
        }

        return keys;
    }

    /// <summary>The key with this prefix (revoked or not), without the key itself; null when there is none.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="prefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The key's record.</returns>
    public static async Task<ApiKeyInfo?> InfoAsync(NpgsqlDataSource dataSource, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT prefix, role, agency, note, created_at, revoked_at FROM api_keys WHERE prefix = $1");
        command.Parameters.AddWithValue(prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ApiKeyInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetDateTime(5))
            : null;
    }

    /// <summary>The SHA-256 of a key, as stored.</summary>
    /// <param name="key">A key.</param>
    /// <returns>Its hash.</returns>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
