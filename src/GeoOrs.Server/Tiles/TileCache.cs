using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Status;
using GeoOrs.Data.Tiles;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Npgsql;

namespace GeoOrs.Server.Tiles;

/// <summary>
/// What a cached tile was made from: its layer, its tile (none for a legend) and its window; a PNG
/// tile or legend, whose classes are computed over the whole layer, depends on all of the layer's data.
/// </summary>
/// <param name="Layer">The layer.</param>
/// <param name="Tile">The tile, or null for what belongs to no tile.</param>
/// <param name="From">The window's first local day, or null.</param>
/// <param name="To">The window's last local day, or null.</param>
/// <param name="Whole">Whether it depends on all of the layer's data (a change anywhere may change it).</param>
internal sealed record TileScope(VectorTileLayer Layer, TileId? Tile, DateOnly? From, DateOnly? To, bool Whole)
{
    /// <summary>
    /// The margin of a tile's query, as a fraction of its width: a point tile reads the events within
    /// 64/4096 of it (its buffer), an area tile the shapes whose boxes reach that far, a cluster tile the
    /// events inside it.
    /// </summary>
    public const double Margin = 64.0 / 4096;

    private LonLatBox? _box;

    /// <summary>
    /// The tile with its margin, in degrees (empty for what belongs to no tile); worked out when a
    /// change is matched against it, not for every request that a cached tile answers.
    /// </summary>
    public LonLatBox Box => _box ??= Tile is { } tile && TileMath.BoundsLonLat(tile, Margin) is var (w, s, e, n)
        ? new LonLatBox(w - 1e-7, s - 1e-7, e + 1e-7, n + 1e-7) // and a hair more, for rounding
        : LonLatBox.Empty;

    /// <summary>A vector tile of a layer for a query.</summary>
    public static TileScope Of(VectorTileLayer layer, TileId tile, LayerQuery query) => new(layer, tile, query.From, query.To, Whole: false);

    /// <summary>What is drawn from a whole layer's classes (a PNG tile, a legend).</summary>
    public static TileScope Classed(VectorTileLayer layer, TileId? tile) => new(layer, tile, null, null, Whole: true);
}

/// <summary>
/// A made tile: its bytes, the same bytes gzip- and brotli-compressed once asked for, what it was
/// made from, and its strong ETags: a hash of its bytes, so that a tile made again from unchanged
/// data has the ETag it had, on every server.
/// </summary>
/// <param name="Raw">The tile (empty for a tile without features).</param>
/// <param name="Features">How many features it holds.</param>
/// <param name="Scope">What it was made from.</param>
internal sealed class TileBytes(byte[] Raw, int Features, TileScope Scope)
{
    /// <summary>How many features the tile holds (for the audit log).</summary>
    public int Features { get; } = Features;

    /// <summary>What the tile was made from.</summary>
    public TileScope Scope { get; } = Scope;

    private static readonly string[] Encodings = ["", "-gzip", "-br"];
    private readonly string[] _etags = Hashed(Raw);
    private byte[]? _gzip;
    private byte[]? _brotli;

    public byte[] Raw { get; } = Raw;

    public byte[] Gzip => _gzip ??= Compress(Raw, s => new GZipStream(s, CompressionLevel.Optimal, leaveOpen: true));

    public byte[] Brotli => _brotli ??= Compress(Raw, s => new BrotliStream(s, CompressionLevel.Optimal, leaveOpen: true));

    /// <summary>The quoted ETag of the tile sent with <paramref name="encoding"/> (br, gzip or none).</summary>
    public string ETagOf(string? encoding) => encoding switch { "br" => _etags[2], "gzip" => _etags[1], _ => _etags[0] };

    /// <summary>The ETags of the tile sent plain, gzip and br: the first 12 bytes of the SHA-256 of its bytes, then the encoding.</summary>
    private static string[] Hashed(byte[] raw)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(raw).AsSpan(0, 12));
        return [.. Encodings.Select(e => $"\"{hash}{e}\"")];
    }

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
/// Made tiles in memory, up to <see cref="TilesOptions.CacheMegabytes"/>, keyed by layer, tile, query
/// and view, but not by the data's versions: a change of data (<see cref="DataVersions.Changed"/>)
/// drops the tiles it reaches, of every layer and zoom (<see cref="Reach"/>), and leaves the others.
/// A tile being made while a change comes is not kept when the change may reach it: its maker reads
/// <see cref="Sequence"/> before it reads the data, and <see cref="Set"/> compares (ADR 0022).
/// Nothing is cached while the versions are not live.
/// What is made from a layer's whole data rather than from one tile (class breaks, extents) is kept
/// apart, in a small store that stays on when the tile cache is off: it belongs to a layer, a window,
/// filters and the data's stamps, and one computation serves every tile of them (ADR 0014); any
/// change of a kind drops what it holds of that kind.
/// </summary>
internal sealed class TileCache : IDisposable
{
    /// <summary>The store of things made from a layer's whole data: 64 MB, whatever the tile cache's size (a county layer's values for one window take about 200 kB).</summary>
    public const long DerivedBytes = 64L * 1024 * 1024;

