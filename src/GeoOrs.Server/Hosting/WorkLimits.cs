using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// How much of the server one request may take (<see cref="LimitsOptions"/>): expensive requests
/// run a few at a time (<see cref="RequireHeavyLimit{TBuilder}"/>), their computing stops when the
/// client leaves, the server stops or <see cref="LimitsOptions.ComputeTimeout"/> passes
/// (<see cref="ComputeToken"/>), a stop ends within <see cref="LimitsOptions.ShutdownTimeout"/>, and a
/// database that cannot answer gives 503 (<see cref="DatabaseFaultHandler"/>).
/// </summary>
internal static class WorkLimits
{
    /// <summary>Seconds a client is told to wait when the expensive requests are all taken.</summary>
    public const int BusyRetryAfterSeconds = 5;

    public static WebApplicationBuilder AddGeoOrsLimits(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<LimitsOptions>>((host, limits) => host.ShutdownTimeout = limits.Value.ShutdownTimeout);
        services.AddSingleton<HeavyRequests>();
        services.AddSingleton<LiveRequests>();
        services.AddExceptionHandler<DatabaseFaultHandler>();
        return builder;
    }

    /// <summary>
    /// Runs the endpoints under the expensive requests' concurrency limits: at most
    /// <see cref="LimitsOptions.HeavyConcurrencyPerClient"/> at once for one API key (or client
    /// address) and <see cref="LimitsOptions.HeavyConcurrency"/> for the whole server; more get 429
    /// with <c>Retry-After</c> at once (no queue: a queued request would hold its body and connection).
    /// </summary>
    public static TBuilder RequireHeavyLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var heavy = http.RequestServices.GetRequiredService<HeavyRequests>();
            using var lease = heavy.TryAcquire(http);
            if (!lease.IsAcquired)
            {
                http.Response.Headers.RetryAfter = BusyRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many expensive requests",
                    detail: $"This API key or client address, or the server as a whole, is running as many analyses and plans as it may at once " +
                        $"(Limits:HeavyConcurrencyPerClient, Limits:HeavyConcurrency); retry after {BusyRetryAfterSeconds} s.");
            }

            heavy.Started();
            try
            {
                return await Completed(await next(context));
            }
            finally
            {
                heavy.Ended();
            }
        });

    /// <summary>
    /// Runs the live ingest endpoints under their concurrency limit: at most
    /// <see cref="LimitsOptions.LiveConcurrency"/> at once, <see cref="LimitsOptions.LiveQueue"/> more
    /// waiting up to <see cref="LimitsOptions.LiveQueueTimeout"/>; beyond that 503 with
    /// <c>Retry-After</c> at once, so a feed that outruns the server is told to send again rather than
    /// left to time out.
    /// </summary>
    public static TBuilder RequireLiveLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            using var lease = await http.RequestServices.GetRequiredService<LiveRequests>().AcquireAsync(http.RequestAborted);
            if (!lease.IsAcquired)
            {
                return LiveBusy(http);
            }

            return await Completed(await next(context));
        });

    /// <summary>
    /// A handler's result once it is done: a handler that returns a task hands it back unawaited, and
    /// a permit must be held until it is done.
    /// </summary>
    private static async ValueTask<object?> Completed(object? result)
    {
        switch (result)
        {
            case Task<IResult> pending:
                return await pending;
            case Task pending:
                await pending;
                break;
        }

        return result;
    }

    /// <summary>Seconds a live sender is told to wait when the server is busy.</summary>
    public const int LiveRetryAfterSeconds = 1;

    /// <summary>503 with <c>Retry-After</c>: the live ingest requests are all taken, or a lock was held too long; nothing was stored.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult LiveBusy(HttpContext http)
    {
        http.Response.Headers.RetryAfter = LiveRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Busy",
            detail: $"The server is storing as many live events as it may at once (Limits:LiveConcurrency, Limits:LiveQueue); nothing was stored. Send the same request again after {LiveRetryAfterSeconds} s.");
    }

    /// <summary>
    /// A token for an analysis's or a plan's computing and database work: cancelled when the client
    /// goes away, when the server stops, or after <see cref="LimitsOptions.ComputeTimeout"/>.
    /// </summary>
    public static CancellationTokenSource ComputeToken(HttpContext http)
    {
        var services = http.RequestServices;
        var source = CancellationTokenSource.CreateLinkedTokenSource(
            http.RequestAborted, services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        source.CancelAfter(services.GetRequiredService<IOptions<LimitsOptions>>().Value.ComputeTimeout);
        return source;
    }

    /// <summary>
    /// Turns computing that stopped without the client leaving into a 503: the server is stopping, or
    /// the work took longer than <see cref="LimitsOptions.ComputeTimeout"/>. A client that left gets
    /// nothing (the cancellation goes on to the host, which ends the request quietly).
    /// </summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Stopped(HttpContext http, string what)
    {
        var services = http.RequestServices;
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;
        var timeout = services.GetRequiredService<IOptions<LimitsOptions>>().Value.ComputeTimeout;
        http.Response.Headers.RetryAfter = DatabaseFaultHandler.TimedOutRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: stopping ? "The server is stopping" : "The work took too long",
            detail: stopping
                ? $"The server stopped {what} because it is shutting down; send the request again."
                : $"{char.ToUpperInvariant(what[0])}{what[1..]} took longer than {timeout.TotalSeconds:0.###} s (Limits:ComputeTimeout) and was stopped; ask for less work.");
    }
}

