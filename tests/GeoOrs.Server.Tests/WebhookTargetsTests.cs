using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Alerts;
using GeoOrs.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A server with the default webhook policy (only public addresses), admitting a name and a CIDR range
/// through <c>Webhooks:AllowedHosts</c> as an admin would, and delivering nothing: it shares the test
/// database with servers whose receivers are on 127.0.0.1, whose deliveries it must not claim.
/// </summary>
public sealed class DefaultWebhookPolicyFactory : IDisposable
{
    public const string AdmittedName = "hooks.internal.example";

    public GeoOrsFactory Factory { get; } = new(
        new Dictionary<string, string?>
        {
            ["Webhooks:AllowedHosts:0"] = AdmittedName, // in place of the suite's 127.0.0.1
            ["Webhooks:AllowedHosts:1"] = "10.20.0.0/16",
        },
        services =>
        {
            foreach (var delivery in services.Where(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == typeof(GeoOrs.Server.Alerts.WebhookDelivery)).ToList())
            {
                services.Remove(delivery);
            }
        });

    public void Dispose() => Factory.Dispose();
}

/// <summary>
/// Webhook targets: internal addresses refused at registration (literal or by name) and at delivery,
/// where the name is resolved again and the checked address is the one connected to, so a name
/// rebound to 127.0.0.x after registration gets nowhere; credentials and other schemes refused;
/// the allow-list admits internal receivers; delivery errors name a class of failure.
/// </summary>
public class WebhookTargetsTests(GeoOrsFactory factory, DefaultWebhookPolicyFactory strict)
    : IClassFixture<GeoOrsFactory>, IClassFixture<DefaultWebhookPolicyFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static string NewName(string what) => $"{what}-{Guid.NewGuid():N}.test";

    private static async Task<(HttpStatusCode Status, JsonElement Body)> RegisterAsync(HttpClient client, string url)
    {
        using var response = await client.PostAsJsonAsync("/api/webhooks", new { url, area = $"county:{TestAlerts.NewArea()}" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, text);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string UrlError(JsonElement problem) =>
        problem.GetProperty("errors").GetProperty("url")[0].GetString()!;

    [Theory]
    [InlineData("http://127.0.0.1:5432/", "loopback")]
    [InlineData("http://127.8.9.10/", "loopback")]
    [InlineData("http://2130706433/", "loopback")]
    [InlineData("http://[::1]/", "loopback")]
    [InlineData("http://[::1]:6379/", "loopback")]
    [InlineData("http://0.0.0.0:22/", "unspecified")]
    [InlineData("http://[::]/", "unspecified")]
    [InlineData("http://10.1.2.3/", "private")]
    [InlineData("http://172.16.5.4:8080/", "private")]
    [InlineData("http://172.31.255.255/", "private")]
    [InlineData("https://192.168.1.1/admin", "private")]
    [InlineData("http://100.64.0.1/", "carrier-grade NAT")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://[fe80::1]/", "link-local")]
    [InlineData("http://[fc00::1]/", "unique-local")]
    [InlineData("http://[fd12:3456:789a::1]/", "unique-local")]
    [InlineData("http://224.0.0.1/", "multicast")]
    [InlineData("http://[ff02::1]/", "multicast")]
    [InlineData("http://255.255.255.255/", "broadcast")]
    [InlineData("http://[::ffff:127.0.0.1]/", "loopback")]
    [InlineData("http://[::ffff:10.0.0.1]/", "private")]
    [InlineData("http://[::ffff:169.254.169.254]/", "link-local")]
    [InlineData("http://[64:ff9b::a00:1]/", "private")]
    [InlineData("http://[2002:7f00:1::]/", "loopback")]
    [InlineData("http://240.0.0.1/", "reserved")]
    [InlineData("http://10.21.0.1/", "private")] // next to the admitted 10.20.0.0/16
    public async Task An_internal_address_is_refused_at_registration_with_a_400_naming_why(string url, string why)
    {
        using var analyst = await strict.Factory.ClientForAsync("analyst");
        var (status, problem) = await RegisterAsync(analyst, url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(why, UrlError(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_that_resolves_to_an_internal_address_is_refused_and_every_address_counts()
    {
        using var analyst = await strict.Factory.ClientForAsync("analyst");
        var (internalName, mixed, outside) = (NewName("internal"), NewName("mixed"), NewName("outside"));
        TestDns.Set(internalName, "10.9.8.7");
        TestDns.Set(mixed, "203.0.113.7", "127.0.0.1");
        TestDns.Set(outside, "203.0.113.8", "2001:db8::8");

        var (status, problem) = await RegisterAsync(analyst, $"https://{internalName}/hook");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("private", UrlError(problem), StringComparison.Ordinal);
        Assert.DoesNotContain("10.9.8.7", UrlError(problem), StringComparison.Ordinal);

        (status, problem) = await RegisterAsync(analyst, $"https://{mixed}/hook");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("loopback", UrlError(problem), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(analyst, $"https://{outside}/hook")).Status);
    }

    [Theory]
    [InlineData("https://user:pass@hooks.example.org/geoors")]
    [InlineData("https://token@hooks.example.org/geoors")]
    [InlineData("http://admin:@hooks.example.org/")]
    public async Task Credentials_in_the_url_are_refused(string url)
    {
        using var analyst = await strict.Factory.ClientForAsync("analyst");
        var (status, problem) = await RegisterAsync(analyst, url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("credentials", UrlError(problem), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://hooks.example.org/")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://hooks.example.org:70/")]
    [InlineData("ws://hooks.example.org/")]
    [InlineData("dict://127.0.0.1:11211/")]
    public async Task Schemes_other_than_http_and_https_are_refused(string url)
    {
        using var analyst = await strict.Factory.ClientForAsync("analyst");
        var (status, problem) = await RegisterAsync(analyst, url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("http", UrlError(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_allow_list_admits_internal_receivers_by_name_and_by_range_and_nothing_else()
    {
        using var analyst = await strict.Factory.ClientForAsync("analyst");
        TestDns.Set(DefaultWebhookPolicyFactory.AdmittedName, "10.0.0.9");
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(analyst, $"https://{DefaultWebhookPolicyFactory.AdmittedName}/alerts")).Status);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(analyst, "http://10.20.3.4:8080/alerts")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await RegisterAsync(analyst, "http://10.0.0.9/alerts")).Status); // the name's address, by itself
        Assert.Equal(HttpStatusCode.BadRequest, (await RegisterAsync(analyst, "http://127.0.0.1:9000/alerts")).Status);

        // The suite's own servers admit 127.0.0.1 (their receivers) through the same setting, and 127.0.0.2 stays refused.
        using var suite = await factory.ClientForAsync("analyst");
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(suite, "http://127.0.0.1:9000/alerts")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await RegisterAsync(suite, "http://127.0.0.2:9000/alerts")).Status);
    }

    [Fact]
    public void A_misspelt_allow_list_entry_stops_the_server_from_starting()
    {
        using var bad = new GeoOrsFactory(new Dictionary<string, string?> { ["Webhooks:AllowedHosts:1"] = "10.0.0.0/99" });
        var e = Assert.ThrowsAny<Exception>(() => bad.Services);
        Assert.Contains("AllowedHosts", e.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Reads the subscription until <paramref name="done"/> holds for its one delivery, or the patience runs out.</summary>
    private static async Task<JsonElement> DeliveryAsync(HttpClient client, long id, Func<JsonElement, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var detail = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative)));
            var recent = detail.RootElement.GetProperty("recent");
            if ((recent.GetArrayLength() == 1 && done(recent[0])) || clock.Elapsed > Patience)
            {
                return recent.GetArrayLength() == 1 ? recent[0].Clone() : detail.RootElement.Clone();
            }

            await Task.Delay(50);
        }
    }

    private static bool Failed(JsonElement delivery) => delivery.GetProperty("status").GetString() == "failed";

    [Fact]
    public async Task A_name_rebound_to_a_loopback_address_after_registration_is_blocked_at_delivery_and_never_connected()
    {
        using var listener = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var name = NewName("rebind");
        TestDns.Set(name, "203.0.113.10");
        using var client = await factory.ClientForAsync("analyst", "Webhook Rebinding Test");
        var area = TestAlerts.NewArea();
        using var created = await client.PostAsJsonAsync("/api/webhooks", new { url = $"http://{name}:{port}/hook", area = $"county:{area}" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();

        TestDns.Set(name, "127.0.0.2"); // the attacker's DNS answers otherwise now
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-06-10"));

        var delivery = await DeliveryAsync(client, id, Failed);
        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("last_status").ValueKind);
        var error = delivery.GetProperty("last_error").GetString()!;
        Assert.StartsWith("blocked address", error, StringComparison.Ordinal);
        Assert.Contains("loopback", error, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.2", error, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the server connected to the rebound address");
    }

    [Fact]
    public async Task A_subscription_stored_before_the_check_is_blocked_at_delivery()
    {
        using var listener = new TcpListener(IPAddress.Parse("127.0.0.3"), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var agency = "Webhook Legacy Test " + Guid.NewGuid().ToString("N")[..8];
        using var client = await factory.ClientForAsync("analyst", agency);
        var area = TestAlerts.NewArea();
        await using var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync());
        var legacy = await Webhooks.CreateAsync(db, $"http://127.0.0.3:{port}/", Webhooks.NewSecret(), agency, null, "county", area, []);
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-06-11"));

        var delivery = await DeliveryAsync(client, legacy.Id, Failed);
        Assert.StartsWith("blocked address", delivery.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the server connected to a loopback address");
    }

    [Fact]
    public async Task A_name_is_resolved_at_delivery_and_the_checked_address_is_connected_to()
    {
        // A raw HTTP receiver on 127.0.0.1 (admitted in the suite) reached by a name only TestDns knows.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var name = NewName("receiver");
        TestDns.Set(name, "127.0.0.1");
        var received = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            using var stream = new NetworkStream(socket);
            var buffer = new byte[64 * 1024];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray());
            return request.ToString();
        });

        using var client = await factory.ClientForAsync("analyst", "Webhook Resolution Test");
        var area = TestAlerts.NewArea();
        using var created = await client.PostAsJsonAsync("/api/webhooks", new { url = $"http://{name}:{port}/hook", area = $"county:{area}" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-06-12"));

        var request = await received.WaitAsync(Patience);
        Assert.StartsWith("POST /hook HTTP/1.1", request, StringComparison.Ordinal);
        Assert.Contains($"Host: {name}:{port}", request, StringComparison.OrdinalIgnoreCase);
        var delivery = await DeliveryAsync(client, id, d => d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(204, delivery.GetProperty("last_status").GetInt32());
    }

    [Fact]
    public async Task Delivery_errors_name_the_class_of_failure_not_the_socket_message()
    {
        // https to a receiver that speaks plain http: a TLS error, not the handshake's own words.
        using var receiver = new WebhookReceiver(_ => HttpStatusCode.OK);
        using var client = await factory.ClientForAsync("analyst", "Webhook Error Class Test");
        var area = TestAlerts.NewArea();
        using var created = await client.PostAsJsonAsync("/api/webhooks", new { url = $"https://127.0.0.1:{receiver.Url.Port}/hook", area = $"county:{area}" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-06-13"));

        var delivery = await DeliveryAsync(client, id, Failed);
        Assert.Equal("TLS error", delivery.GetProperty("last_error").GetString());
    }
}
