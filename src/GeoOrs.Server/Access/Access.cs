using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Layers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace GeoOrs.Server.Access;

/// <summary>Optional JWT bearer tokens from an identity provider (section <c>Access:Jwt</c>).</summary>
internal sealed class JwtOptions
{
    /// <summary>The provider's issuer URL (its OpenID configuration is read from there); empty with no signing key turns JWTs off.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The audience tokens must name; empty accepts any.</summary>
    public string Audience { get; set; } = "";

    /// <summary>The issuer tokens must name, when tokens are checked against <see cref="SigningKey"/>.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>A shared HMAC-SHA256 key (at least 32 characters) for providers without discovery.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>The claim that names the caller's GeoOrs role.</summary>
    [Required]
    public string RoleClaim { get; set; } = "geoors_role";

    /// <summary>The claim that names the caller's agency.</summary>
    [Required]
    public string AgencyClaim { get; set; } = "geoors_agency";

    /// <summary>Whether tokens are accepted at all.</summary>
    public bool Enabled => Authority.Length > 0 || SigningKey.Length > 0;
}

/// <summary>The authorization policies of the endpoints.</summary>
internal static class AccessPolicies
{
    /// <summary>Any key or token: partner, analyst, law enforcement and admin callers (alerts, which carry small counts).</summary>
    public const string Partners = "partners";

    /// <summary>Ingest, ad-hoc analysis and webhooks: analyst, law enforcement and admin callers.</summary>
    public const string Analysts = "analysts";

    /// <summary>Administration: admin keys.</summary>
    public const string Admin = "admin";
}

/// <summary>
/// Who the caller is and what they may see: API keys (<c>Authorization: Bearer gok_…</c> or
/// <c>X-Api-Key</c>) and, when configured, JWT bearer tokens whose claim names the role. A request
/// without credentials is the public; a request with credentials that do not check out is refused
/// with 401 rather than served as the public, so a revoked key is noticed.
/// </summary>
internal static class AccessRules
{
    private const string Policy = "GeoOrs";
    private const string KeyScheme = "ApiKey";
    private const string JwtScheme = JwtBearerDefaults.AuthenticationScheme;

    public static WebApplicationBuilder AddGeoOrsAccess(this WebApplicationBuilder builder)
    {
        var jwt = builder.Configuration.GetSection("Access:Jwt").Get<JwtOptions>() ?? new JwtOptions();
        builder.Services.AddOptions<JwtOptions>().BindConfiguration("Access:Jwt").ValidateDataAnnotations()
            .Validate(o => o.SigningKey.Length is 0 or >= 32, "Access:Jwt:SigningKey must be at least 32 characters").ValidateOnStart();
        // Without JWTs every credential is an API key: its handler is the default scheme itself, not
        // one reached through a policy scheme (a second handler made and run for every request).
        var authentication = builder.Services.AddAuthentication(jwt.Enabled ? Policy : KeyScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(KeyScheme, null);
        if (jwt.Enabled)
        {
            authentication.AddPolicyScheme(Policy, "API key or JWT", o => o.ForwardDefaultSelector = http =>
                BearerToken(http.Request) is { } token && !token.StartsWith(ApiKeys.Scheme, StringComparison.Ordinal) ? JwtScheme : KeyScheme);
            authentication.AddJwtBearer(JwtScheme, o =>
            {
                o.MapInboundClaims = false;
                if (jwt.Authority.Length > 0)
                {
                    o.Authority = jwt.Authority;
                }

                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateAudience = jwt.Audience.Length > 0,
                    ValidAudience = jwt.Audience,
                    ValidateIssuer = jwt.Issuer.Length > 0 || jwt.Authority.Length > 0,
                    ValidIssuer = jwt.Issuer.Length > 0 ? jwt.Issuer : null,
                    IssuerSigningKey = jwt.SigningKey.Length > 0 ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)) : null,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                o.Events = new JwtBearerEvents { OnTokenValidated = context => MapTokenClaims(context, jwt) };
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.Partners, p => p.RequireClaim(GeoOrsClaims.Role, "partner", "analyst", "law_enforcement", "admin"))
            .AddPolicy(AccessPolicies.Analysts, p => p.RequireClaim(GeoOrsClaims.Role, "analyst", "law_enforcement", "admin"))
            .AddPolicy(AccessPolicies.Admin, p => p.RequireClaim(GeoOrsClaims.Role, "admin"));
        builder.Services.AddSingleton<AccessViews>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AccessViews>());
        builder.Services.AddSingleton<KeyCache>();
        builder.Services.AddSingleton<AuditWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        return builder;
    }

