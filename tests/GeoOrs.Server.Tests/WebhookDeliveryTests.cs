using GeoOrs.Data;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Webhook delivery from the outbox to a real HTTP receiver on a loopback port: signed, retried with
/// backoff (the tests' servers wait 0.1–1 s between attempts and give up after
/// <see cref="GeoOrsFactory.WebhookMaxAttempts"/>), each row delivered once across servers.
/// </summary>
public class WebhookDeliveryTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private sealed record Subscription(long Id, string Secret, HttpClient Client);

    private static async Task<Subscription> SubscribeAsync(GeoOrsFactory server, Uri url, string area)
    {
        var client = await server.ClientForAsync("analyst", "Webhook Delivery Test " + area);
        using var created = await client.PostAsJsonAsync("/api/webhooks", new { url = url.ToString(), area = $"county:{area}" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        return new Subscription(body.RootElement.GetProperty("id").GetInt64(), body.RootElement.GetProperty("secret").GetString()!, client);
    }

    /// <summary>Reads the subscription until <paramref name="done"/> holds for it, or the patience runs out.</summary>
    private static async Task<JsonElement> WaitForAsync(Subscription subscription, Func<JsonElement, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var detail = JsonDocument.Parse(await subscription.Client.GetStringAsync(new Uri($"/api/webhooks/{subscription.Id}", UriKind.Relative)));
            var root = detail.RootElement.Clone();
            if (done(root) || clock.Elapsed > Patience)
            {
                return root;
            }

            await Task.Delay(50);
        }
    }

    private static bool Verifies(string secret, WebhookReceiver.Received request) =>
        request.Signature == "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), request.Body));

    [Fact]
    public async Task A_receiver_that_fails_twice_gets_the_alert_three_times_signed_and_it_is_delivered_once()
    {
        using var receiver = new WebhookReceiver(n => n <= 2 ? (n == 1 ? HttpStatusCode.InternalServerError : HttpStatusCode.BadGateway) : HttpStatusCode.OK);
        var area = TestAlerts.NewArea();
        var subscription = await SubscribeAsync(factory, receiver.Url, area);
        using var client = subscription.Client;
        var alert = TestAlerts.Alert(area, "2024-06-01", "threshold", observed: 12);
        await TestAlerts.AddAsync(alert);

        var detail = await WaitForAsync(subscription, d => d.GetProperty("deliveries").GetProperty("delivered").GetInt64() == 1);
        var delivery = Assert.Single(detail.GetProperty("recent").EnumerateArray());
        Assert.Equal("delivered", delivery.GetProperty("status").GetString());
        Assert.Equal(alert.Id, delivery.GetProperty("alert_id").GetString());
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("last_status").GetInt32());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("last_error").ValueKind);
        Assert.Equal(JsonValueKind.String, delivery.GetProperty("delivered_at").ValueKind);

        await Task.Delay(500); // nothing more comes
        var requests = receiver.Requests.OrderBy(r => r.Number).ToList();
        Assert.Equal(3, requests.Count);
        Assert.Equal([1, 2, 3], requests.Select(r => r.Attempt));
        Assert.All(requests, r =>
        {
            Assert.Equal(alert.Id, r.AlertId);
            Assert.Equal("/hooks/alerts?token=abc", r.Path);
            Assert.StartsWith("application/json", r.ContentType, StringComparison.Ordinal);
            Assert.True(Verifies(subscription.Secret, r), $"signature {r.Signature}");
            using var json = JsonDocument.Parse(r.Body);
            Assert.Equal(alert.Id, json.RootElement.GetProperty("id").GetString());
            Assert.Equal(12, json.RootElement.GetProperty("observed").GetInt32());
        });
        Assert.Equal(requests[0].Body, requests[2].Body);

        // The body is the alert as GET /api/alerts shows it.
        using var listed = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/alerts?area=county:{area}", UriKind.Relative)));
        Assert.Equal(listed.RootElement[0].GetRawText(), Encoding.UTF8.GetString(requests[0].Body));

        // A signature made with another secret does not verify.
        Assert.False(Verifies(subscription.Secret + "x", requests[0]));
    }

    [Fact]
    public async Task A_receiver_that_always_fails_is_given_up_on_after_the_last_attempt()
    {
        using var receiver = new WebhookReceiver(_ => HttpStatusCode.InternalServerError);
        var area = TestAlerts.NewArea();
        var subscription = await SubscribeAsync(factory, receiver.Url, area);
        using var client = subscription.Client;
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-06-02"));

        var detail = await WaitForAsync(subscription, d => d.GetProperty("deliveries").GetProperty("failed").GetInt64() == 1);
        var delivery = Assert.Single(detail.GetProperty("recent").EnumerateArray());
        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        Assert.Equal(GeoOrsFactory.WebhookMaxAttempts, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(500, delivery.GetProperty("last_status").GetInt32());
        Assert.Equal("HTTP 500 Internal Server Error", delivery.GetProperty("last_error").GetString());
        Assert.Equal(JsonValueKind.String, delivery.GetProperty("failed_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("next_attempt_at").ValueKind);

        await Task.Delay(1500); // longer than the longest wait between attempts: no further attempt
        Assert.Equal(Enumerable.Range(1, GeoOrsFactory.WebhookMaxAttempts), receiver.Requests.OrderBy(r => r.Number).Select(r => r.Attempt));
    }

    [Fact]
    public async Task A_receiver_that_is_not_there_is_recorded_with_the_error()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var area = TestAlerts.NewArea();
        var subscription = await SubscribeAsync(factory, new Uri($"http://127.0.0.1:{port}/nobody"), area);
        using var client = subscription.Client;
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-06-03"));
        var detail = await WaitForAsync(subscription, d => d.GetProperty("deliveries").GetProperty("failed").GetInt64() == 1);
        var delivery = Assert.Single(detail.GetProperty("recent").EnumerateArray());
        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("last_status").ValueKind);
        Assert.Contains("refused", delivery.GetProperty("last_error").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Two_servers_deliver_each_outbox_row_once()
    {
        static Dictionary<string, string?> Node() => new()
        {
            ["Webhooks:BatchSize"] = "2",
            ["Webhooks:PollInterval"] = "00:00:00.200",
        };
        await using var a = new GeoOrsFactory(Node());
        await using var b = new GeoOrsFactory(Node());
        _ = a.Services;
        _ = b.Services;

        using var receiver = new WebhookReceiver(_ => HttpStatusCode.NoContent, TimeSpan.FromMilliseconds(20));
        var area = TestAlerts.NewArea();
        var subscription = await SubscribeAsync(a, receiver.Url, area);
        using var client = subscription.Client;
        const int Count = 40;
        var start = new DateOnly(2024, 1, 1);
        var alerts = Enumerable.Range(0, Count).Select(i => TestAlerts.Alert(area, start.AddDays(i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        await TestAlerts.AddAsync(alerts);

        var detail = await WaitForAsync(subscription, d => d.GetProperty("deliveries").GetProperty("delivered").GetInt64() == Count);
        Assert.Equal(Count, detail.GetProperty("deliveries").GetProperty("delivered").GetInt64());
        await Task.Delay(300);

        var requests = receiver.Requests.ToList();
        Assert.Equal(Count, requests.Count);
        Assert.Equal(alerts.Select(x => x.Id).Order(StringComparer.Ordinal), requests.Select(r => r.AlertId!).Order(StringComparer.Ordinal));
        Assert.All(requests, r => Assert.Equal(1, r.Attempt));

        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*), min(attempts), max(attempts), count(delivered_at) FROM webhook_outbox WHERE webhook_id = $1");
        command.Parameters.AddWithValue(subscription.Id);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((Count, 1, 1, Count), (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3)));
    }

    [Fact]
    public async Task A_server_stopping_mid_attempt_waits_for_the_answer_and_records_it_so_no_alert_is_sent_twice()
    {
        // Whichever server claims a row (every test server delivers), the one stopped here holds
        // attempts in flight when it stops, answered only after it began to stop.
        using var receiver = new WebhookReceiver(_ => HttpStatusCode.NoContent, TimeSpan.FromMilliseconds(1500));
        var area = TestAlerts.NewArea();
        var subscription = await SubscribeAsync(factory, receiver.Url, area);
        using var client = subscription.Client;
        const int Count = 6;
        var alerts = Enumerable.Range(0, Count).Select(i => TestAlerts.Alert(area, new DateOnly(2024, 2, 1).AddDays(i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var stopping = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Webhooks:BatchSize"] = "10",
            ["Webhooks:PollInterval"] = "00:00:00.100",
        });
        try
        {
            _ = stopping.Services;
            await TestAlerts.AddAsync(alerts);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (receiver.Started < Count && clock.Elapsed < Patience)
            {
                await Task.Delay(20);
            }

            Assert.Equal(Count, receiver.Started);
        }
        finally
        {
            await stopping.DisposeAsync();
        }

        var detail = await WaitForAsync(subscription, d => d.GetProperty("deliveries").GetProperty("delivered").GetInt64() == Count);
        Assert.Equal(Count, detail.GetProperty("deliveries").GetProperty("delivered").GetInt64());
        await Task.Delay(2000); // a row given back would be sent again by now
        var requests = receiver.Requests.ToList();
        Assert.Equal(Count, requests.Count);
        Assert.Equal(alerts.Select(x => x.Id).Order(StringComparer.Ordinal), requests.Select(r => r.AlertId!).Order(StringComparer.Ordinal));
        Assert.All(requests, r => Assert.Equal(1, r.Attempt));
    }
}
