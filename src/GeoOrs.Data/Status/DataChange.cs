using System.Globalization;
using System.Text.Json;
using GeoOrs.Data.Tiles;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Status;

/// <summary>A box in longitude and latitude (EPSG:4326), edges included.</summary>
/// <param name="West">The least longitude.</param>
/// <param name="South">The least latitude.</param>
/// <param name="East">The greatest longitude.</param>
/// <param name="North">The greatest latitude.</param>
public readonly record struct LonLatBox(double West, double South, double East, double North)
{
    /// <summary>The box of no point.</summary>
    public static LonLatBox Empty { get; } = new(double.PositiveInfinity, double.PositiveInfinity, double.NegativeInfinity, double.NegativeInfinity);

    /// <summary>Whether the box holds no point.</summary>
    public bool IsEmpty => West > East || South > North;

    /// <summary>The box grown to hold a point.</summary>
    /// <param name="lon">The point's longitude.</param>
    /// <param name="lat">The point's latitude.</param>
    /// <returns>The grown box.</returns>
    public LonLatBox With(double lon, double lat) =>
        new(Math.Min(West, lon), Math.Min(South, lat), Math.Max(East, lon), Math.Max(North, lat));

    /// <summary>Whether the boxes share a point (touching edges included).</summary>
    /// <param name="other">The other box.</param>
    /// <returns>Whether they intersect.</returns>
    public bool Intersects(LonLatBox other) =>
        !IsEmpty && !other.IsEmpty && West <= other.East && other.West <= East && South <= other.North && other.South <= North;
}

/// <summary>
/// What one commit changed of a kind of data: the counties (FIPS) of its events, the first and last
/// of their local days and the box of their positions (true and geomasked), or <see cref="Everything"/>
/// of the kind. A transaction that writes events adds each of them (<see cref="Add"/>) and, before it
/// commits, records the change (<see cref="RecordAsync"/>): the kind's version moves on and channel
/// <c>geoors_data</c> carries the change to every server at commit, which drops only the cached tiles
/// it reaches (docs/adr/0022-invalidation-by-what-changed.md). A change of more than
/// <see cref="MaxCounties"/> counties is sent as the whole kind, to keep the notification small.
/// </summary>
public sealed class DataChange
{
    /// <summary>The most counties a change names; one over more is a change of the whole kind.</summary>
    public const int MaxCounties = 400;

    private static readonly string[] Names = ["boundaries", "overdoses", "seizures", "hotspots"];

    private readonly HashSet<string> _counties = new(StringComparer.Ordinal);

    /// <summary>An empty change of a kind of data, for a transaction to add its events to.</summary>
    /// <param name="kind">The kind of data the transaction writes.</param>
    public DataChange(DataKind kind) => Kind = kind;

    /// <summary>The kind of data changed.</summary>
    public DataKind Kind { get; }

    /// <summary>Whether anything of the kind may have changed (the counties, days and box then mean nothing).</summary>
    public bool Everything { get; private set; }

    /// <summary>The kind's version after the change (0 until recorded or when not known).</summary>
    public long Version { get; private set; }

    /// <summary>The counties of the changed events (events outside every county have none).</summary>
    public IReadOnlyCollection<string> Counties => _counties;

    /// <summary>The first local day of the changed events.</summary>
    public DateOnly FirstDay { get; private set; } = DateOnly.MaxValue;

    /// <summary>The last local day of the changed events.</summary>
    public DateOnly LastDay { get; private set; } = DateOnly.MinValue;

    /// <summary>The box of the changed events' positions, true and geomasked.</summary>
    public LonLatBox Box { get; private set; } = LonLatBox.Empty;

    /// <summary>Whether the change holds no event (and is not of the whole kind).</summary>
    public bool IsEmpty => !Everything && FirstDay > LastDay;

    /// <summary>The name of a kind of data, as <c>data_versions</c> and the notifications spell it.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>boundaries, overdoses, seizures or hotspots.</returns>
    public static string NameOf(DataKind kind) => Names[(int)kind];

    /// <summary>A change of anything of a kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="version">Its version after the change, when known.</param>
    /// <returns>The change.</returns>
    public static DataChange All(DataKind kind, long version = 0) => new(kind) { Everything = true, Version = version };

