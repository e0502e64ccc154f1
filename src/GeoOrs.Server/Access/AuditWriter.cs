using System.Threading.Channels;
using GeoOrs.Data.Access;
using Npgsql;

namespace GeoOrs.Server.Access;

/// <summary>
/// Writes the audit rows of point-level reads in batches: a read queues its row before its data is
/// sent, and the queue is copied into <c>audit_log</c> within a quarter of a second (one binary COPY
/// for everything queued), so an audited tile costs no round trip of its own. A server that stops
/// writes what is queued first; a crash loses at most the last quarter second's rows. The admin
/// endpoint flushes the queue before it reads the log.
/// </summary>
internal sealed class AuditWriter(NpgsqlDataSource dataSource, ILogger<AuditWriter> log) : BackgroundService
{
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FinalFlush = TimeSpan.FromSeconds(2);
    private const int MaxBatch = 10_000;

    private readonly Channel<object> _queue = Channel.CreateBounded<object>(
        new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues an entry (waits only when 100,000 are already queued).</summary>
    public ValueTask WriteAsync(AuditEntry entry, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(entry, cancellationToken);

    /// <summary>Completes when everything queued before the call is in the database.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(done, cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(Gather, stoppingToken);
                await WriteQueuedAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // What came in before the stop, in one quick attempt: a stop must not wait on a database
        // that does not answer (the rows are then lost, as in a crash, and the log says so).
        using var last = new CancellationTokenSource(FinalFlush);
        try
        {
            await WriteQueuedAsync(last.Token, attempts: 1);
        }
        catch (OperationCanceledException)
        {
            log.LogError("Audit rows queued at the stop could not be written within {Seconds} s and are lost", FinalFlush.TotalSeconds);
        }
    }

    private async Task WriteQueuedAsync(CancellationToken cancellationToken, int attempts = 5)
    {
        var entries = new List<AuditEntry>();
        var flushes = new List<TaskCompletionSource>();
        while (entries.Count < MaxBatch && _queue.Reader.TryRead(out var item))
        {
            if (item is AuditEntry entry)
            {
                entries.Add(entry);
            }
            else
            {
                flushes.Add((TaskCompletionSource)item);
            }
        }

        for (var attempt = 1; entries.Count > 0; attempt++)
        {
            try
            {
                await AuditLog.WriteManyAsync(dataSource, entries, cancellationToken);
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && attempt < attempts)
            {
                log.LogWarning(e, "Writing {Count} audit rows failed (attempt {Attempt}); retrying", entries.Count, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                log.LogError(e, "Lost {Count} audit rows after {Attempts} attempts", entries.Count, attempt);
                break;
            }
        }

        foreach (var flush in flushes)
        {
            flush.TrySetResult();
        }
    }
}
