using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Alerts;

/// <summary>
/// The loop of an outbox every server delivers (alerts' webhooks, briefs' notices): claim and deliver
/// the due rows, then sleep until the next row falls due, the poll interval passes or <see cref="Wake"/>
/// is called; a database that cannot be read is tried again after 2 s. Nothing runs when
/// <see cref="WebhooksOptions.Deliver"/> is off.
/// </summary>
internal abstract class DeliveryLoop(IOptions<WebhooksOptions> options, ILogger log) : BackgroundService
{
    /// <summary>The shortest sleep while a row is due but claimed by another server, so the loop does not spin.</summary>
    private static readonly TimeSpan MinSleep = TimeSpan.FromMilliseconds(50);

    private readonly Wakeup _wakeup = new();

    /// <summary>The log.</summary>
    protected ILogger Log { get; } = log;

    /// <summary>What the log calls the outbox.</summary>
    protected abstract string Outbox { get; }

    /// <summary>Looks for due rows now.</summary>
    public void Wake() => _wakeup.Set();

    /// <summary>Claims and delivers due rows, a batch at a time, until none is due; whether any was claimed.</summary>
    /// <param name="settings">The delivery settings.</param>
    /// <param name="cancellationToken">Cancelled when the server stops (a claimed row is still delivered).</param>
    /// <returns>Whether any row was claimed.</returns>
    protected abstract Task<bool> DeliverDueAsync(WebhooksOptions settings, CancellationToken cancellationToken);

    /// <summary>How long until the earliest pending row is due, or null when none is pending.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The wait.</returns>
    protected abstract Task<TimeSpan?> NextDueAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Deliver)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan sleep;
            try
            {
                var claimed = await DeliverDueAsync(settings, stoppingToken);
                var next = await NextDueAsync(stoppingToken);
                sleep = next is not { } due ? settings.PollInterval
                    : due > settings.PollInterval ? settings.PollInterval
                    : due > MinSleep ? due
                    : claimed ? TimeSpan.Zero : MinSleep;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                Log.LogWarning(e, "Could not read the {Outbox}; trying again", Outbox);
                sleep = TimeSpan.FromSeconds(2);
            }

            try
            {
                await _wakeup.WaitAsync(sleep, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }
}
