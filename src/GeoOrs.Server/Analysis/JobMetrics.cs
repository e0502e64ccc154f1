using System.Diagnostics.Metrics;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// The meter <c>GeoOrs.Jobs</c>: background job attempts by job (hotspots, emerging,
/// spikes) and outcome (succeeded, failed, skipped), their durations, and failures.
/// </summary>
internal static class JobMetrics
{
    public const string Name = "GeoOrs.Jobs";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>("geoors.jobs.runs", "{run}", "Job attempts finished, by job and outcome");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("geoors.jobs.failures", "{run}", "Job attempts that failed, by job (0 from a job's first attempt on)");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram("geoors.jobs.duration", "ms", "Time a job attempt ran, by job and outcome", advice: Telemetry.Milliseconds);

    /// <summary>Records a finished attempt of <paramref name="job"/>: <c>succeeded</c>, <c>failed</c> or <c>skipped</c> (already done).</summary>
    public static void Finished(string job, string outcome, TimeSpan elapsed)
    {
        var jobTag = new KeyValuePair<string, object?>("job", job);
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        Runs.Add(1, jobTag, outcomeTag);
        Failures.Add(outcome == "failed" ? 1 : 0, jobTag);
        Duration.Record(elapsed.TotalMilliseconds, jobTag, outcomeTag);
    }
}
