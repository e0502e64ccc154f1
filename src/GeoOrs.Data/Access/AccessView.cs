using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Access;

/// <summary>Who a caller is to the data, from least to most entitled.</summary>
public enum Role
{
    /// <summary>No key: suppressed aggregates only.</summary>
    Public,

    /// <summary>A partner agency: unsuppressed aggregates and geomasked points.</summary>
    Partner,

    /// <summary>A public health analyst: points at the precision their agency reported.</summary>
    Analyst,

    /// <summary>Law enforcement: as analysts, and seizures' case references.</summary>
    LawEnforcement,

    /// <summary>Everything, every agency's events, and administration.</summary>
    Admin,
}

/// <summary>How a role sees event points.</summary>
public enum PointAccess
{
    /// <summary>Not at all, at any zoom: no points, no clusters, no event features.</summary>
    None,

    /// <summary>Donut-geomasked: each point displaced by a distance and direction fixed per event.</summary>
    Geomasked,

    /// <summary>As stored, at the precision the reporting agency gave.</summary>
    Exact,
}

/// <summary>The roles by their names in keys, claims and configuration.</summary>
public static class Roles
{
    /// <summary>Every role a key may be made for.</summary>
    public static readonly IReadOnlyList<string> Keyed = ["partner", "analyst", "law_enforcement", "admin"];

    /// <summary>A role's name (<c>public</c>, <c>partner</c>, <c>analyst</c>, <c>law_enforcement</c>, <c>admin</c>).</summary>
    /// <param name="role">The role.</param>
    /// <returns>Its name.</returns>
    public static string Name(Role role) => role switch
    {
        Role.Partner => "partner",
        Role.Analyst => "analyst",
        Role.LawEnforcement => "law_enforcement",
        Role.Admin => "admin",
        _ => "public",
    };

    /// <summary>The role of a name; anything else is no role.</summary>
    /// <param name="name">A role's name.</param>
    /// <param name="role">The role.</param>
    /// <returns>Whether the name is a role's.</returns>
    public static bool TryParse(string? name, out Role role)
    {
        role = name switch
        {
            "public" => Role.Public,
            "partner" => Role.Partner,
            "analyst" => Role.Analyst,
            "law_enforcement" => Role.LawEnforcement,
            "admin" => Role.Admin,
            _ => (Role)(-1),
        };
        return role >= Role.Public;
    }
}

/// <summary>
/// What one caller may see of the data, applied inside every query that reads it: whether counts
/// of 1–9 are suppressed, how points are shown, whether case references are, and which agencies'
/// events are hidden from the caller by those agencies' sharing rules. Bound to SQL as parameters
/// (<see cref="Bind"/>), so every role shares one statement per layer.
/// </summary>
/// <param name="Role">The caller's role.</param>
/// <param name="Agency">The caller's agency, or null for the public.</param>
/// <param name="HiddenAgencies">Agencies whose events the caller may not see, in ordinal order.</param>
public sealed record AccessView(Role Role, string? Agency, IReadOnlyList<string> HiddenAgencies)
{
    /// <summary>Counts from 1 to this are suppressed for the public (the CDC WONDER rule).</summary>
    public const int SuppressBelow = 10;

    /// <summary>Rates from fewer events than this are flagged unstable (NCHS).</summary>
    public const int StableEvents = 20;

    /// <summary>
    /// SQL for the point of an event (alias <paramref name="e"/>) as the view shows it: its masked
    /// position (<c>masked_geom</c>, computed once when it was stored) when <c>@masked</c>, else as stored.
    /// </summary>
    /// <param name="e">The event table's alias.</param>
    /// <returns>The SQL expression.</returns>
    public static string ShownPoint(string e) => $"CASE WHEN @masked THEN {e}.masked_geom ELSE {e}.geom END";

    /// <summary>The public, with no sharing rule in force.</summary>
    public static AccessView Public { get; } = new(Role.Public, null, []);

    /// <summary>Everything, for the server's own administration (never a request's view).</summary>
    public static AccessView Everything { get; } = new(Role.Admin, null, []);

    /// <summary>Whether counts of 1–9 (and what would reveal them) are suppressed.</summary>
    public bool Suppressed => Role == Role.Public;

    /// <summary>How the caller sees event points.</summary>
    public PointAccess Points => Role switch
    {
        Role.Public => PointAccess.None,
        Role.Partner => PointAccess.Geomasked,
        _ => PointAccess.Exact,
    };

    /// <summary>Whether seizures' case references are shown.</summary>
    public bool CaseReferences => Role is Role.LawEnforcement or Role.Admin;

    /// <summary>
    /// What makes two views' answers differ, for cache keys and ETags: the role and the hidden
    /// agencies (the caller's own agency matters only through them).
    /// </summary>
    public string Key => HiddenAgencies.Count == 0 ? Roles.Name(Role) : $"{Roles.Name(Role)}:{string.Join('\u001f', HiddenAgencies)}";

    /// <summary>Binds <c>@suppress</c>, <c>@points</c>, <c>@masked</c>, <c>@cases</c> and <c>@hidden</c>.</summary>
    /// <param name="parameters">The command's parameters.</param>
    public void Bind(NpgsqlParameterCollection parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Add(new NpgsqlParameter<bool>("suppress", NpgsqlDbType.Boolean) { TypedValue = Suppressed });
        parameters.Add(new NpgsqlParameter<bool>("points", NpgsqlDbType.Boolean) { TypedValue = Points != PointAccess.None });
        parameters.Add(new NpgsqlParameter<bool>("masked", NpgsqlDbType.Boolean) { TypedValue = Points == PointAccess.Geomasked });
        parameters.Add(new NpgsqlParameter<bool>("cases", NpgsqlDbType.Boolean) { TypedValue = CaseReferences });
        parameters.Add(new NpgsqlParameter<string[]>("hidden", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. HiddenAgencies] });
    }
}
