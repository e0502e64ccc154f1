using NetTopologySuite.Geometries;

namespace GeoOrs.Data.Entities;

/// <summary>A naloxone site an agency lists (<c>naloxone_sites</c>, migration 0013).</summary>
public sealed class NaloxoneSiteRow
{
    /// <summary>The site's id.</summary>
    public long Id { get; set; }

    /// <summary>The agency that lists it.</summary>
    public required string Agency { get; set; }

    /// <summary>Its name.</summary>
    public required string Name { get; set; }

    /// <summary>Where it is (EPSG:4326).</summary>
    public required Point Geom { get; set; }

    /// <summary>When it was listed.</summary>
    public DateTimeOffset AddedAt { get; set; }
}

/// <summary>A state (<c>states</c>, migration 0001).</summary>
public sealed class StateRow
{
    /// <summary>The state's FIPS code.</summary>
    public required string Statefp { get; set; }

    /// <summary>The postal abbreviation.</summary>
    public required string Stusps { get; set; }

    /// <summary>The name.</summary>
    public required string Name { get; set; }

    /// <summary>Land area, m².</summary>
    public long Aland { get; set; }

    /// <summary>Water area, m².</summary>
    public long Awater { get; set; }

    /// <summary>The outline (EPSG:4326).</summary>
    public required MultiPolygon Geom { get; set; }
}

/// <summary>A county (<c>counties</c>, migration 0001).</summary>
public sealed class County
{
    /// <summary>The county's 5-digit FIPS code.</summary>
    public required string Geoid { get; set; }

    /// <summary>Its state's FIPS code.</summary>
    public required string Statefp { get; set; }

    /// <summary>The county part of the code.</summary>
    public required string Countyfp { get; set; }

    /// <summary>The name.</summary>
    public required string Name { get; set; }

    /// <summary>The legal/statistical area description.</summary>
    public required string Lsad { get; set; }

    /// <summary>Land area, m².</summary>
    public long Aland { get; set; }

    /// <summary>Water area, m².</summary>
    public long Awater { get; set; }

    /// <summary>The outline (EPSG:4326).</summary>
    public required MultiPolygon Geom { get; set; }

    /// <summary>The IANA time zone its residents keep (e.g. <c>America/Chicago</c>); null until a boundary load sets it.</summary>
    public string? TimeZone { get; set; }
}

/// <summary>A county's population in a year (<c>county_population</c>, migration 0001).</summary>
public sealed class CountyPopulationRow
{
    /// <summary>The county.</summary>
    public required string Geoid { get; set; }

    /// <summary>The year.</summary>
    public int Year { get; set; }

    /// <summary>The population.</summary>
    public int Population { get; set; }

    /// <summary>Where the figure comes from.</summary>
    public required string Source { get; set; }
}

/// <summary>A HIDTA region (<c>hidta_regions</c>, migration 0001): the union of its counties.</summary>
public sealed class HidtaRegion
{
    /// <summary>The region's id.</summary>
    public required string Id { get; set; }

    /// <summary>The name.</summary>
    public required string Name { get; set; }

    /// <summary>The outline (EPSG:4326), refreshed on every load.</summary>
    public MultiPolygon? Geom { get; set; }

    /// <summary>When it was loaded.</summary>
    public DateTimeOffset LoadedAt { get; set; }
}

/// <summary>A county's membership of a HIDTA region (<c>hidta_counties</c>, migration 0001).</summary>
public sealed class HidtaCounty
{
    /// <summary>The region.</summary>
    public required string HidtaId { get; set; }

    /// <summary>The county.</summary>
    public required string Geoid { get; set; }

    /// <summary>As of when.</summary>
    public string? AsOf { get; set; }

    /// <summary>Where the membership comes from.</summary>
    public string? Source { get; set; }
}
