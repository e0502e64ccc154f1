using System.Data.Common;
using GeoOrs.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GeoOrs.Data.Alerts;

/// <summary>A stored alert, as the API, the stream and webhooks show it.</summary>
/// <param name="Id">The stable id (<see cref="NewAlert.IdOf"/>): the same area, method and day always have the same id.</param>
/// <param name="Seq">The order of storing: larger is later, and a reader that has seen one has seen every smaller one.</param>
/// <param name="AreaKind">county, hidta or county_neighbors.</param>
/// <param name="AreaId">The county's FIPS code or the HIDTA's id.</param>
/// <param name="AreaName">The area's name.</param>
/// <param name="Method">ears_c1, ears_c2, ears_c3, ewma, threshold, novel_substance or drug_share_rise.</param>
/// <param name="Day">The day: the area's local date (docs/adr/0021-local-days.md; an area spanning two zones counts each member county's own local day).</param>
/// <param name="Observed">The day's count.</param>
/// <param name="Expected">The baseline's mean, when the method has one.</param>
/// <param name="Statistic">The method's statistic.</param>
/// <param name="Threshold">What the statistic had to exceed.</param>
/// <param name="CreatedAt">When it was stored (UTC).</param>
/// <param name="RunId">The analysis run that found it.</param>
/// <param name="Drug">The drug it is about (novel_substance, drug_share_rise); null for the methods over all overdoses.</param>
public sealed record StoredAlert(
    string Id, long Seq, string AreaKind, string AreaId, string? AreaName, string Method, DateOnly Day, int Observed,
    double? Expected, double? Statistic, double? Threshold, DateTime CreatedAt, long? RunId, string? Drug = null);

/// <summary>Which alerts to read; a null member does not filter.</summary>
/// <param name="AreaKind">Only this kind of area.</param>
/// <param name="AreaId">Only this area (with <paramref name="AreaKind"/>).</param>
/// <param name="Method">Only this method's alerts.</param>
/// <param name="Since">Only alerts stored at or after this time.</param>
/// <param name="From">Only alerts of this day or later (the alerts' days are their areas' local dates).</param>
/// <param name="To">Only alerts of this day or earlier (a local date).</param>
public sealed record AlertFilter(
    string? AreaKind = null, string? AreaId = null, string? Method = null, DateTimeOffset? Since = null, DateOnly? From = null, DateOnly? To = null)
{
    /// <summary>No filter.</summary>
    public static AlertFilter All { get; } = new();

    /// <summary>Whether an alert passes the area and method filters (the ones a live stream applies).</summary>
    /// <param name="areaKind">The alert's area kind.</param>
    /// <param name="areaId">The alert's area id.</param>
    /// <param name="method">The alert's method.</param>
    /// <returns>Whether it matches.</returns>
    public bool Matches(string areaKind, string areaId, string method) =>
        (AreaKind is null || AreaKind == areaKind) && (AreaId is null || AreaId == areaId) && (Method is null || Method == method);
}

/// <summary>Reads stored alerts.</summary>
public static class AlertQuery
{
    /// <summary>The kinds of area an alert is about.</summary>
    public static readonly IReadOnlyList<string> AreaKinds = ["county", "hidta", "county_neighbors"];

    /// <summary>The methods that find alerts.</summary>
    public static readonly IReadOnlyList<string> Methods = ["ears_c1", "ears_c2", "ears_c3", "ewma", "threshold", "novel_substance", "drug_share_rise"];

    /// <summary>The longest area id taken.</summary>
    public const int MaxAreaIdLength = 100;

    private const string Columns = "id, seq, area_kind, area_id, area_name, method, day, observed, expected, statistic, threshold, created_at, run_id, drug";

    /// <summary>
    /// Reads an area written <c>KIND:ID</c> (<c>county:42003</c>, <c>hidta:appalachia</c>,
    /// <c>county_neighbors:42003</c>).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="kind">The area's kind.</param>
    /// <param name="id">The area's id.</param>
    /// <param name="error">Why the text is not an area, or null.</param>
    /// <returns>Whether it is one.</returns>
    public static bool TryParseArea(string? text, out string kind, out string id, out string? error)
    {
        kind = id = "";
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon < 0)
        {
            error = $"an area is KIND:ID with KIND one of {string.Join(", ", AreaKinds)}, e.g. county:42003";
            return false;
        }

        kind = text[..colon];
        id = text[(colon + 1)..];
        if (!AreaKinds.Contains(kind))
        {
            error = $"'{kind}' is not an area kind: {string.Join(", ", AreaKinds)}";
            return false;
        }

