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
}

/// <summary>Tile serving (section <c>Tiles</c>).</summary>
internal sealed class TilesOptions
{
    public const string Section = "Tiles";

    /// <summary>Memory for made tiles, in megabytes; 0 turns the cache off.</summary>
    [Range(0, 65536)]
    public int CacheMegabytes { get; set; } = 256;
}