    /// <summary>Adds an event: its county, its local day and its (true) position.</summary>
    /// <param name="county">Its county's FIPS, or null outside every county.</param>
    /// <param name="day">Its local day.</param>
    /// <param name="lon">Its longitude.</param>
    /// <param name="lat">Its latitude.</param>
    public void Add(string? county, DateOnly day, double lon, double lat)
    {
        if (Everything)
        {
            return;
        }

        if (county is not null && _counties.Add(county) && _counties.Count > MaxCounties)
        {
            Everything = true;
            _counties.Clear();
            return;
        }

        FirstDay = day < FirstDay ? day : FirstDay;
        LastDay = day > LastDay ? day : LastDay;
        Box = Box.With(lon, lat);
    }

    /// <summary>Adds another position an event is shown at (its geomasked one).</summary>
    /// <param name="lon">The longitude.</param>
    /// <param name="lat">The latitude.</param>
    public void AddPosition(double lon, double lat) => Box = Everything ? Box : Box.With(lon, lat);

    /// <summary>
    /// Records the change in the transaction that makes it (<c>geoors_bump_touched</c>, or
    /// <c>geoors_bump</c> for the whole kind): the kind's version moves on, and the change is announced
    /// at commit. Nothing is recorded for an empty change.
    /// </summary>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The kind's new version (also in <see cref="Version"/>), or 0 for an empty change.</returns>
    public async Task<long> RecordAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (IsEmpty)
        {
            return 0;
        }

        await using var command = new NpgsqlCommand(
            Everything ? "SELECT geoors_bump($1)" : "SELECT geoors_bump_touched($1, $2, $3, $4, $5, $6, $7, $8)", connection);
        command.Parameters.Add(new NpgsqlParameter<string>() { TypedValue = NameOf(Kind) });
        if (!Everything)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]>() { TypedValue = [.. _counties.Order(StringComparer.Ordinal)] });
            command.Parameters.Add(new NpgsqlParameter<DateOnly>() { TypedValue = FirstDay, NpgsqlDbType = NpgsqlDbType.Date });
            command.Parameters.Add(new NpgsqlParameter<DateOnly>() { TypedValue = LastDay, NpgsqlDbType = NpgsqlDbType.Date });
            foreach (var edge in new[] { Box.West, Box.South, Box.East, Box.North })
            {
                command.Parameters.Add(new NpgsqlParameter<double>() { TypedValue = edge });
            }
        }

        Version = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return Version;
    }

    /// <summary>Whether the change has events on a day of a window.</summary>
    /// <param name="from">The window's first day, or null for none.</param>
    /// <param name="to">The window's last day, or null for none.</param>
    /// <returns>Whether the window may see the change.</returns>
    public bool Reaches(DateOnly? from, DateOnly? to) =>
        Everything || (!IsEmpty && (from is null || LastDay >= from) && (to is null || FirstDay <= to));

    /// <summary>
    /// Reads a notification of channel <c>geoors_data</c> that announces a change of data: JSON with the
    /// kind and version, and, for a change of events, its counties, days and box.
    /// </summary>
    /// <param name="payload">The notification's payload.</param>
    /// <param name="change">The change, when it is one.</param>
    /// <returns>Whether the payload announces a change of data (other payloads name other signals).</returns>
    public static bool TryParse(string payload, out DataChange change)
    {
        ArgumentNullException.ThrowIfNull(payload);
        change = null!;
        if (!payload.StartsWith('{'))
        {
            return false;
        }

        using var json = ParseJson(payload);
        if (json?.RootElement is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("kind", out var name) || name.ValueKind != JsonValueKind.String
            || Array.IndexOf(Names, name.GetString()) is var kind && kind < 0)
        {
            return false;
        }

        var version = root.TryGetProperty("version", out var v) && v.TryGetInt64(out var number) ? number : 0;
        change = All((DataKind)kind, version); // also what a change reads as when its details cannot be read
        if (!root.TryGetProperty("box", out var box) || !root.TryGetProperty("days", out var days) || !root.TryGetProperty("counties", out var counties))
        {
            return true;
        }

        try
        {
            var touched = new DataChange((DataKind)kind) { Version = version };
            foreach (var county in counties.EnumerateArray())
            {
                touched._counties.Add(county.GetString()!);
            }

            touched.FirstDay = DateOnly.ParseExact(days[0].GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            touched.LastDay = DateOnly.ParseExact(days[1].GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            touched.Box = new LonLatBox(box[0].GetDouble(), box[1].GetDouble(), box[2].GetDouble(), box[3].GetDouble());
            change = touched;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentNullException or IndexOutOfRangeException)
        {
            // read as the whole kind
        }

        return true;
    }

    private static JsonDocument? ParseJson(string payload)
    {
        try
        {
            return JsonDocument.Parse(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
