using System.Collections.Concurrent;
using System.Collections.Frozen;
using GeoOrs.Data.Status;
using GeoOrs.Data.Tiles;
using Npgsql;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// The current version of each kind of data, and what each change touched, followed live: the
/// transaction that changes data bumps its row in <c>data_versions</c> and notifies channel
/// <c>geoors_data</c> with the change (<see cref="DataChange"/>: the kind, its new version and, for
/// events, their counties, days and box), which PostgreSQL delivers at commit, in commit order, to
/// every server listening. The process that made a change applies it itself before it answers
/// (<see cref="Apply"/>), and once more when its notification arrives. While this process is not
/// listening (at start, or after losing its connection) the versions are not <see cref="Live"/> and
/// nothing may be served from cache; when it listens again, every kind whose version moved meanwhile
/// counts as changed as a whole.
/// </summary>
internal sealed class DataVersions(NpgsqlDataSource dataSource, ILogger<DataVersions> logger) : BackgroundService
{
    private static readonly FrozenDictionary<string, DataKind> Kinds =
        Enum.GetValues<DataKind>().ToFrozenDictionary(DataChange.NameOf, k => k, StringComparer.Ordinal);

    private readonly long[] _versions = new long[Kinds.Count]; // as the database numbers them
    private readonly long[] _stamps = new long[Kinds.Count]; // moved on by every change applied here
    private readonly ConcurrentDictionary<(DataKind, long), byte> _applied = new(); // changes applied here before their notification came
    private volatile bool _live;

    /// <summary>Raised after data changed: what changed, with the kind's version already moved on.</summary>
    public event Action<DataChange>? Changed;

    /// <summary>
    /// Raised for a notification that names no kind of data: <c>keys</c> (a key was revoked),
    /// <c>sharing</c> (an agency's sharing rule changed), <c>alerts</c> (new alerts were stored); with null when this process has just begun to
    /// listen again and may have missed any of them.
    /// </summary>
    public event Action<string?>? Signalled;

    /// <summary>Whether the versions follow the database right now.</summary>
    public bool Live => _live;

    /// <summary>
    /// A number that moves on, before <see cref="Changed"/> is raised, with every change of a kind of
    /// data applied here: what is made from a kind's data and keyed by its stamp, read before it was
    /// made, is never found again once a change may have made it stale.
    /// </summary>
    public long StampOf(DataKind kind) => Volatile.Read(ref _stamps[(int)kind]);

    /// <summary>
    /// Applies a change this process has just committed, before it answers: its caches drop what the
    /// change touched, so the sender's next request sees it. The notification of the same change,
    /// when it arrives, is then not applied again.
    /// </summary>
    public void Apply(DataChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Version > Volatile.Read(ref _versions[(int)change.Kind]))
        {
            _applied.TryAdd((change.Kind, change.Version), 0); // its notification is still to come
        }

        Raise(change);
    }

    /// <summary>Reads every version now; each kind whose version moved counts as changed as a whole.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        foreach (var (name, version) in await DataVersionStore.ReadAsync(dataSource, cancellationToken))
        {
            if (Kinds.TryGetValue(name, out var kind) && Volatile.Read(ref _versions[(int)kind]) != version)
            {
                Raise(DataChange.All(kind, version));
            }
        }
    }

    private void Raise(DataChange change)
    {
        ref var version = ref _versions[(int)change.Kind];
        for (var known = Volatile.Read(ref version); change.Version > known; known = Volatile.Read(ref version))
        {
            if (Interlocked.CompareExchange(ref version, change.Version, known) == known)
            {
                break;
            }
        }

        Interlocked.Increment(ref _stamps[(int)change.Kind]);
        Changed?.Invoke(change);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (!DataChange.TryParse(e.Payload, out var change))
                    {
                        Signalled?.Invoke(e.Payload);
                    }
                    else
                    {
                        var mine = _applied.TryRemove((change.Kind, change.Version), out byte _);
                        foreach (var earlier in _applied.Keys.Where(k => k.Item1 == change.Kind && k.Item2 < change.Version))
                        {
                            _applied.TryRemove(earlier, out byte _); // applied here after their notification had come
                        }

                        if (!mine)
                        {
                            Raise(change);
                        }
                    }
                };
                await DataVersionStore.ListenAsync(connection, stoppingToken);

                _applied.Clear();
                await RefreshAsync(stoppingToken);
                Signalled?.Invoke(null);
                _live = true;
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
                    {
                        await DataVersionStore.PingAsync(connection, stoppingToken); // proves the connection is alive
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                logger.LogWarning(e, "Lost the data-change notifications; tiles are served uncached until they are back");
            }
            finally
            {
                _live = false;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
