using GeoOrs.Data.Alerts;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Status;
using GeoOrs.Data.Tiles;
using Npgsql;
using Hangfire;

namespace GeoOrs.Server.Ingest;

/// <summary>
/// What follows a batch, wherever it came from (the ingest endpoint or <c>./geoors ingest</c>): once
/// it has committed events, the process that stored them applies what they changed to its own caches
/// (so its next tile answer is made from the new data; other servers hear of the change by the
/// notification sent at commit, ADR 0022), and a batch of at least <see cref="AnalysisOptions.LargeIngestEvents"/>
/// overdoses enqueues a hot spot run at once, which whichever server runs jobs on the database takes.
/// </summary>
internal static class AfterIngest
{
    /// <summary>Whether a batch calls for a hot spot run now.</summary>
    /// <param name="kind">The batch's events.</param>
    /// <param name="batch">The batch as recorded.</param>
    /// <param name="settings">The analysis settings (<see cref="AnalysisOptions.LargeIngestEvents"/>; 0 turns this off).</param>
    public static bool CallsForHotspots(EventKind kind, IngestBatch batch, AnalysisOptions settings) =>
        batch.Status == "committed" && kind == EventKind.Overdoses && settings.LargeIngestEvents > 0 && batch.Accepted >= settings.LargeIngestEvents;

    /// <summary>Runs the steps after a batch; returns the hot spot run's job id when one was enqueued.</summary>
    /// <param name="kind">The batch's events.</param>
    /// <param name="batch">The batch as recorded.</param>
    /// <param name="settings">The analysis settings.</param>
    /// <param name="jobs">The job storage's client.</param>
    /// <param name="versions">This server's data versions, or null in a process that serves nothing (the command line).</param>
    public static Task<string?> RunAsync(EventKind kind, IngestBatch batch, AnalysisOptions settings, IBackgroundJobClient jobs, DataVersions? versions)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Status != "committed" || batch.Accepted == 0)
        {
            return Task.FromResult<string?>(null);
        }

        if (versions is not null && batch.Change is { } change)
        {
            versions.Apply(change); // the batch is stored: the sender's next request must see it
        }

        return Task.FromResult(CallsForHotspots(kind, batch, settings) ? AnalysisQueue.Enqueue(jobs, "hotspots", "ingest", settings) : null);
    }

    /// <summary>
    /// Runs the steps after a live request that stored events: this server applies what they changed
    /// to its own caches (the sender's next request sees the events), the fixed thresholds of the areas the events were
    /// added to are checked at once (<see cref="ThresholdCheck"/>: an alert is stored, streamed and
    /// queued for webhooks now rather than at the next spike run; should the check fail, that run
    /// stores it), and a large array enqueues a hot spot run as a large batch does.
    /// </summary>
    /// <param name="kind">The events' kind.</param>
    /// <param name="batch">What the request stored.</param>
    /// <param name="settings">The analysis settings.</param>
    /// <param name="jobs">The job storage's client.</param>
    /// <param name="versions">This server's data versions.</param>
    /// <param name="dataSource">The database.</param>
    /// <param name="clock">The clock (each area's today).</param>
    /// <param name="log">Where a failed check is reported.</param>
    public static async Task RunLiveAsync(
        EventKind kind, LiveBatch batch, AnalysisOptions settings, IBackgroundJobClient jobs, DataVersions versions, NpgsqlDataSource dataSource, TimeProvider clock, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Created == 0)
        {
            return;
        }

        if (batch.Change is { } change)
        {
            versions.Apply(change); // the events are stored: the sender's next request must see them
        }

        await CheckThresholdsAsync(batch.Change, settings, dataSource, clock, log);
        if (kind == EventKind.Overdoses && settings.LargeIngestEvents > 0 && batch.Created >= settings.LargeIngestEvents)
        {
            AnalysisQueue.Enqueue(jobs, "hotspots", "ingest", settings);
        }
    }

    /// <summary>
    /// Checks at once the fixed thresholds of the areas a committed change of overdoses reached
    /// (<see cref="ThresholdCheck"/>): an alert is stored, streamed and queued for webhooks now rather
    /// than at the next spike run. Not cancelled with the client (the events are stored, their alerts
    /// are owed); should the check fail, the spike job stores the alert at its next run.
    /// </summary>
    /// <param name="change">What the commit changed, or null.</param>
    /// <param name="settings">The analysis settings (the spike days, the as-of date).</param>
    /// <param name="dataSource">The database.</param>
    /// <param name="clock">The clock (each area's today).</param>
    /// <param name="log">Where alerts and a failed check are reported.</param>
    public static async Task CheckThresholdsAsync(DataChange? change, AnalysisOptions settings, NpgsqlDataSource dataSource, TimeProvider clock, ILogger log)
    {
        if (change is null || change.Kind != DataKind.Overdoses)
        {
            return;
        }

        try
        {
            using var limit = new CancellationTokenSource(ThresholdCheckTimeout);
            var alerts = await ThresholdCheck.CheckAsync(dataSource, change, settings.AsOfDay, settings.SpikeDays, clock.GetUtcNow(), limit.Token);
            foreach (var alert in alerts)
            {
                log.LogInformation("Threshold alert {Alert}: {Kind} {Area} has {Observed} overdoses on {Day} (threshold {Threshold})",
                    alert.Id, alert.AreaKind, alert.AreaId, alert.Observed, alert.Day, alert.Threshold);
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            log.LogWarning(e, "The fixed thresholds were not checked at ingest (version {Version}); the spike job checks them at its next run", change.Version);
        }
    }

    /// <summary>How long the threshold check after a commit may take.</summary>
    private static readonly TimeSpan ThresholdCheckTimeout = TimeSpan.FromSeconds(4);
}
