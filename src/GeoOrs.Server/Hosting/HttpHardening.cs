using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GeoOrs.Server.Hosting;

/// <summary>What the server lets in over HTTP (section <c>Http</c>).</summary>
internal sealed class HttpOptions : IValidatableObject
{
    public const string Section = "Http";

    /// <summary>
    /// The origins whose pages may read the server's responses (tiles, TileJSON, styles and OGC
    /// embedded in dashboards elsewhere), as <c>https://host[:port]</c>; empty allows none, and a
    /// single <c>*</c> allows any origin but never with credentials.
    /// </summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Requests per minute from one client address, for callers without an API key.</summary>
    public int PublicPermitsPerMinute { get; set; } = 1200;

    /// <summary>Requests per minute for one API key.</summary>
    public int KeyPermitsPerMinute { get; set; } = 6000;

    /// <summary>The largest request body, in bytes, everywhere but the batch ingest endpoints.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest batch, in bytes, that the ingest endpoints take (they stream it).</summary>
    public long MaxIngestBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// The largest body, in bytes, of the analysis and planning endpoints (<c>/api/analysis</c>,
    /// <c>POST /api/planning/naloxone</c>, <c>PUT /api/planning/sites</c>), which take features,
    /// series and sites; it is read whole into memory.
    /// </summary>
    public long MaxAnalysisBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// The reverse proxies (addresses such as <c>127.0.0.1</c>, or networks such as <c>10.0.0.0/8</c>)
    /// whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the server believes: a request from one
    /// of them counts against the client address it names (rate limit, <c>/metrics</c> from loopback).
    /// Empty (the default) trusts no one, and every request is its own peer's.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>
    /// The address the server is reached at from outside, as <c>https://host[:port][/path]</c>: links the
    /// server sends away (a scheduled brief's link in its webhook) are absolute under it. Empty (the
    /// default) sends no links: brief subscriptions are refused until it is set.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>Whether <see cref="CorsOrigins"/> is the single wildcard <c>*</c>.</summary>
    public bool AnyOrigin => CorsOrigins is ["*"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new (string, long)[]
        {
            (nameof(PublicPermitsPerMinute), PublicPermitsPerMinute),
            (nameof(KeyPermitsPerMinute), KeyPermitsPerMinute),
            (nameof(MaxBodyBytes), MaxBodyBytes),
            (nameof(MaxIngestBytes), MaxIngestBytes),
            (nameof(MaxAnalysisBodyBytes), MaxAnalysisBodyBytes),
        })
        {
            if (value < 1)
            {
                yield return new ValidationResult($"{Section}:{name} must be a positive number, not {value}", [name]);
            }
        }

        foreach (var proxy in TrustedProxies.Where(p => !IPAddress.TryParse(p, out _) && !IPNetwork.TryParse(p, out _)))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(TrustedProxies)}: '{proxy}' is neither an IP address (127.0.0.1, ::1) nor a network (10.0.0.0/8, fd00::/8)",
                [nameof(TrustedProxies)]);
        }

        if (PublicBaseUrl.Length > 0 && !IsBaseUrl(PublicBaseUrl))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(PublicBaseUrl)}: '{PublicBaseUrl}' is not a base URL; write scheme://host[:port][/path] (http or https, " +
                "no user, query or fragment), e.g. https://geoors.example.org",
                [nameof(PublicBaseUrl)]);
        }

        if (CorsOrigins.Contains("*") && !AnyOrigin)
        {
            yield return new ValidationResult($"{Section}:{nameof(CorsOrigins)}: '*' (any origin) must be the only entry", [nameof(CorsOrigins)]);
        }

        foreach (var origin in CorsOrigins.Where(o => o != "*" && !IsOrigin(o)))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(CorsOrigins)}: '{origin}' is not an origin; write scheme://host[:port] (http or https, " +
                "no path, query or trailing slash, no default port), e.g. https://dashboard.example.org, or a single '*'",
                [nameof(CorsOrigins)]);
        }
    }

    /// <summary>An absolute http(s) URL without user, query or fragment.</summary>
    private static bool IsBaseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0;

    /// <summary>An absolute URL under <see cref="PublicBaseUrl"/> for a path beginning with <c>/</c>, or null when none is set.</summary>
    public string? Link(string path) => PublicBaseUrl.Length == 0 ? null : PublicBaseUrl.TrimEnd('/') + path;

    /// <summary>An absolute http(s) URL that is exactly its own origin, as a browser sends it in <c>Origin</c>.</summary>
    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), value, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The server's HTTP hardening, from <see cref="HttpOptions"/>: CORS for the listed origins, a rate
