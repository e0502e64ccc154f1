using System.Diagnostics;
using System.Text.Json;
using GeoOrs.Data.Hotspots;
using Npgsql;
using Quartz;

namespace GeoOrs.Server.Jobs;

/// <summary>What an analysis job found: its cells and alerts, the parameters it used and a summary.</summary>
internal sealed record AnalysisOutcome(
    IReadOnlyCollection<ResultCell> Cells, IReadOnlyList<Data.Alerts.NewAlert> Alerts, object Parameters, Dictionary<string, object?> Summary);

/// <summary>
/// The bookkeeping every analysis job shares: its firing in <c>job_runs</c>, its run in
/// <c>analysis_runs</c> (runs left <c>running</c> by a process that died marked failed first), the
/// results and alerts committed together with the run's success, or the failure recorded.
/// </summary>
internal static class AnalysisJob
{
    public const string ReasonKey = "reason";

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Why this firing runs: recovery after a crash, a large ingest, a manual trigger or the schedule.</summary>
    public static string ReasonOf(IJobExecutionContext context) =>
        context.Recovering ? "recovery"
        : context.MergedJobDataMap.TryGetString(ReasonKey, out var reason) && reason is "ingest" or "manual" ? reason
        : "schedule";

    public static async Task RunAsync(
        NpgsqlDataSource dataSource, ILogger logger, string job, string kind, IJobExecutionContext context, DateOnly from, DateOnly to, object parameters,
        Func<CancellationToken, Task<AnalysisOutcome>> compute, CancellationToken cancellationToken)
    {
        var jobRunId = await JobRuns.StartAsync(dataSource, job, context, cancellationToken);
        if (jobRunId is null)
        {
            return; // this firing was already recorded as finished
        }

        await JobRuns.FailInterruptedAsync(dataSource, job, jobRunId.Value, cancellationToken);
        await AnalysisRuns.FailInterruptedAsync(dataSource, kind, cancellationToken);
        var clock = Stopwatch.StartNew();
        var runId = await AnalysisRuns.StartAsync(
            dataSource, kind, ReasonOf(context), jobRunId, JsonSerializer.Serialize(parameters, Json), from, to, cancellationToken);
        try
        {
            var outcome = await compute(cancellationToken);
            outcome.Summary["ms"] = clock.ElapsedMilliseconds;
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var added = await Data.Alerts.AlertStore.AddAsync(connection, transaction, runId, outcome.Alerts, cancellationToken);
            if (outcome.Alerts.Count > 0 || kind == "spikes")
            {
                outcome.Summary["alerts"] = outcome.Alerts.Count;
                outcome.Summary["new_alerts"] = added.Count;
            }

            await AnalysisRuns.SucceedAsync(connection, transaction, runId, outcome.Cells, JsonSerializer.Serialize(outcome.Parameters, Json),
                JsonSerializer.Serialize(outcome.Summary, Json), clock.ElapsedMilliseconds, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            var detail = new Dictionary<string, object?>(outcome.Summary) { ["run_id"] = runId };
            await JobRuns.FinishAsync(dataSource, jobRunId.Value, "succeeded", JsonSerializer.Serialize(detail, Json), CancellationToken.None);
            logger.LogInformation("{Job} run {Run} finished in {Ms} ms", job, runId, clock.ElapsedMilliseconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException) // any failure is the run's: recorded, then Quartz's
        {
            logger.LogError(e, "{Job} run {Run} failed", job, runId);
            await AnalysisRuns.FailAsync(dataSource, runId, e.Message, clock.ElapsedMilliseconds);
            await JobRuns.FinishAsync(dataSource, jobRunId.Value, "failed", JsonSerializer.Serialize(new { error = e.Message, run_id = runId }), CancellationToken.None);
            throw new JobExecutionException(e);
        }
    }
}
