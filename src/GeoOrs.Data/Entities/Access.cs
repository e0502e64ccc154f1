namespace GeoOrs.Data.Entities;

/// <summary>An API key (<c>api_keys</c>, migration 0008): only its SHA-256 is stored.</summary>
public sealed class ApiKey
{
    /// <summary>The key's id.</summary>
    public long Id { get; set; }

    /// <summary>The prefix that names the key in lists and logs.</summary>
    public required string Prefix { get; set; }

    /// <summary>The SHA-256 of the key.</summary>
#pragma warning disable CA1819 // a bytea column: the hash is a value, copied in and out whole
    public required byte[] Sha256 { get; set; }
#pragma warning restore CA1819

    /// <summary>partner, analyst, law_enforcement or admin.</summary>
    public required string Role { get; set; }

    /// <summary>The agency the key belongs to.</summary>
    public required string Agency { get; set; }

    /// <summary>A note from the admin who made it.</summary>
    public string? Note { get; set; }

    /// <summary>When it was made (the database's <c>now()</c>).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was revoked, if it was.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A sharing rule (<c>agency_sharing</c>, migration 0011): the owner's events are shared with the partner.</summary>
public sealed class AgencySharingRule
{
    /// <summary>The agency whose events are restricted.</summary>
    public required string Owner { get; set; }

    /// <summary>An agency the owner shares with (the owner itself: with nobody else).</summary>
    public required string Partner { get; set; }

    /// <summary>When the rule was last set.</summary>
    public DateTimeOffset ChangedAt { get; set; }
}

/// <summary>An agency a key may submit events for besides its own (<c>ingest_delegations</c>, migration 0014).</summary>
public sealed class IngestDelegation
{
    /// <summary>The key's prefix.</summary>
    public required string KeyPrefix { get; set; }

    /// <summary>The agency it may submit for.</summary>
    public required string Agency { get; set; }

    /// <summary>Who granted it.</summary>
    public string? GrantedBy { get; set; }

    /// <summary>When it was granted.</summary>
    public DateTimeOffset GrantedAt { get; set; }
}
