using System.Collections.Concurrent;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GeoOrs.Server.Access;

/// <summary>
/// The keys this server has found valid, kept for a minute so a keyed request costs no database
/// round trip. Every entry is dropped the moment any key is revoked (the revocation notifies every
/// server at commit), and nothing is kept or used while this server is not listening for that.
/// Only hits are kept: a forged key is looked up every time (and has no rows to find).
/// </summary>
internal sealed class KeyCache : IDisposable
{
    private const int MaxEntries = 10_000;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (string Role, string Agency, long Until)> _found = new(StringComparer.Ordinal);
    private readonly IDbContextFactory<GeoOrsDbContext> _db;
    private readonly DataVersions _versions;
    private readonly TimeProvider _clock;
    private long _generation;

    public KeyCache(IDbContextFactory<GeoOrsDbContext> db, DataVersions versions, TimeProvider clock)
    {
        _db = db;
        _versions = versions;
        _clock = clock;
        versions.Signalled += Clear;
    }

    /// <summary>The role and agency of a valid, unrevoked key; null for anything else.</summary>
    public async Task<(string Role, string Agency)?> FindAsync(string? key, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            return null;
        }

        var id = Convert.ToHexString(ApiKeys.Hash(key));
        var now = _clock.GetTimestamp();
        if (_versions.Live && _found.TryGetValue(id, out var hit) && hit.Until > now)
        {
            return (hit.Role, hit.Agency);
        }

        // A revocation that lands while the lookup runs must not leave the old answer behind.
        var generation = Interlocked.Read(ref _generation);
        (string Role, string Agency)? found;
        await using (var db = await _db.CreateDbContextAsync(cancellationToken))
        {
            found = await ApiKeys.FindAsync(db, key, cancellationToken);
        }

        if (found is { } valid && _versions.Live && Interlocked.Read(ref _generation) == generation)
        {
            if (_found.Count >= MaxEntries)
            {
                _found.Clear();
            }

            _found[id] = (valid.Role, valid.Agency, now + (long)(Lifetime.TotalSeconds * _clock.TimestampFrequency));
        }

        return found;
    }

    private void Clear(string? signal)
    {
        if (signal is not (null or "keys"))
        {
            return;
        }

        Interlocked.Increment(ref _generation);
        _found.Clear();
    }

    public void Dispose() => _versions.Signalled -= Clear;
}
