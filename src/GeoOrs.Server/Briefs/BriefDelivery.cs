using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using GeoOrs.Data.Briefs;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// The body POSTed to a subscription's URL when its weekly brief is made (docs: README, "Webhooks"):
/// <c>type</c> is always <c>brief</c>; the links are absolute under <c>Http:PublicBaseUrl</c> and lead
/// to the archived brief as it was made (<c>GET /api/briefs/archive/{id}</c>, which a partner's brief
/// opens only to its agency's keys).
/// </summary>
internal sealed record BriefNotice(
    string Type, long BriefId, long SubscriptionId, string Area, string AreaName, string Audience, string Period,
    DateOnly From, DateOnly To, DateTime MadeAt, IReadOnlyDictionary<string, long> DataVersions, BriefLinks Links)
{
    /// <summary>The notice of an archived brief for a subscription.</summary>
    public static BriefNotice Of(ArchivedBrief brief, long subscriptionId, HttpOptions http) => new(
        "brief", brief.Id, subscriptionId, $"{brief.AreaKind}:{brief.AreaId}", brief.AreaName, brief.Audience, brief.Period,
        brief.From, brief.To, brief.MadeAt, brief.DataVersions,
        new BriefLinks(http.Link($"/api/briefs/archive/{brief.Id}?format=pdf")!, http.Link($"/api/briefs/archive/{brief.Id}?format=html")!));
}

/// <summary>The archived brief's links.</summary>
internal sealed record BriefLinks(string Pdf, string Html);

/// <summary>
/// Delivers <c>brief_deliveries</c> in every server, as <see cref="WebhookDelivery"/> delivers alerts and
/// through the same machinery: due deliveries are claimed with a lease (<see cref="BriefArchive.ClaimAsync"/>,
/// so two servers never POST the same one), POSTed to the subscription's URL through the webhooks'
/// HTTP client (public addresses only, <see cref="WebhookTargets"/>), signed as alerts are
/// (<c>X-GeoOrs-Signature</c>, with the subscription's secret), with <c>X-GeoOrs-Event: brief</c>,
/// <c>X-GeoOrs-Brief-Id</c> and <c>X-GeoOrs-Subscription-Id</c>; retried
/// with the same back-off and attempts (<see cref="WebhooksOptions"/>). Woken by the weekly job in this
/// process, by the next delivery falling due, and by a timer.
/// </summary>
internal sealed class BriefDelivery(
    NpgsqlDataSource dataSource, IHttpClientFactory clients, IOptions<WebhooksOptions> options, IOptions<HttpOptions> http,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<BriefDelivery> log) : DeliveryLoop(options, log)
{
    protected override string Outbox => "brief deliveries";

    protected override Task<TimeSpan?> NextDueAsync(CancellationToken cancellationToken) => BriefArchive.NextDueAsync(dataSource, cancellationToken);

    protected override async Task<bool> DeliverDueAsync(WebhooksOptions settings, CancellationToken cancellationToken)
    {
        var any = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Not cancelled with the server: a claim the database ran would be left claimed by no one.
            var batch = await BriefArchive.ClaimAsync(dataSource, settings.BatchSize, settings.Lease, settings.MaxAttempts, CancellationToken.None);
            any |= batch.Count > 0;
            await Task.WhenAll(batch.Select(item => DeliverAsync(item, settings)));
            if (batch.Count < settings.BatchSize)
            {
                return any;
            }
        }

        return any;
    }

    private async Task DeliverAsync(BriefDeliveryItem item, WebhooksOptions settings)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(BriefNotice.Of(item.Brief, item.SubscriptionId, http.Value), json.Value.SerializerOptions);
        int? status = null;
        string error;
        // As an alert's attempt: once sent, it runs to its answer or timeout and is recorded.
        using var timeout = new CancellationTokenSource(settings.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(item.Url, UriKind.Absolute)) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("GeoOrs-Webhooks", "1"));
            request.Headers.Add("X-GeoOrs-Event", "brief");
            request.Headers.Add("X-GeoOrs-Brief-Id", item.Brief.Id.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-GeoOrs-Subscription-Id", item.SubscriptionId.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-GeoOrs-Delivery-Attempt", item.Attempt.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-GeoOrs-Signature", WebhookDelivery.Signature(item.Secret, body));
            using var response = await clients.CreateClient(AlertsSetup.WebhookClient).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                await BriefArchive.DeliveredAsync(dataSource, item.Id, status.Value, CancellationToken.None);
                return;
            }

            error = $"HTTP {status} {ReasonPhrases.GetReasonPhrase(status.Value)}".TrimEnd();
        }
        catch (OperationCanceledException)
        {
            error = $"timeout: no answer within {settings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }
        catch (HttpRequestException e)
        {
            error = WebhookDelivery.FailureClass(e);
        }
        catch (Exception e) when (e is UriFormatException or InvalidOperationException or NotSupportedException or FormatException)
        {
            error = "invalid URL: it cannot be requested";
        }

        var last = item.Attempt >= settings.MaxAttempts;
        var wait = WebhookDelivery.Backoff(item.Attempt, settings);
        Log.LogInformation("Brief {Brief} to subscription {Subscription}, attempt {Attempt}, failed: {Error}; {Next}",
            item.Brief.Id, item.SubscriptionId, item.Attempt, error, last ? "giving up" : $"next attempt in {wait.TotalSeconds:0.#} s");
        await BriefArchive.AttemptFailedAsync(dataSource, item.Id, status, error, last ? null : wait, CancellationToken.None);
    }
}
