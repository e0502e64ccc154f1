using System.Globalization;
using GeoOrs.Data.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GeoOrs.Server;

/// <summary><c>/api/admin</c>: the audit log of point-level reads, and the agencies' sharing rules. Admin keys only.</summary>
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
        return app;
    }

    /// <summary>A sharing rule: the agencies that may see the owner's events besides itself.</summary>
    /// <param name="Partners">The partner agencies.</param>
    internal sealed record SharingRule(IReadOnlyList<string>? Partners);

    /// <summary>An audit row as served.</summary>
    internal sealed record AuditRow(
        long Id, DateTime At, string? KeyPrefix, string Role, string? Agency, string Endpoint, string? Detail, double[]? Bbox, long[]? Ids, int RowCount);

    internal static async Task<Results<Ok<AuditRow[]>, ValidationProblem>> AuditAsync(
        HttpRequest request, NpgsqlDataSource dataSource, AuditWriter writer, CancellationToken cancellationToken)
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
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                since = parsed;
            }
            else
            {
                errors["since"] = [$"'{text}' is not a date or an RFC 3339 time"];
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
        string agency, SharingRule? rule, NpgsqlDataSource dataSource, AccessViews access, DataVersions versions, CancellationToken cancellationToken)
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
        string agency, NpgsqlDataSource dataSource, AccessViews access, DataVersions versions, CancellationToken cancellationToken)
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
}
