using System.Net;
using System.Text.Json;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

public class HealthEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    [Fact]
    public async Task Healthy_server_reports_postgis_migrations_scheduler_and_boundaries()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        Assert.Equal("healthy", root.GetProperty("status").GetString());
        Assert.StartsWith("3.", root.GetProperty("database").GetProperty("postgis_version").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("15", root.GetProperty("database").GetProperty("server_version").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("migrations").GetProperty("up_to_date").GetBoolean());
        Assert.Equal(3220, root.GetProperty("boundaries").GetProperty("counties").GetInt64());
        Assert.Equal(52, root.GetProperty("boundaries").GetProperty("states").GetInt64());

        // The tests' servers run no jobs unless asked: healthy without a scheduler, which says so.
        var scheduler = root.GetProperty("scheduler");
        Assert.False(scheduler.GetProperty("enabled").GetBoolean());
        Assert.Equal("disabled", scheduler.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_server_with_the_scheduler_on_reports_it_running_under_its_instance_id()
    {
        var instance = "health-" + Guid.NewGuid().ToString("N")[..6];
        await using var scheduled = GeoOrsFactory.WithScheduler(new Dictionary<string, string?> { ["Scheduling:InstanceId"] = instance });
        using var client = scheduled.CreateClient();
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        var scheduler = doc.RootElement.GetProperty("scheduler");
        Assert.True(scheduler.GetProperty("enabled").GetBoolean());
        Assert.True(scheduler.GetProperty("running").GetBoolean());
        Assert.Equal(instance, scheduler.GetProperty("instance_id").GetString());
    }

    [Fact]
    public async Task Lost_database_turns_health_to_503()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var lonely = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = scratch.ConnectionString,
            ["Boundaries:LoadOnStart"] = "false",
        });
        using var client = lonely.CreateClient();
        using (var healthy = await client.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        await scratch.DisposeAsync(); // drops the database under the running server

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unhealthy", doc.RootElement.GetProperty("status").GetString());
        Assert.False(doc.RootElement.GetProperty("database").GetProperty("reachable").GetBoolean());
    }
}
