using System.ComponentModel.DataAnnotations;

namespace GeoOrs.Server;

/// <summary>The PostGIS database (section <c>Database</c>; the <c>GEOORS_DB</c> environment variable fills it when unset).</summary>
internal sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>An Npgsql connection string.</summary>
    [Required(ErrorMessage = "Database:ConnectionString (or GEOORS_DB) must name a PostGIS database")]
    public string ConnectionString { get; set; } = "";
}

/// <summary>Where the boundary layers come from (section <c>Boundaries</c>).</summary>
internal sealed class BoundariesOptions
{
    public const string Section = "Boundaries";

    /// <summary>The folder laid out as the repository's <c>shapefiles/</c>; empty means that folder.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Load the boundaries at start when the database has none.</summary>
    public bool LoadOnStart { get; set; } = true;
}

/// <summary>The scheduled jobs (section <c>Scheduling</c>).</summary>
internal sealed class SchedulingOptions
{
    public const string Section = "Scheduling";

    /// <summary>Whether this process takes part in running the schedule.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the county aggregates are refreshed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AggregateRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>This process's id in the scheduler cluster; empty lets Quartz generate a unique one.</summary>
    public string InstanceId { get; set; } = "";

    /// <summary>When hot spots (hexagons, counties, density) are computed: a Quartz cron expression in UTC (nightly at 02:30).</summary>
    [Cron]
    public string HotspotsCron { get; set; } = "0 30 2 * * ?";

    /// <summary>When emerging hot spots are computed (Mondays at 03:00 UTC).</summary>
    [Cron]
    public string EmergingCron { get; set; } = "0 0 3 ? * MON";

    /// <summary>When spikes are looked for (every 15 minutes).</summary>
    [Cron]
    public string SpikesCron { get; set; } = "0 0/15 * * * ?";
}

/// <summary>A Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year]).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class CronAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is string text && Parses(text)
            ? ValidationResult.Success
            : new ValidationResult($"{validationContext.MemberName} is not a Quartz cron expression (got '{value}')", [validationContext.MemberName!]);

    private static bool Parses(string text)
    {
        try
        {
            _ = new Quartz.CronExpression(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>The analysis jobs' windows and parameters (section <c>Analysis</c>).</summary>
internal sealed class AnalysisOptions
{
    public const string Section = "Analysis";

    /// <summary>The last day the jobs read (YYYY-MM-DD, UTC); empty for today.</summary>
    [RegularExpression(@"^(\d{4}-\d{2}-\d{2})?$")]
    public string AsOf { get; set; } = "";

    /// <summary>Days of events the hot spot run reads, ending on <see cref="AsOf"/>.</summary>
    [Range(1, 3660)]
    public int HotspotDays { get; set; } = 365;

    /// <summary>The hexagon spacing in metres; 0 chooses it from the events' nearest-neighbour distances.</summary>
    [Range(0, 1_000_000)]
    public double HexCellMeters { get; set; }

    /// <summary>The Gi* distance band in metres; 0 chooses it by incremental spatial autocorrelation.</summary>
    [Range(0, 5_000_000)]
    public double DistanceBandMeters { get; set; }

    /// <summary>Weeks the emerging hot spot run reads (one space-time bin each), ending on <see cref="AsOf"/>.</summary>
    [Range(4, 520)]
    public int EmergingWeeks { get; set; } = 26;

    /// <summary>Weeks before a bin that count as its neighbours in time.</summary>
    [Range(0, 52)]
    public int EmergingTimeStep { get; set; } = 1;

    /// <summary>The most recent days each spike run looks for alerts on (each with its own baseline before it).</summary>
    [Range(1, 3660)]
    public int SpikeDays { get; set; } = 3;

    /// <summary>The smallest standard deviation EARS and EWMA use: sparse county series need a larger one than the 0.2 of dense ones.</summary>
    [Range(0.01, 100)]
    public double SpikeMinSigma { get; set; } = 1.0;

    /// <summary>
    /// The fewest events a day needs before EARS or EWMA may call it a spike (a sparse series jumps
    /// from 0 to 2 by chance); the fixed threshold is not affected.
    /// </summary>
    [Range(1, 1000)]
    public int SpikeMinCount { get; set; } = 3;

    /// <summary>The methods run on every area; <c>threshold</c> runs wherever a threshold is set for the area.</summary>
    public string[] SpikeMethods { get; set; } = ["ears_c2", "ears_c3", "ewma"];

    /// <summary>An ingest accepting at least this many events starts a hot spot run at once; 0 never.</summary>
    [Range(0, int.MaxValue)]
    public int LargeIngestEvents { get; set; } = 10_000;

    /// <summary>The day <see cref="AsOf"/> names, else today (UTC).</summary>
    public DateOnly LastDay => AsOf.Length == 0
        ? DateOnly.FromDateTime(DateTime.UtcNow)
        : DateOnly.ParseExact(AsOf, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Tile serving (section <c>Tiles</c>).</summary>
internal sealed class TilesOptions
{
    public const string Section = "Tiles";

    /// <summary>Memory for made tiles, in megabytes; 0 turns the cache off.</summary>
    [Range(0, 65536)]
    public int CacheMegabytes { get; set; } = 256;
}
