using System.ComponentModel.DataAnnotations;
using System.Net;

namespace GeoOrs.Server.Alerts;

/// <summary>The live alert stream (section <c>Alerts</c>).</summary>
internal sealed class AlertsOptions
{
    public const string Section = "Alerts";

    /// <summary>How long a stream may be silent before a comment line keeps proxies from closing it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the feed reads new alerts without being notified (a safety net for lost notifications).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most alerts one connection replays after its <c>Last-Event-ID</c>; a client further behind gets the rest on reconnecting.</summary>
    [Range(1, 10_000)]
    public int ReplayLimit { get; set; } = 1000;

    /// <summary>The most streams this server holds open at once; more are refused with 503.</summary>
    [Range(1, 1_000_000)]
    public int MaxStreams { get; set; } = 1000;

    /// <summary>How far from an event of an alert's line list a seizure is shown beside it, in metres.</summary>
    [Range(1, 200_000)]
    public double SeizureDistanceMeters { get; set; } = 5000;

    /// <summary>How many days before and after an alert's day a seizure is shown beside its line list.</summary>
    [Range(0, 365)]
    public int SeizureDays { get; set; } = 14;
}

/// <summary>Webhook delivery (section <c>Webhooks</c>).</summary>
internal sealed class WebhooksOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Whether this server delivers webhooks from the outbox (default true). Any number of servers may;
    /// one set false (a tile-only node) leaves the outbox to the others.
    /// </summary>
    public bool Deliver { get; set; } = true;

    /// <summary>The attempts a delivery gets before it is marked failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The wait after the first failed attempt; it doubles after each further one (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a receiver has to answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the outbox is read without being woken (a safety net for lost notifications).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most deliveries one server makes at once.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>
    /// Internal receivers webhooks may go to besides public addresses: host names (exact, any case),
    /// IP addresses and CIDR ranges (<c>10.20.0.0/16</c>, <c>fd00::/8</c>). A name admitted here is
    /// trusted whatever it resolves to.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// How much longer than <see cref="Timeout"/> a claimed row stays away from other servers: a row whose
    /// server stopped mid-attempt, before recording it, is tried again this long after the timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a claimed row stays away from other servers: longer than an attempt can take.</summary>
    public TimeSpan Lease => Timeout + LeaseMargin;

    /// <summary>An entry of <see cref="AllowedHosts"/> as an <see cref="IPNetwork"/> (an address is a /32 or /128) or a lower-case host name; null when it is neither.</summary>
    public static object? ParseAllowed(string? entry)
    {
        var text = entry?.Trim() ?? "";
        if (IPAddress.TryParse(text.Trim('[', ']'), out var address))
        {
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out var network) ? network : null;
        }

        return Uri.CheckHostName(text) == UriHostNameType.Dns ? text.ToLowerInvariant() : null;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in AllowedHosts.Where(e => ParseAllowed(e) is null))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(AllowedHosts)} has '{entry}', which is not a host name, an IP address or a CIDR range", [nameof(AllowedHosts)]);
        }

        if (MaxDelay < BaseDelay)
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(MaxDelay)} ({MaxDelay}) must be at least {Section}:{nameof(BaseDelay)} ({BaseDelay})", [nameof(MaxDelay)]);
        }
    }
}

/// <summary>Registers the alert feed behind <c>/api/alerts/stream</c> and the webhook delivery.</summary>
internal static class AlertsSetup
{
    /// <summary>The name of the HTTP client that delivers webhooks.</summary>
    public const string WebhookClient = "webhooks";

    public static WebApplicationBuilder AddGeoOrsAlerts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AlertsOptions>().BindConfiguration(AlertsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AlertFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddHostedService<WebhookDelivery>();
        services.AddSingleton<IWebhookResolver, DnsWebhookResolver>();
        services.AddSingleton<WebhookTargets>();

        // Receivers answer; they do not redirect the alert elsewhere. The timeout is the delivery's own.
        // Every connection is made by WebhookTargets, which checks the addresses it connects to (and
        // no proxy stands in between: the proxy's address would be the one checked).
        services.AddHttpClient(WebhookClient, c => c.Timeout = System.Threading.Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseCookies = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookTargets>().ConnectAsync,
            });
        return builder;
    }
}

/// <summary>
/// A wake-up call for a loop that otherwise sleeps: <see cref="Set"/> ends the current or the next
/// <see cref="WaitAsync"/>. Calls made while the loop is working are not lost; several collapse into one.
/// </summary>
internal sealed class Wakeup
{
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _signal).TrySetResult();

    /// <summary>Waits for <see cref="Set"/> or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _signal);
        if (timeout > TimeSpan.Zero)
        {
            try
            {
                await signal.Task.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }

        if (signal.Task.IsCompleted)
        {
            // Reset before the caller works: a Set from now on wakes the next wait.
            Interlocked.CompareExchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), signal);
        }
    }
}
