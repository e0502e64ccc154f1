using System.Security.Cryptography;
using System.Text;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

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
    /// <param name="db">The database.</param>
    /// <param name="role">One of <see cref="Roles.Keyed"/>.</param>
    /// <param name="agency">The agency the key acts for.</param>
    /// <param name="note">What it is for, or null.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>The key and its prefix.</returns>
    /// <exception cref="ArgumentException">The role is unknown or the agency empty.</exception>
    public static async Task<(string Key, string Prefix)> CreateAsync(
        GeoOrsDbContext db, string role, string agency, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
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
        var row = db.ApiKeys.Add(new ApiKey { Prefix = prefix, Sha256 = Hash(key), Role = role, Agency = agency.Trim(), Note = note });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        row.State = EntityState.Detached;
        return (key, prefix);
    }

    /// <summary>The role and agency of a valid, unrevoked key; null for anything else (malformed, unknown, revoked).</summary>
    /// <param name="db">The database.</param>
    /// <param name="key">The key as sent.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The key's role and agency, or null.</returns>
    public static async Task<(string Role, string Agency)?> FindAsync(GeoOrsDbContext db, string? key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (key is null || key.Length != Scheme.Length + 8 + 1 + 43 || !key.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return null;
        }

        // Looked up by the hash (an index on a value an attacker cannot choose to collide), so no
        // comparison of secrets happens in this process.
        var hash = Hash(key);
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.Sha256 == hash && k.RevokedAt == null)
            .Select(k => new { k.Role, k.Agency })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return found is null ? null : (found.Role, found.Agency);
    }

    /// <summary>
    /// Revokes a key by its prefix, and notifies channel <c>geoors_data</c> with <c>keys</c> at commit,
    /// so servers that keep keys they have checked drop them at once.
    /// </summary>
    /// <param name="db">The database.</param>
    /// <param name="prefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>Whether an unrevoked key had that prefix.</returns>
    public static async Task<bool> RevokeAsync(GeoOrsDbContext db, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var revoked = await db.ApiKeys.Where(k => k.Prefix == prefix && k.RevokedAt == null)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.RevokedAt, _ => (DateTimeOffset?)DateTimeOffset.UtcNow), cancellationToken).ConfigureAwait(false);
        if (revoked > 0)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify('geoors_data', 'keys')", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return revoked == 1;
    }

    /// <summary>Every key, newest first, without the keys themselves.</summary>
    /// <param name="db">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The keys.</returns>
    public static async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(GeoOrsDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var keys = await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. keys.Select(Info)];
    }

    /// <summary>The key with this prefix (revoked or not), without the key itself; null when there is none.</summary>
    /// <param name="db">The database.</param>
    /// <param name="prefix">The key's prefix.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The key's record.</returns>
    public static async Task<ApiKeyInfo?> InfoAsync(GeoOrsDbContext db, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, cancellationToken).ConfigureAwait(false);
        return key is null ? null : Info(key);
    }

    /// <summary>The SHA-256 of a key, as stored.</summary>
    /// <param name="key">A key.</param>
    /// <returns>Its hash.</returns>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static ApiKeyInfo Info(ApiKey k) => new(k.Prefix, k.Role, k.Agency, k.Note, k.CreatedAt.UtcDateTime, k.RevokedAt?.UtcDateTime);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
