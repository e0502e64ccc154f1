using System.ComponentModel.DataAnnotations;

namespace GeoOrs.Server.Hosting;

/// <summary>The PostGIS database (section <c>Database</c>; the <c>GEOORS_DB</c> environment variable fills it when unset).</summary>
internal sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>An Npgsql connection string.</summary>
    [Required(ErrorMessage = "Database:ConnectionString (or GEOORS_DB) must name a PostGIS database")]
    public string ConnectionString { get; set; } = "";

    /// <summary>How long one statement of each kind of request may run (<see cref="RequestClass"/>).</summary>
    public StatementTimeouts StatementTimeouts { get; set; } = new();

    /// <summary>
    /// An Npgsql connection string of a hot standby of the same database (streaming replication):
    /// tiles, OGC, area panels and the alert listing read there when it holds what they need
    /// (<see cref="ReadDatabase"/>, docs/adr/0026-read-replica.md); empty reads everything from the primary.
    /// </summary>
    public string ReadConnectionString { get; set; } = "";

    /// <summary>How far behind the primary the standby may be before no read goes there and <c>/health</c> says it lags.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan ReplicaMaxLag { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var requestClass in RequestClass.All)
        {
            var timeout = StatementTimeouts.For(requestClass);
            if (timeout < TimeSpan.FromMilliseconds(1) || timeout > TimeSpan.FromDays(1))
            {
                var name = $"{Section}:{nameof(StatementTimeouts)}:{char.ToUpperInvariant(requestClass[0])}{requestClass[1..]}";
                yield return new ValidationResult($"{name} is from 00:00:00.001 to 1.00:00:00, not {timeout}", [nameof(StatementTimeouts)]);
            }
        }
    }
}

