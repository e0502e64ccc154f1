using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace GeoOrs.Server.Tests;

/// <summary><c>/api/webhooks</c>: subscriptions of an agency, their secret shown once, 400s that name the field.</summary>
public class WebhooksEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private static string NewAgency() => "Webhook Test " + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_subscription_is_created_with_its_secret_once_and_seen_and_deleted_only_by_its_agency_and_admins()
    {
        var agency = NewAgency();
        var area = TestAlerts.NewArea();
        using var owner = await factory.ClientForAsync("analyst", agency);
        using var colleague = await factory.ClientForAsync("law_enforcement", agency);
        using var stranger = await factory.ClientForAsync("analyst", NewAgency());
        using var admin = factory.CreateClient("admin");

        using var created = await owner.PostAsJsonAsync("/api/webhooks", new { url = "https://hooks.example.org/geoors?x=1", area = $"county:{area}", methods = new[] { "ears_c2", "ewma", "ears_c2" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var hook = body.RootElement;
        var id = hook.GetProperty("id").GetInt64();
        Assert.Equal($"/api/webhooks/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("https://hooks.example.org/geoors?x=1", hook.GetProperty("url").GetString());
        Assert.Equal($"county:{area}", hook.GetProperty("area").GetString());
        Assert.Equal(["ears_c2", "ewma"], hook.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(agency, hook.GetProperty("agency").GetString());
        var secret = hook.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 40);

        // Seen by its agency's callers, without the secret; not by another agency's; by admins.
        foreach (var client in new[] { owner, colleague, admin })
        {
            var text = await client.GetStringAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative));
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            using var detail = JsonDocument.Parse(text);
            Assert.Equal(0, detail.RootElement.GetProperty("deliveries").GetProperty("pending").GetInt64());
            Assert.Empty(detail.RootElement.GetProperty("recent").EnumerateArray());
            var list = await client.GetStringAsync(new Uri("/api/webhooks", UriKind.Relative));
            Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
            Assert.Contains(JsonDocument.Parse(list).RootElement.EnumerateArray(), w => w.GetProperty("id").GetInt64() == id);
        }

        using (var list = JsonDocument.Parse(await owner.GetStringAsync(new Uri("/api/webhooks", UriKind.Relative))))
        {
            Assert.All(list.RootElement.EnumerateArray(), w => Assert.Equal(agency, w.GetProperty("agency").GetString()));
        }

        using (var list = JsonDocument.Parse(await stranger.GetStringAsync(new Uri("/api/webhooks", UriKind.Relative))))
        {
            Assert.DoesNotContain(list.RootElement.EnumerateArray(), w => w.GetProperty("id").GetInt64() == id);
        }

        using (var hidden = await stranger.GetAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        using (var refused = await stranger.DeleteAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        using (var deleted = await colleague.DeleteAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var gone = await owner.GetAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        using (var again = await admin.DeleteAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
    }

    [Fact]
    public async Task Partners_get_403_and_the_public_401()
    {
        using var partner = factory.CreateClient("partner");
        using var open = factory.CreateClient();
        foreach (var (client, status) in new[] { (partner, HttpStatusCode.Forbidden), (open, HttpStatusCode.Unauthorized) })
        {
            using var list = await client.GetAsync(new Uri("/api/webhooks", UriKind.Relative));
            Assert.Equal(status, list.StatusCode);
            using var create = await client.PostAsJsonAsync("/api/webhooks", new { url = "https://hooks.example.org/" });
            Assert.Equal(status, create.StatusCode);
        }
    }

    [Theory]
    [InlineData("{}", "url")]
    [InlineData("{\"url\": 7}", "url")]
    [InlineData("{\"url\": \"ftp://hooks.example.org/\"}", "url")]
    [InlineData("{\"url\": \"/relative\"}", "url")]
    [InlineData("{\"url\": \"https://hooks.example.org/a#b\"}", "url")]
    [InlineData("{\"url\": \"https://hooks.example.org/a b\"}", "url")]
    [InlineData("{\"url\": \"javascript:alert(1)\"}", "url")]
    [InlineData("{\"url\": \"https://hooks.example.org/\", \"area\": \"42003\"}", "area")]
    [InlineData("{\"url\": \"https://hooks.example.org/\", \"area\": \"state:42\"}", "area")]
    [InlineData("{\"url\": \"https://hooks.example.org/\", \"area\": 42003}", "area")]
    [InlineData("{\"url\": \"https://hooks.example.org/\", \"methods\": \"ewma\"}", "methods")]
    [InlineData("{\"url\": \"https://hooks.example.org/\", \"methods\": [\"cusum\"]}", "methods")]
    [InlineData("{\"url\": \"https://hooks.example.org/\", \"methods\": [null]}", "methods")]
    [InlineData("{\"url\": \"https://hooks.example.org/\", \"secret\": \"mine\"}", "secret")]
    [InlineData("[\"https://hooks.example.org/\"]", "body")]
    [InlineData("{\"url\": ", "body")]
    public async Task A_bad_subscription_is_a_400_that_names_the_field(string json, string field)
    {
        using var analyst = factory.CreateClient("analyst");
        using var response = await analyst.PostAsync(new Uri("/api/webhooks", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task A_subscription_sent_as_another_media_type_is_a_400()
    {
        using var analyst = factory.CreateClient("analyst");
        using var response = await analyst.PostAsync(new Uri("/api/webhooks", UriKind.Relative), new StringContent("url=https://x.example/", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
