using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using GeoOrs.Data.Entities;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Tests;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>The Hangfire Dashboard at /jobs: admins only, by key or by the dashboard's session cookie, and read-only.</summary>
public class JobsDashboardTests
{
    [Fact]
    public async Task Jobs_dashboard_is_401_without_credentials_and_403_to_partners_and_analysts()
    {
        await using var factory = new GeoOrsFactory();
        using var anonymous = factory.CreateClient();
        foreach (var path in new[] { "/jobs", "/jobs/recurring", "/jobs/jobs/succeeded" })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        foreach (var role in new[] { "partner", "analyst", "law_enforcement" })
        {
            using var client = factory.CreateClient(role);
            using var page = await client.GetAsync(new Uri("/jobs/recurring", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
            using var session = await client.PostAsync(new Uri("/api/jobs/dashboard-session", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.Forbidden, session.StatusCode);
            using var available = await client.GetAsync(new Uri("/api/jobs/dashboard-session", UriKind.Relative));
            Assert.Contains("\"available\":false", await available.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A key that does not check out is refused before the dashboard.
        using var bad = factory.CreateClient();
        bad.DefaultRequestHeaders.Add("X-Api-Key", "gok_notakey");
        using var refused = await bad.GetAsync(new Uri("/jobs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task An_admin_sees_the_recurring_jobs_and_their_last_runs()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var factory = GeoOrsFactory.WithScheduler(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = scratch.ConnectionString,
            ["Scheduling:InstanceId"] = "dashboard-node",
            ["Scheduling:HotspotsCron"] = "0 30 2 * * ?",
            ["Scheduling:EmergingCron"] = "0 0 3 ? * MON",
            ["Scheduling:SpikesCron"] = "*/2 * * * * *",
        });
        using var admin = factory.CreateClient("admin");
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            await using var done = dataSource.CreateCommand("SELECT count(*) FROM job_runs WHERE job = 'spikes' AND status = 'succeeded'");
            if ((long)(await done.ExecuteScalarAsync())! > 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        using var response = await admin.GetAsync(new Uri("/jobs/recurring", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        foreach (var id in new[] { "hotspots", "emerging", "spikes" })
        {
            Assert.Contains($">{id}<", html, StringComparison.Ordinal);
        }

        // The spike job has run: its last run links to the job, and its runs are listed as succeeded.
        Assert.Contains("/jobs/jobs/details/", html, StringComparison.Ordinal);
        using var succeeded = await admin.GetAsync(new Uri("/jobs/jobs/succeeded", UriKind.Relative));
        Assert.Contains("SpikesJob.RunAsync", await succeeded.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Read-only: no trigger, delete or retry buttons.
        Assert.DoesNotContain("js-jobs-list-command", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Trigger now", html, StringComparison.Ordinal);

        using var servers = await admin.GetAsync(new Uri("/jobs/servers", UriKind.Relative));
        Assert.Contains("dashboard-node", await servers.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_opens_the_dashboard_with_the_session_cookie_an_admin_key_gets()
    {
        await using var factory = new GeoOrsFactory();
        var key = await factory.KeyForAsync("admin");
        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var session = await admin.PostAsync(new Uri("/api/jobs/dashboard-session", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        using (var available = await admin.GetAsync(new Uri("/api/jobs/dashboard-session", UriKind.Relative)))
        {
            Assert.Contains("\"available\":true", await available.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var cookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("geoors_jobs=", cookie, StringComparison.Ordinal);
        Assert.Contains("path=/jobs", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var value = cookie[..cookie.IndexOf(';', StringComparison.Ordinal)];

        // A page navigation sends the cookie alone.
        using var browser = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        using (var opened = await GetWithCookieAsync(browser, "/jobs", value))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
            Assert.Contains("GeoOrs jobs", await opened.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The cookie is no key for the API.
        using (var refused = await GetWithCookieAsync(browser, "/api/jobs/runs", value))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Once its key is revoked, the session ends.
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var db = GeoOrsDbContext.Create(dataSource);
        Assert.True(await ApiKeys.RevokeAsync(db, ApiKeys.PrefixOf(key)));
        using var closed = await GetWithCookieAsync(browser, "/jobs", value);
        Assert.Equal(HttpStatusCode.Unauthorized, closed.StatusCode);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_session_one_server_issued_opens_the_dashboard_on_another_server_of_the_same_database()
    {
        await using var shared = await PostGis.CreateScratchDatabaseAsync();
        await using var apart = await PostGis.CreateScratchDatabaseAsync();
        static Dictionary<string, string?> Node(string connectionString) => new()
        {
            ["Database:ConnectionString"] = connectionString,
            ["Boundaries:LoadOnStart"] = "false",
        };
        await using var a = new GeoOrsFactory(Node(shared.ConnectionString));
        await using var b = new GeoOrsFactory(Node(shared.ConnectionString));
        await using var elsewhere = new GeoOrsFactory(Node(apart.ConnectionString));

        using var admin = a.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", await a.KeyForAsync("admin"));
        using var session = await admin.PostAsync(new Uri("/api/jobs/dashboard-session", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        var cookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));
        var value = cookie[..cookie.IndexOf(';', StringComparison.Ordinal)];

        // Behind a load balancer without sticky sessions the next page may reach the other server.
        using var browser = b.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        using (var opened = await GetWithCookieAsync(browser, "/jobs", value))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        // The key ring is the database's, not this machine's: a server on another database cannot read
        // what these two protect, while they read each other's.
        var sealedByA = a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("ring test").Protect("payload");
        Assert.Equal("payload", b.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("ring test").Unprotect(sealedByA));
        Assert.ThrowsAny<CryptographicException>(() =>
            elsewhere.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("ring test").Unprotect(sealedByA));
        await using var dataSource = GeoOrsDataSource.Create(shared.ConnectionString);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM data_protection_keys WHERE xml LIKE '%<key id=%'");
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task Starting_a_run_enqueues_a_background_job()
    {
        await using var factory = new GeoOrsFactory();
        using var admin = factory.CreateClient("admin");
        using var started = await admin.PostAsJsonAsync(new Uri("/api/hotspots/runs", UriKind.Relative), new { kind = "emerging" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>();
        var id = long.Parse(body!["job_id"].GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT invocationdata::text, arguments::text FROM hangfire.job WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Contains("EmergingHotspotsJob", reader.GetString(0), StringComparison.Ordinal);
        Assert.Contains("manual", reader.GetString(1), StringComparison.Ordinal);

        // Not left for a test server with the scheduler on to run over the shared database later.
        Assert.True(factory.Services.GetRequiredService<IBackgroundJobClient>().Delete(body["job_id"].GetString()!));
    }

    /// <summary>A page navigation: a GET with the cookie alone.</summary>
    private static async Task<HttpResponseMessage> GetWithCookieAsync(HttpClient browser, string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("Cookie", cookie);
        return await browser.SendAsync(request);
    }
}