/// <summary>
/// The statement timeout of each kind of request (<c>Database:StatementTimeouts:Tiles</c> …): a
/// statement that runs longer is cancelled by PostgreSQL and the request answers 503 with
/// <c>Retry-After</c>.
/// </summary>
internal sealed class StatementTimeouts
{
    /// <summary>Vector and PNG tiles, TileJSON.</summary>
    public TimeSpan Tiles { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>OGC API – Features.</summary>
    public TimeSpan Ogc { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Area panels and boundaries.</summary>
    public TimeSpan Areas { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Stored analysis results: hot spot runs and alerts.</summary>
    public TimeSpan Analysis { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The naloxone planner, its targets and sites.</summary>
    public TimeSpan Planning { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Ingest (each statement of a batch: a chunk's COPY, the merges).</summary>
    public TimeSpan Ingest { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Everything else that answers a request: administration, jobs, webhooks.</summary>
    public TimeSpan Api { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The timeout of one <see cref="RequestClass"/>.</summary>
    public TimeSpan For(string requestClass) => requestClass switch
    {
        RequestClass.Tiles => Tiles,
        RequestClass.Ogc => Ogc,
        RequestClass.Areas => Areas,
        RequestClass.Analysis => Analysis,
        RequestClass.Planning => Planning,
        RequestClass.Ingest => Ingest,
        RequestClass.Api => Api,
        _ => throw new ArgumentOutOfRangeException(nameof(requestClass), requestClass, "not a request class"),
    };
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

/// <summary>The background jobs (section <c>Scheduling</c>); docs/adr/0013-hangfire-jobs.md explains the timeouts.</summary>
internal sealed class SchedulingOptions
{
    public const string Section = "Scheduling";

    /// <summary>Whether this process runs background jobs and writes their schedule (every process may enqueue them).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>This process's id among the job servers (in <c>job_runs</c> and the dashboard); empty makes a unique one.</summary>
    public string InstanceId { get; set; } = "";

    /// <summary>When hot spots (hexagons, counties, density) are computed: a cron expression in UTC, with seconds or without (nightly at 02:30).</summary>
    [Cron]
    public string HotspotsCron { get; set; } = "0 30 2 * * ?";

    /// <summary>When emerging hot spots are computed (Mondays at 03:00 UTC).</summary>
    [Cron]
    public string EmergingCron { get; set; } = "0 0 3 ? * MON";

    /// <summary>When spikes are looked for (every 15 minutes).</summary>
    [Cron]
    public string SpikesCron { get; set; } = "0 0/15 * * * ?";

    /// <summary>When the subscribed areas' weekly briefs are made and sent (Mondays at 06:00 UTC, after the emerging hot spots).</summary>
    [Cron]
    public string BriefsCron { get; set; } = "0 0 6 ? * MON";

    /// <summary>When the event tables' partitions are made ahead and retention drops old months (daily at 01:15).</summary>
    [Cron]
    public string PartitionsCron { get; set; } = "0 15 1 * * ?";

    /// <summary>Jobs this process runs at once (a run waiting for another node's run of the same job takes one).</summary>
    [Range(1, 100)]
    public int Workers { get; set; } = 6;

    /// <summary>How often this process looks for due recurring jobs and for enqueued ones.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:15:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a job taken by a process that stopped sending heartbeats (it died) stays invisible
    /// before another process takes it. A live process renews it every fifth of this, however long its run.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When a lock of Hangfire's own (its scheduler's, its cleanup's) left by a process that died is broken.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan DistributedLockTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>How long events are kept (section <c>Retention</c>); docs/adr/0025-partitioned-events.md.</summary>
internal sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>
    /// Whole UTC months of events kept before the current one; the partitions job drops the months
    /// before them (their events, keys and aggregates). 0 keeps everything.
    /// </summary>
    [Range(0, 12_000)]
    public int EventMonths { get; set; }
}

/// <summary>A cron expression as Hangfire reads it: five fields, or six with seconds first.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class CronAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is string text && Parses(text)
            ? ValidationResult.Success
            : new ValidationResult($"{validationContext.MemberName} is not a cron expression of five fields or six with seconds (got '{value}')", [validationContext.MemberName!]);

    private static bool Parses(string text)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (5 or 6))
        {
            return false;
        }

        try
        {
            _ = Cronos.CronExpression.Parse(text, fields == 6 ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard);
            return true;
        }
        catch (Cronos.CronFormatException)
        {
            return false;
        }
    }
}

/// <summary>The analysis jobs' windows and parameters (section <c>Analysis</c>).</summary>
internal sealed class AnalysisOptions
{
    public const string Section = "Analysis";

    /// <summary>
    /// The last day the jobs read (YYYY-MM-DD): a local date, the same date in every area whatever its
    /// time zone; empty for today, which is each area's own (docs/adr/0021-local-days.md).
    /// </summary>
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

    /// <summary>Whether spike runs look for the emerging-drug signals (<c>novel_substance</c>, <c>drug_share_rise</c>).</summary>
    public bool DrugSignals { get; set; } = true;

    /// <summary>
    /// The drugs the emerging-drug signals watch (<c>novel_substance</c>, <c>drug_share_rise</c>);
    /// empty watches none. <c>other</c> and <c>unknown</c> name no drug and are not watched.
    /// </summary>
    public string[] SignalDrugs { get; set; } =
        ["fentanyl", "heroin", "prescription_opioid", "other_opioid", "nitazene", "cocaine", "methamphetamine", "xylazine", "benzodiazepine"];

    /// <summary>Days a drug must have gone unrecorded in an area before its next record there is a <c>novel_substance</c> alert.</summary>
    [Range(7, 3660)]
    public int NovelSubstanceLookbackDays { get; set; } = 365;

    /// <summary>The false discovery rate at which a week's rise in a drug's share is a <c>drug_share_rise</c> alert.</summary>
    [Range(0.0001, 0.5)]
    public double ShareRiseFdr { get; set; } = 0.05;

    /// <summary>The fewest overdoses naming the drug a week needs before its share's rise may alert.</summary>
    [Range(1, 1000)]
    public int ShareRiseMinCount { get; set; } = 3;

    /// <summary>An ingest accepting at least this many events starts a hot spot run at once; 0 never.</summary>
    [Range(0, int.MaxValue)]
    public int LargeIngestEvents { get; set; } = 10_000;

    /// <summary>The local date <see cref="AsOf"/> names, or null when each area's today is its own.</summary>
    public DateOnly? AsOfDay => AsOf.Length == 0
        ? null
        : DateOnly.ParseExact(AsOf, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The last day of a job that reads every county's events at once (hot spots, emerging hot spots):
    /// the date <see cref="AsOf"/> names, else the latest of the counties' local dates at
    /// <paramref name="now"/> (the newest day that has begun in any of them).
    /// </summary>
    /// <param name="zones">The counties' time zones.</param>
    /// <param name="now">The instant the job runs at.</param>
    /// <returns>The day.</returns>
    public DateOnly LastDay(IEnumerable<TimeZoneInfo> zones, DateTimeOffset now) =>
        AsOfDay ?? (zones.Any() ? GeoOrs.Analysis.Calendar.AreaDays.Latest(now, zones.Distinct()) : DateOnly.FromDateTime(now.UtcDateTime));
}

/// <summary>Tile serving (section <c>Tiles</c>).</summary>
internal sealed class TilesOptions
{
    public const string Section = "Tiles";

    /// <summary>Memory for made tiles, in megabytes; 0 turns the cache off.</summary>
    [Range(0, 65536)]
    public int CacheMegabytes { get; set; } = 256;
}

/// <summary>
/// How much work one request may ask of the server (section <c>Limits</c>): the caps of the
/// analysis and planning endpoints, their work budgets, how many of the expensive requests run at
/// once, and how long a stop may take. A request over a cap is a 400 naming it.
/// </summary>
internal sealed class LimitsOptions : IValidatableObject
{
    public const string Section = "Limits";

    /// <summary>The most features one hot spot analysis takes.</summary>
    [Range(3, 10_000_000)]
    public int MaxFeatures { get; set; } = 50_000;

    /// <summary>
    /// The most neighbours per feature, on average, a hot spot analysis's weights may give (and the
    /// largest k of k nearest neighbours); for contiguity, counted as the features whose extents
    /// overlap, which bounds the neighbours from above.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxNeighbors { get; set; } = 1_000;

    /// <summary>The most permutations of local Moran's I.</summary>
    [Range(0, 99_999)]
    public int MaxPermutations { get; set; } = 9_999;

    /// <summary>
    /// The most work one hot spot analysis may do: neighbour pairs (features × mean neighbours) ×
    /// permutations (1 when there are none). About 14 ns each on the benchmark machine, so the default
    /// is some 7 s of one core.
    /// </summary>
    [Range(typeof(long), "1", "1000000000000000")]
    public long MaxAnalysisWork { get; set; } = 500_000_000;

    /// <summary>The most days one spike series may span.</summary>
    [Range(1, 1_000_000)]
    public int MaxSeriesDays { get; set; } = 3_660;

    /// <summary>The largest planning area, in km² (its true area on the ellipsoid's authalic sphere, of the polygon as drawn in longitude and latitude).</summary>
    [Range(1, 1_000_000_000)]
    public double MaxPlannerAreaKm2 { get; set; } = 1_000_000;

    /// <summary>The most cells of a candidate grid over the planning area's extent (in EPSG:5070), before those outside are left out.</summary>
    [Range(1, 1_000_000_000)]
    public int MaxGridCells { get; set; } = 200_000;

    /// <summary>The most candidate (or existing) sites one plan considers.</summary>
    [Range(1, 10_000_000)]
    public int MaxPlannerSites { get; set; } = 20_000;

    /// <summary>The most overdoses (demand points) one plan reads.</summary>
    [Range(1, 100_000_000)]
    public int MaxDemandPoints { get; set; } = 200_000;

    /// <summary>The most work one plan may do: candidate sites × demand points.</summary>
    [Range(typeof(long), "1", "1000000000000000")]
    public long MaxPlannerWork { get; set; } = 1_000_000_000;

    /// <summary>
    /// The most (candidate site, demand point) pairs within the coverage radius one plan may hold: the
    /// solver's memory (8 bytes a pair) and the greedy, swaps and subgradient iterations all go over them.
    /// </summary>
    [Range(typeof(long), "1", "1000000000000")]
    public long MaxCoveragePairs { get; set; } = 5_000_000;

    /// <summary>How long one analysis or plan may compute; then it stops and the request answers 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan ComputeTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Expensive requests (analysis, planning) this server runs at once; more get 429 with <c>Retry-After</c>.</summary>
    [Range(1, 10_000)]
    public int HeavyConcurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Live ingest requests (single events and event arrays) this server stores at once.</summary>
    [Range(1, 10_000)]
    public int LiveConcurrency { get; set; } = 16;

    /// <summary>Live ingest requests that wait for one of <see cref="LiveConcurrency"/>; more get 503 with <c>Retry-After</c> at once.</summary>
    [Range(0, 100_000)]
    public int LiveQueue { get; set; } = 64;

    /// <summary>How long a live ingest request waits in that queue before it gets 503 with <c>Retry-After</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan LiveQueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Expensive requests one API key (or client address) runs at once.</summary>
    [Range(1, 10_000)]
    public int HeavyConcurrencyPerClient { get; set; } = 1;

    /// <summary>
    /// How long after the last expensive request the server gives the memory it took back to the
    /// operating system (one full, compacting collection); 0 never.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan TrimAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a stop (SIGTERM, Ctrl-C) waits for requests and background work before it ends them.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HeavyConcurrencyPerClient > HeavyConcurrency)
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(HeavyConcurrencyPerClient)} ({HeavyConcurrencyPerClient}) is more than {Section}:{nameof(HeavyConcurrency)} ({HeavyConcurrency})",
                [nameof(HeavyConcurrencyPerClient)]);
        }
    }
}