/// limit per API key or client address, security headers on every response, and a request body
/// limit whose breach is a 413 problem (the ingest endpoints take up to
/// <see cref="HttpOptions.MaxIngestBytes"/> for themselves).
/// </summary>
internal static class HttpHardening
{
    /// <summary>The Content-Security-Policy of HTML pages: the web map (MapLibre GL runs its workers from blobs).</summary>
    public const string HtmlContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; child-src blob:; " +
        "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self'";

    /// <summary>
    /// The <see cref="HttpContext.Items"/> key of a page that others may frame (the web map's embed):
    /// no <c>X-Frame-Options</c>, whose SAMEORIGIN would overrule its own <c>frame-ancestors</c> in older browsers.
    /// </summary>
    public const string NoFrameOptions = "GeoOrs.NoFrameOptions";

    /// <summary>
    /// The <see cref="HttpContext.Items"/> key of the nonce a page's own inline scripts carry (the API
    /// reference at <c>/docs</c>, whose nonce Scalar makes per request): the page's policy admits
    /// scripts from the server and those with the nonce, no others.
    /// </summary>
    public const string ScriptNonce = Scalar.AspNetCore.ScalarOptions.NonceHttpContextItemKey;

    /// <summary>The Content-Security-Policy of everything else: data is never framed.</summary>
    public const string DataContentSecurityPolicy = "frame-ancestors 'none'";

