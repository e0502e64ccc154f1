using System.Diagnostics;
using GeoOrs.Data.Status;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Npgsql;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// Where a request reads (docs/adr/0026-read-replica.md): the hot standby named by
/// <c>Database:ReadConnectionString</c>, through a pool of the request's class, when it is known to
/// hold every change this server has applied (<see cref="DataVersions.Covered"/>) and the caller's own
/// last write (its <see cref="ReadAfterHeader"/>); else the primary's pool of the class.
/// Writes, jobs and everything else never come here: they use the primary's pools as before.
/// </summary>
internal sealed class ReadDatabase(IServiceProvider services, DataVersions versions, ReplicaMonitor? monitor = null)
{
    /// <summary>The header of an answer to a write: the primary's WAL position after its commit (<c>16/B374D848</c>).</summary>
    public const string CommitHeader = "GeoOrs-Commit-Lsn";

    /// <summary>The header a client sends back so that its reads see its write, on any server.</summary>
    public const string ReadAfterHeader = "GeoOrs-Read-After";

    private const string UsedReplicaItem = "geoors.read.replica";
    private const string PrimaryOnlyItem = "geoors.read.primary";

    /// <summary>Whether a standby is configured.</summary>
    public bool HasReplica => monitor is not null;

    /// <summary>
    /// The pool a request of <paramref name="requestClass"/> reads from now. Ask for it when the read
    /// is about to be made (after a cache's sequence or key is taken), not before: a change applied
    /// in between is then counted and sends the read to the primary.
    /// </summary>
    public NpgsqlDataSource For(HttpContext http, string requestClass)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (monitor is not null && !http.Items.ContainsKey(PrimaryOnlyItem) && monitor.Fresh(versions, ReadAfter(http)))
        {
            http.Items[UsedReplicaItem] = true;
            ReadMetrics.Read(requestClass, replica: true);
            return services.GetRequiredKeyedService<NpgsqlDataSource>(ReplicaKey(requestClass));
        }

        if (monitor is not null)
        {
            ReadMetrics.Read(requestClass, replica: false);
        }

        return services.GetRequiredKeyedService<NpgsqlDataSource>(requestClass);
    }

    /// <summary>
    /// Whether a request must not be answered from this server's caches: it carries the position of
    /// a write whose notification this server may not have had yet.
    /// </summary>
    public bool Uncached(HttpContext http) => ReadAfter(http) is var lsn && lsn > 0 && lsn > versions.SeenLsn;

    /// <summary>
    /// The position a keyed caller's reads must see (<see cref="ReadAfterHeader"/>), or 0. The
    /// public's is ignored: it writes nothing, and a made-up position must not let anyone bypass the caches.
    /// </summary>
    public static ulong ReadAfter(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && http.Request.Headers[ReadAfterHeader] is { Count: 1 } header && WalPositions.TryParse(header[0], out var lsn)
            ? lsn
            : 0;

    /// <summary>Whether the standby is taking reads, as last polled.</summary>
    public bool ReplicaUsable => monitor?.State.Status == "ok";

    /// <summary>A read on the standby failed: no more reads go there until it answers a poll again.</summary>
    public void ReplicaFailed(Exception error) => monitor?.Lost(error);

    /// <summary>Whether this request read from the standby.</summary>
    public static bool UsedReplica(HttpContext http) => http.Items.ContainsKey(UsedReplicaItem);

    /// <summary>Whether this request's reads go to the primary whatever the standby's state.</summary>
    public static bool PrimaryOnly(HttpContext http) => http.Items.ContainsKey(PrimaryOnlyItem);

    /// <summary>Sends the rest of this request's reads to the primary (after its read on the standby failed).</summary>
    public static void UsePrimary(HttpContext http)
    {
        http.Items.Remove(UsedReplicaItem);
        http.Items[PrimaryOnlyItem] = true;
    }

    /// <summary>The service key of the standby's pool of a request class.</summary>
    public static string ReplicaKey(string requestClass) => $"replica:{requestClass}";

    /// <summary>The request classes whose reads may go to the standby.</summary>
    public static readonly string[] Classes = [RequestClass.Tiles, RequestClass.Ogc, RequestClass.Areas, RequestClass.Analysis];
}

