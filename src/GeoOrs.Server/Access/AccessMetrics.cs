using System.Diagnostics.Metrics;
using GeoOrs.Data.Access;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace GeoOrs.Server.Access;

/// <summary>
/// The meter <c>GeoOrs.Access</c>: refusals of credentials and of access (auth failures), and requests
/// refused by the rate limiter, by the caller's role.
/// </summary>
internal static class AccessMetrics
{
    public const string Name = "GeoOrs.Access";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>("geoors.auth.failures", "{request}",
        "Requests refused for their credentials or role: reason invalid_credentials (401), unauthenticated (401: a key is needed) or forbidden (403), by role");
    private static readonly Counter<long> RateLimited = Meter.CreateCounter<long>("geoors.ratelimit.refusals", "{request}",
        "Requests refused with 429 by the rate limiter, by caller (key, address) and role");

    /// <summary>Records a refusal: <c>invalid_credentials</c>, <c>unauthenticated</c> or <c>forbidden</c>.</summary>
    public static void AuthFailed(string reason, Role role) =>
        AuthFailures.Add(1, new KeyValuePair<string, object?>("reason", reason), new("role", Roles.Name(role)));

    /// <summary>Records an endpoint's refusal of a caller's role (<see cref="AccessRules.Deny"/>) and returns the role.</summary>
    public static Role Denied(Role role)
    {
        AuthFailed(role == Role.Public ? "unauthenticated" : "forbidden", role);
        return role;
    }

    /// <summary>Records a request the rate limiter refused.</summary>
    public static void RateLimitRefused(HttpContext http)
    {
        var role = AccessRules.RoleOf(http.User);
        RateLimited.Add(1, new KeyValuePair<string, object?>("caller", role == Role.Public ? "address" : "key"), new("role", Roles.Name(role)));
    }
}

/// <summary>
/// The authorization middleware's answer to a refused policy (401 challenge or 403), as by default,
/// counted in <see cref="AccessMetrics"/>.
/// </summary>
internal sealed class MeteredAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged || authorizeResult.Forbidden)
        {
            AccessMetrics.AuthFailed(authorizeResult.Challenged ? "unauthenticated" : "forbidden", AccessRules.RoleOf(context.User));
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
