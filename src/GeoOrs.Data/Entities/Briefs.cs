namespace GeoOrs.Data.Entities;

/// <summary>An agency's subscription to an area's weekly brief (<c>brief_subscriptions</c>, migration 0026).</summary>
public sealed class BriefSubscriptionRow
{
    /// <summary>The subscription's id.</summary>
    public long Id { get; set; }

    /// <summary>The agency it belongs to: its callers alone see and delete it (and admins).</summary>
    public required string Agency { get; set; }

    /// <summary>The prefix of the key that made it.</summary>
    public string? KeyPrefix { get; set; }

    /// <summary>county, hidta or state.</summary>
    public required string AreaKind { get; set; }

    /// <summary>The area's id.</summary>
    public required string AreaId { get; set; }

    /// <summary>public or partner: which brief is made (a partner's with the agency's own view).</summary>
    public required string Audience { get; set; }

    /// <summary>The http or https URL the brief's link is POSTed to.</summary>
    public required string Url { get; set; }

    /// <summary>The signing secret of its POSTs (shown once, when it is made).</summary>
    public required string Secret { get; set; }

    /// <summary>When it was made.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