    /// <summary>
    /// The refusal of bad credentials, then authorization; after <c>UseAuthentication</c> and the
    /// hardening (so refusals carry the security headers and count against the caller's rate limit).
    /// </summary>
    public static WebApplication UseGeoOrsAccess(this WebApplication app)
    {
        app.Use(static (http, next) => HasCredentials(http.Request) && http.User.Identity?.IsAuthenticated != true ? RefuseAsync(http) : next(http));
        app.UseAuthorization();
        return app;
    }

    /// <summary>401 for credentials that did not check out, with the reason the authentication gave.</summary>
    private static async Task RefuseAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync();
        AccessMetrics.AuthFailed("invalid_credentials", Role.Public);
        await Unauthorized(http, result.Failure?.Message ?? "the credentials were not accepted").ExecuteAsync(http);
    }

    /// <summary>The caller's role (the public without credentials).</summary>
    public static Role RoleOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Roles.TryParse(user.FindFirstValue(GeoOrsClaims.Role), out var role) ? role : Role.Public;

    /// <summary>401 with a challenge for the public, 403 for a caller whose role falls short.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Deny(HttpContext http, string what) => AccessMetrics.Denied(RoleOf(http.User)) == Role.Public
        ? Unauthorized(http, $"{what} needs an API key")
        : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: $"{what} is not open to the {Roles.Name(RoleOf(http.User))} role");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unauthorized(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"geoors\"";
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);
    }

    private static bool HasCredentials(HttpRequest request) =>
        request.Headers.ContainsKey("X-Api-Key") || request.Headers.Authorization.Count > 0;

    private static string? BearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : null;

    private static Task MapTokenClaims(TokenValidatedContext context, JwtOptions jwt)
    {
        var principal = context.Principal!;
        var role = principal.FindFirstValue(jwt.RoleClaim);
        var agency = principal.FindFirstValue(jwt.AgencyClaim);
        if (!Roles.TryParse(role, out var parsed) || parsed == Role.Public || string.IsNullOrWhiteSpace(agency))
        {
            context.Fail($"the token needs a '{jwt.RoleClaim}' claim naming a role ({string.Join(", ", Roles.Keyed)}) and an '{jwt.AgencyClaim}' claim");
            return Task.CompletedTask;
        }

        var subject = principal.FindFirstValue("sub") ?? "anonymous";
        principal.AddIdentity(new ClaimsIdentity(
        [
            new Claim(GeoOrsClaims.Key, $"jwt:{subject}"),
            new Claim(GeoOrsClaims.Role, Roles.Name(parsed)),
            new Claim(GeoOrsClaims.Agency, agency.Trim()),
        ], "GeoOrs"));
        return Task.CompletedTask;
    }

    /// <summary>Reads an API key from <c>X-Api-Key</c> or <c>Authorization: Bearer</c> and finds it by its hash.</summary>
    private sealed class ApiKeyHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KeyCache keys)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var headers = Request.Headers["X-Api-Key"];
            var bearer = Request.Headers.Authorization.Count > 0 ? BearerToken(Request) : null;
            if (headers.Count == 0 && Request.Headers.Authorization.Count == 0)
            {
                return AuthenticateResult.NoResult();
            }

            if (headers.Count > 1 || Request.Headers.Authorization.Count > 1 || (Request.Headers.Authorization.Count > 0 && bearer is null))
            {
                return AuthenticateResult.Fail("send one API key, as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'");
            }

            var key = headers.Count == 1 ? headers[0] : bearer;
            if (headers.Count == 1 && bearer is not null && bearer != key)
            {
                return AuthenticateResult.Fail("two different keys were sent");
            }

            if (await keys.FindAsync(key, Context.RequestAborted) is not { } found)
            {
                return AuthenticateResult.Fail("the API key is not valid (unknown, malformed or revoked)");
            }

            var identity = new ClaimsIdentity(
            [
                new Claim(GeoOrsClaims.Key, ApiKeys.PrefixOf(key!)),
                new Claim(GeoOrsClaims.Role, found.Role),
                new Claim(GeoOrsClaims.Agency, found.Agency),
            ], Scheme.Name);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
        }
    }
}

