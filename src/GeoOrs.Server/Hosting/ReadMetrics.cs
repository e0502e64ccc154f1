using System.Diagnostics.Metrics;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// The meter <c>GeoOrs.Database</c>: where reads went (the standby or the primary) by request class,
/// and how far the standby is behind (docs/adr/0026-read-replica.md).
/// </summary>
internal static class ReadMetrics
{
    public const string Name = "GeoOrs.Database";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Reads = Meter.CreateCounter<long>(
        "geoors.database.reads", "{read}", "Reads of the request classes that may use the read replica, by class and by where they went (replica, primary)");

    private static Func<ReplicaState>? _state;

    static ReadMetrics() =>
        Meter.CreateObservableGauge("geoors.database.replica.lag", ObserveLag, "ms",
            "How long ago the primary was first seen past what the read replica has replayed (0 when it is not behind); none without a replica or while it is lost");

    /// <summary>Counts a read sent to the standby or to the primary.</summary>
    public static void Read(string requestClass, bool replica) =>
        Reads.Add(1, new KeyValuePair<string, object?>("class", requestClass), new("source", replica ? "replica" : "primary"));

    /// <summary>Reports the standby's lag from its monitor.</summary>
    public static void Follow(Func<ReplicaState> state) => _state = state;

    private static IEnumerable<Measurement<long>> ObserveLag()
    {
        if (_state?.Invoke() is { Status: not "lost" } state)
        {
            yield return new Measurement<long>(state.LagMilliseconds);
        }
    }
}
