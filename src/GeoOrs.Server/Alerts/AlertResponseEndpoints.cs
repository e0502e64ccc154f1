using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using GeoOrs.Data.Access;
using GeoOrs.Data.Alerts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GeoOrs.Server.Alerts;

/// <summary>
/// The spike-response workflow on <c>/api/alerts/{id}</c>: an alert with its status, owner, assignee,
/// changes, notes and response plan (partner and up); its <c>PATCH</c> (status, assignee, owning
/// agency, with optimistic concurrency on the change number); its notes and actions; and its line
/// list (analysts, law enforcement and admins; every read audited). Who may make which move is
/// <see cref="AlertWorkflow"/>'s (docs/adr/0028-spike-response-workflow.md).
/// </summary>
internal static class AlertResponseEndpoints
{
    /// <summary>The longest alert id taken in a path.</summary>
    private const int MaxIdLength = 100;

    public static IEndpointRouteBuilder MapAlertResponses(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/alerts/{id}").WithTags("Alerts").RequireAuthorization(AccessPolicies.Partners);
        group.MapGet("", GetAsync).WithName("GetAlert");
        group.MapPatch("", PatchAsync).WithName("ChangeAlert").WithBodyExample(AlertPatch.Example)
            .WithDescription("Moves the alert on, dismisses it, assigns it or gives it to another agency. Send the alert's change number as If-Match (its ETag) or as 'change': a stale one gets 412 (If-Match) or 409.");
        group.MapGet("/notes", NotesAsync).WithName("GetAlertNotes");
        group.MapPost("/notes", AddNoteAsync).WithName("AddAlertNote").WithBodyExample(NoteBody.Example);
        group.MapGet("/line-list", LineListAsync).WithName("GetAlertLineList").RequireAuthorization(AccessPolicies.Analysts);
        return app;
    }

