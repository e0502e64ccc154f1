using GeoOrs.Data.Access;
using GeoOrs.Data.Briefs;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Layers;
using Hangfire;
using Hangfire.Server;
using Npgsql;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// The weekly briefs (<c>Scheduling:BriefsCron</c>, Mondays): for each subscribed area, audience and
/// agency, the brief of the last complete week (Monday to Sunday of the area's local days) is made
/// once, archived with the data versions it was made from, and its delivery to each subscription
/// queued (<see cref="BriefDelivery"/> POSTs the link). One run at a time across every server
/// (<see cref="AnalysisJob.RunOnceAsync"/>); a brief already archived for the week is not made again
/// and a delivery already queued is not queued again, so a retried or repeated run sends nothing twice.
/// </summary>
[AutomaticRetry(Attempts = 2)]
internal sealed class BriefsJob(
    NpgsqlDataSource dataSource, TileCache cache, AccessViews access, JobsInstance instance, TimeProvider clock, BriefDelivery delivery, ILogger<BriefsJob> logger)
{
    public const string Name = "weekly-briefs";

    /// <summary>What a run did.</summary>
    internal sealed record Outcome(int Subscriptions, int Made, int Queued);

    /// <summary>One run.</summary>
    /// <param name="context">Hangfire's context (the firing's id), or null when run directly.</param>
    /// <param name="cancellationToken">Cancelled when this server stops.</param>
    public Task RunAsync(PerformContext? context, CancellationToken cancellationToken) =>
        AnalysisJob.RunOnceAsync(dataSource, instance, logger, Name, context, async (_, ct) => await MakeAsync(ct), cancellationToken);

    /// <summary>Makes and queues the week's briefs.</summary>
    internal async Task<Outcome> MakeAsync(CancellationToken cancellationToken)
    {
        List<BriefSubscriptionRow> subscriptions;
        await using (var db = GeoOrsDbContext.Create(dataSource))
        {
            subscriptions = await BriefSubscriptions.ListAsync(db, null, cancellationToken);
        }

        var (made, queued) = (0, 0);
        var now = clock.GetUtcNow();
        foreach (var group in subscriptions.GroupBy(s => (s.AreaKind, s.AreaId, s.Audience, Agency: s.Audience == "public" ? null : s.Agency)))
        {
            var (kind, id, audience, agency) = group.Key;
            var layer = BriefMaker.LayerOf(kind);
            var today = await AreaSummary.TodayAsync(dataSource, layer, id, now, cancellationToken);
            var window = BriefsEndpoints.DefaultWindow("week", today);
            var briefId = await BriefArchive.FindAsync(dataSource, kind, id, audience, agency, window.From, window.To, cancellationToken);
            if (briefId is null)
            {
                var view = agency is null ? AccessView.Public : new AccessView(Role.Partner, agency, access.Rules.HiddenFrom(Role.Partner, agency));
                if (await BriefMaker.MakeAsync(dataSource, cache, kind, id, window, "week", view, now, cancellationToken) is not { } brief)
                {
                    logger.LogWarning("Brief subscriptions name {Kind} {Id}, which no longer exists", kind, id);
                    continue;
                }

                var stored = await BriefArchive.StoreAsync(dataSource, Archived(brief, agency), BriefPdf.Render(brief), BriefHtml.Render(brief), cancellationToken);
                briefId = stored.Id;
                made += stored.Stored ? 1 : 0;
            }

            foreach (var subscription in group)
            {
                queued += await BriefArchive.EnqueueAsync(dataSource, subscription.Id, briefId.Value, cancellationToken) ? 1 : 0;
            }
        }

        if (queued > 0)
        {
            delivery.Wake();
        }

        logger.LogInformation("Weekly briefs: {Made} made, {Queued} deliveries queued for {Subscriptions} subscriptions", made, queued, subscriptions.Count);
        return new Outcome(subscriptions.Count, made, queued);
    }

    /// <summary>What the archive records of a brief.</summary>
    internal static ArchivedBrief Archived(Brief brief, string? agency) => new(
        0, brief.Kind, brief.Id, brief.Name, brief.AudienceName, agency, brief.Period, brief.Window.From, brief.Window.To,
        brief.MadeAt.UtcDateTime, brief.DataVersions);
}
