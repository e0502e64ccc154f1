using GeoOrs.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The whole server in memory against the real PostGIS test database, with the repository's
/// boundaries and a scheduler that joins the cluster on that database.
/// </summary>
public sealed class GeoOrsFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Database:ConnectionString"] = PostGis.ConnectionString,
        ["Boundaries:Directory"] = PostGis.Shapefiles,
        ["Scheduling:AggregateRefreshInterval"] = "00:00:02",
    };

    public GeoOrsFactory()
    {
    }

    /// <summary>A factory with settings of its own (another database, another scheduler instance id).</summary>
    internal GeoOrsFactory(IReadOnlyDictionary<string, string?> settings)
    {
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Production");
    }
}