/// <summary>
/// Makes each request's <see cref="AccessView"/>: the caller's role and agency, the agencies hidden
/// from them by the sharing rules (reloaded when a rule change is notified, or after listening
/// resumes). Writes the audit rows of point-level reads.
/// </summary>
internal sealed class AccessViews(IDbContextFactory<GeoOrsDbContext> db, DataVersions versions, AuditWriter audit, TimeProvider clock, ILogger<AccessViews> log) : IHostedService
{
    private SharingRules _rules = SharingRules.None;

    /// <summary>The sharing rules in force.</summary>
    public SharingRules Rules => Volatile.Read(ref _rules);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken);
        versions.Signalled += OnSignalled;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        versions.Signalled -= OnSignalled;
        return Task.CompletedTask;
    }

    /// <summary>Reads the sharing rules again.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        Volatile.Write(ref _rules, await SharingRules.LoadAsync(context, cancellationToken));
    }

    /// <summary>The caller's view of the data.</summary>
    public AccessView For(HttpContext http)
    {
        if (http.Items.TryGetValue(typeof(AccessView), out var made) && made is AccessView view)
        {
            return view;
        }

        var role = AccessRules.RoleOf(http.User);
        var agency = role == Role.Public ? null : http.User.FindFirstValue(GeoOrsClaims.Agency);
        view = new AccessView(role, agency, Rules.HiddenFrom(role, agency));
        http.Items[typeof(AccessView)] = view;
        return view;
    }

    /// <summary>
    /// A layer query as the caller may ask it, with the caller's view: the public's window is one of
    /// the fixed windows disclosure control publishes (<see cref="LayerQuery.TryFor"/>). Only those
    /// windows read the public's today, so a keyed caller's tile converts no time.
    /// </summary>
    public bool TryQuery(HttpContext http, LayerQuery query, out LayerQuery result, out string? error)
    {
        var view = For(http);
        return query.TryFor(view, view.Suppressed ? LayerQuery.PublicToday(clock.GetUtcNow()) : default, out result, out error);
    }

    /// <summary>Queues the audit row of a point-level read, before the data is sent (<see cref="AuditWriter"/>).</summary>
    public ValueTask AuditAsync(HttpContext http, string? detail, double[]? bbox, long[]? ids, int rows, CancellationToken cancellationToken)
    {
        var view = For(http);
        return audit.WriteAsync(new AuditEntry(
            http.User.FindFirstValue(GeoOrsClaims.Key), view.Role, view.Agency, $"{http.Request.Method} {http.Request.Path}",
            detail ?? http.Request.QueryString.Value, bbox, ids, rows), cancellationToken);
    }

    private void OnSignalled(string? signal)
    {
        if (signal is null or "sharing")
        {
            _ = ReloadSafelyAsync();
        }
    }

    private async Task ReloadSafelyAsync()
    {
        try
        {
            await ReloadAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            log.LogWarning(e, "Could not reload the sharing rules; the previous ones stay in force");
        }
    }
}
