using GeoOrs.Data.Access;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// Who sends a batch, and so which agencies its rows may be stored under. A row (its own agency
/// field, or the mapping's constant for it) may name the batch's agency, the sender's own agency,
/// or an agency an admin has delegated to the sender's key (<see cref="IngestDelegations"/>); any
/// other agency rejects that row. Admin keys and the operator's command line may name any agency.
/// </summary>
/// <param name="KeyPrefix">The key's prefix (<c>jwt:SUBJECT</c> for a token, <c>cli</c> for the command line), recorded on the batch and its events.</param>
/// <param name="Role">The sender's role.</param>
/// <param name="Agency">The sender's own agency (null for the command line).</param>
/// <param name="Delegated">The other agencies the key may submit for.</param>
/// <param name="Endpoint">What was called (<c>POST /api/ingest/overdoses</c>), for the audit rows of writes made for other agencies.</param>
public sealed record IngestSender(string KeyPrefix, Role Role, string? Agency, IReadOnlySet<string> Delegated, string Endpoint)
{
    /// <summary>The key prefix the command line's batches and events record.</summary>
    public const string CommandLinePrefix = "cli";

    /// <summary>The operator's command line (and the demo loader): it may name any agency and is not audited, since it holds the database itself.</summary>
    public static IngestSender CommandLine { get; } = new(CommandLinePrefix, Role.Admin, null, new HashSet<string>(StringComparer.Ordinal), "geoors ingest");

    /// <summary>Whether this is the operator's command line rather than an HTTP caller.</summary>
    public bool IsCommandLine => Agency is null && KeyPrefix == CommandLinePrefix;

    /// <summary>Whether the sender may store events under any agency (admins and the command line).</summary>
    public bool MayNameAnyAgency => Role == Role.Admin;

    /// <summary>Whether a row of a batch attributed to <paramref name="batchAgency"/> may be stored under <paramref name="agency"/>.</summary>
    /// <param name="agency">The agency the row names.</param>
    /// <param name="batchAgency">The batch's agency.</param>
    /// <returns>True when the row may be stored under it.</returns>
    public bool MayName(string agency, string batchAgency) =>
        MayNameAnyAgency || agency == batchAgency || agency == Agency || Delegated.Contains(agency);

    /// <summary>Whether storing events under <paramref name="agency"/> is a write for another agency (audited).</summary>
    /// <param name="agency">The agency events are stored under.</param>
    /// <returns>True when the sender acts for an agency not its own.</returns>
    public bool ActsFor(string agency) => !IsCommandLine && agency != Agency;

    /// <summary>Why a write for <paramref name="agency"/> was allowed: the sender is an admin, or the key is delegated for it.</summary>
    /// <param name="agency">The other agency.</param>
    /// <returns><c>admin</c> or <c>delegation</c>.</returns>
    public string Authority(string agency) => MayNameAnyAgency && !Delegated.Contains(agency) ? "admin" : "delegation";
}
