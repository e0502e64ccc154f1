using GeoOrs.Server;
using GeoOrs.Server.Cli;
using GeoOrs.Server.Demo;

// The shared array pool keeps up to 32 arrays of each size per core (JSON documents' metadata and
// Npgsql's buffers for large rows reach 16 MB), for a minute or more after the burst that rented
// them; one per core is plenty for this server (docs/adr/0012-bounded-work-and-faults.md). Read once,
// at the pool's first use, which comes later than this.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION", "1");
}

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(CommandLine.ServeArguments(args));

builder.AddGeoOrsDatabase();
builder.AddGeoOrsScheduling();
builder.AddGeoOrsDemo();
builder.AddGeoOrsAccess();
builder.AddGeoOrsJobsDashboard();
builder.AddGeoOrsAlerts();
builder.AddGeoOrsBriefs();
builder.Services.AddGeoOrsTiles();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
    GeoOrs.Data.Geometry.GeoJsonGeometry.Configure(o.SerializerOptions);
});
builder.AddGeoOrsHardening();
builder.AddGeoOrsLimits();
builder.AddGeoOrsWebMap();
builder.AddGeoOrsApiDocument();
builder.AddGeoOrsTelemetry();

var app = builder.Build();

await app.PrepareDatabaseAsync();
await app.PrepareJobStorageAsync();

app.UseGeoOrsForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseGeoOrsHardening();
app.UseGeoOrsAccess();
app.UseQueryGuard();

app.MapHealth();
app.MapMetrics();
app.MapBoundaries();
app.MapIngest();
app.MapOgc();
app.MapTiles();
app.MapStyles();
app.MapJobs();
app.MapJobsDashboard();
app.MapAdmin();
app.MapAnalysis();
app.MapHotspots();
app.MapAreas();
app.MapDrugLinks();
app.MapBriefs();
app.MapPlanning();
app.MapAlerts();
app.MapAlertResponses();
app.MapResponsePlans();
app.MapWebhooks();
app.MapWebMap();
app.MapApiDocument();

await app.RunAsync();
return 0;

/// <summary>The server's entry point, visible to the integration tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
