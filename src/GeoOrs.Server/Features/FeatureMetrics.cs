using System.Diagnostics.Metrics;
using GeoOrs.Data.Access;

namespace GeoOrs.Server.Features;

/// <summary>The meter <c>GeoOrs.Features</c>: OGC API – Features items served, by collection and the caller's role.</summary>
internal static class FeatureMetrics
{
    public const string Name = "GeoOrs.Features";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Items = Meter.CreateCounter<long>("geoors.ogc.items", "{feature}", "OGC API – Features items served, by collection and role");

    /// <summary>Records the features of an items page or of one item.</summary>
    public static void ItemsServed(string collection, Role role, int count) =>
        Items.Add(count, new KeyValuePair<string, object?>("collection", collection), new("role", Roles.Name(role)));
}
