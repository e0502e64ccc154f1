using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Access;
using GeoOrs.Data.Alerts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Alerts;

/// <summary>
/// <c>/api/webhooks</c>: subscriptions that have new alerts POSTed to a URL, signed with a secret
/// shown once (<see cref="WebhookDelivery"/> delivers them). Analyst, law enforcement and admin
/// callers; a subscription belongs to the caller's agency, whose callers alone see and delete it
/// (admins see and delete every one).
/// </summary>
internal static class WebhooksEndpoints
{
    /// <summary>The deliveries a subscription's page shows.</summary>
    public const int RecentDeliveries = 50;

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/webhooks").WithTags("Webhooks").RequireAuthorization(AccessPolicies.Analysts);
        group.MapPost("", CreateAsync).WithName("CreateWebhook").WithJsonBody(WebhookRequest.Example);
        group.MapGet("", ListAsync).WithName("ListWebhooks");
        group.MapGet("/{id:long}", GetAsync).WithName("GetWebhook");
        group.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteWebhook");
        return app;
    }

    /// <summary>The body of <c>POST /api/webhooks</c>: a new subscription.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record WebhookRequest(
        [property: Required, Description("the http or https URL alerts are POSTed to")] string Url,
        [property: Description("KIND:ID (county:42003, hidta:ID, county_neighbors:FIPS); every area when left out")] string? Area,
        [property: Description("the alert methods to send; every method when left out")] IReadOnlyList<string>? Methods)
    {
        /// <summary>The document's example: a county's EARS and threshold alerts.</summary>
        public static WebhookRequest Example => new("https://alerts.example.org/geoors", "county:04013", ["ears_c2", "threshold"]);
    }

    /// <summary>A subscription as served; its area as <c>KIND:ID</c>, or null for every area.</summary>
    internal sealed record WebhookView(long Id, string Url, string? Area, IReadOnlyList<string> Methods, string? Agency, string? KeyPrefix, DateTime CreatedAt)
    {
        public static WebhookView Of(Webhook w) =>
            new(w.Id, w.Url, w.AreaKind is null ? null : $"{w.AreaKind}:{w.AreaId}", w.Methods, w.Agency, w.KeyPrefix, w.CreatedAt);
    }

    /// <summary>A new subscription with its signing secret, which is never shown again.</summary>
    internal sealed record CreatedWebhook(
        long Id, string Url, string? Area, IReadOnlyList<string> Methods, string? Agency, string? KeyPrefix, DateTime CreatedAt, string Secret);

    /// <summary>A subscription with its delivery counts and most recent deliveries.</summary>
    internal sealed record WebhookDetail(
        long Id, string Url, string? Area, IReadOnlyList<string> Methods, string? Agency, string? KeyPrefix, DateTime CreatedAt,
        WebhookDeliveryCounts Deliveries, IReadOnlyList<DeliveryView> Recent);

    internal sealed record DeliveryView(
        string AlertId, string Status, int Attempts, DateTime? NextAttemptAt, DateTime? DeliveredAt, DateTime? FailedAt, int? LastStatus, string? LastError);

    private static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The webhook is not valid");

    internal static async Task<Results<Created<CreatedWebhook>, ValidationProblem>> CreateAsync(
        HttpRequest request, GeoOrsDbContext db, WebhookTargets targets, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Problem("body", "send the subscription as application/json: {\"url\": ..., \"area\": ..., \"methods\": [...]}");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 8 }, cancellationToken);
        }
        catch (JsonException e)
        {
            return Problem("body", $"the body is not JSON: {e.Message}");
        }

        string url;
        Uri? target;
        string? areaKind = null, areaId = null;
        var methods = new List<string>();
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Problem("body", "the subscription is one JSON object");
            }

            try
            {
                JsonRequest.Members(root, json.Value.SerializerOptions.GetTypeInfo(typeof(WebhookRequest)), "");
            }
            catch (JsonRequest.Invalid e)
            {
                return Problem(e.Field, e.Message);
            }

            if (!root.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String)
            {
                return Problem("url", "'url' is required: the http or https URL alerts are POSTed to");
            }

            url = urlElement.GetString()!;
            if (url.Length > Webhooks.MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out target)
                || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps) || target.Host.Length == 0
                || url.Any(char.IsControl) || url.Any(char.IsWhiteSpace) || target.Fragment.Length > 0)
            {
                return Problem("url", $"'url' is an absolute http or https URL without a fragment, at most {Webhooks.MaxUrlLength} characters");
            }

            if (root.TryGetProperty("area", out var areaElement) && areaElement.ValueKind != JsonValueKind.Null)
            {
                if (areaElement.ValueKind != JsonValueKind.String)
                {
                    return Problem("area", "'area' is a string KIND:ID, e.g. county:42003");
                }

                if (!AlertQuery.TryParseArea(areaElement.GetString(), out var kind, out var id, out var error))
                {
                    return Problem("area", error!);
                }

                (areaKind, areaId) = (kind, id);
            }

            if (root.TryGetProperty("methods", out var methodsElement) && methodsElement.ValueKind != JsonValueKind.Null)
            {
                if (methodsElement.ValueKind != JsonValueKind.Array)
                {
                    return Problem("methods", $"'methods' is an array of methods: {string.Join(", ", AlertQuery.Methods)}");
                }

                foreach (var method in methodsElement.EnumerateArray())
                {
                    if (method.ValueKind != JsonValueKind.String || !AlertQuery.Methods.Contains(method.GetString()))
                    {
                        return Problem("methods", $"{method.GetRawText()} is not a method: {string.Join(", ", AlertQuery.Methods)}");
                    }

                    if (!methods.Contains(method.GetString()!))
                    {
                        methods.Add(method.GetString()!);
                    }
                }
            }
        }

        // Where it may go: public addresses, or receivers an admin admitted (checked again at every delivery).
        if (await targets.RefusalAsync(target, cancellationToken) is { } refusal)
        {
            return Problem("url", refusal);
        }

        var user = request.HttpContext.User;
        var secret = Webhooks.NewSecret();
        var webhook = await Webhooks.CreateAsync(
            db, url, secret, user.FindFirstValue(GeoOrsClaims.Agency), user.FindFirstValue(GeoOrsClaims.Key),
            areaKind, areaId, methods, cancellationToken);
        var view = WebhookView.Of(webhook);
        return TypedResults.Created($"/api/webhooks/{webhook.Id}",
            new CreatedWebhook(view.Id, view.Url, view.Area, view.Methods, view.Agency, view.KeyPrefix, view.CreatedAt, secret));
    }

    internal static async Task<Ok<WebhookView[]>> ListAsync(HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        var webhooks = await Webhooks.ListAsync(db, IsAdmin(http) ? null : http.User.FindFirstValue(GeoOrsClaims.Agency) ?? "", cancellationToken);
        return TypedResults.Ok(webhooks.Select(WebhookView.Of).ToArray());
    }

    internal static async Task<Results<Ok<WebhookDetail>, NotFound>> GetAsync(long id, HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        if (await Webhooks.GetAsync(db, id, cancellationToken) is not { } webhook || !Owns(http, webhook))
        {
            return TypedResults.NotFound();
        }

        var (recent, counts) = await Webhooks.DeliveriesAsync(db, id, RecentDeliveries, cancellationToken);
        var view = WebhookView.Of(webhook);
        return TypedResults.Ok(new WebhookDetail(
            view.Id, view.Url, view.Area, view.Methods, view.Agency, view.KeyPrefix, view.CreatedAt, counts,
            [.. recent.Select(d => new DeliveryView(
                d.AlertId, d.Status, d.Attempts, d.Status == "pending" ? d.NextAttemptAt : null, d.DeliveredAt, d.FailedAt, d.LastStatus, d.LastError))]));
    }

    internal static async Task<Results<NoContent, NotFound>> DeleteAsync(long id, HttpContext http, GeoOrsDbContext db, CancellationToken cancellationToken)
    {
        if (await Webhooks.GetAsync(db, id, cancellationToken) is not { } webhook || !Owns(http, webhook))
        {
            return TypedResults.NotFound();
        }

        await Webhooks.DeleteAsync(db, id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static bool IsAdmin(HttpContext http) => AccessRules.RoleOf(http.User) == Role.Admin;

    /// <summary>Whether the caller may see a subscription: its agency's callers and admins (others get 404, as if it did not exist).</summary>
    private static bool Owns(HttpContext http, Webhook webhook) =>
        IsAdmin(http) || (webhook.Agency is not null && webhook.Agency == http.User.FindFirstValue(GeoOrsClaims.Agency));
}
