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
/// <para>
/// Each change applied here is counted (<see cref="Changes"/>), and after every wait the listening
/// connection reads the primary's WAL position: a position read after a count covers every change
/// counted before it (<see cref="Covered"/>), so a standby that has replayed that far holds all of
/// them; and what the connection read one round earlier has had its notifications delivered here
/// (<see cref="SeenLsn"/>). Both are what <see cref="ReadDatabase"/> compares a standby with
/// (docs/adr/0026-read-replica.md).
/// </para>
/// </summary>
internal sealed class DataVersions(NpgsqlDataSource dataSource, ILogger<DataVersions> logger) : BackgroundService
{
    private static readonly FrozenDictionary<string, DataKind> Kinds =
        Enum.GetValues<DataKind>().ToFrozenDictionary(DataChange.NameOf, k => k, StringComparer.Ordinal);

    private readonly long[] _versions = new long[Kinds.Count]; // as the database numbers them
    private readonly long[] _stamps = new long[Kinds.Count]; // moved on by every change applied here
    private readonly ConcurrentDictionary<(DataKind, long), byte> _applied = new(); // changes applied here before their notification came
    private volatile bool _live;
    private volatile CoveredChanges? _covered;
    private long _changes;
    private long _seenLsn;
    private long _primaryLsn;

    /// <summary>Raised after data changed: what changed, with the kind's version already moved on.</summary>
    public event Action<DataChange>? Changed;

    /// <summary>
    /// Raised for a notification that names no kind of data: <c>keys</c> (a key was revoked),
    /// <c>sharing</c> (an agency's sharing rule changed), <c>alerts</c> (new alerts were stored); with null when this process has just begun to
    /// listen again and may have missed any of them.
    /// </summary>
    public event Action<string?>? Signalled;

    /// <summary>
    /// Raised when the listening connection was lost (the database went away or restarted): the
    /// connections idle in every pool are as broken as it is.
    /// </summary>
    public event Action? Lost;

    /// <summary>Whether the versions follow the database right now.</summary>
    public bool Live => _live;

    /// <summary>How many changes and signals this process has applied: moves on before any of them is acted on.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>
    /// A primary WAL position read after <see cref="CoveredChanges.Changes"/> changes had been
    /// applied here: every one of them committed at or before it. Null while not listening.
    /// </summary>
    public CoveredChanges? Covered => _live ? _covered : null;

    /// <summary>
    /// A primary WAL position whose commits' notifications have all been delivered here (0 while not
    /// listening): a client that wrote at or before it finds this server's caches without its write.
    /// </summary>
    public ulong SeenLsn => _live ? (ulong)Interlocked.Read(ref _seenLsn) : 0;

    /// <summary>The primary's WAL position at the listening connection's latest round (0 while not listening).</summary>
    public ulong PrimaryLsn => _live ? (ulong)Interlocked.Read(ref _primaryLsn) : 0;

    /// <summary>How long the listening connection waits for notifications before it reads the WAL position again.</summary>
    internal static TimeSpan Round { get; } = TimeSpan.FromSeconds(1);

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

        Interlocked.Increment(ref _changes);
        Interlocked.Increment(ref _stamps[(int)change.Kind]);
        Changed?.Invoke(change);
    }

    /// <summary>
    /// Reads the primary's WAL position after the changes counted so far, which it covers. While no
    /// change comes, the covering position stays where it was: a standby need not replay the WAL of
    /// other work (the job storage's, the audit log's) to hold every change this server knows of.
    /// </summary>
    private async Task<ulong> CoverAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var changes = Changes;
        var position = await WalPositions.CurrentAsync(connection, cancellationToken);
        Interlocked.Exchange(ref _primaryLsn, (long)position);
        if (_covered is not { } covered || covered.Changes < changes)
        {
            _covered = new CoveredChanges(changes, position);
        }

        return position;
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
                        Interlocked.Increment(ref _changes);
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
                _covered = null;
                Interlocked.Exchange(ref _seenLsn, 0);
                Interlocked.Exchange(ref _primaryLsn, 0);
                await RefreshAsync(stoppingToken);
                Interlocked.Increment(ref _changes);
                Signalled?.Invoke(null);
                var previous = await CoverAsync(connection, stoppingToken);
                _live = true;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(Round, stoppingToken);

                    // The round trip proves the connection alive; the notifications of every commit
                    // written by the previous round's position were delivered before it ended.
                    var position = await CoverAsync(connection, stoppingToken);
                    Interlocked.Exchange(ref _seenLsn, (long)previous);
                    previous = position;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                logger.LogWarning(e, "Lost the data-change notifications; tiles are served uncached until they are back");
                Lost?.Invoke();
            }
            finally
            {
                _live = false;
                _covered = null;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}

/// <summary>A primary WAL position at or after the commits of the first <paramref name="Changes"/> changes applied here.</summary>
/// <param name="Changes">How many changes (<see cref="DataVersions.Changes"/>) it covers.</param>
/// <param name="Lsn">The position.</param>
internal sealed record CoveredChanges(long Changes, ulong Lsn);