/// <summary>
/// The endpoints that read through <see cref="ReadDatabase"/>: a request whose read failed on the
/// standby (it stopped, was cut off, or cancelled the statement for a conflict with recovery) runs
/// again, once, on the primary, as long as nothing of its answer was sent: losing the standby costs
/// a read twice, never an error.
/// </summary>
internal static class ReadRetry
{
    public static TBuilder ReadsFromReplica<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = ReadDatabase.ReadAfterHeader,
                In = ParameterLocation.Header,
                Description = $"The {ReadDatabase.CommitHeader} of the caller's own write (keyed callers): the answer is made from data that holds it, on any server (docs/adr/0026-read-replica.md).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9A-F]{1,8}/[0-9A-F]{1,8}$" },
            });
            return Task.CompletedTask;
        }).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var reads = http.RequestServices.GetRequiredService<ReadDatabase>();
            if (!reads.HasReplica)
            {
                return await next(context);
            }

            try
            {
                return await next(context);
            }
            catch (Exception e) when (Retried(http, reads, e))
            {
                ReadDatabase.UsePrimary(http);
                return await next(context);
            }
        });

    /// <summary>
    /// Whether a failed read runs again on the primary: a database error (not a statement timeout)
    /// of a request that read from the standby, or that shared a tile being made by one that did (the
    /// standby is then no longer usable), with nothing sent yet and the client still there.
    /// </summary>
    private static bool Retried(HttpContext http, ReadDatabase reads, Exception error)
    {
        if (http.Response.HasStarted || http.RequestAborted.IsCancellationRequested || ReadDatabase.PrimaryOnly(http)
            || !IsDatabaseError(error) || DatabaseFaultHandler.Classify(error) == DatabaseFaultHandler.Fault.TimedOut)
        {
            return false;
        }

        if (ReadDatabase.UsedReplica(http))
        {
            reads.ReplicaFailed(error);
            return true;
        }

        return !reads.ReplicaUsable || DatabaseFaultHandler.Classify(error) == DatabaseFaultHandler.Fault.Unavailable;
    }

    private static bool IsDatabaseError(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>What <c>/health</c> says of the standby: <c>ok</c>, <c>lagging</c> or <c>lost</c>.</summary>
/// <param name="Status">ok: reads go to it when it holds what they need; lagging: it is more than
/// <c>Database:ReplicaMaxLag</c> behind; lost: it cannot be reached or is not a standby.</param>
/// <param name="Replayed">The WAL position it had replayed at its last poll.</param>
/// <param name="LagMilliseconds">How long ago the primary was first known to be past that position (0 when it is not).</param>
/// <param name="Error">Why it is lost.</param>
internal sealed record ReplicaState(string Status, string? Replayed, long LagMilliseconds, string? Error);

/// <summary>
/// Polls the standby every <see cref="Interval"/>: its replayed WAL position, compared with the
/// primary's positions that <see cref="DataVersions"/> reads, gives how far behind it is in time. A
/// standby that cannot be reached, is not in recovery, or lags by more than
/// <see cref="DatabaseOptions.ReplicaMaxLag"/> takes no reads; a read that fails on it marks it lost
/// at once (<see cref="Lost"/>) until a poll finds it again.
/// </summary>
internal sealed class ReplicaMonitor(
    [FromKeyedServices(ReplicaMonitor.ProbeKey)] NpgsqlDataSource probe, DataVersions versions, IOptions<DatabaseOptions> options,
    IServiceProvider services, ILogger<ReplicaMonitor> logger)
    : BackgroundService
{
    /// <summary>The service key of the standby's pool for the polls (short timeouts).</summary>
    public const string ProbeKey = "replica:probe";

    /// <summary>How often the standby is asked how far it has replayed.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly TimeSpan _maxLag = options.Value.ReplicaMaxLag;
    private readonly Queue<(long At, ulong Lsn)> _primary = new(); // positions the primary was seen at, oldest first
    private volatile Snapshot _snapshot = new(Usable: false, Replayed: 0, new ReplicaState("lost", null, 0, "not polled yet"));

    /// <summary>The standby as last polled.</summary>
    public ReplicaState State => _snapshot.State;

    /// <summary>
    /// Whether a read may go to the standby now: it is usable, this server's versions are live, and it
    /// has replayed past the primary position that covers every change applied here (none applied
    /// since) and past <paramref name="readAfter"/>.
    /// </summary>
    public bool Fresh(DataVersions current, ulong readAfter)
    {
        var snapshot = _snapshot;
        if (!snapshot.Usable || current.Covered is not { } covered || covered.Changes != current.Changes)
        {
            return false;
        }

        return snapshot.Replayed >= Math.Max(covered.Lsn, readAfter);
    }

    /// <summary>A read on the standby failed: no more reads go there until a poll finds it answering.</summary>
    public void Lost(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var snapshot = _snapshot;
        if (snapshot.Usable)
        {
            logger.LogWarning("A read on the replica failed ({Error}); reads go to the primary until it answers again", error.GetBaseException().Message);
        }

        _snapshot = snapshot with { Usable = false, State = snapshot.State with { Status = "lost", Error = error.GetBaseException().Message } };
        ClearPools();
    }

    /// <summary>
    /// Drops the idle connections of the standby's pools: a standby that stopped broke them all, and
    /// a pool finds that out only by handing one out (a read then runs twice).
    /// </summary>
    private void ClearPools()
    {
        foreach (var requestClass in ReadDatabase.Classes)
        {
            services.GetRequiredKeyedService<NpgsqlDataSource>(ReadDatabase.ReplicaKey(requestClass)).Clear();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ReadMetrics.Follow(() => State);
        var was = "";
        while (!stoppingToken.IsCancellationRequested)
        {
            var snapshot = await PollAsync(stoppingToken);
            if (snapshot.State.Status == "lost" || (snapshot.Usable && !_snapshot.Usable && _snapshot.State.Status == "lost"))
            {
                ClearPools(); // lost, or back after being lost: no connection from before is any good
            }

            _snapshot = snapshot;
            if (snapshot.State.Status != was && !stoppingToken.IsCancellationRequested)
            {
                if (snapshot.State.Status == "ok")
                {
                    logger.LogInformation("The replica is {Status} (replayed {Replayed}); reads go to it when it holds what they need", snapshot.State.Status, snapshot.State.Replayed);
                }
                else
                {
                    logger.LogWarning("The replica is {Status} ({Detail}); reads go to the primary", snapshot.State.Status,
                        snapshot.State.Error ?? $"{snapshot.State.LagMilliseconds} ms behind");
                }

                was = snapshot.State.Status;
            }

            await Task.Delay(Interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<Snapshot> PollAsync(CancellationToken stoppingToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (versions.PrimaryLsn is var primary and > 0 && (_primary.Count == 0 || _primary.Last().Lsn < primary))
        {
            _primary.Enqueue((now, primary));
            if (_primary.Count > 4096)
            {
                _primary.Dequeue(); // a standby gone for over an hour of changes: its lag is at least that
            }
        }

        ReplayPosition replay;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            replay = await WalPositions.ReplayAsync(probe, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            probe.Clear();
            return new Snapshot(false, 0, new ReplicaState("lost", null, 0, e.GetBaseException().Message));
        }

        if (!replay.InRecovery)
        {
            return new Snapshot(false, 0, new ReplicaState("lost", null, 0, "the replica database is not a standby (not in recovery)"));
        }

        while (_primary.Count > 1 && _primary.Peek().Lsn <= replay.Replayed)
        {
            _primary.Dequeue();
        }

        // The first position seen past what the standby has replayed: it has been behind since then.
        var lag = _primary.Count > 0 && _primary.Peek().Lsn > replay.Replayed ? Stopwatch.GetElapsedTime(_primary.Peek().At, now) : TimeSpan.Zero;
        var lagging = lag > _maxLag;
        return new Snapshot(!lagging, replay.Replayed, new ReplicaState(
            lagging ? "lagging" : "ok", WalPositions.Format(replay.Replayed), (long)lag.TotalMilliseconds, null));
    }

    private sealed record Snapshot(bool Usable, ulong Replayed, ReplicaState State);
}

/// <summary>
/// The causal token of a write (docs/adr/0026-read-replica.md): an answer of 2xx to a request that
/// writes carries the primary's WAL position read after its commit, in <see cref="ReadDatabase.CommitHeader"/>.
/// A client that sends it back (<see cref="ReadDatabase.ReadAfterHeader"/>) reads its write on any server: from
/// the standby only once it has replayed that far, from a cache only once that server has heard of
/// every commit up to it.
/// </summary>
internal static class CommitPosition
{
    public static TBuilder StampsCommitPosition<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            if (context.Description.HttpMethod is not ("GET" or "HEAD") && operation.Responses is { } responses)
            {
                foreach (var (status, response) in responses)
                {
                    if (status.StartsWith('2') && response is OpenApiResponse answer)
                    {
                        answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                        answer.Headers[ReadDatabase.CommitHeader] = new OpenApiHeader
                        {
                            Description = $"The primary's WAL position after the commit; sent back as {ReadDatabase.ReadAfterHeader}, the caller's reads see this write on any server.",
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        };
                    }
                }
            }

            return Task.CompletedTask;
        }).AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            var answer = result;
            while (answer is INestedHttpResult nested)
            {
                answer = nested.Result; // Results<Created<T>, ValidationProblem, …>: the one chosen
            }

            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                || answer is not IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } || http.Response.HasStarted)
            {
                return result;
            }

            // Read after the commit, so at or past its record. The write is done: a failure to read
            // the position leaves the answer without it rather than failing a stored write.
            try
            {
                var dataSource = http.RequestServices.GetRequiredKeyedService<NpgsqlDataSource>(RequestClass.Api);
                var lsn = WalPositions.Format(await WalPositions.CurrentAsync(dataSource, http.RequestAborted));
                http.Response.Headers[ReadDatabase.CommitHeader] = lsn;
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
            {
                http.RequestServices.GetRequiredService<ILogger<ReadDatabase>>().LogWarning(
                    "Could not read the commit's WAL position for {Path} ({Error}); the answer goes without it", http.Request.Path, e.GetBaseException().Message);
            }

            return result;
        });
}
