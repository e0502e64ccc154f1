using System.Globalization;
using GeoOrs.Data.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GeoOrs.Server;

/// <summary>
/// <c>/api/admin</c>: the audit log of point-level reads, the agencies' sharing rules, and the fixed
/// daily alert thresholds of areas (ODMAP's "N overdoses in 24 hours"). Admin keys only.
/// </summary>
internal static class AdminEndpoints
{
    private const int MaxAuditRows = 10_000;

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Administration").RequireAuthorization(AccessPolicies.Admin);
        group.MapGet("/audit", AuditAsync).WithName("GetAudit");
        group.MapGet("/sharing", Sharing).WithName("GetSharingRules");
        group.MapPut("/sharing/{agency}", RestrictAsync).WithName("PutSharingRule");
        group.MapDelete("/sharing/{agency}", OpenAsync).WithName("DeleteSharingRule");
        group.MapGet("/thresholds", ThresholdsAsync).WithName("GetAlertThresholds");
        group.MapPut("/thresholds/{kind}/{id}", PutThresholdAsync).WithName("PutAlertThreshold");
        group.MapDelete("/thresholds/{kind}/{id}", DeleteThresholdAsync).WithName("DeleteAlertThreshold");
        return app;
    }

    /// <summary>A sharing rule: the agencies that may see the owner's events besides itself.</summary>
    /// <param name="Partners">The partner agencies.</param>
    internal sealed record SharingRule(IReadOnlyList<string>? Partners);

    /// <summary>An audit row as served.</summary>
    internal sealed record AuditRow(
        long Id, DateTime At, string? KeyPrefix, string Role, string? Agency, string Endpoint, string? Detail, double[]? Bbox, long[]? Ids, int RowCount);

    internal static async Task<Results<Ok<AuditRow[]>, ValidationProblem>> AuditAsync(
        HttpRequest request, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, AuditWriter writer, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in request.Query)
        {
            if (name is not ("since" or "key" or "agency" or "limit"))
            {
                errors[name] = [$"unknown parameter '{name}'; the parameters are since, key, agency and limit"];
            }
            else if (values.Count != 1)
            {
                errors[name] = [$"'{name}' must be given once"];
            }
        }

        DateTimeOffset? since = null;
        if (request.Query["since"].ToString() is { Length: > 0 } text)
        {
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) && Data.EventDays.Contains(parsed))
            {
                since = parsed;
            }
            else
            {
                errors["since"] = [$"'{text}' is not a date or an RFC 3339 time from {Data.EventDays.Range}"];
            }
        }

        var limit = 100;
        if (request.Query.ContainsKey("limit")
            && (!int.TryParse(request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxAuditRows))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {MaxAuditRows}"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        string? Text(string name) => request.Query[name].ToString() is { Length: > 0 } value ? value : null;
        await writer.FlushAsync(cancellationToken); // this server's queued rows first
        var entries = await AuditLog.ListAsync(dataSource, since, Text("key"), Text("agency"), limit, cancellationToken);
        return TypedResults.Ok(entries.Select(e => new AuditRow(
            e.Id, e.At, e.KeyPrefix, Roles.Name(e.Role), e.Agency, e.Endpoint, e.Detail, e.Bbox, e.Ids, e.RowCount)).ToArray());
    }

    internal static Ok<Dictionary<string, string[]>> Sharing(AccessViews access) =>
        TypedResults.Ok(access.Rules.Restricted.ToDictionary(r => r.Key, r => r.Value.Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal));

    internal static async Task<Results<Ok<Dictionary<string, string[]>>, ValidationProblem>> RestrictAsync(
        string agency, SharingRule? rule, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, AccessViews access, DataVersions versions, CancellationToken cancellationToken)
    {
        var partners = rule?.Partners ?? [];
        static bool Bad(string? name) => string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl);
        if (Bad(agency) || partners.Any(Bad) || partners.Count > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["partners"] = ["agency and partner names are 1 to 200 characters without control characters, at most 1,000 partners"],
            });
        }

        await SharingRules.RestrictAsync(dataSource, agency, partners, cancellationToken);
        await ChangedAsync(access, versions, cancellationToken);
        return TypedResults.Ok(Sharing(access).Value!);
    }

    internal static async Task<Results<NoContent, ValidationProblem>> OpenAsync(
        string agency, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, AccessViews access, DataVersions versions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(agency) || agency.Length > 200 || agency.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["agency"] = ["an agency name is at most 200 characters without control characters"] });
        }

        await SharingRules.OpenAsync(dataSource, agency, cancellationToken);
        await ChangedAsync(access, versions, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>This server applies a changed rule before it answers (others on notification).</summary>
    private static async Task ChangedAsync(AccessViews access, DataVersions versions, CancellationToken cancellationToken)
    {
        await access.ReloadAsync(cancellationToken);
        await versions.RefreshAsync(cancellationToken);
    }

    /// <summary>An area's fixed daily threshold: its day alerts (method <c>threshold</c>) at this many overdoses or more.</summary>
    /// <param name="Threshold">The count, at least 1.</param>
    internal sealed record ThresholdBody(int? Threshold);

    internal sealed record AreaThreshold(string AreaKind, string AreaId, int Threshold);

    internal static async Task<Ok<List<AreaThreshold>>> ThresholdsAsync([FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT area_kind, area_id, threshold FROM alert_thresholds ORDER BY area_kind, area_id");
        var thresholds = new List<AreaThreshold>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            thresholds.Add(new AreaThreshold(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return TypedResults.Ok(thresholds);
    }

    internal static async Task<Results<Ok<AreaThreshold>, ValidationProblem>> PutThresholdAsync(
        string kind, string id, ThresholdBody? body, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (ThresholdArea(kind, id) is { } problem)
        {
            return problem;
        }

        if (body?.Threshold is not ({ } threshold and >= 1 and <= 100_000))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["threshold"] = ["'threshold' is a whole number of overdoses a day from 1 to 100,000"] });
        }

        await using var command = dataSource.CreateCommand("""
            INSERT INTO alert_thresholds (area_kind, area_id, threshold) VALUES ($1, $2, $3)
            ON CONFLICT (area_kind, area_id) DO UPDATE SET threshold = EXCLUDED.threshold
            """);
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(threshold);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return TypedResults.Ok(new AreaThreshold(kind, id, threshold));
    }

    internal static async Task<Results<NoContent, ValidationProblem>> DeleteThresholdAsync(
        string kind, string id, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (ThresholdArea(kind, id) is { } problem)
        {
            return problem;
        }

        await using var command = dataSource.CreateCommand("DELETE FROM alert_thresholds WHERE area_kind = $1 AND area_id = $2");
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static ValidationProblem? ThresholdArea(string kind, string id) =>
        kind is not ("county" or "hidta" or "county_neighbors")
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["the kind of area is county, hidta or county_neighbors"] })
            : id.Length is 0 or > 100 || id.Any(char.IsControl)
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["an area id is 1 to 100 characters without control characters"] })
                : null;
}