/// <summary>
/// The concurrency limits of the expensive requests — one per client key or address, chained with one
/// for the server — and the return of their memory: once none has run for
/// <see cref="LimitsOptions.TrimAfter"/>, a full, compacting collection that gives the heap's free
/// space back to the operating system (<see cref="GCCollectionMode.Aggressive"/>), and another 30 s
/// later. Without them a burst's peak stays committed: an idle server allocates too little to start a
/// collection. The second is for the shared array pool, whose buffers (JSON documents' metadata,
/// Npgsql's large rows) a thread keeps until a collection has seen them unused for 30 s.
/// </summary>
internal sealed class HeavyRequests : IDisposable
{
    private readonly TimeSpan _trimAfter;
    private readonly ILogger<HeavyRequests> _log;
    private readonly Timer _trim;
    private static readonly TimeSpan PoolTrim = TimeSpan.FromSeconds(31);

    private int _running;
    private int _trims;

    private readonly PartitionedRateLimiter<HttpContext> _perClient;
    private readonly PartitionedRateLimiter<HttpContext> _server;
    private readonly PartitionedRateLimiter<HttpContext> _limiter;

    public HeavyRequests(IOptions<LimitsOptions> options, ILogger<HeavyRequests> log)
    {
        var limits = options.Value;
        _trimAfter = limits.TrimAfter;
        _log = log;
        _trim = new Timer(_ => Trim(), null, Timeout.Infinite, Timeout.Infinite);
        _perClient = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetConcurrencyLimiter(
            HttpHardening.ClientOf(http), _ => new ConcurrencyLimiterOptions { PermitLimit = limits.HeavyConcurrencyPerClient, QueueLimit = 0 }));
        _server = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetConcurrencyLimiter(
            "server", _ => new ConcurrencyLimiterOptions { PermitLimit = limits.HeavyConcurrency, QueueLimit = 0 }));
        _limiter = PartitionedRateLimiter.CreateChained(_perClient, _server);
    }

    /// <summary>A permit to run now, or a lease that is not acquired.</summary>
    public RateLimitLease TryAcquire(HttpContext http) => _limiter.AttemptAcquire(http);

    /// <summary>How many expensive requests hold a permit now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>An expensive request started: no collection while it runs.</summary>
    public void Started()
    {
        Interlocked.Increment(ref _running);
        _trim.Change(Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>An expensive request ended: the memory is given back once none has run for a while.</summary>
    public void Ended()
    {
        if (Interlocked.Decrement(ref _running) == 0 && _trimAfter > TimeSpan.Zero)
        {
            Volatile.Write(ref _trims, 0);
            _trim.Change(_trimAfter, Timeout.InfiniteTimeSpan);
        }
    }

    private void Trim()
    {
        if (Volatile.Read(ref _running) > 0)
        {
            return;
        }

        var before = Environment.WorkingSet;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (Interlocked.Increment(ref _trims) == 1)
        {
            _trim.Change(PoolTrim, Timeout.InfiniteTimeSpan);
        }

        var info = GC.GetGCMemoryInfo(GCKind.Any);
        _log.LogInformation(
            "Gave back memory after expensive requests: working set {Before:N0} → {After:N0} MB in {Milliseconds:N0} ms (managed heap {Heap:N0} MB, committed {Committed:N0} MB)",
            before / 1048576, Environment.WorkingSet / 1048576, clock.ElapsedMilliseconds, info.HeapSizeBytes / 1048576, info.TotalCommittedBytes / 1048576);
    }

    public void Dispose()
    {
        _trim.Dispose();
        _limiter.Dispose();
        _perClient.Dispose();
        _server.Dispose();
    }
}

/// <summary>The live ingest requests' limit (<see cref="WorkLimits.RequireLiveLimit{TBuilder}"/>).</summary>
internal sealed class LiveRequests(IOptions<LimitsOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.LiveConcurrency,
        QueueLimit = options.Value.LiveQueue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    private readonly TimeSpan _wait = options.Value.LiveQueueTimeout;

    /// <summary>A permit, after a wait in the queue of at most <see cref="LimitsOptions.LiveQueueTimeout"/>; a lease that is not acquired when there was none.</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var now = _limiter.AttemptAcquire();
        if (now.IsAcquired || _wait <= TimeSpan.Zero)
        {
            return now;
        }

        now.Dispose();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_wait);
        try
        {
            return await _limiter.AcquireAsync(1, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Refused();
        }
    }

    public void Dispose() => _limiter.Dispose();

    private sealed class Refused : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
