using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json.Serialization;
using GeoOrs.Data.Access;
using GeoOrs.Data.Briefs;
using GeoOrs.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// <c>/api/briefs/archive/{id}</c> (a brief as it was sent) and <c>/api/briefs/subscriptions</c> (an
/// agency's weekly briefs, whose links are POSTed to a URL as alert webhooks are).
/// </summary>
internal static partial class BriefsEndpoints
{
    /// <summary>The query parameter of an archived brief.</summary>
    internal static readonly IReadOnlyList<QueryParameter> ArchiveQuery =
    [
        new("format", "string", "pdf (the default) or html.", null, ["pdf", "html"]),
    ];

    /// <summary>The most subscriptions an agency holds.</summary>
    public const int MaxSubscriptionsPerAgency = 200;

    private static void MapArchive(RouteGroupBuilder group) =>
        group.MapGet("/archive/{id:long}", ArchiveAsync).WithName("GetArchivedBrief").WithQuery(ArchiveQuery).WithBriefResponse();

    private static void MapSubscriptions(RouteGroupBuilder group)
    {
        var subscriptions = group.MapGroup("/subscriptions").RequireAuthorization(AccessPolicies.Partners);
        subscriptions.MapPost("", CreateSubscriptionAsync).WithName("CreateBriefSubscription").WithBodyExample(SubscriptionRequest.Example);
        subscriptions.MapGet("", ListSubscriptionsAsync).WithName("ListBriefSubscriptions");
        subscriptions.MapDelete("/{id:long}", DeleteSubscriptionAsync).WithName("DeleteBriefSubscription");
    }

