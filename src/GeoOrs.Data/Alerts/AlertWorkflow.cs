using GeoOrs.Data.Access;

namespace GeoOrs.Data.Alerts;

/// <summary>An alert's place in the response workflow.</summary>
/// <param name="Status">new, acknowledged, investigating, responded, closed or dismissed.</param>
/// <param name="OwnerAgency">The agency that owns the response: the first to acknowledge it, or whom an admin gave it to.</param>
/// <param name="Assignee">Who in the owning agency handles it (free text: a name, a team, a key prefix).</param>
/// <param name="Reason">Why it was dismissed (only when dismissed).</param>
/// <param name="Change">How many changes have been made to it: 0 for a new alert; the version a PATCH names in <c>If-Match</c>.</param>
/// <param name="ChangedAt">When the last change was made (UTC), or null for none.</param>
public sealed record AlertState(string Status, string? OwnerAgency, string? Assignee, string? Reason, int Change, DateTime? ChangedAt);

/// <summary>Who made a change or wrote a note.</summary>
/// <param name="KeyPrefix">The API key's prefix (<c>gok_…</c>), or <c>jwt:SUBJECT</c> for a token.</param>
/// <param name="Role">The caller's role.</param>
/// <param name="Agency">The caller's agency.</param>
public sealed record Actor(string? KeyPrefix, string Role, string? Agency);

/// <summary>
/// A change of an alert's state, as the API, the stream and webhooks show it. Its id is the alert's
/// id and the change's number (<c>al_…:3</c>), so a receiver that drops repeated ids keeps every change.
/// </summary>
/// <param name="Id">The change's own id: <c>ALERT_ID:CHANGE</c>.</param>
/// <param name="AlertId">The alert.</param>
/// <param name="Change">The change's number, from 1.</param>
/// <param name="Seq">Its place in the order shared with alerts (a stream's position).</param>
/// <param name="AreaKind">The alert's area kind.</param>
/// <param name="AreaId">The alert's area id.</param>
/// <param name="AreaName">The alert's area name.</param>
/// <param name="Method">The alert's method (or kind).</param>
/// <param name="Day">The alert's day.</param>
/// <param name="Drug">The drug the alert is about, when its method names one.</param>
/// <param name="PreviousStatus">The status before the change.</param>
/// <param name="Status">The status after it.</param>
/// <param name="OwnerAgency">The owning agency after it.</param>
/// <param name="Assignee">The assignee after it.</param>
/// <param name="Reason">The reason of a dismissal.</param>
/// <param name="At">When it was made (UTC).</param>
/// <param name="By">Who made it.</param>
public sealed record AlertStatusChange(
    string Id, string AlertId, int Change, long Seq, string AreaKind, string AreaId, string? AreaName, string Method, DateOnly Day, string? Drug,
    string PreviousStatus, string Status, string? OwnerAgency, string? Assignee, string? Reason, DateTime At, Actor By);

/// <summary>A note on an alert, or an action taken (a key of the area's response plan), or both.</summary>
/// <param name="Id">The note's id.</param>
/// <param name="AlertId">The alert.</param>
/// <param name="At">When it was written (UTC).</param>
/// <param name="By">Who wrote it.</param>
/// <param name="Text">The note's text, or null for an action alone.</param>
/// <param name="Action">The action's key, or null for a note alone.</param>
/// <param name="ActionLabel">The action's label as the plan read when it was recorded.</param>
public sealed record AlertNote(long Id, string AlertId, DateTime At, Actor By, string? Text, string? Action, string? ActionLabel);

/// <summary>One action of a response plan.</summary>
/// <param name="Key">Its key: lower-case letters, digits and underscores.</param>
/// <param name="Label">What it says to a responder.</param>
public sealed record PlanAction(string Key, string Label);

/// <summary>An area's response-plan template.</summary>
/// <param name="AreaKind">The area's kind.</param>
/// <param name="AreaId">The area's id.</param>
/// <param name="Actions">The actions, in the order shown.</param>
/// <param name="IsDefault">Whether it is the built-in default (no admin has set the area's own).</param>
/// <param name="UpdatedAt">When an admin last set it (UTC), or null for the default.</param>
/// <param name="UpdatedBy">The admin's key prefix.</param>
public sealed record ResponsePlan(string AreaKind, string AreaId, IReadOnlyList<PlanAction> Actions, bool IsDefault, DateTime? UpdatedAt, string? UpdatedBy);

/// <summary>
/// The rules of the spike-response workflow: the statuses, the moves between them and who may make
/// each (docs/adr/0028-spike-response-workflow.md). Pure: the caller's role and agency, whether the
/// agency has events in the alert's area, and the alert's state decide.
/// </summary>
public static class AlertWorkflow
{
    /// <summary>The statuses, in the order a response goes through them (dismissed last).</summary>
    public static readonly IReadOnlyList<string> Statuses = ["new", "acknowledged", "investigating", "responded", "closed", "dismissed"];

    /// <summary>The statuses a response ends in: no move leaves them.</summary>
    public static readonly IReadOnlyList<string> Final = ["closed", "dismissed"];

    /// <summary>The longest note, reason, assignee and agency taken.</summary>
    public const int MaxNoteLength = 4000, MaxReasonLength = 2000, MaxAssigneeLength = 200, MaxAgencyLength = 200;

