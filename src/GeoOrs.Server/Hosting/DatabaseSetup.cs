using GeoOrs.Data;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// The kinds of request that read the database. Each reads through a pool of its own (a keyed
/// <see cref="NpgsqlDataSource"/>, <c>[FromKeyedServices(RequestClass.Tiles)]</c>) whose statements
/// time out after the class's <see cref="StatementTimeouts"/>.
/// </summary>
internal static class RequestClass
{
    public const string Tiles = "tiles";
    public const string Ogc = "ogc";
    public const string Areas = "areas";
    public const string Analysis = "analysis";
    public const string Planning = "planning";
    public const string Ingest = "ingest";
    public const string Api = "api";

    public static readonly string[] All = [Tiles, Ogc, Areas, Analysis, Planning, Ingest, Api];
}

/// <summary>Registers the database and prepares it (migrations, boundaries) before the server listens.</summary>
internal static class DatabaseSetup
{
    public static IHostApplicationBuilder AddGeoOrsDatabase(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration[$"{DatabaseOptions.Section}:ConnectionString"])
            && Environment.GetEnvironmentVariable("GEOORS_DB") is { Length: > 0 } db)
        {
            builder.Configuration[$"{DatabaseOptions.Section}:ConnectionString"] = db;
        }

        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BoundariesOptions>().BindConfiguration(BoundariesOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton(sp => Build(sp, null));
        foreach (var requestClass in RequestClass.All)
        {
            builder.Services.AddKeyedSingleton(requestClass, (sp, _) => Build(sp, requestClass));
        }

        // A hot standby for reads (docs/adr/0026-read-replica.md): a pool of each reading class on it,
        // one for the monitor's polls, and the choice between it and the primary per request.
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{DatabaseOptions.Section}:ReadConnectionString"]))
        {
            foreach (var requestClass in ReadDatabase.Classes)
            {
                builder.Services.AddKeyedSingleton(ReadDatabase.ReplicaKey(requestClass), (sp, _) => Build(sp, requestClass, replica: true));
            }

            builder.Services.AddKeyedSingleton(ReplicaMonitor.ProbeKey, (sp, _) => Build(sp, null, replica: true));
            builder.Services.AddSingleton<ReplicaMonitor>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicaMonitor>());
            builder.Services.AddSingleton(sp => new ReadDatabase(sp, sp.GetRequiredService<DataVersions>(), sp.GetRequiredService<ReplicaMonitor>()));
        }
        else
        {
            builder.Services.AddSingleton(sp => new ReadDatabase(sp, sp.GetRequiredService<DataVersions>()));
        }

        // The entity model (docs/adr/0016-ef-core-entity-model.md) reads and writes through the API
        // pool: the same data source, statement timeout and geometry mapping as the hand-written SQL.
        // Requests take a context from the pool; singletons (the key cache, the sharing rules) ask the factory.
        builder.Services.AddPooledDbContextFactory<GeoOrsDbContext>((sp, options) =>
            GeoOrsDbContext.Configure(options, sp.GetRequiredKeyedService<NpgsqlDataSource>(RequestClass.Api)));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<GeoOrsDbContext>>().CreateDbContext());

        return builder;
    }

    /// <summary>
    /// The database for background work (migrations, jobs, listeners), without a statement timeout, or
    /// for one <see cref="RequestClass"/>: a pool of its own whose sessions cancel any statement that
    /// runs longer than the class's <see cref="StatementTimeouts"/> (PostgreSQL's
    /// <c>statement_timeout</c>, so the server stops the work, with Npgsql's command timeout a few
    /// seconds later in case the server cannot be reached), named <c>APPLICATION:CLASS</c> in
    /// <c>pg_stat_activity</c>.
    /// </summary>
    private static NpgsqlDataSource Build(IServiceProvider services, string? requestClass, bool replica = false)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var dataSource = GeoOrsDataSource.Builder(replica ? options.ReadConnectionString : options.ConnectionString);
        var settings = dataSource.ConnectionStringBuilder;
        settings.ApplicationName ??= "geoors";
        if (replica)
        {
            // Named apart in the standby's pg_stat_activity; its polls give up quickly.
            settings.ApplicationName = $"{settings.ApplicationName}@replica";
            if (requestClass is null)
            {
                settings.Timeout = Math.Min(settings.Timeout, 2);
                settings.CommandTimeout = 2;
            }
        }

        if (settings.MaxAutoPrepare == 0)
        {
            // Tile, feature and lookup statements are few and repeated: prepared on each
            // connection after their second use, parsed once. They are still planned for their
            // values: a generic plan cannot know how many days a window holds, and for a county
            // tile it was twenty times slower (1.4 s against 68 ms, docs/BENCHMARKS.md).
            settings.MaxAutoPrepare = 64;
            settings.Options = $"{settings.Options} -c plan_cache_mode=force_custom_plan".Trim();
        }

        if (requestClass is not null)
        {
            var timeout = options.StatementTimeouts.For(requestClass);
            var milliseconds = Math.Max(1, (long)Math.Ceiling(timeout.TotalMilliseconds));
            settings.ApplicationName = $"{settings.ApplicationName}:{requestClass}";
            settings.Options = $"{settings.Options} -c statement_timeout={milliseconds}".Trim();
            settings.CommandTimeout = (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalSeconds) + 5);
        }

        dataSource.UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
        dataSource.Name = settings.ApplicationName; // the pool in Npgsql's metrics, rather than its connection string
        return dataSource.Build();
    }

    /// <summary>Applies pending migrations and loads the boundaries when the database has none.</summary>
    public static async Task PrepareDatabaseAsync(this IHost app, CancellationToken cancellationToken = default)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GeoOrs.Database");

        // A lost listening connection means the database went away: the idle connections of every
        // pool are dropped then, so that once it is back no request meets a broken one (an idle
        // server would otherwise answer one 503 per pooled connection after a restart).
        app.Services.GetRequiredService<DataVersions>().Lost += () => DatabaseFaultHandler.ClearPools(app.Services);
        var applied = await Migrator.MigrateAsync(dataSource, cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied migrations {Versions}", string.Join(", ", applied));
        }

        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<GeoOrsDbContext>>().CreateDbContextAsync(cancellationToken))
        {
            await MappingStore.SeedAsync(db, cancellationToken);
        }

        var orphans = await Ingestor.FailOrphansAsync(dataSource, cancellationToken);
        if (orphans > 0)
        {
            logger.LogWarning("{Count} ingest batches were cut off by a stop and are recorded as failed; none of their rows were stored", orphans);
        }

        var boundaries = app.Services.GetRequiredService<IOptions<BoundariesOptions>>().Value;
        if (!boundaries.LoadOnStart)
        {
            return;
        }

        // Loaded already, unless counties loaded before time zones came with the boundaries lack theirs.
        var (states, counties, withoutZone) = await BoundaryLoader.CountAsync(dataSource, cancellationToken);
        if (states > 0 && counties > 0 && withoutZone == 0)
        {
            return;
        }

        var dir = GeoOrsPaths.Shapefiles(boundaries);
        logger.LogInformation("Loading boundaries from {Directory}", dir);
        var result = await BoundaryLoader.LoadAsync(dataSource, dir, cancellationToken: cancellationToken);
        logger.LogInformation(
            "Loaded {States} states, {Counties} counties, {Populations} population rows, {Hidtas} HIDTA regions ({Memberships} county memberships)",
            result.States, result.Counties, result.Populations, result.Hidtas, result.Memberships);
        if (result.ZonesChanged > 0)
        {
            logger.LogInformation("{Zones} counties' time zones set or changed: {Events} stored events moved to another local day",
                result.ZonesChanged, result.EventsRedated);
        }

        foreach (var warning in result.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }
    }
}