    /// <summary>The body of <c>PATCH /api/alerts/{id}</c>: what to change; members left out stay as they are.</summary>
    /// <param name="Status">The status to move to: acknowledged, investigating, responded, closed or dismissed.</param>
    /// <param name="Reason">Why it is dismissed (with status dismissed only).</param>
    /// <param name="Assignee">Who in the owning agency handles it; an empty text clears it.</param>
    /// <param name="OwnerAgency">The agency to give it to (admins).</param>
    /// <param name="Change">The change number the caller last read (instead of If-Match).</param>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record AlertPatch(
        [property: Description("acknowledged, investigating, responded, closed or dismissed")] string? Status,
        [property: Description("why it is dismissed: required with status dismissed, refused otherwise")] string? Reason,
        [property: Description("who in the owning agency handles it; an empty text clears it")] string? Assignee,
        [property: Description("the agency to give the alert to (admins)")] string? OwnerAgency,
        [property: Description("the change number last read (or send it as If-Match)")] int? Change)
    {
        /// <summary>The document's example: the alert acknowledged, by an agency with events in its area.</summary>
        public static AlertPatch Example => new("acknowledged", null, null, null, null);
    }

    /// <summary>The body of <c>POST /api/alerts/{id}/notes</c>: a note, an action taken, or both.</summary>
    /// <param name="Text">The note.</param>
    /// <param name="Action">The key of an action of the area's response plan, taken.</param>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record NoteBody(
        [property: Description("the note, up to 4,000 characters")] string? Text,
        [property: Description("the key of an action of the area's response plan that was taken")] string? Action)
    {
        /// <summary>The document's example: naloxone deployed, with a note.</summary>
        public static NoteBody Example => new("Two boxes of naloxone left at the shelter on 5th Street.", "deploy_naloxone");
    }

    /// <summary>An alert as its page shows it.</summary>
    /// <param name="Alert">The alert, as <c>/api/alerts</c> lists it.</param>
    /// <param name="State">Its place in the workflow.</param>
    /// <param name="Allowed">The statuses the caller may move it to now.</param>
    /// <param name="MayAssign">Whether the caller may set its assignee.</param>
    /// <param name="MayReassign">Whether the caller may give it to another agency.</param>
    /// <param name="MaySeeLineList">Whether the caller may read its line list.</param>
    /// <param name="Changes">Its changes, oldest first.</param>
    /// <param name="Notes">Its notes and actions, oldest first.</param>
    /// <param name="Plan">The response plan of its area.</param>
    internal sealed record AlertDetail(
        StoredAlert Alert, AlertState State, IReadOnlyList<string> Allowed, bool MayAssign, bool MayReassign, bool MaySeeLineList,
        IReadOnlyList<AlertStatusChange> Changes, IReadOnlyList<AlertNote> Notes, ResponsePlan Plan);

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such alert", detail: $"there is no alert '{id}'");

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The alert request is not valid");

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    /// <summary>Whether an id could be an alert's (a cheap check before the database is asked).</summary>
    private static bool IsId(string id) => id.Length is > 0 and <= MaxIdLength && !id.Any(char.IsControl);

    private static Actor ActorOf(HttpContext http)
    {
        var role = AccessRules.RoleOf(http.User);
        return new Actor(http.User.FindFirstValue(GeoOrsClaims.Key), Roles.Name(role), role == Role.Public ? null : http.User.FindFirstValue(GeoOrsClaims.Agency));
    }

    private static string ETag(int change) => string.Create(CultureInfo.InvariantCulture, $"\"{change}\"");

    internal static async Task<Results<Ok<AlertDetail>, ProblemHttpResult>> GetAsync(
        string id, HttpContext http, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!IsId(id) || await AlertResponses.GetAsync(dataSource, id, cancellationToken) is not var (alert, state))
        {
            return NotFound(id);
        }

        var by = ActorOf(http);
        var role = AccessRules.RoleOf(http.User);
        var hasEvents = role != Role.Admin && state.Status == "new"
            && await AlertResponses.AgencyHasEventsAsync(dataSource, alert.AreaKind, alert.AreaId, by.Agency, cancellationToken);
        var changes = await AlertResponses.ChangesAsync(dataSource, id, cancellationToken);
        var notes = await AlertResponses.NotesAsync(dataSource, id, cancellationToken);
        var plan = await AlertResponses.PlanAsync(dataSource, alert.AreaKind, alert.AreaId, cancellationToken);
        http.Response.Headers.ETag = ETag(state.Change);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new AlertDetail(
            alert, state, AlertWorkflow.Allowed(role, by.Agency, hasEvents, state),
            AlertWorkflow.MayAssign(role, by.Agency, state.OwnerAgency) is null && !AlertWorkflow.Final.Contains(state.Status),
            AlertWorkflow.MayReassign(role) is null && !AlertWorkflow.Final.Contains(state.Status),
            role is Role.Analyst or Role.LawEnforcement or Role.Admin, changes, notes, plan));
    }

    internal static async Task<Results<Ok<AlertDetail>, ValidationProblem, ProblemHttpResult>> PatchAsync(
        string id, AlertPatch? body, HttpContext http, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        // The request first: every mistake of the caller's is a 400 naming its field.
        if (body is null || (body.Status is null && body.Assignee is null && body.OwnerAgency is null))
        {
            return Invalid("body", "send one or more of 'status', 'assignee' and 'owner_agency'");
        }

        if (body.Status is { } asked && !AlertWorkflow.Statuses.Contains(asked))
        {
            return Invalid("status", $"'{asked}' is not a status: {string.Join(", ", AlertWorkflow.Statuses.Skip(1))}");
        }

        if (body.Status == "new")
        {
            return Invalid("status", "an alert does not go back to new");
        }

        if (body.Status == "dismissed" && !AlertWorkflow.IsText(body.Reason, AlertWorkflow.MaxReasonLength, lines: true))
        {
            return Invalid("reason", $"a dismissal gives its reason: 'reason', 1 to {AlertWorkflow.MaxReasonLength:N0} characters");
        }

        if (body.Status != "dismissed" && body.Reason is not null)
        {
            return Invalid("reason", "'reason' goes with status dismissed only");
        }

        if (body.Assignee is { Length: > 0 } assignee && !AlertWorkflow.IsText(assignee, AlertWorkflow.MaxAssigneeLength))
        {
            return Invalid("assignee", $"'assignee' is 1 to {AlertWorkflow.MaxAssigneeLength} characters without control characters, or empty to clear it");
        }

        if (body.OwnerAgency is { } ownerAgency && !AlertWorkflow.IsText(ownerAgency, AlertWorkflow.MaxAgencyLength))
        {
            return Invalid("owner_agency", $"'owner_agency' is 1 to {AlertWorkflow.MaxAgencyLength} characters without control characters");
        }

        int? ifMatch = null;
        if (http.Request.Headers.IfMatch is { Count: > 0 } header)
        {
            var text = header.Count == 1 ? header[0]!.Trim() : "";
            if (text.Length >= 3 && text[0] == '"' && text[^1] == '"'
                && int.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var tag))
            {
                ifMatch = tag;
            }
            else if (text != "*")
            {
                return Invalid("If-Match", "If-Match is the alert's ETag, its change number in quotes (\"3\"), as GET /api/alerts/{id} sends it");
            }
        }

        if (body.Change is < 0)
        {
            return Invalid("change", "'change' is the alert's change number, 0 or more");
        }

        if (!IsId(id) || await AlertResponses.GetAsync(dataSource, id, cancellationToken) is not var (alert, state))
        {
            return NotFound(id);
        }

        // Then the version the caller read: a stale one is a conflict the caller resolves by reading again.
        if (ifMatch is { } expected && expected != state.Change)
        {
            http.Response.Headers.ETag = ETag(state.Change);
            return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed",
                detail: $"the alert is at change {state.Change} (status {state.Status}), not {expected}: read it again");
        }

        if (body.Change is { } change && change != state.Change)
        {
            return Conflict($"the alert is at change {state.Change} (status {state.Status}), not {change}: read it again");
        }

        // Then the workflow: the move must exist from where the alert is, and the caller may make it.
        var role = AccessRules.RoleOf(http.User);
        var by = ActorOf(http);
        if (AlertWorkflow.Final.Contains(state.Status))
        {
            return Conflict($"the alert is {state.Status}: nothing changes it any more");
        }

        var after = state;
        if (body.Status is { } target)
        {
            if (!AlertWorkflow.Next(state.Status).Contains(target))
            {
                return Conflict($"the alert is {state.Status}: it can move to {string.Join(" or ", AlertWorkflow.Next(state.Status))}, not {target}");
            }

            var hasEvents = target == "acknowledged" && role != Role.Admin
                && await AlertResponses.AgencyHasEventsAsync(dataSource, alert.AreaKind, alert.AreaId, by.Agency, cancellationToken);
            if (AlertWorkflow.MayMove(role, by.Agency, hasEvents, state, target) is { } refusal)
            {
                return Forbidden(refusal);
            }

            after = after with
            {
                Status = target,
                OwnerAgency = target == "acknowledged" ? by.Agency : state.OwnerAgency,
                Reason = target == "dismissed" ? body.Reason : null,
            };
        }

        if (body.OwnerAgency is { } owner)
        {
            if (AlertWorkflow.MayReassign(role) is { } refusal)
            {
                return Forbidden(refusal);
            }

            // A new owner's assignee is the new owner's to choose: the old one goes unless one is given.
            after = after with { OwnerAgency = owner, Assignee = owner == after.OwnerAgency ? after.Assignee : null };
        }

        if (body.Assignee is { } who)
        {
            if (AlertWorkflow.MayAssign(role, by.Agency, after.OwnerAgency) is { } refusal)
            {
                return Forbidden(refusal);
            }

            after = after with { Assignee = who.Length == 0 ? null : who };
        }

        if (after == state)
        {
            http.Response.Headers.ETag = ETag(state.Change);
            return Conflict("the alert is already so: nothing to change");
        }

        var made = await AlertResponses.ChangeAsync(dataSource, id, state.Change, state, after, by, cancellationToken);
        if (made is null)
        {
            var now = await AlertResponses.GetAsync(dataSource, id, cancellationToken);
            return Conflict(now is var (_, current)
                ? $"another change came first: the alert is now {current.Status} at change {current.Change}"
                : "the alert was removed meanwhile");
        }

        AlertMetrics.StatusChanged(made.Status);
        return await GetAsync(id, http, dataSource, cancellationToken) switch
        {
            { Result: Ok<AlertDetail> ok } => ok,
            { Result: ProblemHttpResult problem } => problem,
            _ => NotFound(id),
        };
    }

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    internal static async Task<Results<Ok<IReadOnlyList<AlertNote>>, ProblemHttpResult>> NotesAsync(
        string id, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!IsId(id) || await AlertResponses.GetAsync(dataSource, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        return TypedResults.Ok(await AlertResponses.NotesAsync(dataSource, id, cancellationToken));
    }

    internal static async Task<Results<Created<AlertNote>, ValidationProblem, ProblemHttpResult>> AddNoteAsync(
        string id, NoteBody? body, HttpContext http, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (body is null || (body.Text is null && body.Action is null))
        {
            return Invalid("body", "send 'text' (a note), 'action' (an action of the area's response plan that was taken), or both");
        }

        if (body.Text is not null && !AlertWorkflow.IsText(body.Text, AlertWorkflow.MaxNoteLength, lines: true))
        {
            return Invalid("text", $"'text' is 1 to {AlertWorkflow.MaxNoteLength:N0} characters, without control characters but line breaks and tabs");
        }

        if (body.Action is not null && !AlertWorkflow.IsActionKey(body.Action))
        {
            return Invalid("action", "'action' is the key of an action of the area's response plan (lower-case letters, digits and underscores)");
        }

        if (!IsId(id) || await AlertResponses.GetAsync(dataSource, id, cancellationToken) is not var (alert, _))
        {
            return NotFound(id);
        }

        PlanAction? action = null;
        if (body.Action is { } key)
        {
            var plan = await AlertResponses.PlanAsync(dataSource, alert.AreaKind, alert.AreaId, cancellationToken);
            action = plan.Actions.FirstOrDefault(a => a.Key == key);
            if (action is null)
            {
                return Invalid("action", $"'{key}' is not an action of the area's response plan: {string.Join(", ", plan.Actions.Select(a => a.Key))}");
            }
        }

        var note = await AlertResponses.AddNoteAsync(dataSource, id, ActorOf(http), body.Text, action, cancellationToken);
        return note is null ? NotFound(id) : TypedResults.Created($"/api/alerts/{Uri.EscapeDataString(id)}/notes", note);
    }

    internal static async Task<Results<Ok<LineList>, ProblemHttpResult>> LineListAsync(
        string id, HttpContext http, AccessViews access, IOptions<AlertsOptions> options,
        [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!IsId(id) || await AlertResponses.GetAsync(dataSource, id, cancellationToken) is not var (alert, _))
        {
            return NotFound(id);
        }

        var view = access.For(http);
        var settings = options.Value;
        var list = await AlertResponses.LineListAsync(dataSource, alert, view.HiddenAgencies, settings.SeizureDistanceMeters, settings.SeizureDays, cancellationToken);

        // Audited before the data is sent, as every point-level read is.
        await access.AuditAsync(http, $"alert {alert.Id} line list", null, [.. list.Events.Select(e => e.Id)], list.Events.Count, cancellationToken);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(list);
    }
}
