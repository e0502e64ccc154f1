using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using System.Net;
using GeoOrs.Data.Access;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GeoOrs.Server.Hosting;

/// <summary>Traces, metrics and logs (section <c>Telemetry</c>; docs/OPERATIONS.md, docs/adr/0018-telemetry.md).</summary>
internal sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Whether callers on a loopback address (127.0.0.0/8, ::1) may read <c>/metrics</c> without a key,
    /// for a Prometheus agent on the same host. Off by default: a reverse proxy on the same host would
    /// make every caller look local.
    /// </summary>
    public bool MetricsFromLoopback { get; set; }

    /// <summary>
    /// Where to send traces, metrics and logs over OTLP (e.g. <c>http://collector:4317</c>); empty takes
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, and with neither nothing is exported over OTLP.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>The OTLP protocol for <see cref="OtlpEndpoint"/>: <c>grpc</c> or <c>http/protobuf</c>.</summary>
    [RegularExpression("^(grpc|http/protobuf)$", ErrorMessage = "Telemetry:OtlpProtocol is grpc or http/protobuf")]
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>A tile that took longer than this to make or serve is logged as a warning, with its request's trace id.</summary>
    [Range(0, int.MaxValue)]
    public int SlowTileMilliseconds { get; set; } = 1000;

    /// <summary>
    /// How many agencies the ingest meters name; later agencies are counted as <c>other</c>, so a
    /// stream of made-up agency names cannot grow the metrics without bound.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxAgencyTags { get; set; } = 100;
}

/// <summary>
/// OpenTelemetry for the server: traces of requests, their SQL (Npgsql) and outgoing HTTP (webhooks);
/// metrics of ASP.NET Core, Npgsql and GeoOrs's own meters (one per area, <c>GeoOrs.*</c>); logs with
/// the request's trace and span ids. <c>/metrics</c> serves the metrics in Prometheus text to admins
/// (and loopback callers when <see cref="TelemetryOptions.MetricsFromLoopback"/>); OTLP exports all
/// three when an endpoint is configured.
/// </summary>
internal static class Telemetry
{
    /// <summary>The authorization policy of <c>/metrics</c>.</summary>
    public const string MetricsPolicy = "metrics";

    /// <summary>GeoOrs's own meters.</summary>
    public static readonly IReadOnlyList<string> Meters =
        [IngestMetrics.Name, TileMetrics.Name, FeatureMetrics.Name, JobMetrics.Name, AlertMetrics.Name, AccessMetrics.Name, ReadMetrics.Name];

    public static WebApplicationBuilder AddGeoOrsTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var settings = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        IngestMetrics.MaxAgencies = settings.MaxAgencyTags;

        // Every log record written while a request is handled carries its trace and span ids as a scope
        // (the console shows scopes; OTLP log records carry the ids in their own fields).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("geoors"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter([.. Meters])
                // Recorded on every request and saying nothing that the request duration (by route and
                // status) and GeoOrs's own refusal counter do not: a lease lasts as long as its request,
                // since nothing waits in the limiter's queue. Dropped, they are not recorded at all.
                .AddView("aspnetcore.routing.match_attempts", MetricStreamConfiguration.Drop)
                .AddView("aspnetcore.rate_limiting.request_lease.duration", MetricStreamConfiguration.Drop)
                .AddView("aspnetcore.rate_limiting.active_request_leases", MetricStreamConfiguration.Drop)
                // Each scrape sees the values of that moment: no response kept between scrapes.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        var endpoint = settings.OtlpEndpoint.Length > 0 ? settings.OtlpEndpoint : builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            // Spans are recorded only when they go somewhere: without a collector the request's
            // activity still gives its logs a trace id, and Npgsql's spans are children of it.
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
            otel.WithLogging();
            if (settings.OtlpEndpoint.Length > 0)
            {
                otel.UseOtlpExporter(settings.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf, new Uri(settings.OtlpEndpoint));
            }
            else
            {
                otel.UseOtlpExporter(); // OTEL_EXPORTER_OTLP_* as the OpenTelemetry specification reads them
            }
        }

        else
        {
            // Without a collector nothing listens to ASP.NET Core's activity source, and ASP.NET Core
            // makes a request's Activity only for its own log scope (category
            // Microsoft.AspNetCore.Hosting.Diagnostics, off in appsettings.json: a scope per request
            // for log records that say the path themselves). This listener has the Activity made,
            // unrecorded, so that log records still carry the request's trace id.
            builder.Services.AddHostedService<RequestActivities>();
        }

        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, MeteredAuthorizationResultHandler>();
        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, p => p.RequireAssertion(context =>
            AccessRules.RoleOf(context.User) == Role.Admin
            || (context.Resource is HttpContext http && FromLoopback(http)
                && http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value.MetricsFromLoopback)));
        return builder;
    }

    /// <summary>
    /// For a one-shot command (<c>geoors ingest</c> …): GeoOrs's meters exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the last values sent when it is disposed; else null.
    /// </summary>
    public static MeterProvider? CommandLineMeters() =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
            ? null
            : Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(r => r.AddService("geoors-cli"))
                .AddMeter([.. Meters])
                .AddNpgsqlInstrumentation()
                .AddOtlpExporter()
                .Build();

    /// <summary><c>/metrics</c>: the metrics in Prometheus text format (admins; loopback callers when allowed).</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(MetricsPolicy).WithTags("Telemetry").WithName("Metrics");
        return app;
    }

    /// <summary>Whether the request came from this host (and was not passed on by a proxy that says so).</summary>
    private static bool FromLoopback(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address)
        && !http.Request.Headers.ContainsKey("X-Forwarded-For") && !http.Request.Headers.ContainsKey("Forwarded");

    /// <summary>The zoom band of a tile, for its meters: a handful of values, whatever the zoom.</summary>
    public static string ZoomBand(int zoom) => zoom switch
    {
        <= 4 => "0-4",
        <= 9 => "5-9",
        <= 13 => "10-13",
        _ => "14+",
    };

    /// <summary>Explicit histogram buckets in milliseconds, from a fast cache hit to a long batch.</summary>
    internal static readonly InstrumentAdvice<double> Milliseconds = new()
    {
        HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 1_800_000],
    };
}

/// <summary>
/// Listens to ASP.NET Core's activity source while the server runs, asking for the propagation data
/// only: each request gets an <see cref="System.Diagnostics.Activity"/> (a trace id for its log records
/// and a parent for Npgsql's), none is recorded.
/// </summary>
internal sealed class RequestActivities : IHostedService, IDisposable
{
    private readonly System.Diagnostics.ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
        Sample = static (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.PropagationData,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        System.Diagnostics.ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _listener.Dispose();
}
