using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GeoOrs.Server.WebMap;

/// <summary>The web map's settings (section <c>WebMap</c>).</summary>
internal sealed class WebMapOptions : IValidatableObject
{
    public const string Section = "WebMap";

    /// <summary>
    /// A MapLibre style URL drawn under GeoOrs' layers (an http(s) URL); empty, the default, draws no
    /// basemap: the states and counties of the server's own tiles are the base. The page's
    /// Content-Security-Policy then admits the style's origin for its requests and images.
    /// </summary>
    public string BasemapStyleUrl { get; set; } = "";

    /// <summary>The folder the pages and the bundle are served from; empty: <c>wwwroot/</c> of the content root.</summary>
    public string Directory { get; set; } = "";

    /// <summary>The basemap style's origin (scheme://host[:port]), or null without one.</summary>
    public string? BasemapOrigin => Uri.TryCreate(BasemapStyleUrl, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BasemapStyleUrl.Length > 0
            && !(Uri.TryCreate(BasemapStyleUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult($"{Section}:{nameof(BasemapStyleUrl)} must be an absolute http(s) URL of a MapLibre style, not '{BasemapStyleUrl}'", [nameof(BasemapStyleUrl)]);
        }
    }
}

/// <summary>
/// The web map: <c>/</c> (the map), <c>/embed</c> (a chrome-less map for dashboards' iframes) and
/// <c>/dist/*</c> (the bundle <c>web/</c> builds: scripts, styles, MapLibre's worker). Every answer
/// carries a strong ETag over its bytes and <c>Cache-Control: no-cache</c>, so browsers revalidate
/// (a 304 when nothing changed) and never run a stale bundle after an upgrade.
/// </summary>
internal static partial class WebMapEndpoints
{
    private static readonly ConcurrentDictionary<string, (DateTime Written, long Length, string ETag)> ETags = new(StringComparer.Ordinal);

    public static WebApplicationBuilder AddGeoOrsWebMap(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebMapOptions>().BindConfiguration(WebMapOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static IEndpointRouteBuilder MapWebMap(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Web map").ExcludeFromDescription();
        group.MapGet("/", (HttpContext http, IOptions<WebMapOptions> options, IWebHostEnvironment env, IOptions<HttpOptions> cors) =>
            Page(http, "index.html", options.Value, env, cors.Value)).WithName("WebMap");
        group.MapGet("/embed", (HttpContext http, IOptions<WebMapOptions> options, IWebHostEnvironment env, IOptions<HttpOptions> cors) =>
            Page(http, "embed.html", options.Value, env, cors.Value)).WithName("WebMapEmbed");
        group.MapGet("/dist/{**file}", Dist).WithName("WebMapBundle");
        return app;
    }

    /// <summary>The folder of the pages: <see cref="WebMapOptions.Directory"/>, else the content root's <c>wwwroot/</c>.</summary>
    internal static string Folder(WebMapOptions options, IWebHostEnvironment env) =>
        options.Directory is { Length: > 0 } dir ? dir
        : env.WebRootPath is { Length: > 0 } root && System.IO.Directory.Exists(root) ? root
        : Path.Combine(env.ContentRootPath, "wwwroot");

    /// <summary>
    /// The Content-Security-Policy of a page: the HTML policy of <see cref="HttpHardening"/>, with the
    /// basemap's origin admitted for requests and images, and for <c>/embed</c> the origins that may
    /// frame it (<c>Http:CorsOrigins</c>, the dashboards; any with <c>*</c>).
    /// </summary>
    internal static string ContentSecurityPolicy(WebMapOptions options, HttpOptions http, bool embed)
    {
        var policy = HttpHardening.HtmlContentSecurityPolicy;
        if (options.BasemapOrigin is { } basemap)
        {
            policy = policy.Replace("connect-src 'self'", $"connect-src 'self' {basemap}", StringComparison.Ordinal)
                .Replace("img-src 'self'", $"img-src 'self' {basemap}", StringComparison.Ordinal);
        }

        if (embed && http.CorsOrigins.Length > 0)
        {
            var ancestors = http.AnyOrigin ? "*" : "'self' " + string.Join(' ', http.CorsOrigins);
            policy = policy.Replace("frame-ancestors 'self'", "frame-ancestors " + ancestors, StringComparison.Ordinal);
        }

        return policy;
    }

    private static IResult Page(HttpContext http, string name, WebMapOptions options, IWebHostEnvironment env, HttpOptions cors)
    {
        var file = Path.Combine(Folder(options, env), name);
        if (!File.Exists(file))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No web map", detail: $"The web map's page {name} is not installed.");
        }

        var html = File.ReadAllText(file, Encoding.UTF8).Replace(
            "<meta name=\"geoors-basemap\" content=\"\">",
            $"<meta name=\"geoors-basemap\" content=\"{System.Net.WebUtility.HtmlEncode(options.BasemapStyleUrl)}\">",
            StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(html);
        var embed = name == "embed.html";
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy(options, cors, embed);
        if (embed && cors.CorsOrigins.Length > 0)
        {
            http.Items[HttpHardening.NoFrameOptions] = true; // frame-ancestors names the dashboards that may frame it
        }

        headers.CacheControl = "no-cache";
        var etag = new EntityTagHeaderValue($"\"{Hash(bytes)}\"");
        return TypedResults.Bytes(bytes, "text/html; charset=utf-8", entityTag: etag);
    }

    private static IResult Dist(string file, IOptions<WebMapOptions> options, IWebHostEnvironment env, HttpContext http)
    {
        var folder = Path.Combine(Folder(options.Value, env), "dist");
        var path = Path.Combine(folder, file);
        if (!BundleFile().IsMatch(file) || !File.Exists(path))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such file",
                detail: File.Exists(Path.Combine(folder, "app.js")) ? $"The web map has no file '{file}'."
                    : "The web map is not built: run `npm ci && npm run build` in web/ (./geoors serve and ./geoors test do).");
        }

        // The build writes brotli and gzip copies of scripts and styles: send one when the browser takes it.
        var encoding = Precompressed(http.Request, path);
        var sent = encoding is null ? path : $"{path}.{(encoding == "br" ? "br" : "gz")}";
        var info = new FileInfo(sent);
        var etag = ETags.AddOrUpdate(sent,
            _ => (info.LastWriteTimeUtc, info.Length, HashFile(sent)),
            (_, known) => known.Written == info.LastWriteTimeUtc && known.Length == info.Length ? known : (info.LastWriteTimeUtc, info.Length, HashFile(sent))).ETag;
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.Vary = "Accept-Encoding";
        if (encoding is not null)
        {
            http.Response.Headers.ContentEncoding = encoding;
        }

        return TypedResults.PhysicalFile(sent, ContentType(file), lastModified: info.LastWriteTimeUtc, entityTag: new EntityTagHeaderValue($"\"{etag}\""));
    }

    /// <summary>br or gzip when the request accepts it (q &gt; 0) and the build wrote that copy, else null.</summary>
    private static string? Precompressed(HttpRequest request, string path)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        bool Takes(string coding) => accepted.Any(a => a.Value.Equals(coding, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0);
        return Takes("br") && File.Exists(path + ".br") ? "br" : Takes("gzip") && File.Exists(path + ".gz") ? "gzip" : null;
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".js" or ".mjs" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".map" => "application/json",
        _ => "text/plain; charset=utf-8",
    };

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12));

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream).AsSpan(0, 12));
    }

    /// <summary>A file name of the bundle: one path segment, no leading dot.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex BundleFile();
}
