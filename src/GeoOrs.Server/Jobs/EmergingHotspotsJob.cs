using Quartz;

namespace GeoOrs.Server.Jobs;

internal sealed class EmergingHotspotsJob : IJob
{
    public const string Name = "emerging-hotspots";

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