    /// <summary>The changes kept for tiles being made; a tile whose making spans more is not kept.</summary>
    private const int KeptChanges = 256;

    private readonly MemoryCache? _cache;

    // The cached tiles by layer, with what each was made from: what a change walks, only for the
    // layers built on the changed kind (reading the memory cache entry by entry took 1.7 times as
    // long, ADR 0022). A tile is added here before it goes in the cache and leaves with it.
    private readonly FrozenDictionary<string, ConcurrentDictionary<string, TileBytes>> _held =
        VectorTileLayers.All.Keys.ToFrozenDictionary(id => id, _ => new ConcurrentDictionary<string, TileBytes>(StringComparer.Ordinal), StringComparer.Ordinal);
    private readonly MemoryCache _derived = new(new MemoryCacheOptions { SizeLimit = DerivedBytes, CompactionPercentage = 0.25 });
    private readonly ConcurrentDictionary<string, Task<object>> _deriving = new(StringComparer.Ordinal);
    private readonly DataVersions _versions;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<TileCache> _logger;
    private readonly CancellationTokenSource[] _generations = [.. Enum.GetValues<DataKind>().Select(_ => new CancellationTokenSource())];
    private readonly Lock _lock = new();
    private readonly Queue<(long Sequence, Reach Reach)> _recent = new();

    // Tiles being made for the cache, by key: a request that misses while its tile is being made
    // waits for that making instead of making the tile again. A change drops the makings it
    // reaches, so a request that comes after the change makes its tile anew.
    private readonly ConcurrentDictionary<string, Making> _making = new(StringComparer.Ordinal);
    private long _sequence;
    private volatile AreaEnvelopes? _areas;
    private int _loadingAreas;

