using System.IO.Compression;
using GeoOrs.Data.Tiles;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace GeoOrs.Server.Tiles;

/// <summary>
/// A made tile: its bytes, the same bytes gzip- and brotli-compressed once asked for, and its strong
/// ETags (made once, with the tile, rather than for every request that the cache answers).
/// </summary>
/// <param name="Raw">The tile (empty for a tile without features).</param>
/// <param name="Features">How many features it holds.</param>
/// <param name="ETag">The ETag's opaque part, before any encoding: a hash of the tile's cache key.</param>
internal sealed class TileBytes(byte[] Raw, int Features, string ETag)
{
    /// <summary>How many features the tile holds (for the audit log).</summary>
    public int Features { get; } = Features;

    private byte[]? _gzip;
    private byte[]? _brotli;
    private readonly string _etag = ETagText(ETag, null);
    private readonly string _etagGzip = ETagText(ETag, "gzip");
    private readonly string _etagBrotli = ETagText(ETag, "br");

    public byte[] Raw { get; } = Raw;

    public byte[] Gzip => _gzip ??= Compress(Raw, s => new GZipStream(s, CompressionLevel.Optimal, leaveOpen: true));

    public byte[] Brotli => _brotli ??= Compress(Raw, s => new BrotliStream(s, CompressionLevel.Optimal, leaveOpen: true));

    /// <summary>The quoted ETag of the tile sent with <paramref name="encoding"/> (br, gzip or none).</summary>
    public string ETagOf(string? encoding) => encoding switch { "br" => _etagBrotli, "gzip" => _etagGzip, _ => _etag };

    /// <summary>A quoted strong ETag: the opaque part, then the encoding if there is one.</summary>
    public static string ETagText(string etag, string? encoding) => encoding is null ? $"\"{etag}\"" : $"\"{etag}-{encoding}\"";

    /// <summary>Bytes held in memory, for the cache's size limit.</summary>
    public long Size => Raw.Length + (_gzip?.Length ?? 0) + (_brotli?.Length ?? 0) + 256;

    private static byte[] Compress(byte[] raw, Func<Stream, Stream> compressor)
    {
        using var buffer = new MemoryStream();
        using (var stream = compressor(buffer))
        {
            stream.Write(raw);
        }

        return buffer.ToArray();
    }
}

/// <summary>
/// Made tiles in memory, up to <see cref="TilesOptions.CacheMegabytes"/>. Every entry depends on the
/// kinds of data its layer is built from; when a kind changes (<see cref="DataVersions.Changed"/>)
/// all entries that depend on it are dropped at once, and keys carry the versions too, so no tile
/// made before a commit is served after it. Nothing is cached while the versions are not live.
/// What is made from a layer's whole data rather than from one tile (class breaks, extents) is kept
/// apart, in a small store that stays on when the tile cache is off: it belongs to a layer, a window,
/// filters and the data's versions, and one computation serves every tile of them (ADR 0014).
/// </summary>
internal sealed class TileCache : IDisposable
{
    /// <summary>The store of things made from a layer's whole data: 64 MB, whatever the tile cache's size (a county layer's values for one window take about 200 kB).</summary>
    public const long DerivedBytes = 64L * 1024 * 1024;

    private readonly MemoryCache? _cache;
    private readonly MemoryCache _derived = new(new MemoryCacheOptions { SizeLimit = DerivedBytes, CompactionPercentage = 0.25 });
    private readonly DataVersions _versions;
    private readonly CancellationTokenSource[] _generations = [.. Enum.GetValues<DataKind>().Select(_ => new CancellationTokenSource())];
    private readonly Lock _lock = new();

    public TileCache(IOptions<TilesOptions> options, DataVersions versions)
    {
        _versions = versions;
        var megabytes = options.Value.CacheMegabytes;
        if (megabytes > 0)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = megabytes * 1024L * 1024L, CompactionPercentage = 0.25 });
        }

        versions.Changed += Drop;
    }

    /// <summary>Whether tiles may be taken from and put in the cache now.</summary>
    public bool Enabled => _cache is not null && _versions.Live;

    /// <summary>The versions of the data a layer is built from, as text for keys and ETags.</summary>
    public string VersionsOf(VectorTileLayer layer) =>
        string.Join('.', layer.Sources.Select(kind => _versions[kind]));

    public bool TryGet(string key, out TileBytes tile)
    {
        if (Enabled && _cache!.TryGetValue(key, out var value) && value is TileBytes found)
        {
            tile = found;
            return true;
        }

        tile = null!;
        return false;
    }

    public void Set(string key, TileBytes tile, VectorTileLayer layer) =>
        Set(key, tile, tile.Size + (2 * tile.Raw.Length), layer); // room for the compressed copies

    /// <summary>
    /// Something made from a layer's whole data (class breaks, extents), kept while the versions are
    /// live, even with the tile cache off, and dropped with the layer's tiles. The key carries the
    /// versions (<see cref="VersionsOf"/>) as well.
    /// </summary>
    public async Task<T> GetOrAddAsync<T>(string key, VectorTileLayer layer, Func<Task<T>> make, Func<T, long>? sizeOf = null)
        where T : class
    {
        if (_versions.Live && _derived.TryGetValue(key, out var value) && value is T found)
        {
            return found;
        }

        var made = await make();
        if (_versions.Live)
        {
            _derived.Set(key, made, Entry(sizeOf?.Invoke(made) ?? 1024, layer));
        }

        return made;
    }

    private void Set(string key, object value, long size, VectorTileLayer layer)
    {
        if (!Enabled)
        {
            return;
        }

        _cache!.Set(key, value, Entry(size, layer));
    }

    private MemoryCacheEntryOptions Entry(long size, VectorTileLayer layer)
    {
        var entry = new MemoryCacheEntryOptions { Size = size };
        lock (_lock)
        {
            foreach (var kind in layer.Sources)
            {
                entry.ExpirationTokens.Add(new CancellationChangeToken(_generations[(int)kind].Token));
            }
        }

        return entry;
    }

    private void Drop(DataKind kind)
    {
        CancellationTokenSource old;
        lock (_lock)
        {
            old = _generations[(int)kind];
            _generations[(int)kind] = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
        _cache?.Compact(0); // take the expired entries out now, not on a later access
        _derived.Compact(0);
    }

    public void Dispose()
    {
        _versions.Changed -= Drop;
        _cache?.Dispose();
        _derived.Dispose();
        foreach (var generation in _generations)
        {
            generation.Dispose();
        }
    }
}