    /// <summary>Registers the options, CORS policy, rate limiter, Kestrel body limit and the 413 mapping.</summary>
    public static WebApplicationBuilder AddGeoOrsHardening(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>().Configure<IOptions<HttpOptions>>(
            (kestrel, http) =>
            {
                kestrel.Limits.MaxRequestBodySize = http.Value.MaxBodyBytes;
                kestrel.AddServerHeader = false; // the server's make and version are no one's business
            });

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HttpOptions>>((forwarded, http) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = 1; // the address the trusted proxy saw; what the client wrote before it is not believed
            forwarded.KnownProxies.Clear(); // ASP.NET Core trusts loopback by default; GeoOrs trusts only what is configured
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in http.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else if (IPNetwork.TryParse(proxy, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            }
        });

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<HttpOptions>>(
            (cors, http) => cors.AddDefaultPolicy(policy => ConfigureCors(policy, http.Value)));

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<HttpOptions>>((limiter, http) =>
        {
            var options = http.Value;
            var keyed = Bucket(options.KeyPermitsPerMinute);
            var open = Bucket(options.PublicPermitsPerMinute);
            Func<string, TokenBucketRateLimiterOptions> keyedBucket = _ => keyed, openBucket = _ => open;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, keyedBucket, openBucket));
            limiter.OnRejected = RejectAsync;
        });

        // A body or parameter the endpoint cannot bind (a member its record does not have, a value of
        // the wrong type) throws, so that the handler below can name it rather than answer a bare 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        return builder;
    }

    /// <summary>
    /// The client address and scheme from <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> when the
    /// request comes from one of <see cref="HttpOptions.TrustedProxies"/>; call it first, so that every
    /// later step sees the real client. Without trusted proxies the middleware is left out: given no
    /// known proxy or network at all, ASP.NET Core's would believe every caller.
    /// </summary>
    public static IApplicationBuilder UseGeoOrsForwardedHeaders(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IOptions<HttpOptions>>().Value.TrustedProxies.Length == 0 ? app : app.UseForwardedHeaders();

    /// <summary>
    /// Security headers, CORS and the rate limiter. Call it after the authentication, so that the rate
    /// limiter sees the caller's <see cref="GeoOrsClaims.Key"/>.
    /// </summary>
    public static IApplicationBuilder UseGeoOrsHardening(this IApplicationBuilder app)
    {
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                AddSecurityHeaders((HttpContext)state);
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        app.UseCors();
        app.UseRateLimiter();
        return app;
    }

    private static void ConfigureCors(CorsPolicyBuilder policy, HttpOptions options)
    {
        if (options.AnyOrigin)
        {
            policy.AllowAnyOrigin(); // and so never credentials: the CORS service refuses both together
        }
        else if (options.CorsOrigins.Length > 0)
        {
            policy.WithOrigins(options.CorsOrigins).AllowCredentials();
        }

        policy.WithMethods(HttpMethods.Get, HttpMethods.Head, HttpMethods.Options)
            .WithHeaders("Authorization", "X-Api-Key", "Content-Type", "If-None-Match", "Last-Event-ID") // Last-Event-ID: a dashboard resuming the alert stream
            .WithExposedHeaders("ETag", "Retry-After")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
    }

    /// <summary>
    /// Sets the security headers a response does not set itself. A 304 without a Content-Type gets no
    /// framing policy: the browser keeps the one stored with the response it revalidated.
    /// </summary>
    internal static void AddSecurityHeaders(HttpContext context)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers.TryAdd("X-Content-Type-Options", "nosniff");
        headers.TryAdd("Referrer-Policy", "no-referrer");
        headers.TryAdd("Cross-Origin-Opener-Policy", "same-origin");
        headers.TryAdd("Permissions-Policy", "geolocation=(), camera=(), microphone=()");
        if (context.Request.IsHttps)
        {
            headers.TryAdd("Strict-Transport-Security", "max-age=31536000");
        }

        if (response.StatusCode == StatusCodes.Status304NotModified && string.IsNullOrEmpty(response.ContentType))
        {
            return;
        }

        var html = response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
        headers.TryAdd("Content-Security-Policy", !html ? DataContentSecurityPolicy
            : context.Items.TryGetValue(ScriptNonce, out var nonce) && nonce is string { Length: > 0 } value
                ? $"{HtmlContentSecurityPolicy}; script-src 'self' 'nonce-{value}'"
                : HtmlContentSecurityPolicy);
        if (!context.Items.ContainsKey(NoFrameOptions))
        {
            headers.TryAdd("X-Frame-Options", html ? "SAMEORIGIN" : "DENY");
        }
    }

    /// <summary>
    /// A token bucket per API key (the <see cref="GeoOrsClaims.Key"/> claim) or, without one, per client
    /// address (an IPv6 client by its /64, which one client holds whole); <c>/health</c> is not limited.
    /// </summary>
    private static RateLimitPartition<string> Partition(
        HttpContext context, Func<string, TokenBucketRateLimiterOptions> keyedBucket, Func<string, TokenBucketRateLimiterOptions> openBucket)
    {
        if (context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
        {
            return RateLimitPartition.GetNoLimiter("health");
        }

        var client = ClientOf(context);
        return RateLimitPartition.GetTokenBucketLimiter(client, client.StartsWith("key:", StringComparison.Ordinal) ? keyedBucket : openBucket);
    }

    /// <summary>Who a request counts against: <c>key:PREFIX</c> for a caller with an API key, else <c>ip:ADDRESS</c>.</summary>
    internal static string ClientOf(HttpContext context) =>
        context.User.FindFirst(GeoOrsClaims.Key)?.Value is { Length: > 0 } key ? "key:" + key : "ip:" + ClientAddress(context.Connection.RemoteIpAddress);

    /// <summary>
    /// A bucket of a minute's permits, refilled evenly over the minute: a caller may spend the minute
    /// at once, then goes at the rate. Refills come at most once a second (the partitioned limiter
    /// looks every 100 ms), or one permit at a time for fewer than 60 a minute.
    /// </summary>
    internal static TokenBucketRateLimiterOptions Bucket(int permitsPerMinute)
    {
        var perPeriod = Math.Max(1, permitsPerMinute / 60);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = permitsPerMinute,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerMinute * perPeriod / permitsPerMinute),
            QueueLimit = 0,
            AutoReplenishment = false,
        };
    }

    internal static string ClientAddress(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var context = rejected.HttpContext;
        AccessMetrics.RateLimitRefused(context);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: $"This API key or client address is over its requests per minute; retry after {seconds} s.").ExecuteAsync(context);
    }

    /// <summary>
    /// Answers a request Kestrel rejected while the endpoint read it (a body over the limit: 413; a
    /// malformed body: 400) with its own status as a problem, not as a 500.
    /// </summary>
    private sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        /// <summary>A JSON path (<c>$.weights.kind</c>, <c>$['a b']</c>) as the member it names (<c>weights.kind</c>); <c>body</c> for the whole.</summary>
        internal static string MemberOf(string? path)
        {
            var member = (path ?? "$").TrimStart('$').TrimStart('.');
            return member.Length == 0 ? "body" : member.Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal).TrimStart('.');
        }

        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
            {
                return false;
            }

            httpContext.Response.StatusCode = bad.StatusCode;
            if (bad.InnerException is JsonException json)
            {
                var member = MemberOf(json.Path);
                var message = json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal)
                    ? $"unknown member '{member}'"
                    : $"'{member}' is not valid here: {json.Message.Split(" Path:", 2)[0]}";
                await TypedResults.ValidationProblem(new Dictionary<string, string[]> { [member] = [message] }, title: "The request body is not valid")
                    .ExecuteAsync(httpContext);
                return true;
            }

            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                    Detail = bad.Message,
                },
            });
        }
    }
}
