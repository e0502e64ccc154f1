using System.Text;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GeoOrs.Data.Entities;

/// <summary>
/// The entity model over the schema of the numbered SQL migrations (<c>Migrations/*.sql</c>, applied
/// by <see cref="Migrations.Migrator"/>): the migrations own the schema, this model maps onto it
/// (docs/adr/0016-ef-core-entity-model.md). Table and column names are the schema's snake_case ones;
/// store types are written as PostgreSQL's <c>format_type</c> prints them, so the drift test compares
/// them with the live schema as they are.
/// </summary>
/// <param name="options">The options, from <see cref="Configure"/>.</param>
public sealed class GeoOrsDbContext(DbContextOptions<GeoOrsDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    private const string Now = "now()";
    private const string MultiPolygon4326 = "geometry(MultiPolygon,4326)";

    /// <summary>API keys.</summary>
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    /// <summary>Agencies' sharing rules.</summary>
    public DbSet<AgencySharingRule> SharingRules => Set<AgencySharingRule>();

    /// <summary>Keys' delegations to submit for other agencies.</summary>
    public DbSet<IngestDelegation> IngestDelegations => Set<IngestDelegation>();

    /// <summary>Named column mappings.</summary>
    public DbSet<ColumnMappingRow> ColumnMappings => Set<ColumnMappingRow>();

    /// <summary>Ingest batches.</summary>
    public DbSet<IngestBatchRow> IngestBatches => Set<IngestBatchRow>();

    /// <summary>Analysis runs.</summary>
    public DbSet<AnalysisRunRow> AnalysisRuns => Set<AnalysisRunRow>();

    /// <summary>Spike alerts.</summary>
    public DbSet<Alert> Alerts => Set<Alert>();

    /// <summary>Fixed alert thresholds.</summary>
    public DbSet<AlertThreshold> AlertThresholds => Set<AlertThreshold>();

    /// <summary>Webhook subscriptions.</summary>
    public DbSet<WebhookRow> Webhooks => Set<WebhookRow>();

    /// <summary>Agencies' subscriptions to weekly briefs.</summary>
    public DbSet<BriefSubscriptionRow> BriefSubscriptions => Set<BriefSubscriptionRow>();

    /// <summary>Webhook deliveries (the outbox).</summary>
    public DbSet<WebhookDeliveryRow> WebhookDeliveries => Set<WebhookDeliveryRow>();

    /// <summary>Naloxone sites.</summary>
    public DbSet<NaloxoneSiteRow> NaloxoneSites => Set<NaloxoneSiteRow>();

    /// <summary>
    /// The ASP.NET Core Data Protection key ring (migration 0019), shared by every server on the
    /// database, so a cookie one server issued is read by another.
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>States.</summary>
    public DbSet<StateRow> States => Set<StateRow>();

    /// <summary>Counties.</summary>
    public DbSet<County> Counties => Set<County>();

    /// <summary>County populations.</summary>
    public DbSet<CountyPopulationRow> CountyPopulations => Set<CountyPopulationRow>();

    /// <summary>HIDTA regions.</summary>
    public DbSet<HidtaRegion> HidtaRegions => Set<HidtaRegion>();

    /// <summary>HIDTA regions' counties.</summary>
    public DbSet<HidtaCounty> HidtaCounties => Set<HidtaCounty>();

    /// <summary>
    /// Sets <paramref name="builder"/> to use <paramref name="dataSource"/> (the one the hand-written
    /// SQL uses, built by <see cref="GeoOrsDataSource"/> with the geometry mapping) with PostGIS
    /// geometries as NetTopologySuite's.
    /// </summary>
    /// <param name="builder">The options builder.</param>
    /// <param name="dataSource">The data source.</param>
    /// <returns>The builder.</returns>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseNpgsql(dataSource, o => o.UseNetTopologySuite());
    }

    /// <summary>A context over <paramref name="dataSource"/>, for the command line and tests.</summary>
    /// <param name="dataSource">The data source.</param>
    /// <returns>The context; dispose it.</returns>
    public static GeoOrsDbContext Create(NpgsqlDataSource dataSource)
    {
        var builder = new DbContextOptionsBuilder<GeoOrsDbContext>();
        Configure(builder, dataSource);
        return new GeoOrsDbContext(builder.Options);
    }

    /// <summary>lower_snake_case of a property name (<c>KeyPrefix</c> → <c>key_prefix</c>).</summary>
    /// <param name="name">The name.</param>
    /// <returns>The column name.</returns>
    public static string SnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.HasPostgresExtension("postgis");

        modelBuilder.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.Property(k => k.Id).UseIdentityAlwaysColumn();
            e.Property(k => k.CreatedAt).HasDefaultValueSql(Now);
            e.HasIndex(k => k.Prefix).IsUnique();
            e.HasIndex(k => k.Sha256).IsUnique();
        });

        modelBuilder.Entity<AgencySharingRule>(e =>
        {
            e.ToTable("agency_sharing");
            e.HasKey(r => new { r.Owner, r.Partner });
            e.Property(r => r.ChangedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<IngestDelegation>(e =>
        {
            e.ToTable("ingest_delegations");
            e.HasKey(d => new { d.KeyPrefix, d.Agency });
            e.Property(d => d.GrantedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<ColumnMappingRow>(e =>
        {
            e.ToTable("ingest_mappings");
            e.HasKey(m => m.Name);
            e.Property(m => m.Definition).HasColumnType("jsonb");
            e.Property(m => m.UpdatedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<IngestBatchRow>(e =>
        {
            e.ToTable("ingest_batches");
            e.Property(b => b.Id).UseIdentityAlwaysColumn();
            e.Property(b => b.ReceivedAt).HasDefaultValueSql(Now);
            e.Property(b => b.Errors).HasColumnType("jsonb");
            e.Property(b => b.Agencies).HasColumnType("jsonb");
        });

        modelBuilder.Entity<AnalysisRunRow>(e =>
        {
            e.ToTable("analysis_runs");
            e.Property(r => r.Id).UseIdentityAlwaysColumn();
            e.Property(r => r.Parameters).HasColumnType("jsonb");
            e.Property(r => r.Summary).HasColumnType("jsonb");
            e.Property(r => r.StartedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<Alert>(e =>
        {
            e.ToTable("alerts");
            e.Property(a => a.Seq).UseIdentityAlwaysColumn();
            e.Property(a => a.CreatedAt).HasDefaultValueSql(Now);
            e.HasOne<AnalysisRunRow>().WithMany().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.SetNull);
        });

        modelBuilder.Entity<AlertThreshold>(e =>
        {
            e.ToTable("alert_thresholds");
            e.HasKey(t => new { t.AreaKind, t.AreaId });
        });

        modelBuilder.Entity<WebhookRow>(e =>
        {
            e.ToTable("webhooks");
            e.Property(w => w.Id).UseIdentityAlwaysColumn();
            e.Property(w => w.CreatedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<WebhookDeliveryRow>(e =>
        {
            e.ToTable("webhook_outbox");
            e.Property(d => d.Id).UseIdentityAlwaysColumn();
            e.Property(d => d.NextAttemptAt).HasDefaultValueSql(Now);
            e.HasOne<WebhookRow>().WithMany().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Alert>().WithMany().HasForeignKey(d => d.AlertId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<BriefSubscriptionRow>(e =>
        {
            e.ToTable("brief_subscriptions");
            e.Property(b => b.Id).UseIdentityAlwaysColumn();
            e.Property(b => b.CreatedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<NaloxoneSiteRow>(e =>
        {
            e.ToTable("naloxone_sites");
            e.Property(s => s.Id).UseIdentityAlwaysColumn();
            e.Property(s => s.Geom).HasColumnType("geometry(Point,4326)");
            e.Property(s => s.AddedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<DataProtectionKey>(e =>
        {
            e.ToTable("data_protection_keys");
            e.Property(k => k.Id).UseIdentityAlwaysColumn();
        });

        modelBuilder.Entity<StateRow>(e =>
        {
            e.ToTable("states");
            e.HasKey(s => s.Statefp);
            e.Property(s => s.Statefp).HasColumnType("character(2)");
            e.Property(s => s.Stusps).HasColumnType("character(2)");
            e.Property(s => s.Geom).HasColumnType(MultiPolygon4326);
        });

        modelBuilder.Entity<County>(e =>
        {
            e.ToTable("counties");
            e.HasKey(c => c.Geoid);
            e.Property(c => c.Geoid).HasColumnType("character(5)");
            e.Property(c => c.Statefp).HasColumnType("character(2)");
            e.Property(c => c.Countyfp).HasColumnType("character(3)");
            e.Property(c => c.Geom).HasColumnType(MultiPolygon4326);
            e.HasOne<StateRow>().WithMany().HasForeignKey(c => c.Statefp);
        });

        modelBuilder.Entity<CountyPopulationRow>(e =>
        {
            e.ToTable("county_population");
            e.HasKey(p => new { p.Geoid, p.Year });
            e.Property(p => p.Geoid).HasColumnType("character(5)");
            e.HasOne<County>().WithMany().HasForeignKey(p => p.Geoid).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<HidtaRegion>(e =>
        {
            e.ToTable("hidta_regions");
            e.Property(r => r.Geom).HasColumnType(MultiPolygon4326);
            e.Property(r => r.LoadedAt).HasDefaultValueSql(Now);
        });

        modelBuilder.Entity<HidtaCounty>(e =>
        {
            e.ToTable("hidta_counties");
            e.HasKey(h => new { h.HidtaId, h.Geoid });
            e.Property(h => h.Geoid).HasColumnType("character(5)");
            e.HasOne<HidtaRegion>().WithMany().HasForeignKey(h => h.HidtaId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<County>().WithMany().HasForeignKey(h => h.Geoid);
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }
}
