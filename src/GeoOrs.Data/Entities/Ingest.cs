namespace GeoOrs.Data.Entities;

/// <summary>A named column mapping senders choose with <c>?mapping=NAME</c> (<c>ingest_mappings</c>, migrations 0004 and 0014).</summary>
public sealed class ColumnMappingRow
{
    /// <summary>The mapping's name.</summary>
    public required string Name { get; set; }

    /// <summary>overdoses or seizures.</summary>
    public required string Kind { get; set; }

    /// <summary>The definition, as JSON text (<c>jsonb</c>).</summary>
    public required string Definition { get; set; }

    /// <summary>Whether it ships with GeoOrs.</summary>
    public bool BuiltIn { get; set; }

    /// <summary>When it was last written.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The agency that owns it; null for a built-in one or one stored before 0014.</summary>
    public string? OwnerAgency { get; set; }

    /// <summary>The key that wrote it.</summary>
    public string? KeyPrefix { get; set; }
}

/// <summary>An ingest batch (<c>ingest_batches</c>, migrations 0002, 0004 and 0014). Written by the COPY path; read here.</summary>
public sealed class IngestBatchRow
{
    /// <summary>The batch's id.</summary>
    public long Id { get; set; }

    /// <summary>overdoses or seizures.</summary>
    public required string Kind { get; set; }

    /// <summary>The agency the batch was sent for.</summary>
    public required string Agency { get; set; }

    /// <summary>Who sent it.</summary>
    public string? Sender { get; set; }

    /// <summary>When it arrived.</summary>
    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>csv, geojson …</summary>
    public required string Format { get; set; }

    /// <summary>The body's length.</summary>
    public long Bytes { get; set; }

    /// <summary>The body's SHA-256 (hex).</summary>
    public string? Sha256 { get; set; }

    /// <summary>running, committed, rejected, failed or duplicate.</summary>
    public string Status { get; set; } = "running";

    /// <summary>Rows read.</summary>
    public int RowsRead { get; set; }

    /// <summary>Rows stored.</summary>
    public int Accepted { get; set; }

    /// <summary>Rows refused.</summary>
    public int Rejected { get; set; }

    /// <summary>Rows already stored.</summary>
    public int Duplicates { get; set; }

    /// <summary>The row errors, as JSON text (<c>jsonb</c>).</summary>
    public string Errors { get; set; } = "[]";

    /// <summary>The mapping used.</summary>
    public string? Mapping { get; set; }

    /// <summary>all-or-nothing or skip-invalid.</summary>
    public string Mode { get; set; } = "all-or-nothing";

    /// <summary>The backend that ran it (to recognise one cut off by a crash).</summary>
    public int? BackendPid { get; set; }

    /// <summary>Rows outside every county.</summary>
    public int OutsideCounties { get; set; }

    /// <summary>The batch this one repeats.</summary>
    public long? DuplicateOf { get; set; }

    /// <summary>Why it failed.</summary>
    public string? Error { get; set; }

    /// <summary>The key that sent it.</summary>
    public string? KeyPrefix { get; set; }

    /// <summary>Agency → events stored under it, as JSON text (<c>jsonb</c>).</summary>
    public string Agencies { get; set; } = "{}";

    /// <summary>Duplicates of events held for agency review.</summary>
    public int HeldForReview { get; set; }
}
