using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server;

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
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString);
            dataSource.ConnectionStringBuilder.ApplicationName ??= "geoors";
            if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                // Tile, feature and lookup statements are few and repeated: prepared on each
                // connection after their second use, parsed once. They are still planned for their
                // values: a generic plan cannot know how many days a window holds, and for a county
                // tile it was twenty times slower (1.4 s against 68 ms, docs/BENCHMARKS.md).
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
                dataSource.ConnectionStringBuilder.Options = $"{dataSource.ConnectionStringBuilder.Options} -c plan_cache_mode=force_custom_plan".Trim();
            }

            dataSource.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });
        return builder;
    }

    /// <summary>Applies pending migrations and loads the boundaries when the database has none.</summary>
    public static async Task PrepareDatabaseAsync(this IHost app, CancellationToken cancellationToken = default)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GeoOrs.Database");
        var applied = await Migrator.MigrateAsync(dataSource, cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied migrations {Versions}", string.Join(", ", applied));
        }

        await MappingStore.SeedAsync(dataSource, cancellationToken);
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

        var (states, counties) = await BoundaryLoader.CountAsync(dataSource, cancellationToken);
        if (states > 0 && counties > 0)
        {
            return;
        }

        var dir = GeoOrsPaths.Shapefiles(boundaries);
        logger.LogInformation("Loading boundaries from {Directory}", dir);
        var result = await BoundaryLoader.LoadAsync(dataSource, dir, cancellationToken);
        logger.LogInformation(
            "Loaded {States} states, {Counties} counties, {Populations} population rows, {Hidtas} HIDTA regions ({Memberships} county memberships)",
            result.States, result.Counties, result.Populations, result.Hidtas, result.Memberships);
        foreach (var warning in result.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }
    }
}
