using GeoOrs.Data.Ingest;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// Keeps the event tables' monthly partitions (docs/adr/0025-partitioned-events.md): makes those of the
/// current UTC month and the <see cref="EventPartitions.MonthsAhead"/> after it (ingest makes any other
/// month's when it stores an event of it), then, when <see cref="RetentionOptions.EventMonths"/> is set,
/// drops the months before the kept ones, both kinds, each in one transaction with its keys and the
/// recount of its aggregates at the edge; the kind's data version moves on, so every server drops its
/// cached tiles of it.
/// </summary>
[AutomaticRetry(Attempts = 0)]
[DisableConcurrentExecution(timeoutInSeconds: 60)]
internal sealed class PartitionsJob(NpgsqlDataSource dataSource, IOptions<RetentionOptions> retention, TimeProvider clock, ILogger<PartitionsJob> logger)
{
    public const string Name = "event-partitions";

    /// <summary>One run.</summary>
    /// <param name="cancellationToken">Cancelled when this server stops (a drop in progress rolls back whole).</param>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var made = await EventPartitions.MakeAheadAsync(dataSource, now, cancellationToken);
        if (made > 0)
        {
            logger.LogInformation("{Made} event partitions made ahead", made);
        }

        var months = retention.Value.EventMonths;
        if (months == 0)
        {
            return;
        }

        var before = EventPartitions.RetentionStart(now, months);
        foreach (var kind in new[] { EventKind.Overdoses, EventKind.Seizures })
        {
            var dropped = await EventPartitions.DropBeforeAsync(dataSource, kind, before, cancellationToken);
            if (dropped > 0)
            {
                logger.LogInformation("Retention: {Dropped} months of {Kind} before {Before:yyyy-MM-dd} dropped", dropped, kind, before);
            }
        }
    }
}
