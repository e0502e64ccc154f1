using System.Diagnostics.Metrics;

namespace GeoOrs.Server.Alerts;

/// <summary>
/// The meter <c>GeoOrs.Alerts</c>: alerts stored by the analysis runs, webhook delivery attempts and
/// their failures, changes of alerts' response state, and the alert streams (Server-Sent Events) open on this server.
/// </summary>
internal static class AlertMetrics
{
    public const string Name = "GeoOrs.Alerts";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Stored = Meter.CreateCounter<long>("geoors.alerts.stored", "{alert}", "New alerts stored by analysis runs, by the run's kind");
    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("geoors.webhooks.deliveries", "{attempt}", "Webhook delivery attempts, by outcome (delivered, retrying, failed: given up)");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("geoors.webhooks.failures", "{attempt}", "Webhook delivery attempts that did not get a 2xx, by whether it was the last (final)");
    private static readonly Counter<long> Changes = Meter.CreateCounter<long>("geoors.alerts.changes", "{change}", "Changes made to alerts' response state, by the status they leave the alert in");
    private static readonly UpDownCounter<long> Streams = Meter.CreateUpDownCounter<long>("geoors.alerts.streams", "{stream}", "Alert streams (Server-Sent Events) open on this server");

    /// <summary>Records the new alerts a run stored (its kind: spikes, hotspots, emerging).</summary>
    public static void AlertsStored(string kind, int count) => Stored.Add(count, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Records a change of an alert's state (its status after the change).</summary>
    public static void StatusChanged(string status) => Changes.Add(1, new KeyValuePair<string, object?>("status", status));

    /// <summary>Records a delivery attempt's outcome: delivered, or failed and tried again or not.</summary>
    public static void WebhookAttempt(bool delivered, bool last)
    {
        Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", delivered ? "delivered" : last ? "failed" : "retrying"));
        Failures.Add(delivered ? 0 : 1, new KeyValuePair<string, object?>("final", !delivered && last ? "true" : "false"));
    }

    /// <summary>Counts an open alert stream until the returned value is disposed.</summary>
    public static OpenStream StreamOpened()
    {
        Streams.Add(1);
        return default;
    }

    /// <summary>An open stream, counted down once disposed.</summary>
    internal readonly struct OpenStream : IDisposable
    {
        public void Dispose() => Streams.Add(-1);
    }
}
