using System.ComponentModel;
using System.Security.Claims;
using System.Text.Json.Serialization;
using GeoOrs.Data.Alerts;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GeoOrs.Server.Alerts;

/// <summary>
/// <c>/api/admin/response-plans</c>: each area's response-plan template, the actions responders
/// record against its alerts (notify harm reduction, deploy naloxone, …). An area without one of its
/// own uses <see cref="AlertWorkflow.DefaultPlan"/>. Admins edit them; every keyed caller reads an
/// alert's plan in <c>GET /api/alerts/{id}</c>.
/// </summary>
internal static class ResponsePlansEndpoints
{
    public static IEndpointRouteBuilder MapResponsePlans(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/response-plans").WithTags("Administration").RequireAuthorization(AccessPolicies.Admin);
        group.MapGet("", ListAsync).WithName("GetResponsePlans");
        group.MapGet("/{kind}/{id}", GetAsync).WithName("GetResponsePlan");
        group.MapPut("/{kind}/{id}", PutAsync).WithName("PutResponsePlan").WithBodyExample(PlanBody.Example);
        group.MapDelete("/{kind}/{id}", DeleteAsync).WithName("DeleteResponsePlan");
        return app;
    }

    /// <summary>One action of a plan, as sent.</summary>
    /// <param name="Key">Its key: 1 to 40 lower-case letters, digits and underscores.</param>
    /// <param name="Label">What it says to a responder, 1 to 200 characters.</param>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record PlanActionBody(
        [property: Description("1 to 40 lower-case letters, digits and underscores")] string? Key,
        [property: Description("what it says to a responder, 1 to 200 characters")] string? Label);

    /// <summary>The body of <c>PUT /api/admin/response-plans/{kind}/{id}</c>: the area's actions, in order.</summary>
    /// <param name="Actions">1 to 50 actions with distinct keys.</param>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record PlanBody([property: Description("1 to 50 actions with distinct keys, in the order shown")] IReadOnlyList<PlanActionBody?>? Actions)
    {
        /// <summary>The document's example: a county's own plan.</summary>
        public static PlanBody Example => new(
        [
            new("notify_harm_reduction", "Notify Prevention Point and the syringe services programs"),
            new("deploy_naloxone", "Deploy naloxone to the shelters and libraries"),
            new("qrt_outreach", "Quick response team outreach within 72 hours"),
        ]);
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The response plan is not valid");

    private static ValidationProblem? Area(string kind, string id) =>
        !AlertQuery.AreaKinds.Contains(kind)
            ? Invalid("kind", $"the kind of area is {string.Join(", ", AlertQuery.AreaKinds)}")
            : id.Length is 0 or > AlertQuery.MaxAreaIdLength || id.Any(char.IsControl)
                ? Invalid("id", $"an area id is 1 to {AlertQuery.MaxAreaIdLength} characters without control characters")
                : null;

    internal static async Task<Ok<IReadOnlyList<ResponsePlan>>> ListAsync(
        [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        TypedResults.Ok(await AlertResponses.PlansAsync(dataSource, cancellationToken));

    internal static async Task<Results<Ok<ResponsePlan>, ValidationProblem>> GetAsync(
        string kind, string id, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        Area(kind, id) is { } problem ? problem : TypedResults.Ok(await AlertResponses.PlanAsync(dataSource, kind, id, cancellationToken));

    internal static async Task<Results<Ok<ResponsePlan>, ValidationProblem>> PutAsync(
        string kind, string id, PlanBody? body, HttpContext http, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (Area(kind, id) is { } problem)
        {
            return problem;
        }

        if (body?.Actions is not { Count: > 0 and <= AlertWorkflow.MaxPlanActions } sent)
        {
            return Invalid("actions", $"'actions' is a list of 1 to {AlertWorkflow.MaxPlanActions} actions, each {{\"key\": ..., \"label\": ...}}");
        }

        var actions = new List<PlanAction>();
        for (var i = 0; i < sent.Count; i++)
        {
            if (sent[i] is not { } action)
            {
                return Invalid($"actions[{i}]", "an action is {\"key\": ..., \"label\": ...}");
            }

            if (!AlertWorkflow.IsActionKey(action.Key))
            {
                return Invalid($"actions[{i}].key", $"a key is 1 to {AlertWorkflow.MaxActionKeyLength} lower-case letters, digits and underscores");
            }

            if (!AlertWorkflow.IsText(action.Label, AlertWorkflow.MaxActionLabelLength))
            {
                return Invalid($"actions[{i}].label", $"a label is 1 to {AlertWorkflow.MaxActionLabelLength} characters without control characters");
            }

            if (actions.Any(a => a.Key == action.Key))
            {
                return Invalid($"actions[{i}].key", $"the key '{action.Key}' is given twice");
            }

            actions.Add(new PlanAction(action.Key!, action.Label!));
        }

        return TypedResults.Ok(await AlertResponses.SetPlanAsync(dataSource, kind, id, actions, http.User.FindFirstValue(GeoOrsClaims.Key), cancellationToken));
    }

    internal static async Task<Results<NoContent, ValidationProblem>> DeleteAsync(
        string kind, string id, [FromKeyedServices(RequestClass.Api)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (Area(kind, id) is { } problem)
        {
            return problem;
        }

        await AlertResponses.DeletePlanAsync(dataSource, kind, id, cancellationToken);
        return TypedResults.NoContent();
    }
}
