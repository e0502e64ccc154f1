using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GeoOrs.Data.Ingest;

namespace GeoOrs.Server.Ingest;

/// <summary>
/// The meter <c>GeoOrs.Ingest</c>: batches, rows stored, rejected and duplicate, and batch durations,
/// by kind of event and agency (bounded: <see cref="TelemetryOptions.MaxAgencyTags"/>), from the
/// ingest endpoints and <c>geoors ingest</c> alike (<see cref="BatchFinished"/>).
/// </summary>
internal static class IngestMetrics
{
    public const string Name = "GeoOrs.Ingest";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Batches = Meter.CreateCounter<long>("geoors.ingest.batches", "{batch}", "Batches finished, by kind, source (http, cli) and outcome (committed, rejected, failed)");
    private static readonly Counter<long> Rows = Meter.CreateCounter<long>("geoors.ingest.rows", "{event}", "Events stored by committed batches (its rate is rows per second)");
    private static readonly Counter<long> Rejects = Meter.CreateCounter<long>("geoors.ingest.rejects", "{row}", "Rows rejected as invalid");
    private static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("geoors.ingest.duplicates", "{row}", "Rows left out as repeats of stored events");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram("geoors.ingest.batch.duration", "ms", "Time from a batch's first byte to its commit or rejection", advice: Telemetry.Milliseconds);

    private static readonly ConcurrentDictionary<string, byte> Agencies = new(StringComparer.Ordinal);

    /// <summary>How many distinct agencies are named before the rest count as <c>other</c>.</summary>
    internal static int MaxAgencies { get; set; } = 100;

    /// <summary>Records a finished batch: call it once the batch has committed or been rejected.</summary>
    /// <param name="batch">The batch as recorded.</param>
    /// <param name="source"><c>http</c> or <c>cli</c>.</param>
    /// <param name="elapsed">How long it took.</param>
    public static void BatchFinished(IngestBatch batch, string source, TimeSpan elapsed)
    {
        var kind = new KeyValuePair<string, object?>("kind", batch.Kind);
        var agency = new KeyValuePair<string, object?>("agency", AgencyTag(batch.Agency));
        Batches.Add(1, kind, new("source", source), new("outcome", batch.Status));
        Rows.Add(batch.Status == "committed" ? batch.Accepted : 0, kind, agency);
        Rejects.Add(batch.Rejected, kind, agency);
        Duplicates.Add(batch.Duplicates, kind, agency);
        Duration.Record(elapsed.TotalMilliseconds, kind, new("source", source), new("outcome", batch.Status));
    }

    /// <summary>Records a live request (single event or array) that committed or stored nothing.</summary>
    /// <param name="kind">Its events.</param>
    /// <param name="batch">What it stored.</param>
    /// <param name="elapsed">How long it took.</param>
    public static void LiveFinished(EventKind kind, LiveBatch batch, TimeSpan elapsed)
    {
        var name = new KeyValuePair<string, object?>("kind", EventKindInfo.Of(kind).Name);
        var outcome = new KeyValuePair<string, object?>("outcome", batch.BatchId is null ? "rejected" : "committed");
        var source = new KeyValuePair<string, object?>("source", "live");
        var agency = new KeyValuePair<string, object?>("agency", AgencyTag(batch.Events.FirstOrDefault(e => e.Agency is not null)?.Agency ?? "none"));
        Batches.Add(1, name, source, outcome);
        Rows.Add(batch.Created, name, agency);
        Rejects.Add(batch.Events.Count(e => !e.Valid), name, agency);
        Duplicates.Add(batch.Events.Count(e => e.Valid && e.Duplicate), name, agency);
        Duration.Record(elapsed.TotalMilliseconds, name, source, outcome);
    }

    /// <summary>
    /// The agency as a tag: agencies come from keys an admin registers, but an admin key or the command
    /// line may name any agency, so only the first <see cref="MaxAgencies"/> distinct names are kept.
    /// </summary>
    internal static string AgencyTag(string agency)
    {
        if (Agencies.ContainsKey(agency))
        {
            return agency;
        }

        if (Agencies.Count < MaxAgencies && agency.Length <= 100)
        {
            Agencies.TryAdd(agency, 0);
            return agency;
        }

        return "other";
    }
}
