using System.Globalization;
using System.Security.Claims;
using GeoOrs.Data.Access;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GeoOrs.Server.Access;

/// <summary>
/// <c>/api/admin</c>: the audit log of point-level reads and of writes made for other agencies, the
/// agencies' sharing rules, the fixed daily alert thresholds of areas (ODMAP's "N overdoses in 24
/// hours"), the keys' ingest delegations and the review of events stored under another agency than
/// their sender's. Admin keys only.
/// </summary>
internal static class AdminEndpoints
{
    private const int MaxAuditRows = 10_000;

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Administration").RequireAuthorization(AccessPolicies.Admin);
        group.MapGet("/audit", AuditAsync).WithName("GetAudit").WithQuery(AuditQuery);
        group.MapGet("/sharing", Sharing).WithName("GetSharingRules");
        group.MapPut("/sharing/{agency}", RestrictAsync).WithName("PutSharingRule").WithBodyExample(SharingRule.Example);
        group.MapDelete("/sharing/{agency}", OpenAsync).WithName("DeleteSharingRule");
        group.MapGet("/thresholds", ThresholdsAsync).WithName("GetAlertThresholds");
        group.MapPut("/thresholds/{kind}/{id}", PutThresholdAsync).WithName("PutAlertThreshold").WithBodyExample(ThresholdBody.Example);
        group.MapDelete("/thresholds/{kind}/{id}", DeleteThresholdAsync).WithName("DeleteAlertThreshold");
        group.MapGet("/delegations", DelegationsAsync).WithName("GetDelegations");
        group.MapGet("/delegations/{keyPrefix}", DelegationAsync).WithName("GetDelegation");
        group.MapPut("/delegations/{keyPrefix}", PutDelegationAsync).WithName("PutDelegation").WithBodyExample(DelegationBody.Example);
        group.MapDelete("/delegations/{keyPrefix}", DeleteDelegationAsync).WithName("DeleteDelegation");
        group.MapGet("/agency-review", AgencyReviewAsync).WithName("GetAgencyReview").WithQuery(AgencyReviewQuery);
        group.MapPut("/agency-review/{id:long}", SettleAgencyReviewAsync).WithName("SettleAgencyReview").WithBodyExample(Settlement.Example);
        return app;
    }

    /// <summary>A sharing rule: the agencies that may see the owner's events besides itself.</summary>
    /// <param name="Partners">The partner agencies.</param>
    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    internal sealed record SharingRule(IReadOnlyList<string>? Partners)
    {
        /// <summary>The document's example: the owner's events are shared with two partner agencies.</summary>
        public static SharingRule Example => new(["Tempe Police Department", "Maricopa County Department of Public Health"]);
    }

    /// <summary>The query parameters of <c>GET /api/admin/audit</c>, each at most once.</summary>
    internal static readonly IReadOnlyList<QueryParameter> AuditQuery =
    [
        new("since", "string", "Only rows from this time on: an RFC 3339 time or a date (YYYY-MM-DD)."),
        new("key", "string", "Only rows of the key with this prefix."),
        new("agency", "string", "Only rows of keys of this agency."),
        new("acting_for", "string", "Only writes made for this agency by another agency's key."),
        new("limit", "integer", $"The most rows, newest first, 1 to {MaxAuditRows:N0} (100)."),
    ];

    /// <summary>The query parameters of <c>GET /api/admin/agency-review</c>.</summary>
    internal static readonly IReadOnlyList<QueryParameter> AgencyReviewQuery =
    [
        new("open", "boolean", "true (default): only the rows not yet settled; false: every row."),
        new("limit", "integer", $"The most rows, oldest first, 1 to {MaxAuditRows:N0} (100)."),
    ];

    /// <summary>An audit row as served.</summary>
    internal sealed record AuditRow(
        long Id, DateTime At, string? KeyPrefix, string Role, string? Agency, string Endpoint, string? Detail, double[]? Bbox, long[]? Ids, int RowCount,
        string? ActingFor);

    internal static async Task<Results<Ok<AuditRow[]>, ValidationProblem>> AuditAsync(
        HttpRequest request, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, AuditWriter writer, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in request.Query)
        {
            if (!QueryParameter.Takes(AuditQuery, name))
            {
                errors[name] = [$"unknown parameter '{name}'; the parameters are {QueryParameter.Phrase(AuditQuery)}"];
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
        var entries = await AuditLog.ListAsync(dataSource, since, Text("key"), Text("agency"), limit, Text("acting_for"), cancellationToken);
        return TypedResults.Ok(entries.Select(e => new AuditRow(
            e.Id, e.At, e.KeyPrefix, Roles.Name(e.Role), e.Agency, e.Endpoint, e.Detail, e.Bbox, e.Ids, e.RowCount, e.ActingFor)).ToArray());
    }

    internal static Ok<Dictionary<string, string[]>> Sharing(AccessViews access) =>
        TypedResults.Ok(access.Rules.Restricted.ToDictionary(r => r.Key, r => r.Value.Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal));

    internal static async Task<Results<Ok<Dictionary<string, string[]>>, ValidationProblem>> RestrictAsync(
        string agency, SharingRule? rule, GeoOrsDbContext db, AccessViews access, DataVersions versions, CancellationToken cancellationToken)
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

        await SharingRules.RestrictAsync(db, agency, partners, cancellationToken);
        await ChangedAsync(access, versions, cancellationToken);
        return TypedResults.Ok(Sharing(access).Value!);
    }

    internal static async Task<Results<NoContent, ValidationProblem>> OpenAsync(
        string agency, GeoOrsDbContext db, AccessViews access, DataVersions versions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(agency) || agency.Length > 200 || agency.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["agency"] = ["an agency name is at most 200 characters without control characters"] });
        }

        await SharingRules.OpenAsync(db, agency, cancellationToken);
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
    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    internal sealed record ThresholdBody(int? Threshold)
    {
        /// <summary>The document's example: the area's day alerts at 5 overdoses.</summary>
        public static ThresholdBody Example => new(5);
    }

    internal static async Task<Ok<IReadOnlyList<AreaThreshold>>> ThresholdsAsync(GeoOrsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await AlertThresholds.ListAsync(db, cancellationToken));

    internal static async Task<Results<Ok<AreaThreshold>, ValidationProblem>> PutThresholdAsync(
        string kind, string id, ThresholdBody? body, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        if (ThresholdArea(kind, id) is { } problem)
        {
            return problem;
        }

        if (body?.Threshold is not ({ } threshold and >= 1 and <= 100_000))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["threshold"] = ["'threshold' is a whole number of overdoses a day from 1 to 100,000"] });
        }

        await AlertThresholds.SetAsync(db, new AreaThreshold(kind, id, threshold), cancellationToken);
        return TypedResults.Ok(new AreaThreshold(kind, id, threshold));
    }

    internal static async Task<Results<NoContent, ValidationProblem>> DeleteThresholdAsync(
        string kind, string id, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        if (ThresholdArea(kind, id) is { } problem)
        {
            return problem;
        }

        await AlertThresholds.DeleteAsync(db, kind, id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static ValidationProblem? ThresholdArea(string kind, string id) =>
        kind is not ("county" or "hidta" or "county_neighbors")
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["the kind of area is county, hidta or county_neighbors"] })
            : id.Length is 0 or > 100 || id.Any(char.IsControl)
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["an area id is 1 to 100 characters without control characters"] })
                : null;

    /// <summary>The agencies a key may submit events for besides its own.</summary>
    /// <param name="Agencies">The agencies.</param>
    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    internal sealed record DelegationBody(IReadOnlyList<string?>? Agencies)
    {
        /// <summary>The document's example: the key may submit for one other agency.</summary>
        public static DelegationBody Example => new(["Tempe Fire Medical Rescue"]);
    }

    /// <summary>A key's delegation as served: the key, its own agency and the others it may submit for.</summary>
    internal sealed record Delegation(string KeyPrefix, string KeyAgency, string KeyRole, IReadOnlyList<string> Agencies);

    internal static async Task<Ok<IReadOnlyDictionary<string, string[]>>> DelegationsAsync(GeoOrsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await IngestDelegations.ListAsync(db, cancellationToken));

    internal static async Task<Results<Ok<Delegation>, ProblemHttpResult>> DelegationAsync(
        string keyPrefix, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        if (await ApiKeys.InfoAsync(db, keyPrefix, cancellationToken) is not { } key)
        {
            return NoSuchKey(keyPrefix);
        }

        return TypedResults.Ok(new Delegation(key.Prefix, key.Agency, key.Role, await IngestDelegations.OfAsync(db, key.Prefix, cancellationToken)));
    }

    /// <summary>
    /// Lets a key submit events for the agencies named (replacing what it had): its rows may name them
    /// and keep them as their agency, and every batch that does is audited. Admins only; the grant is audited.
    /// </summary>
    internal static async Task<Results<Ok<Delegation>, ValidationProblem, ProblemHttpResult>> PutDelegationAsync(
        string keyPrefix, DelegationBody? body, HttpContext http, GeoOrsDbContext db, AccessViews access, CancellationToken cancellationToken)
    {
        var agencies = body?.Agencies;
        static bool Bad(string? name) => string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl);
        if (agencies is null || agencies.Any(Bad) || agencies.Count > IngestDelegations.MaxAgencies)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["agencies"] = [$"'agencies' is a list of agency names, each 1 to 200 characters without control characters, at most {IngestDelegations.MaxAgencies}: {{\"agencies\": [\"Tempe Fire Medical Rescue\"]}}"],
            });
        }

        if (await ApiKeys.InfoAsync(db, keyPrefix, cancellationToken) is not { } key)
        {
            return NoSuchKey(keyPrefix);
        }

        var names = agencies.Select(a => a!.Trim()).Where(a => a != key.Agency).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await IngestDelegations.ReplaceAsync(db, key.Prefix, names, http.User.FindFirstValue(GeoOrsClaims.Key), cancellationToken);
        await access.AuditAsync(http, $"key {key.Prefix} ({key.Agency}) may submit for: {string.Join(", ", names)}", null, null, names.Length, cancellationToken);
        return TypedResults.Ok(new Delegation(key.Prefix, key.Agency, key.Role, names));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteDelegationAsync(
        string keyPrefix, HttpContext http, GeoOrsDbContext db, AccessViews access, CancellationToken cancellationToken)
    {
        if (await ApiKeys.InfoAsync(db, keyPrefix, cancellationToken) is not { } key)
        {
            return NoSuchKey(keyPrefix);
        }

        var withdrawn = await IngestDelegations.DeleteAsync(db, key.Prefix, cancellationToken);
        await access.AuditAsync(http, $"key {key.Prefix} ({key.Agency}) submits for its own agency only", null, null, withdrawn, cancellationToken);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NoSuchKey(string keyPrefix) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such key", detail: $"No API key has the prefix '{keyPrefix}' (./geoors keys list shows them).");

    internal static async Task<Results<Ok<IReadOnlyList<AgencyReviewItem>>, ValidationProblem>> AgencyReviewAsync(
        HttpRequest request, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, _) in request.Query)
        {
            if (!QueryParameter.Takes(AgencyReviewQuery, name))
            {
                errors[name] = [$"unknown parameter '{name}'; the parameters are {QueryParameter.Phrase(AgencyReviewQuery)}"];
            }
        }

        var open = request.Query["open"].ToString() switch
        {
            "" or "true" => true,
            "false" => false,
            var other => Invalid(errors, "open", $"'{other}' is not true or false"),
        };
        var limit = 100;
        if (request.Query.ContainsKey("limit")
            && (!int.TryParse(request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxAuditRows))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {MaxAuditRows}"];
        }

        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(await AgencyReview.ListAsync(dataSource, open, limit, cancellationToken));
    }

    private static bool Invalid(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return false;
    }

    /// <summary>How an admin settles a flagged event: <c>confirmed</c> or <c>reattributed</c>, with a note.</summary>
    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    internal sealed record Settlement(string? Resolution, string? Note)
    {
        /// <summary>The document's example: the sender was entitled to name the agency.</summary>
        public static Settlement Example => new("confirmed", "The county's EMS agency submits for the fire department under a data sharing agreement.");
    }

    internal static async Task<Results<Ok<AgencyReviewItem>, ValidationProblem, ProblemHttpResult>> SettleAgencyReviewAsync(
        long id, Settlement? body, HttpContext http, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, DataVersions versions, CancellationToken cancellationToken)
    {
        if (body?.Resolution is not { } resolution || !AgencyReview.Resolutions.Contains(resolution))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["resolution"] = ["'resolution' is 'confirmed' (the event stays under the agency it names) or 'reattributed' (it moves to the agency of the batch that sent it)"],
            });
        }

        if (body.Note is { Length: > 2000 } || body.Note?.Contains('\0', StringComparison.Ordinal) == true)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["note"] = ["a note is at most 2,000 characters without NUL"] });
        }

        var outcome = await AgencyReview.SettleAsync(dataSource, id, resolution, http.User.FindFirstValue(GeoOrsClaims.Key), body.Note, cancellationToken);
        switch (outcome)
        {
            case AgencyReviewOutcome.NotFound:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such review", detail: $"No agency review row has the id {id}.");
            case AgencyReviewOutcome.AlreadySettled:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Settled already", detail: $"Agency review {id} was settled already.");
            case AgencyReviewOutcome.Conflict:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "External id taken",
                    detail: "The batch's agency already has an event with this external id, so this one cannot be moved there; confirm it or settle it by hand.");
        }

        if (resolution == "reattributed")
        {
            await versions.RefreshAsync(cancellationToken);
        }

        return TypedResults.Ok((await AgencyReview.GetAsync(dataSource, id, cancellationToken))!);
    }
}
