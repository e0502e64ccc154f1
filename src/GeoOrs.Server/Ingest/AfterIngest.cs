using GeoOrs.Data.Ingest;
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
}