    public TileCache(IOptions<TilesOptions> options, DataVersions versions, NpgsqlDataSource dataSource, ILogger<TileCache> logger)
    {
        _versions = versions;
        _dataSource = dataSource;
        _logger = logger;
        var megabytes = options.Value.CacheMegabytes;
        if (megabytes > 0)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = megabytes * 1024L * 1024L, CompactionPercentage = 0.25 });
        }

        versions.Changed += Drop;
    }

    /// <summary>Whether tiles may be taken from and put in the cache now.</summary>
    public bool Enabled => _cache is not null && _versions.Live;

    /// <summary>How many changes this cache has heard of: read before making a tile, handed to <see cref="Set"/>.</summary>
    public long Sequence
    {
        get
        {
            lock (_lock)
            {
                return _sequence;
            }
        }
    }

    /// <summary>Whether the areas' boxes are read: until then a change of events reaches every area tile of its days.</summary>
    public bool KnowsAreas => _areas is not null;

    /// <summary>The stamps of the data a layer is built from, as text for the keys of what is made from its whole data.</summary>
    public string VersionsOf(VectorTileLayer layer) =>
        string.Join('.', layer.Sources.Select(_versions.StampOf));

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

    /// <summary>
    /// The tile of <paramref name="key"/> made by <paramref name="make"/> and kept (<see cref="Set"/>),
    /// or, while the same tile is already being made for another request and no change has reached it
    /// since, that making's tile: concurrent misses of one tile (after a change dropped it) make it once.
    /// A request whose wait is cancelled stops waiting; one whose maker's request went away makes the
    /// tile itself. With the cache off every request makes its own tile.
    /// </summary>
    public async Task<TileBytes> MakeAsync(
        string key, TileScope scope, Func<CancellationToken, Task<(byte[] Bytes, int Features)>> make, CancellationToken cancellationToken)
    {
        while (Enabled)
        {
            if (_making.TryGetValue(key, out var other))
            {
                try
                {
                    return await other.Tile.Task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _making.TryRemove(KeyValuePair.Create(key, other)); // its maker left: make it here
                    continue;
                }
            }

            var mine = new Making(scope);
            if (!_making.TryAdd(key, mine))
            {
                continue;
            }

            try
            {
                var tile = await MakeAndKeepAsync(key, scope, make, cancellationToken);
                mine.Tile.SetResult(tile);
                return tile;
            }
            catch (Exception e)
            {
                if (e is OperationCanceledException)
                {
                    mine.Tile.SetCanceled(CancellationToken.None);
                }
                else
                {
                    mine.Tile.SetException(e);
                    _ = mine.Tile.Task.Exception; // observed here; the waiters see it too
                }

                throw;
            }
            finally
            {
                _making.TryRemove(KeyValuePair.Create(key, mine));
            }
        }

        return await MakeAndKeepAsync(key, scope, make, cancellationToken);
    }

    private async Task<TileBytes> MakeAndKeepAsync(
        string key, TileScope scope, Func<CancellationToken, Task<(byte[] Bytes, int Features)>> make, CancellationToken cancellationToken)
    {
        var since = Sequence; // before the data is read
        var (bytes, features) = await make(cancellationToken);
        var tile = new TileBytes(bytes, features, scope);
        Set(key, tile, since);
        return tile;
    }

    /// <summary>
    /// Keeps a made tile, unless a change that may reach it came after <paramref name="since"/> (the
    /// <see cref="Sequence"/> read before it was made): it may then hold the data from before the change.
    /// </summary>
    public void Set(string key, TileBytes tile, long since)
    {
        if (!Enabled)
        {
            return;
        }

        lock (_lock)
        {
            // Checked and stored under the lock that a change takes to be counted: a change counted
            // after this has its drop look at the cache after the tile is in it.
            if (since < _sequence && (_recent.Count == 0 || _recent.Peek().Sequence > since + 1 || _recent.Any(r => r.Sequence > since && r.Reach.Touches(tile.Scope))))
            {
                return;
            }

            var held = _held[tile.Scope.Layer.Id];
            held[key] = tile;
            var entry = new MemoryCacheEntryOptions { Size = tile.Size + (2 * tile.Raw.Length) }; // room for the compressed copies
            entry.RegisterPostEvictionCallback(
                static (key, value, _, held) => ((ConcurrentDictionary<string, TileBytes>)held!).TryRemove(KeyValuePair.Create((string)key, (TileBytes)value!)), // this tile only, not one that replaced it
                held);
            _cache!.Set(key, tile, entry);
        }

        if (tile.Scope.Layer is AreaTileLayer && _areas is null)
        {
            LoadAreas();
        }
    }

    /// <summary>
    /// Something made from a layer's whole data (class breaks, extents), kept while the versions are
    /// live, even with the tile cache off, and dropped with any change of the layer's data. The key
    /// carries the stamps (<see cref="VersionsOf"/>) as well. Requests that miss a key while it is being
    /// made wait for that making. <paramref name="uncached"/> makes it for
    /// one request, neither looked up nor kept (a caller whose write this server may not have heard of).
    /// </summary>
    public async Task<T> GetOrAddAsync<T>(string key, VectorTileLayer layer, Func<Task<T>> make, Func<T, long>? sizeOf = null, bool uncached = false)
        where T : class
    {
        if (uncached || !_versions.Live)
        {
            return await make();
        }

        while (true)
        {
            if (_derived.TryGetValue(key, out var value) && value is T found)
            {
                return found;
            }

            // One making per key: requests that miss while it is being made (after a change dropped
            // it, many dashboards asking the same panel) wait for it instead of making it again. The
            // key carries the stamps, so a change meanwhile sends later requests to another key.
            var mine = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var making = _deriving.GetOrAdd(key, mine.Task);
            if (making != mine.Task)
            {
                try
                {
                    return (T)await making;
                }
                catch (OperationCanceledException)
                {
                    continue; // its maker's request went away: make it here
                }
            }

            try
            {
                var made = await MakeDerivedAsync(key, layer, make, sizeOf);
                mine.SetResult(made);
                return made;
            }
            catch (Exception e)
            {
                if (e is OperationCanceledException)
                {
                    mine.SetCanceled(CancellationToken.None);
                }
                else
                {
                    mine.SetException(e);
                    _ = mine.Task.Exception; // observed here; the waiters see it too
                }

                throw;
            }
            finally
            {
                _deriving.TryRemove(KeyValuePair.Create(key, mine.Task));
            }
        }
    }

    private async Task<T> MakeDerivedAsync<T>(string key, VectorTileLayer layer, Func<Task<T>> make, Func<T, long>? sizeOf)
        where T : class
    {
        var made = await make();
        if (_versions.Live)
        {
            var entry = new MemoryCacheEntryOptions { Size = sizeOf?.Invoke(made) ?? 1024 };
            lock (_lock)
            {
                foreach (var kind in layer.Sources)
                {
                    entry.ExpirationTokens.Add(new CancellationChangeToken(_generations[(int)kind].Token));
                }
            }

            _derived.Set(key, made, entry);
        }

        return made;
    }

    /// <summary>The areas' boxes, read in the background once per boundary load; until then a change of events reaches every area tile of its window.</summary>
    private void LoadAreas()
    {
        if (Interlocked.Exchange(ref _loadingAreas, 1) == 1)
        {
            return;
        }

        var stamp = _versions.StampOf(DataKind.Boundaries);
        _ = Task.Run(async () =>
        {
            try
            {
                var areas = await AreaEnvelopes.LoadAsync(_dataSource);
                lock (_lock)
                {
                    if (_versions.StampOf(DataKind.Boundaries) == stamp)
                    {
                        _areas = areas;
                    }
                }
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                _logger.LogWarning(e, "Could not read the areas' boxes; changes of events drop every area tile of their days until they are read");
            }
            finally
            {
                Volatile.Write(ref _loadingAreas, 0);
            }
        });
    }

    private void Drop(DataChange change)
    {
        Reach reach;
        CancellationTokenSource old;
        lock (_lock)
        {
            if (change.Kind == DataKind.Boundaries)
            {
                _areas = null;
            }

            reach = new Reach(change, _areas);
            _recent.Enqueue((++_sequence, reach));
            while (_recent.Count > KeptChanges)
            {
                _recent.Dequeue();
            }

            old = _generations[(int)change.Kind];
            _generations[(int)change.Kind] = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
        foreach (var (key, making) in _making)
        {
            if (reach.Touches(making.Scope))
            {
                _making.TryRemove(KeyValuePair.Create(key, making)); // later requests make the tile anew
            }
        }

        _derived.Compact(0); // take the expired entries out now, not on a later access
        if (_cache is null)
        {
            return;
        }

        foreach (var layer in VectorTileLayers.All.Values)
        {
            if (!layer.Sources.Contains(change.Kind))
            {
                continue;
            }

            var held = _held[layer.Id];
            foreach (var (key, tile) in held)
            {
                if (reach.Touches(tile.Scope))
                {
                    held.TryRemove(KeyValuePair.Create(key, tile));
                    _cache.Remove(key);
                }
            }
        }
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

    /// <summary>A tile being made, and what it is made from.</summary>
    private sealed class Making(TileScope scope)
    {
        public TileScope Scope { get; } = scope;

        public TaskCompletionSource<TileBytes> Tile { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Which tiles a change reaches: of a layer built from the changed kind, a tile whose window holds
    /// one of the changed days and, for a point or cluster layer, whose box with its margin meets the
    /// box of the changed positions; for an area layer, whose box meets an area that holds one of the
    /// changed counties. A change of the whole kind, and a tile drawn from the whole layer's classes,
    /// reach every tile of the kind's layers.
    /// </summary>
    internal sealed class Reach
    {
        private readonly DataChange _change;
        private readonly Dictionary<string, LonLatBox[]?> _areas = new(StringComparer.Ordinal);

        public Reach(DataChange change, AreaEnvelopes? areas)
        {
            _change = change;
            if (!change.Everything && change.Counties.Count > 0)
            {
                foreach (var layer in AreaLayer.All.Keys)
                {
                    _areas[layer] = areas?.Of(layer, change.Counties) is { } boxes ? [.. boxes] : null; // null: any area of the layer may hold them
                }
            }
        }

        public bool Touches(TileScope scope)
        {
            if (!scope.Layer.Sources.Contains(_change.Kind))
            {
                return false;
            }

            if (_change.Everything || scope.Whole || scope.Tile is null)
            {
                return true;
            }

            if (!_change.Reaches(scope.From, scope.To))
            {
                return false;
            }

            return scope.Layer switch
            {
                PointTileLayer => _change.Box.Intersects(scope.Box),
                AreaTileLayer area => _areas.TryGetValue(area.Id, out var boxes) && (boxes is null || Meets(boxes, scope.Box)),
                _ => true,
            };
        }

        private static bool Meets(LonLatBox[] boxes, LonLatBox box)
        {
            foreach (var b in boxes)
            {
                if (b.Intersects(box))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