    /// <summary>The most actions a plan holds; the longest key and label.</summary>
    public const int MaxPlanActions = 50, MaxActionKeyLength = 40, MaxActionLabelLength = 200;

    /// <summary>The response plan of an area no admin has given one: the Overdose Response Strategy's usual spike responses.</summary>
    public static readonly IReadOnlyList<PlanAction> DefaultPlan =
    [
        new("notify_harm_reduction", "Notify harm reduction partners"),
        new("public_health_alert", "Push a public-health alert"),
        new("deploy_naloxone", "Deploy naloxone to the area"),
        new("qrt_outreach", "Quick response team outreach"),
        new("le_drug_testing", "Law-enforcement drug testing of seized samples"),
        new("notify_emergency_departments", "Notify emergency departments"),
        new("notify_medical_examiner", "Ask the medical examiner / coroner for toxicology"),
    ];

    /// <summary>The statuses an alert may move to from a status, in the workflow's order.</summary>
    /// <param name="status">The current status.</param>
    /// <returns>The next statuses.</returns>
    public static IReadOnlyList<string> Next(string status) => status switch
    {
        "new" => ["acknowledged", "dismissed"],
        "acknowledged" => ["investigating", "dismissed"],
        "investigating" => ["responded", "dismissed"],
        "responded" => ["closed", "dismissed"],
        _ => [],
    };

    /// <summary>Whether a role moves alerts of its own agency on (analysts and law enforcement; admins move any).</summary>
    private static bool Responds(Role role) => role is Role.Analyst or Role.LawEnforcement;

    /// <summary>
    /// Why the caller may not move an alert in <paramref name="state"/> to <paramref name="target"/>,
    /// or null when it may. The move must be one of <see cref="Next"/>.
    /// </summary>
    /// <param name="role">The caller's role.</param>
    /// <param name="agency">The caller's agency.</param>
    /// <param name="agencyHasEvents">Whether the caller's agency has events in the alert's area.</param>
    /// <param name="state">The alert's state.</param>
    /// <param name="target">The status asked for.</param>
    /// <returns>The refusal, or null.</returns>
    public static string? MayMove(Role role, string? agency, bool agencyHasEvents, AlertState state, string target)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (role == Role.Admin)
        {
            return null;
        }

        if (role == Role.Public)
        {
            return "the public cannot change alerts";
        }

        if (target == "acknowledged")
        {
            return agencyHasEvents ? null : $"only an agency with events in the alert's area may acknowledge it, and {agency} has none there";
        }

        if (!Responds(role))
        {
            return $"the {Roles.Name(role)} role may acknowledge alerts and add notes; analysts and law enforcement of the owning agency move them on";
        }

        return state.OwnerAgency is { } owner && owner == agency
            ? null
            : state.OwnerAgency is null
                ? "the alert has no owning agency yet: it is acknowledged first (or an admin dismisses it)"
                : $"the alert is owned by {state.OwnerAgency}: its analysts and law enforcement move it on";
    }

    /// <summary>Why the caller may not set the assignee of an alert (whose owner is <paramref name="owner"/> after the change), or null.</summary>
    /// <param name="role">The caller's role.</param>
    /// <param name="agency">The caller's agency.</param>
    /// <param name="owner">The owning agency after the change.</param>
    /// <returns>The refusal, or null.</returns>
    public static string? MayAssign(Role role, string? agency, string? owner) =>
        role == Role.Admin || (Responds(role) && owner is not null && owner == agency)
            ? null
            : "the assignee is set by the owning agency's analysts and law enforcement, and by admins";

    /// <summary>Why the caller may not give the alert to another agency, or null (admins only).</summary>
    /// <param name="role">The caller's role.</param>
    /// <returns>The refusal, or null.</returns>
    public static string? MayReassign(Role role) =>
        role == Role.Admin ? null : "only admins give an alert to another agency";

    /// <summary>The statuses the caller may move an alert to now.</summary>
    /// <param name="role">The caller's role.</param>
    /// <param name="agency">The caller's agency.</param>
    /// <param name="agencyHasEvents">Whether the caller's agency has events in the alert's area.</param>
    /// <param name="state">The alert's state.</param>
    /// <returns>The statuses.</returns>
    public static IReadOnlyList<string> Allowed(Role role, string? agency, bool agencyHasEvents, AlertState state) =>
        [.. Next(state.Status).Where(s => MayMove(role, agency, agencyHasEvents, state, s) is null)];

    /// <summary>Whether a text is a plan action's key: 1 to 40 lower-case letters, digits and underscores.</summary>
    /// <param name="key">The text.</param>
    /// <returns>Whether it is one.</returns>
    public static bool IsActionKey(string? key) =>
        key is { Length: > 0 and <= MaxActionKeyLength } && key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>Whether a free text (a note, a reason, a label, a name) is acceptable: not blank, within its length, no control characters but line breaks and tabs.</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">Its longest.</param>
    /// <param name="lines">Whether line breaks and tabs are taken.</param>
    /// <returns>Whether it is.</returns>
    public static bool IsText(string? text, int maxLength, bool lines = false) =>
        text is not null && text.Length <= maxLength && !string.IsNullOrWhiteSpace(text)
        && text.All(c => !char.IsControl(c) || (lines && c is '\n' or '\r' or '\t'));
}