    /// <summary>
    /// An archived brief as it was made and sent. A public brief is open to everyone; a partner's only
    /// to keys of the agency it was made for (and admins): others get 404, as if there were none.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> ArchiveAsync(
        long id, HttpContext http, Npgsql.NpgsqlDataSource dataSource, AccessViews access, CancellationToken cancellationToken)
    {
        var names = http.Request.Query.Keys.Where(k => !QueryParameter.Takes(ArchiveQuery, k)).ToList();
        var format = http.Request.Query["format"].ToString() is { Length: > 0 } f ? f : "pdf";
        if (names.Count > 0 || http.Request.Query["format"].Count > 1 || format is not ("pdf" or "html"))
        {
            return BadRequest(names.Count > 0 ? $"unknown parameter '{names[0]}' (an archived brief takes format)" : "'format' is pdf or html, given once");
        }

        var notFound = TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such brief", Detail = $"No archived brief {id} is open to the caller" });
        if (await BriefArchive.ReadAsync(dataSource, id, format, cancellationToken) is not { } found)
        {
            return notFound;
        }

        var view = access.For(http);
        if (found.Brief.Audience != "public")
        {
            if (view.Role < Role.Partner)
            {
                return AccessRules.Deny(http, "A partner's brief");
            }

            if (view.Role != Role.Admin && view.Agency != found.Brief.Agency)
            {
                return notFound;
            }
        }

        http.Response.Headers.ContentDisposition =
            $"inline; filename=\"geoors-brief-{found.Brief.AreaKind}-{found.Brief.AreaId}-{found.Brief.From:yyyyMMdd}-{found.Brief.To:yyyyMMdd}-{found.Brief.Audience}.{format}\"";
        return File(found.Bytes, format);
    }

    /// <summary>The body of <c>POST /api/briefs/subscriptions</c>.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record SubscriptionRequest(
        [property: Required, Description("KIND:ID of a county, HIDTA region or state: county:42003, hidta:ID, state:42")] string? Area,
        [property: Required, Description("the http or https URL the brief's link is POSTed to each Monday")] string? Url,
        [property: Description("partner (the default: full counts and alerts, as the agency sees them) or public")] string? Audience)
    {
        /// <summary>The document's example: Allegheny County's partner brief.</summary>
        public static SubscriptionRequest Example => new("county:42003", "https://alerts.example.org/geoors/briefs", "partner");
    }

    /// <summary>A subscription as served.</summary>
    internal sealed record SubscriptionView(long Id, string Area, string Audience, string Url, string Agency, string? KeyPrefix, DateTime CreatedAt)
    {
        public static SubscriptionView Of(BriefSubscriptionRow s) =>
            new(s.Id, $"{s.AreaKind}:{s.AreaId}", s.Audience, s.Url, s.Agency, s.KeyPrefix, s.CreatedAt.UtcDateTime);
    }

    /// <summary>A new subscription with the secret its POSTs are signed with, which is never shown again.</summary>
    internal sealed record CreatedSubscription(long Id, string Area, string Audience, string Url, string Agency, string? KeyPrefix, DateTime CreatedAt, string Secret);

    private static ValidationProblem SubscriptionProblem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The brief subscription is not valid");

    /// <summary>
    /// Subscribes the caller's agency to an area's weekly brief, POSTed to a URL that webhooks may reach
    /// (the same check as <c>/api/webhooks</c>, again at every delivery).
    /// </summary>
    internal static async Task<Results<Created<CreatedSubscription>, ValidationProblem, Conflict<ProblemDetails>>> CreateSubscriptionAsync(
        SubscriptionRequest? body, HttpContext http, GeoOrsDbContext db, WebhookTargets targets, IOptions<HttpOptions> options, CancellationToken cancellationToken)
    {
        if (options.Value.PublicBaseUrl.Length == 0)
        {
            return TypedResults.Conflict(new ProblemDetails
            {
                Status = 409, Title = "No public base URL",
                Detail = "Briefs are sent as links under Http:PublicBaseUrl, which this server does not have: an operator sets it (docs/OPERATIONS.md).",
            });
        }

        var colon = body?.Area?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (body?.Area is not { } area || colon < 0 || !BriefMaker.Kinds.Contains(area[..colon]))
        {
            return SubscriptionProblem("area", "'area' is KIND:ID with KIND county, hidta or state, e.g. county:42003");
        }

        var (kind, id) = (area[..colon], area[(colon + 1)..]);
        if (!await BriefSubscriptions.AreaExistsAsync(db, kind, id, cancellationToken))
        {
            return SubscriptionProblem("area", $"no {kind} has id '{id}'");
        }

        var audience = body.Audience ?? "partner";
        if (audience is not ("partner" or "public"))
        {
            return SubscriptionProblem("audience", "'audience' is partner or public");
        }

        var url = body.Url ?? "";
        if (url.Length > Data.Alerts.Webhooks.MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var target)
            || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps) || target.Host.Length == 0
            || url.Any(char.IsControl) || url.Any(char.IsWhiteSpace) || target.Fragment.Length > 0)
        {
            return SubscriptionProblem("url", $"'url' is an absolute http or https URL without a fragment, at most {Data.Alerts.Webhooks.MaxUrlLength} characters");
        }

        if (await targets.RefusalAsync(target, cancellationToken) is { } refusal)
        {
            return SubscriptionProblem("url", refusal);
        }

        var agency = http.User.FindFirstValue(GeoOrsClaims.Agency) ?? "";
        if (await BriefSubscriptions.CountOfAsync(db, agency, cancellationToken) >= MaxSubscriptionsPerAgency)
        {
            return SubscriptionProblem("area", $"an agency holds at most {MaxSubscriptionsPerAgency} brief subscriptions");
        }

        var row = new BriefSubscriptionRow
        {
            Agency = agency, KeyPrefix = http.User.FindFirstValue(GeoOrsClaims.Key), AreaKind = kind, AreaId = id, Audience = audience,
            Url = url, Secret = Data.Alerts.Webhooks.NewSecret(),
        };
        if (await BriefSubscriptions.ExistsAsync(db, row, cancellationToken))
        {
            return TypedResults.Conflict(new ProblemDetails { Status = 409, Title = "Already subscribed", Detail = $"Your agency already has the {audience} brief of {area} sent to this URL." });
        }

        await BriefSubscriptions.AddAsync(db, row, cancellationToken);
        var view = SubscriptionView.Of(row);
        return TypedResults.Created($"/api/briefs/subscriptions/{row.Id}",
            new CreatedSubscription(view.Id, view.Area, view.Audience, view.Url, view.Agency, view.KeyPrefix, view.CreatedAt, row.Secret));
    }

    /// <summary>The caller's agency's subscriptions (an admin's: every agency's).</summary>
    internal static async Task<Ok<SubscriptionView[]>> ListSubscriptionsAsync(HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        var agency = AccessRules.RoleOf(http.User) == Role.Admin ? null : http.User.FindFirstValue(GeoOrsClaims.Agency) ?? "";
        return TypedResults.Ok((await BriefSubscriptions.ListAsync(db, agency, cancellationToken)).Select(SubscriptionView.Of).ToArray());
    }

    /// <summary>Deletes one of the caller's agency's subscriptions (an admin: anyone's); 404 for others'.</summary>
    internal static async Task<Results<NoContent, NotFound>> DeleteSubscriptionAsync(long id, HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        var agency = http.User.FindFirstValue(GeoOrsClaims.Agency) ?? "";
        var admin = AccessRules.RoleOf(http.User) == Role.Admin;
        return await BriefSubscriptions.DeleteAsync(db, id, admin ? null : agency, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }
}
