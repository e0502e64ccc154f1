using System.Security.Claims;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// The Hangfire Dashboard at <c>/jobs</c>, read-only, for admins alone: the recurring jobs, the
/// queue, the runs and the servers. A client proves it is an admin with its key in a header, as
/// everywhere; a browser cannot send headers on a page navigation, so the web map first posts the
/// admin key to <c>/api/jobs/dashboard-session</c>, which answers with a cookie that only
/// <c>/jobs</c> gets: HttpOnly, SameSite=Strict, 15 minutes, and refused as soon as its key is revoked.
/// </summary>
internal static class JobsDashboard
{
    public const string Path = "/jobs";

    /// <summary>The cookie's authentication scheme (never the default one: only the dashboard reads it).</summary>
    public const string Scheme = "JobsDashboard";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    public static WebApplicationBuilder AddGeoOrsJobsDashboard(this WebApplicationBuilder builder)
    {
        // The cookie is sealed with the Data Protection key ring in the database, so every server of
        // the deployment reads the cookies any of them issued (no sticky sessions needed).
        builder.Services.AddDataProtection().SetApplicationName("GeoOrs").PersistKeysToDbContext<GeoOrsDbContext>();
        builder.Services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "geoors_jobs";
            o.Cookie.Path = Path;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = Lifetime;
            o.SlidingExpiration = false;
            o.Events.OnRedirectToLogin = c => Status(c, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = c => Status(c, StatusCodes.Status403Forbidden);
            o.Events.OnValidatePrincipal = RefuseRevokedAsync;
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        var session = app.MapGroup("/api/jobs/dashboard-session").WithTags("Jobs").RequireAuthorization(AccessPolicies.Admin);
        session.MapPost("", (Func<HttpContext, Task<NoContent>>)StartSessionAsync).WithName("StartJobsDashboardSession");
        session.MapDelete("", (Func<HttpContext, Task<NoContent>>)EndSessionAsync).WithName("EndJobsDashboardSession");

        // Whether this key may open the dashboard: the web map shows its link only then (any key may
        // ask, so that the map need not provoke a 403 to find out).
        app.MapGet("/api/jobs/dashboard-session", (HttpContext http) => TypedResults.Ok(new Dictionary<string, bool> { ["available"] = AccessRules.RoleOf(http.User) == Role.Admin }))
            .WithTags("Jobs").WithName("JobsDashboardAvailable").RequireAuthorization(AccessPolicies.Partners);
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            DashboardTitle = "GeoOrs jobs",
            AppPath = "/",
            DisplayStorageConnectionString = false,
            IsReadOnlyFunc = _ => true,
            Authorization = [],
            AsyncAuthorization = [new AdminOnly()],
        }, app.ServiceProvider.GetRequiredService<JobStorage>());
        return app;
    }

    /// <summary>The cookie for <c>/jobs</c>, for the admin whose key sent this request.</summary>
    internal static async Task<NoContent> StartSessionAsync(HttpContext http)
    {
        var identity = new ClaimsIdentity(
            http.User.Claims.Where(c => c.Type is GeoOrsClaims.Key or GeoOrsClaims.Role or GeoOrsClaims.Agency).Select(c => new Claim(c.Type, c.Value)), Scheme);
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return TypedResults.NoContent();
    }

    internal static async Task<NoContent> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(Scheme);
        return TypedResults.NoContent();
    }

    private static Task Status(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary>A session ends when its key is revoked (a token's session lasts its 15 minutes).</summary>
    private static async Task RefuseRevokedAsync(CookieValidatePrincipalContext context)
    {
        var key = context.Principal?.FindFirstValue(GeoOrsClaims.Key);
        if (key is null || key.StartsWith("jwt:", StringComparison.Ordinal))
        {
            return;
        }

        var db = context.HttpContext.RequestServices.GetRequiredService<GeoOrsDbContext>();
        if (await ApiKeys.InfoAsync(db, key, context.HttpContext.RequestAborted) is not { RevokedAt: null })
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    /// <summary>
    /// Admins only: by their key in a header, or by the dashboard's cookie. Hangfire answers 401 to a
    /// caller it does not know and 403 to one whose role falls short.
    /// </summary>
    private sealed class AdminOnly : IDashboardAsyncAuthorizationFilter
    {
        public async Task<bool> AuthorizeAsync(DashboardContext context)
        {
            var http = context.GetHttpContext();
            if (http.User.Identity?.IsAuthenticated != true && (await http.AuthenticateAsync(Scheme)).Principal is { } fromCookie)
            {
                http.User = fromCookie;
            }

            return AccessRules.RoleOf(http.User) == Role.Admin;
        }
    }
}
