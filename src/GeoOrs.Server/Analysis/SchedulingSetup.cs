using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// Hangfire with its PostgreSQL storage in the <c>hangfire</c> schema of the GeoOrs database: every
/// GeoOrs process on one database shares one schedule and one queue, and each firing runs on exactly
/// one of them. Every process can enqueue a run; those with <c>Scheduling:Enabled</c> also run them.
/// See docs/adr/0013-hangfire-jobs.md.
/// </summary>
internal static class SchedulingSetup
{
    public static IHostApplicationBuilder AddGeoOrsScheduling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AnalysisOptions>().BindConfiguration(AnalysisOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.SpikeMethods.Length > 0 && o.SpikeMethods.All(m => SpikesJob.Methods.Contains(m)),
                $"Analysis:SpikeMethods must name some of {string.Join(", ", SpikesJob.Methods)}")
            .Validate(o => o.SignalDrugs.All(DrugSignals.Watchable.Contains),
                $"Analysis:SignalDrugs must name drugs of {string.Join(", ", DrugSignals.Watchable.Order(StringComparer.Ordinal))}")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();
        var instance = new JobsInstance(options.InstanceId is { Length: > 0 } id ? id : $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}");
        builder.Services.AddSingleton(instance);

        // This host's own storage, client and activator, registered before AddHangfire so that its
        // static JobStorage.Current is never used: two hosts in one process (the tests) may use two databases.
        builder.Services.AddSingleton<JobStorage>(sp => Storage(
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString, sp.GetRequiredService<IOptions<SchedulingOptions>>().Value));
        builder.Services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((sp, c) => Serialization(c).UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>())));
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AnalysisQueue>();
        if (!options.Enabled)
        {
            return builder;
        }

        // A stop does not wait for a running job (a hot spot run takes minutes; a stop must take
        // seconds, Limits:ShutdownTimeout): the job is cancelled, its transaction rolls back, its
        // attempt is recorded as failed, and it goes back to the queue for another node or this one's return.
        builder.Services.AddHangfireServer((sp, server) =>
        {
            var scheduling = sp.GetRequiredService<IOptions<SchedulingOptions>>().Value;
            server.ServerName = instance.Id;
            server.WorkerCount = scheduling.Workers;
            server.SchedulePollingInterval = scheduling.PollInterval;
            // Within the host's own stop timeout (Limits:ShutdownTimeout), so that Hangfire has let go
            // of its workers before the host gives up on it.
            var stop = sp.GetRequiredService<IOptions<LimitsOptions>>().Value.ShutdownTimeout / 2;
            server.StopTimeout = stop / 2;
            server.ShutdownTimeout = stop;
            server.Queues = ["default"];
        });

        // After the server: the recurring jobs are written (or updated) once it runs.
        builder.Services.AddHostedService<RecurringJobs>();
        return builder;
    }

    /// <summary>
    /// Creates or upgrades Hangfire's schema before anything uses the storage, one process at a time:
    /// its installer is not safe to run from two processes at once on a new database. Then removes
    /// the recurring jobs GeoOrs no longer has, before any server of this version could fire them.
    /// </summary>
    public static async Task PrepareJobStorageAsync(this WebApplication app)
    {
        await using (await Data.Jobs.JobRunLock.AcquireAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), InstallLock, TimeSpan.FromMilliseconds(200)))
        {
            _ = app.Services.GetRequiredService<JobStorage>();
        }

        var recurring = app.Services.GetRequiredService<IRecurringJobManager>();
        foreach (var id in RetiredRecurringJobs)
        {
            recurring.RemoveIfExists(id);
        }
    }

    /// <summary>
    /// Recurring jobs of earlier versions, removed from the storage at start: refresh-aggregates
    /// refreshed <c>county_event_totals</c>, which nothing read (migration 0020 drops it).
    /// </summary>
    internal static readonly IReadOnlyList<string> RetiredRecurringJobs = ["refresh-aggregates"];

    /// <summary>The lock that serializes Hangfire's schema installer across processes.</summary>
    internal const string InstallLock = "hangfire-schema";

    /// <summary>How jobs are written to the storage: the same in the server and the command line.</summary>
    internal static IGlobalConfiguration Serialization(IGlobalConfiguration configuration) => configuration
        .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
        .UseSimpleAssemblyNameTypeSerializer()
        .UseRecommendedSerializerSettings();

    /// <summary>The storage of one database (the schema is created or upgraded by Hangfire's own installer).</summary>
    internal static PostgreSqlStorage Storage(string connectionString, SchedulingOptions scheduling)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        settings.ApplicationName = settings.ApplicationName is { Length: > 0 } name ? $"{name}:jobs" : "geoors:jobs";
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            AllowUnsafeValues = true, // the tests' short timeouts; the shipped ones are validated by SchedulingOptions
            QueuePollInterval = scheduling.PollInterval,
            InvisibilityTimeout = scheduling.InvisibilityTimeout,
            UseSlidingInvisibilityTimeout = true,
            DistributedLockTimeout = scheduling.DistributedLockTimeout,
        };
        return new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(settings.ConnectionString, options), options);
    }

    /// <summary>
    /// Writes the recurring jobs (cron in UTC) when the process starts; every process writes the same,
    /// so the last to start decides a schedule that differs. Marks the scheduler running for /health.
    /// </summary>
    private sealed class RecurringJobs(IRecurringJobManager jobs, IOptions<SchedulingOptions> options, JobsInstance instance) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var o = options.Value;
            var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
            jobs.AddOrUpdate<HotspotsJob>(HotspotsJob.Name, j => j.RunAsync(AnalysisJob.Schedule, null, null, CancellationToken.None), o.HotspotsCron, utc);
            jobs.AddOrUpdate<EmergingHotspotsJob>(EmergingHotspotsJob.Name, j => j.RunAsync(AnalysisJob.Schedule, null, null, CancellationToken.None), o.EmergingCron, utc);
            jobs.AddOrUpdate<SpikesJob>(SpikesJob.Name, j => j.RunAsync(AnalysisJob.Schedule, null, null, CancellationToken.None), o.SpikesCron, utc);
            jobs.AddOrUpdate<PartitionsJob>(PartitionsJob.Name, j => j.RunAsync(CancellationToken.None), o.PartitionsCron, utc);
            jobs.AddOrUpdate<Briefs.BriefsJob>(Briefs.BriefsJob.Name, j => j.RunAsync(null, CancellationToken.None), o.BriefsCron, utc);
            instance.Running = true;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            instance.Running = false;
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// Hangfire's log into this host's loggers. Hangfire keeps one log provider for the whole process;
/// when a host stops (tests run several in one process) its loggers are gone, and Hangfire's messages
/// from the other hosts are dropped rather than thrown.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
{
    public Hangfire.Logging.ILog GetLogger(string name)
    {
        try
        {
            return new HangfireLog(factory.CreateLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new HangfireLog(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        }
    }

    private sealed class HangfireLog(ILogger logger) : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            var level = logLevel switch
            {
                Hangfire.Logging.LogLevel.Trace => LogLevel.Trace,
                Hangfire.Logging.LogLevel.Debug => LogLevel.Debug,
                Hangfire.Logging.LogLevel.Info => LogLevel.Information,
                Hangfire.Logging.LogLevel.Warn => LogLevel.Warning,
                Hangfire.Logging.LogLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            try
            {
                if (messageFunc is null)
                {
                    return logger.IsEnabled(level);
                }

                if (logger.IsEnabled(level))
                {
#pragma warning disable CA1848, CA2254 // Hangfire's messages are made by Hangfire
                    logger.Log(level, exception, messageFunc());
#pragma warning restore CA1848, CA2254
                }

                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}

/// <summary>This process in the cluster of job servers: its id in <c>job_runs</c> and whether it runs jobs now.</summary>
internal sealed class JobsInstance(string id)
{
    public string Id { get; } = id;

    public volatile bool Running;
}

/// <summary>Enqueues analysis runs: after a large ingest commits, on an admin's request, for the demo.</summary>
internal sealed class AnalysisQueue(IBackgroundJobClient client, IOptions<AnalysisOptions> options, ILogger<AnalysisQueue> logger)
{
    /// <summary>Enqueues a run of the analysis <paramref name="kind"/> (hotspots, emerging or spikes); returns the background job's id.</summary>
    public string Enqueue(string kind, string reason)
    {
        var id = Enqueue(client, kind, reason, options.Value);
        logger.LogInformation("{Kind} run enqueued ({Reason}): job {Job}", kind, reason, id);
        return id;
    }

    /// <summary>
    /// Enqueues with any client (the command line has one of its own). The run uses the enqueuer's
    /// analysis settings, whichever server takes it: what was asked is what runs.
    /// </summary>
    public static string Enqueue(IBackgroundJobClient client, string kind, string reason, AnalysisOptions settings) => kind switch
    {
        "hotspots" => client.Enqueue<HotspotsJob>(j => j.RunAsync(reason, settings, null, CancellationToken.None)),
        "emerging" => client.Enqueue<EmergingHotspotsJob>(j => j.RunAsync(reason, settings, null, CancellationToken.None)),
        "spikes" => client.Enqueue<SpikesJob>(j => j.RunAsync(reason, settings, null, CancellationToken.None)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an analysis kind"),
    };
}
