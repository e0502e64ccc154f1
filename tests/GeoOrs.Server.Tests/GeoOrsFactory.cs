using GeoOrs.Data.Entities;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The whole server in memory against the real PostGIS test database, with the repository's
/// boundaries. It runs no background jobs: a test about jobs or their schedule turns the scheduler
/// on (<see cref="WithScheduler"/>), and sets the crons it needs, on a database of its own when the
/// schedule is what it tests (every server on a database shares one schedule).
/// </summary>
public sealed class GeoOrsFactory : WebApplicationFactory<Program>
{
    /// <summary>February 31st: a cron that never fires.</summary>
    internal const string Never = "0 0 31 2 *";

    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Database:ConnectionString"] = PostGis.ConnectionString,
        ["Boundaries:Directory"] = PostGis.Shapefiles,

        // No Hangfire server: jobs enqueued here wait for a server that runs them. A test that turns
        // it on gets three workers polling each second, and a schedule that never fires unless the
        // test sets one: a nightly hot spot run on the shared database would replace the runs some
        // tests store themselves.
        ["Scheduling:Enabled"] = "false",
        ["Scheduling:PollInterval"] = "00:00:01",
        ["Scheduling:Workers"] = "3",
        ["Scheduling:HotspotsCron"] = Never,
        ["Scheduling:EmergingCron"] = Never,
        ["Scheduling:SpikesCron"] = Never,
        ["Scheduling:BriefsCron"] = Never,

        // Tests share one database: a hot spot run started by other tests' ingests would replace the
        // runs some tests store themselves. The tests of that trigger turn it on.
        ["Analysis:LargeIngestEvents"] = "0",

        // Every in-memory client shares one address: the suite would use up a real limit.
        ["Http:PublicPermitsPerMinute"] = "1000000",
        ["Http:KeyPermitsPerMinute"] = "1000000",

        // Where the links a server sends away (scheduled briefs) lead.
        ["Http:PublicBaseUrl"] = "https://geoors.test",

        // Any server of the suite may claim any webhook delivery, so all of them retry on the same
        // short schedule (ServerProcess sets it too): 4 attempts, 0.1–0.2 s after the first failure.
        ["Webhooks:MaxAttempts"] = WebhookMaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Webhooks:BaseDelay"] = "00:00:00.200",
        ["Webhooks:MaxDelay"] = "00:00:01",
        ["Webhooks:Timeout"] = "00:00:05",
        // Test servers stop while others' deliveries are under way: a row one of them claimed and never
        // recorded comes back within the tests' patience, not after a minute.
        ["Webhooks:LeaseMargin"] = "00:00:02",

        // The suite's webhook receivers listen on 127.0.0.1, which webhooks may not reach by default:
        // this address alone is admitted, as an admin would admit an internal receiver.
        ["Webhooks:AllowedHosts:0"] = "127.0.0.1",
    };

    private readonly Action<IServiceCollection>? _services;

    /// <summary>The attempts a webhook delivery gets in the tests' servers.</summary>
    internal const int WebhookMaxAttempts = 4;

    public GeoOrsFactory()
    {
    }

    /// <summary>A factory with settings of its own (another database, the scheduler on) and, optionally, services of its own.</summary>
    internal GeoOrsFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }

        _services = services;
    }

    /// <summary>A factory whose server runs background jobs: a Hangfire server taking enqueued jobs, with these settings besides.</summary>
    internal static GeoOrsFactory WithScheduler(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["Scheduling:Enabled"] = "true" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new GeoOrsFactory(all, services);
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
        await using var dataSource = GeoOrsDataSource.Create(_settings["Database:ConnectionString"]!);
        await using var db = GeoOrsDbContext.Create(dataSource);
        return (await ApiKeys.CreateAsync(db, role, agency)).Key;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Production");

        // Webhook host names resolve through TestDns (the system's resolver for names no test has set),
        // the same in every server of the suite, so a test can make a name change its address.
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IWebhookResolver>(TestDns.Instance);
            _services?.Invoke(services);
        });
    }
}

/// <summary>
/// The webhook resolver of the tests' servers: names a test has set resolve to the addresses it set
/// (and a test may change them, as a DNS server that rebinds a name would); other names go to the
/// system's resolver.
/// </summary>
internal sealed class TestDns : IWebhookResolver
{
    public static TestDns Instance { get; } = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Net.IPAddress[]> _names = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Makes <paramref name="name"/> resolve to <paramref name="addresses"/> from now on.</summary>
    public static void Set(string name, params string[] addresses) =>
        Instance._names[name] = [.. addresses.Select(System.Net.IPAddress.Parse)];

    public Task<System.Net.IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        _names.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : System.Net.Dns.GetHostAddressesAsync(host, cancellationToken);
}
