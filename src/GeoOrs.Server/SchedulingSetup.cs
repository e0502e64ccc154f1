using GeoOrs.Server.Jobs;
using Quartz;

namespace GeoOrs.Server;

/// <summary>
/// Quartz with its PostgreSQL store in clustered mode: every GeoOrs process on one database shares
/// one schedule, and each firing runs on exactly one of them. See docs/adr/0002-quartz-instead-of-hangfire.md.
/// </summary>
internal static class SchedulingSetup
{
    public static IHostApplicationBuilder AddGeoOrsScheduling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AnalysisOptions>().BindConfiguration(AnalysisOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.SpikeMethods.Length > 0 && o.SpikeMethods.All(m => SpikesJob.Methods.Contains(m)),
                $"Analysis:SpikeMethods must name some of {string.Join(", ", SpikesJob.Methods)}")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        var connectionString = builder.Configuration[$"{DatabaseOptions.Section}:ConnectionString"] ?? "";
        builder.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "GeoOrs";
                if (options.InstanceId is { Length: > 0 } id)
                {
                    s.InstanceId = id;
                }
            });
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.ProvisionSchema();
                store.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(10);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(20);
                });
            });
            q.ScheduleJob<RefreshAggregatesJob>(
                trigger => trigger
                    .WithIdentity(RefreshAggregatesJob.Name)
                    .StartNow()
                    .WithSimpleSchedule(options.AggregateRefreshInterval),
                job => job.WithIdentity(RefreshAggregatesJob.Name));

            // Cron schedules in UTC; each job asks to be recovered by another node when the node
            // running it dies (Quartz re-fires it once the cluster sees that node's check-ins stop).
            q.ScheduleJob<HotspotsJob>(t => t.WithIdentity(HotspotsJob.Name).WithCronSchedule(options.HotspotsCron, Utc), j => j.WithIdentity(HotspotsJob.Name).RequestRecovery().StoreDurably());
            q.ScheduleJob<EmergingHotspotsJob>(t => t.WithIdentity(EmergingHotspotsJob.Name).WithCronSchedule(options.EmergingCron, Utc), j => j.WithIdentity(EmergingHotspotsJob.Name).RequestRecovery().StoreDurably());
            q.ScheduleJob<SpikesJob>(t => t.WithIdentity(SpikesJob.Name).WithCronSchedule(options.SpikesCron, Utc), j => j.WithIdentity(SpikesJob.Name).RequestRecovery().StoreDurably());
        });
        // The scheduler is running before the server listens, so /health is true from its first answer.
        // A stop does not wait for a running job (a hot spot run takes minutes; a stop must take
        // seconds, Limits:ShutdownTimeout): the job is cut off as in a crash, its transaction rolls
        // back, and the cluster runs it again (RequestRecovery) on another node or on this one's return.
        builder.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = false;
            o.AwaitApplicationStarted = false;
        });
        return builder;
    }

    private static void Utc(CronScheduleBuilder cron) => cron.InTimeZone(TimeZoneInfo.Utc);
}