        if (id.Length is 0 or > MaxAreaIdLength || id.Any(char.IsControl) || id.Trim().Length != id.Length)
        {
            error = $"the area id is 1 to {MaxAreaIdLength} characters, without control characters or surrounding spaces";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The alerts that pass a filter, newest (largest <c>seq</c>) first.</summary>
    /// <param name="db">The database.</param>
    /// <param name="filter">The filter.</param>
    /// <param name="limit">The most alerts returned.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The alerts.</returns>
    public static async Task<IReadOnlyList<StoredAlert>> ListAsync(GeoOrsDbContext db, AlertFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await Filtered(db, filter).OrderByDescending(a => a.Seq).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(Of)];
    }

    /// <summary>The alerts with <c>seq</c> after one and up to another that pass a filter, oldest first.</summary>
    /// <param name="db">The database.</param>
    /// <param name="afterSeq">Only alerts with a larger <c>seq</c>.</param>
    /// <param name="upToSeq">Only alerts with this <c>seq</c> or a smaller one, or null for no bound.</param>
    /// <param name="filter">The filter.</param>
    /// <param name="limit">The most alerts returned.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The alerts in <c>seq</c> order.</returns>
    public static async Task<IReadOnlyList<StoredAlert>> AfterAsync(
        GeoOrsDbContext db, long afterSeq, long? upToSeq, AlertFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await Filtered(db, filter)
            .Where(a => a.Seq > afterSeq && (upToSeq == null || a.Seq <= upToSeq))
            .OrderBy(a => a.Seq).Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(Of)];
    }

    /// <summary>The largest <c>seq</c> stored, or 0 when there is no alert.</summary>
    /// <param name="db">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The largest <c>seq</c>.</returns>
    public static async Task<long> LatestSeqAsync(GeoOrsDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Alerts.MaxAsync(a => (long?)a.Seq, cancellationToken).ConfigureAwait(false) ?? 0;
    }

    private static IQueryable<Alert> Filtered(GeoOrsDbContext db, AlertFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (kind, area, method, since, from, to) = (filter.AreaKind, filter.AreaId, filter.Method, filter.Since?.ToUniversalTime(), filter.From, filter.To);
        var alerts = db.Alerts.AsNoTracking();
        alerts = kind is null ? alerts : alerts.Where(a => a.AreaKind == kind);
        alerts = area is null ? alerts : alerts.Where(a => a.AreaId == area);
        alerts = method is null ? alerts : alerts.Where(a => a.Method == method);
        alerts = since is null ? alerts : alerts.Where(a => a.CreatedAt >= since.Value);
        alerts = from is null ? alerts : alerts.Where(a => a.Day >= from.Value);
        return to is null ? alerts : alerts.Where(a => a.Day <= to.Value);
    }

    private static StoredAlert Of(Alert a) => new(
        a.Id, a.Seq, a.AreaKind, a.AreaId, a.AreaName, a.Method, a.Day, a.Observed, a.Expected, a.Statistic, a.Threshold, a.CreatedAt.UtcDateTime, a.RunId, a.Drug);

    /// <summary>Reads an alert from a row whose first columns are those of <see cref="StoredAlert"/>, in order, from <paramref name="at"/>.</summary>
    /// <param name="reader">The reader, on the row.</param>
    /// <param name="at">The ordinal of the alert's id.</param>
    /// <returns>The alert.</returns>
    internal static StoredAlert Read(DbDataReader reader, int at = 0)
    {
        double? Number(int i) => reader.IsDBNull(at + i) ? null : reader.GetDouble(at + i);
        return new StoredAlert(
            reader.GetString(at), reader.GetInt64(at + 1), reader.GetString(at + 2), reader.GetString(at + 3),
            reader.IsDBNull(at + 4) ? null : reader.GetString(at + 4), reader.GetString(at + 5), reader.GetFieldValue<DateOnly>(at + 6),
            reader.GetInt32(at + 7), Number(8), Number(9), Number(10), reader.GetDateTime(at + 11), reader.IsDBNull(at + 12) ? null : reader.GetInt64(at + 12),
            reader.IsDBNull(at + 13) ? null : reader.GetString(at + 13));
    }

    /// <summary>The alert columns in the order <see cref="Read"/> takes them, each prefixed with a table alias.</summary>
    /// <param name="alias">The alias of <c>alerts</c>.</param>
    /// <returns>The column list.</returns>
    internal static string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(c => $"{alias}.{c}"));
}
