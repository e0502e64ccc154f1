using System.Collections.Frozen;
using GeoOrs.Data.Status;
using GeoOrs.Data.Tiles;
using Npgsql;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// The current version of each kind of data, followed live: the transaction that changes data bumps
/// its row in <c>data_versions</c> and notifies channel <c>geoors_data</c>, which PostgreSQL delivers
/// at commit to every server listening. While this process is not listening (at start, or after
/// losing its connection) the versions are not <see cref="Live"/> and nothing may be served from cache.
/// </summary>
internal sealed class DataVersions(NpgsqlDataSource dataSource, ILogger<DataVersions> logger) : BackgroundService
{
    private static readonly FrozenDictionary<string, DataKind> Kinds = new Dictionary<string, DataKind>
    {
        ["boundaries"] = DataKind.Boundaries,
        ["overdoses"] = DataKind.Overdoses,
        ["seizures"] = DataKind.Seizures,
        ["hotspots"] = DataKind.Hotspots,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly long[] _versions = new long[Enum.GetValues<DataKind>().Length];
    private volatile bool _live;

    /// <summary>Raised after a kind of data changed (its version moved on).</summary>
    public event Action<DataKind>? Changed;

    /// <summary>
    /// Raised for a notification that names no kind of data: <c>keys</c> (a key was revoked),
    /// <c>sharing</c> (an agency's sharing rule changed), <c>alerts</c> (new alerts were stored); with null when this process has just begun to
    /// listen again and may have missed any of them.
    /// </summary>
    public event Action<string?>? Signalled;

    /// <summary>Whether the versions follow the database right now.</summary>
    public bool Live => _live;

    /// <summary>The version of one kind of data.</summary>
    public long this[DataKind kind] => Volatile.Read(ref _versions[(int)kind]);

    /// <summary>Reads every version now (after this process changed data, so its next answer sees the change).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var changed = new List<DataKind>();
        foreach (var (name, version) in await DataVersionStore.ReadAsync(dataSource, cancellationToken))
        {
            if (Kinds.TryGetValue(name, out var kind))
            {
                if (Interlocked.Exchange(ref _versions[(int)kind], version) != version)
                {
                    changed.Add(kind);
                }
            }
        }

        foreach (var kind in changed)
        {
            Changed?.Invoke(kind);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                var notified = false;
                connection.Notification += (_, e) =>
                {
                    if (!Kinds.TryGetValue(e.Payload, out var kind))
                    {
                        Signalled?.Invoke(e.Payload);
                    }
                    else
                    {
                        Interlocked.Increment(ref _versions[(int)kind]); // at once; the exact number is read next
                        notified = true;
                        Changed?.Invoke(kind);
                    }
                };
                await DataVersionStore.ListenAsync(connection, stoppingToken);

                await RefreshAsync(stoppingToken);
                Signalled?.Invoke(null);
                _live = true;
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken) || notified)
                    {
                        notified = false;
                        await RefreshAsync(stoppingToken); // also proves the connection is alive
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
