using System.Diagnostics;
using System.Text.Json;
using GeoOrs.Data.Hotspots;
using GeoOrs.Data.Jobs;
using Hangfire.Server;
using Npgsql;

namespace GeoOrs.Server.Analysis;

/// <summary>What an analysis job found: its cells and alerts, the parameters it used and a summary.</summary>
internal sealed record AnalysisOutcome(
    IReadOnlyCollection<ResultCell> Cells, IReadOnlyList<Data.Alerts.NewAlert> Alerts, object Parameters, Dictionary<string, object?> Summary);

/// <summary>What an analysis run looks at (its days and parameters, recorded with the run) and the work that computes it.</summary>
internal sealed record AnalysisPlan(DateOnly From, DateOnly To, object Parameters, Func<CancellationToken, Task<AnalysisOutcome>> Compute);

/// <summary>
/// The bookkeeping every background job shares: its lock (one run of a job at a time across all
/// processes), its attempt in <c>job_runs</c> (attempts left <c>running</c> by a process that died
/// marked failed first) and, for the analysis jobs, its run in <c>analysis_runs</c> with the results
/// and alerts committed together with the run's success, or the failure recorded.
/// </summary>
internal static class AnalysisJob
{
    /// <summary>The reason of a firing of the schedule.</summary>
    public const string Schedule = "schedule";

    /// <summary>The reasons a run may be enqueued with.</summary>
    public static readonly IReadOnlyList<string> Reasons = [Schedule, "ingest", "manual"];

    /// <summary>How often a run waiting for the job's lock looks again.</summary>
    private static readonly TimeSpan LockPoll = TimeSpan.FromSeconds(1);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Runs <paramref name="work"/> as one attempt of the background job: holds the job's lock,
    /// records the attempt, and records its end. Returns without running when an attempt of the same
    /// background job already succeeded.
    /// </summary>
    public static async Task RunOnceAsync(
        NpgsqlDataSource dataSource, JobsInstance instance, ILogger logger, string job, PerformContext? context,
        Func<JobRunStart, CancellationToken, Task<object>> work, CancellationToken cancellationToken)
    {
        await using var held = await JobRunLock.AcquireAsync(dataSource, job, LockPoll, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var jobId = context?.BackgroundJob.Id ?? $"direct:{Guid.NewGuid():N}";
        var start = await JobRuns.StartAsync(dataSource, job, instance.Id, jobId, ScheduledFor(context), cancellationToken);
        if (start is null)
        {
            logger.LogInformation("{Job} job {Id} already succeeded: not run again", job, jobId);
            JobMetrics.Finished(job, "skipped", Stopwatch.GetElapsedTime(started));
            return;
        }

        await JobRuns.FailInterruptedAsync(dataSource, job, start.Id, cancellationToken);
        try
        {
            var detail = await work(start, cancellationToken);
            await JobRuns.FinishAsync(dataSource, start.Id, "succeeded", JsonSerializer.Serialize(detail, Json), CancellationToken.None);
            JobMetrics.Finished(job, "succeeded", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (e is not OutOfMemoryException) // any failure is the attempt's: recorded, then Hangfire's
        {
            logger.LogError(e, "{Job} job {Id} failed", job, jobId);
            await JobRuns.FinishAsync(dataSource, start.Id, "failed", JsonSerializer.Serialize(new { error = e.Message }, Json), CancellationToken.None);
            JobMetrics.Finished(job, "failed", Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    /// <summary>
    /// An analysis run: <see cref="RunOnceAsync"/> with its run in <c>analysis_runs</c>. The run's
    /// window and parameters are found by <paramref name="plan"/> within the attempt (they depend on the
    /// counties' zones), so a failure to find them is recorded as the attempt's.
    /// </summary>
    public static Task RunAsync(
        NpgsqlDataSource dataSource, JobsInstance instance, ILogger logger, string job, string kind, string reason, PerformContext? context,
        Func<CancellationToken, Task<AnalysisPlan>> plan, CancellationToken cancellationToken)
    {
        if (!Reasons.Contains(reason))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, $"not one of {string.Join(", ", Reasons)}");
        }

        return RunOnceAsync(dataSource, instance, logger, job, context, async (start, ct) =>
        {
            await AnalysisRuns.FailInterruptedAsync(dataSource, kind, ct);
            var (from, to, parameters, compute) = await plan(ct);
            var clock = Stopwatch.StartNew();
            var runId = await AnalysisRuns.StartAsync(
                dataSource, kind, start.Recovering ? "recovery" : reason, start.Id, JsonSerializer.Serialize(parameters, Json), from, to, ct);
            try
            {
                var outcome = await compute(ct);
                outcome.Summary["ms"] = clock.ElapsedMilliseconds;
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var added = await Data.Alerts.AlertStore.AddAsync(connection, transaction, runId, outcome.Alerts, ct);
                if (outcome.Alerts.Count > 0 || kind == "spikes")
                {
                    outcome.Summary["alerts"] = outcome.Alerts.Count;
                    outcome.Summary["new_alerts"] = added.Count;
                }

                await AnalysisRuns.SucceedAsync(connection, transaction, runId, outcome.Cells, JsonSerializer.Serialize(outcome.Parameters, Json),
                    JsonSerializer.Serialize(outcome.Summary, Json), clock.ElapsedMilliseconds, ct);
                await transaction.CommitAsync(ct);
                AlertMetrics.AlertsStored(kind, added.Count);
                logger.LogInformation("{Job} run {Run} finished in {Ms} ms", job, runId, clock.ElapsedMilliseconds);
                return new Dictionary<string, object?>(outcome.Summary) { ["run_id"] = runId };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                await AnalysisRuns.FailAsync(dataSource, runId, e.Message, clock.ElapsedMilliseconds);
                throw new AnalysisRunException(runId, e);
            }
        }, cancellationToken);
    }

    /// <summary>When the schedule fired the job (the recurring job scheduler's <c>Time</c> parameter), else null.</summary>
    private static DateTime? ScheduledFor(PerformContext? context)
    {
        var seconds = context?.GetJobParameter<long?>("Time", allowStale: true);
        return seconds is { } s ? DateTime.UnixEpoch.AddSeconds(s) : null;
    }
}

/// <summary>An analysis run that failed; its <c>analysis_runs</c> row says why.</summary>
internal sealed class AnalysisRunException(long runId, Exception inner)
    : Exception($"analysis run {runId} failed: {inner.Message}", inner)
{
    public long RunId { get; } = runId;
}
