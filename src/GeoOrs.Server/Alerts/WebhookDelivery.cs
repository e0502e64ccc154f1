using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Alerts;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Alerts;

/// <summary>
/// Delivers <c>webhook_outbox</c> in every server: claims due rows (<see cref="WebhookOutbox.ClaimAsync"/>,
/// so two servers never try the same row at once), POSTs each alert's JSON to its subscription's URL
/// with <c>X-GeoOrs-Alert-Id</c>, <c>X-GeoOrs-Delivery-Attempt</c> and <c>X-GeoOrs-Signature</c>
/// (<c>sha256=</c> and the hex HMAC-SHA256 of the body, keyed with the subscription's secret), and
/// records the answer: 2xx is delivered; anything else is tried again after an exponentially growing,
/// jittered wait (<see cref="WebhooksOptions"/>), and marked failed after the last attempt. Woken by
/// the <c>alerts</c> notification, by the next row falling due, and by a timer.
/// </summary>
internal sealed class WebhookDelivery(
    NpgsqlDataSource dataSource, DataVersions versions, IHttpClientFactory clients, IOptions<WebhooksOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<WebhookDelivery> log) : DeliveryLoop(options, log)
{
    protected override string Outbox => "webhook outbox";

    protected override Task<TimeSpan?> NextDueAsync(CancellationToken cancellationToken) => WebhookOutbox.NextDueAsync(dataSource, cancellationToken);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        versions.Signalled += OnSignalled;
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        versions.Signalled -= OnSignalled;
        return base.StopAsync(cancellationToken);
    }

    private void OnSignalled(string? signal)
    {
        if (signal is null or "alerts")
        {
            Wake();
        }
    }

    protected override async Task<bool> DeliverDueAsync(WebhooksOptions settings, CancellationToken cancellationToken)
    {
        var any = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The claim is not cancelled with the server: cancelled after the database had run it, it
            // would leave rows claimed by no one, undelivered until their lease ran out.
            var batch = await WebhookOutbox.ClaimAsync(dataSource, settings.BatchSize, settings.Lease, settings.MaxAttempts, CancellationToken.None);
            if (batch.Count == 0)
            {
                return any;
            }

            any = true;
            await Task.WhenAll(batch.Select(item => DeliverAsync(item, settings)));
            if (batch.Count < settings.BatchSize)
            {
                return any;
            }
        }

        return any;
    }

    /// <summary>The value of <c>X-GeoOrs-Signature</c> for a body: <c>sha256=</c> and the hex HMAC-SHA256 keyed with the UTF-8 bytes of the secret.</summary>
    public static string Signature(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The wait after failed attempt <paramref name="attempt"/>: the base delay doubled per attempt, capped, with half of it drawn at random.</summary>
    internal static TimeSpan Backoff(int attempt, WebhooksOptions settings)
    {
        var exponential = settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, settings.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

    private async Task DeliverAsync(OutboxItem item, WebhooksOptions settings)
    {
        // As /api/alerts shows the alert, and /api/alerts/{id} its changes. A change goes under its own
        // id (the alert's id and its number) in X-GeoOrs-Alert-Id too, so that a receiver that drops
        // repeated ids there still gets each change.
        var body = item.Change is { } change
            ? JsonSerializer.SerializeToUtf8Bytes(change, json.Value.SerializerOptions)
            : JsonSerializer.SerializeToUtf8Bytes(item.Alert, json.Value.SerializerOptions);
        var eventId = item.Change?.Id ?? item.Alert.Id;
        int? status = null;
        string error;
        TimeSpan? retryAfter = null;
        // Not linked to the server's stopping: a request once sent may have reached the receiver, so
        // the attempt runs to its answer or its timeout and is recorded (the host waits for it on
        // shutdown). Giving the row back instead would deliver the alert twice as the same attempt.
        using var timeout = new CancellationTokenSource(settings.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(item.Url, UriKind.Absolute)) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("GeoOrs-Webhooks", "1"));
            request.Headers.Add("X-GeoOrs-Event", item.Change is null ? AlertFeed.AlertEvent : AlertFeed.StatusEvent);
            request.Headers.Add("X-GeoOrs-Alert-Id", eventId);
            request.Headers.Add("X-GeoOrs-Webhook-Id", item.WebhookId.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-GeoOrs-Delivery-Attempt", item.Attempt.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-GeoOrs-Signature", Signature(item.Secret, body));
            using var response = await clients.CreateClient(AlertsSetup.WebhookClient).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                await WebhookOutbox.DeliveredAsync(dataSource, item.Id, status.Value, CancellationToken.None);
                AlertMetrics.WebhookAttempt(delivered: true, last: false);
                return;
            }

            error = $"HTTP {status} {ReasonPhrases.GetReasonPhrase(status.Value)}".TrimEnd();
            retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - DateTimeOffset.UtcNow,
                _ => null,
            };
        }
        catch (OperationCanceledException)
        {
            error = $"timeout: no answer within {settings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }
        catch (HttpRequestException e)
        {
            error = FailureClass(e);
            Log.LogDebug(e, "Webhook {Webhook} attempt {Attempt}: {Error}", item.WebhookId, item.Attempt, error);
        }
        catch (Exception e) when (e is UriFormatException or InvalidOperationException or NotSupportedException or FormatException)
        {
            error = "invalid URL: it cannot be requested";
            Log.LogDebug(e, "Webhook {Webhook} attempt {Attempt}: {Error}", item.WebhookId, item.Attempt, error);
        }

        var last = item.Attempt >= settings.MaxAttempts;
        var wait = Backoff(item.Attempt, settings);
        if (retryAfter is { } asked && asked > wait)
        {
            wait = asked < settings.MaxDelay ? asked : settings.MaxDelay; // the receiver's Retry-After, within the cap
        }

        Log.LogInformation("Webhook {Webhook} attempt {Attempt} for alert {Alert} failed: {Error}; {Next}",
            item.WebhookId, item.Attempt, eventId, error, last ? "giving up" : $"next attempt in {wait.TotalSeconds:0.#} s");
        await WebhookOutbox.AttemptFailedAsync(dataSource, item.Id, status, error, last ? null : wait, CancellationToken.None);
        AlertMetrics.WebhookAttempt(delivered: false, last);
    }

    /// <summary>
    /// What kind of failure a request ended in, as subscribers see it: a class ("connection refused",
    /// "timeout", "blocked address: …", "TLS error", …), never the socket's own message, so the
    /// delivery record does not describe the network behind the receiver.
    /// </summary>
    internal static string FailureClass(HttpRequestException exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case WebhookTargetBlockedException blocked:
                    return $"blocked address: the receiver's host is {blocked.Reason} (webhooks go to public addresses)";
                case System.Security.Authentication.AuthenticationException:
                    return "TLS error";
                case System.Net.Sockets.SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        System.Net.Sockets.SocketError.ConnectionRefused => "connection refused",
                        System.Net.Sockets.SocketError.TimedOut => "timeout: the connection was not made",
                        System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData or System.Net.Sockets.SocketError.TryAgain => "name not resolved",
                        System.Net.Sockets.SocketError.HostUnreachable or System.Net.Sockets.SocketError.NetworkUnreachable
                            or System.Net.Sockets.SocketError.HostDown or System.Net.Sockets.SocketError.NetworkDown => "host unreachable",
                        System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.ConnectionAborted => "connection reset",
                        _ => "connection failed",
                    };
            }
        }

        return exception.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "name not resolved",
            HttpRequestError.SecureConnectionError => "TLS error",
            HttpRequestError.ConnectionError => "connection failed",
            HttpRequestError.ResponseEnded => "connection closed before an answer",
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => "invalid HTTP response",
            _ => "request failed",
        };
    }
}
