namespace GeoOrs.Data.Entities;

/// <summary>One run of an analysis job (<c>analysis_runs</c>, migration 0012).</summary>
public sealed class AnalysisRunRow
{
    /// <summary>The run's id.</summary>
    public long Id { get; set; }

    /// <summary>hotspots, emerging or spikes.</summary>
    public required string Kind { get; set; }

    /// <summary>The job run it belongs to (<c>job_runs</c>).</summary>
    public long? JobRunId { get; set; }

    /// <summary>schedule, ingest, recovery or manual.</summary>
    public required string Reason { get; set; }

    /// <summary>Its parameters, as JSON text (<c>jsonb</c>).</summary>
    public required string Parameters { get; set; }

    /// <summary>The window's first day.</summary>
    public DateOnly WindowFrom { get; set; }

    /// <summary>The window's last day.</summary>
    public DateOnly WindowTo { get; set; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>How long it took.</summary>
    public int? DurationMs { get; set; }

    /// <summary>running, succeeded or failed.</summary>
    public string Status { get; set; } = "running";

    /// <summary>What it found, as JSON text (<c>jsonb</c>).</summary>
    public string? Summary { get; set; }
}

/// <summary>A spike alert (<c>alerts</c>, migration 0012). Written by the spike job's SQL; read here.</summary>
public sealed class Alert
{
    /// <summary>A hash of area kind, area id, method and day.</summary>
    public required string Id { get; set; }

    /// <summary>The order alerts were stored in (an identity column).</summary>
    public long Seq { get; set; }

    /// <summary>The run that found it.</summary>
    public long? RunId { get; set; }

    /// <summary>county, hidta or county_neighbors.</summary>
    public required string AreaKind { get; set; }

    /// <summary>The area's id.</summary>
    public required string AreaId { get; set; }

    /// <summary>The area's name.</summary>
    public string? AreaName { get; set; }

    /// <summary>The method that flagged the day.</summary>
    public required string Method { get; set; }

    /// <summary>The day.</summary>
    public DateOnly Day { get; set; }

    /// <summary>The count observed.</summary>
    public int Observed { get; set; }

    /// <summary>The count expected.</summary>
    public double? Expected { get; set; }

    /// <summary>The method's statistic.</summary>
    public double? Statistic { get; set; }

    /// <summary>The threshold it crossed.</summary>
    public double? Threshold { get; set; }

    /// <summary>When it was stored.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The drug it is about (novel_substance, drug_share_rise); null for the methods over all overdoses.</summary>
    public string? Drug { get; set; }
}

/// <summary>ODMAP's fixed "N overdoses in 24 hours" for an area (<c>alert_thresholds</c>, migration 0012).</summary>
public sealed class AlertThreshold
{
    /// <summary>county, hidta or county_neighbors.</summary>
    public required string AreaKind { get; set; }

    /// <summary>The area's id.</summary>
    public required string AreaId { get; set; }

    /// <summary>The count (at least 1).</summary>
    public int Threshold { get; set; }
}

/// <summary>A webhook subscription (<c>webhooks</c>, migration 0012).</summary>
public sealed class WebhookRow
{
    /// <summary>The webhook's id.</summary>
    public long Id { get; set; }

    /// <summary>Where alerts are posted (http or https).</summary>
    public required string Url { get; set; }

    /// <summary>The HMAC secret deliveries are signed with.</summary>
    public required string Secret { get; set; }

    /// <summary>The agency that made it.</summary>
    public string? Agency { get; set; }

    /// <summary>The key that made it.</summary>
    public string? KeyPrefix { get; set; }

    /// <summary>Only alerts of this kind of area.</summary>
    public string? AreaKind { get; set; }

    /// <summary>Only alerts of this area.</summary>
    public string? AreaId { get; set; }

    /// <summary>Only alerts of these methods (empty: all).</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>When it was made.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A webhook delivery in the outbox (<c>webhook_outbox</c>, migration 0012).</summary>
public sealed class WebhookDeliveryRow
{
    /// <summary>The delivery's id.</summary>
    public long Id { get; set; }

    /// <summary>The webhook.</summary>
    public long WebhookId { get; set; }

    /// <summary>The alert.</summary>
    public required string AlertId { get; set; }

    /// <summary>0 for the alert itself; N for the N-th change of its state (migration 0027).</summary>
    public int Change { get; set; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; set; }

    /// <summary>When the next attempt is due.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>When it was delivered.</summary>
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>When it was given up.</summary>
    public DateTimeOffset? FailedAt { get; set; }

    /// <summary>The last HTTP status.</summary>
    public int? LastStatus { get; set; }

    /// <summary>The last error.</summary>
    public string? LastError { get; set; }
}
