using System.Diagnostics;
using Hangfire;
using Hangfire.Server;
using Npgsql;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// Refreshes the per-county event totals (<c>county_event_totals</c>) and records the run in
/// <c>job_runs</c>. Runs on one node of the cluster at a time.
/// </summary>
[AutomaticRetry(Attempts = 0)]
internal sealed class RefreshAggregatesJob(NpgsqlDataSource dataSource, JobsInstance instance, ILogger<RefreshAggregatesJob> logger)
{
    public const string Name = "refresh-aggregates";

    /// <summary>One refresh; the counties' and events' totals go in its <c>job_runs</c> row.</summary>
    public Task RunAsync(PerformContext? context, CancellationToken cancellationToken) =>
        AnalysisJob.RunOnceAsync(dataSource, instance, logger, Name, context, async (_, ct) =>
        {
            var clock = Stopwatch.StartNew();
            var totals = await Data.Jobs.CountyTotals.RefreshAsync(dataSource, ct);
            return new { counties = totals.Counties, overdoses = totals.Overdoses, seizures = totals.Seizures, ms = clock.ElapsedMilliseconds };
        }, cancellationToken);
}
