using GeoOrs.Data.Access;
using GeoOrs.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

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

        // Tests share one database: a hot spot run started by other tests' ingests would replace the
        // runs some tests store themselves. The tests of that trigger turn it on.
        ["Analysis:LargeIngestEvents"] = "0",

        // Every in-memory client shares one address: the suite would use up a real limit.
        ["Http:PublicPermitsPerMinute"] = "1000000",
        ["Http:KeyPermitsPerMinute"] = "1000000",

        // Any server of the suite may claim any webhook delivery, so all of them retry on the same
        // short schedule (ServerProcess sets it too): 4 attempts, 0.1–0.2 s after the first failure.
        ["Webhooks:MaxAttempts"] = WebhookMaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Webhooks:BaseDelay"] = "00:00:00.200",
        ["Webhooks:MaxDelay"] = "00:00:01",
        ["Webhooks:Timeout"] = "00:00:05",
    };

    /// <summary>The attempts a webhook delivery gets in the tests' servers.</summary>
    internal const int WebhookMaxAttempts = 4;

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

    private readonly Dictionary<string, string> _keys = [];

    /// <summary>A client whose requests carry this factory's API key of the role (made once, for the tests' agency).</summary>
    public HttpClient CreateClient(string role)
    {
        string? key;
        lock (_keys)
        {
            if (!_keys.TryGetValue(role, out key))
            {
                _keys[role] = key = KeyForAsync(role).GetAwaiter().GetResult();
            }
        }

        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>A client whose requests carry a new API key of the role, for the agency.</summary>
    public async Task<HttpClient> ClientForAsync(string role, string agency = "GeoOrs Tests")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await KeyForAsync(role, agency));
        return client;
    }

    /// <summary>A new API key of the role, for the agency, in this factory's database.</summary>
    public async Task<string> KeyForAsync(string role, string agency = "GeoOrs Tests")
    {
        _ = Services; // the server has migrated the database
        await using var dataSource = NpgsqlDataSource.Create(_settings["Database:ConnectionString"]!);
        return (await ApiKeys.CreateAsync(dataSource, role, agency)).Key;
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
