using System.Text.Json;
using System.Threading.Channels;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Alerts;

/// <summary>An alert or a change of one on its way to streams: its order, its event type, what streams filter on, and its JSON (made once for all of them).</summary>
internal sealed record FeedItem(long Seq, string Event, string AreaKind, string AreaId, string Method, byte[] Json);

/// <summary>
/// The one reader of new alerts for every stream this server holds open: woken by the
/// <c>alerts</c> notification (and after listening resumes, and by a timer as a safety net), it
/// reads the alerts stored since the last it saw, in <c>seq</c> order, once, and hands each to the
/// streams whose filter it passes. So a notification costs one query however many clients listen.
/// </summary>
/// <remarks>
/// The feed's watermark is the largest <c>seq</c> it has dealt with. A stream that subscribes is
/// given the watermark at that moment: every alert above it reaches the stream through its queue,
/// and the stream replays what it missed up to it from the database. <see cref="AlertStore.AddAsync"/>
/// serialises the storing of alerts, so no alert with a smaller <c>seq</c> can appear later.
/// </remarks>
internal sealed class AlertFeed(
    IDbContextFactory<GeoOrsDbContext> entities, NpgsqlDataSource dataSource, DataVersions versions, IOptions<AlertsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    ILogger<AlertFeed> log) : BackgroundService
{
    private const int Page = 500;

    /// <summary>The event type of a new alert, on streams and in webhooks' <c>X-GeoOrs-Event</c>.</summary>
    public const string AlertEvent = "alert";

    /// <summary>The event type of a change of an alert's state (its status, owner or assignee).</summary>
    public const string StatusEvent = "alert_status";

    /// <summary>The alerts a stream may fall behind by before it is closed (its client reconnects and replays).</summary>
    private const int QueueLength = 10_000;

    private readonly Lock _lock = new();
    private readonly HashSet<Subscription> _subscriptions = [];
    private readonly Wakeup _wakeup = new();
    private long _watermark;

    /// <summary>The streams subscribed now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>The serializer options of the API's JSON, so a streamed or POSTed alert reads as the listed one.</summary>
    public JsonSerializerOptions JsonOptions => json.Value.SerializerOptions;

    /// <summary>An alert as JSON, the same everywhere.</summary>
    public byte[] Serialize(StoredAlert alert) => JsonSerializer.SerializeToUtf8Bytes(alert, JsonOptions);

    /// <summary>A change of an alert's state as JSON, as <c>/api/alerts/{id}</c> lists it.</summary>
    public byte[] Serialize(AlertStatusChange change) => JsonSerializer.SerializeToUtf8Bytes(change, JsonOptions);

    /// <summary>
    /// The alerts and changes with <c>seq</c> after one and up to another that pass a filter, oldest
    /// first, at most <paramref name="limit"/>: the two are read apart and merged, and when either
    /// read was cut at the limit nothing beyond its last <c>seq</c> is returned, so none is skipped.
    /// </summary>
    public async Task<IReadOnlyList<FeedItem>> AfterAsync(
        GeoOrsDbContext db, long afterSeq, long? upToSeq, AlertFilter filter, int limit, CancellationToken cancellationToken)
    {
        var alerts = await AlertQuery.AfterAsync(db, afterSeq, upToSeq, filter, limit, cancellationToken);
        var changes = await AlertResponses.ChangesAfterAsync(dataSource, afterSeq, upToSeq, filter, limit, cancellationToken);
        var bound = long.MaxValue;
        if (alerts.Count == limit)
        {
            bound = alerts[^1].Seq;
        }

        if (changes.Count == limit)
        {
            bound = Math.Min(bound, changes[^1].Seq);
        }

        return [.. alerts.Select(a => new FeedItem(a.Seq, AlertEvent, a.AreaKind, a.AreaId, a.Method, Serialize(a)))
            .Concat(changes.Select(c => new FeedItem(c.Seq, StatusEvent, c.AreaKind, c.AreaId, c.Method, Serialize(c))))
            .Where(i => i.Seq <= bound).OrderBy(i => i.Seq).Take(limit)];
    }

    /// <summary>Subscribes a stream to the alerts that pass a filter, or returns null when <see cref="AlertsOptions.MaxStreams"/> are open.</summary>
    public Subscription? TrySubscribe(AlertFilter filter)
    {
        lock (_lock)
        {
            if (_subscriptions.Count >= options.Value.MaxStreams)
            {
                return null;
            }

            var subscription = new Subscription(this, filter, _watermark);
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _watermark = await AlertResponses.LatestSeqAsync(dataSource, cancellationToken);

        versions.Signalled += OnSignalled;
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        versions.Signalled -= OnSignalled;
        await base.StopAsync(cancellationToken);
        lock (_lock)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Writer.TryComplete();
            }

            _subscriptions.Clear();
        }
    }

    private void OnSignalled(string? signal)
    {
        if (signal is null or "alerts")
        {
            _wakeup.Set();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wakeup.WaitAsync(options.Value.PollInterval, stoppingToken);
                await ReadNewAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                log.LogWarning(e, "Could not read new alerts; trying again");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Reads the alerts above the watermark and hands them out (with no stream open, only moves the watermark).</summary>
    private async Task ReadNewAsync(CancellationToken cancellationToken)
    {
        await using var db = await entities.CreateDbContextAsync(cancellationToken);
        if (Count == 0)
        {
            var latest = await AlertResponses.LatestSeqAsync(dataSource, cancellationToken);
            lock (_lock)
            {
                if (_subscriptions.Count == 0)
                {
                    _watermark = Math.Max(_watermark, latest);
                    return;
                }
            }
        }

        while (true)
        {
            var items = await AfterAsync(db, Volatile.Read(ref _watermark), null, AlertFilter.All, Page, cancellationToken);
            lock (_lock)
            {
                foreach (var item in items.Where(i => i.Seq > _watermark))
                {
                    foreach (var subscription in _subscriptions.Where(s => s.Filter.Matches(item.AreaKind, item.AreaId, item.Method)).ToList())
                    {
                        if (!subscription.Writer.TryWrite(item))
                        {
                            // Too far behind: closed, so that its client reconnects and replays from the database.
                            subscription.Writer.TryComplete();
                            _subscriptions.Remove(subscription);
                        }
                    }

                    _watermark = item.Seq;
                }
            }

            if (items.Count < Page)
            {
                return;
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>One stream's queue of alerts; dispose it when the stream ends.</summary>
    internal sealed class Subscription : IDisposable
    {
        private readonly AlertFeed _feed;
        private readonly Channel<FeedItem> _queue = Channel.CreateBounded<FeedItem>(
            new BoundedChannelOptions(QueueLength) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        internal Subscription(AlertFeed feed, AlertFilter filter, long startSeq)
        {
            _feed = feed;
            Filter = filter;
            StartSeq = startSeq;
        }

        /// <summary>What the stream asked for.</summary>
        public AlertFilter Filter { get; }

        /// <summary>The feed's watermark when the stream subscribed: every alert above it comes through <see cref="Reader"/>.</summary>
        public long StartSeq { get; }

        public ChannelReader<FeedItem> Reader => _queue.Reader;

        internal ChannelWriter<FeedItem> Writer => _queue.Writer;

        public void Dispose()
        {
            _feed.Remove(this);
            _queue.Writer.TryComplete();
        }
    }
}
