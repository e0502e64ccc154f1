using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using GeoOrs.Server.Briefs;
using GeoOrs.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace GeoOrs.Server.Tests;

/// <summary>
/// <c>/api/briefs/subscriptions</c> and <c>/api/briefs/archive/{id}</c> over the demo data, and the
/// weekly job: an agency subscribes a receiver to Allegheny County's brief; the job makes the brief
/// once, archives it and sends its link once, signed; the archive opens it to that agency alone.
/// </summary>
[Trait("Category", "Slow")]
public class BriefSubscriptionsTests(DemoBriefs demo) : IClassFixture<DemoBriefs>
{
    private static readonly string Agency = $"Brief Agency {Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task An_agency_manages_its_own_subscriptions_and_the_job_sends_its_brief_once_with_a_link_only_it_may_open()
    {
        using var receiver = new WebhookReceiver(_ => HttpStatusCode.OK);
        using var partner = await demo.Factory.ClientForAsync("partner", Agency);
        using var stranger = await demo.Factory.ClientForAsync("partner", "Another Agency");
        using var admin = demo.Factory.CreateClient("admin");
        using var anonymous = demo.Factory.CreateClient();
        var url = receiver.Url.ToString();
        var subscriptions = new Uri("/api/briefs/subscriptions", UriKind.Relative);

        // The public may not subscribe; a bad area, audience, URL or member is refused.
        using (var refused = await anonymous.PostAsJsonAsync(subscriptions, new { area = "county:42003", url }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        foreach (var (client, body) in new (HttpClient, object)[]
        {
            (partner, new { area = "city:42003", url }),
            (partner, new { area = "county:99999", url }),
            (partner, new { area = "county:42003", url, audience = "everyone" }),
            (partner, new { area = "county:42003", url, colour = "red" }),
            (partner, new { area = "county:42003", url = "ftp://example.org/briefs" }),
            (partner, new { area = "county:42003", url = "http://10.1.2.3/briefs" }),
            (partner, new { area = "county:42003" }),
        })
        {
            using var bad = await client.PostAsJsonAsync(subscriptions, body);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {bad.StatusCode} {await bad.Content.ReadAsStringAsync()}");
        }

        using var created = await partner.PostAsJsonAsync(subscriptions, new { area = "county:42003", url, audience = "partner" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var subscription = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.Clone();
        var id = subscription.GetProperty("id").GetInt64();
        var secret = subscription.GetProperty("secret").GetString()!;
        Assert.Equal("county:42003", subscription.GetProperty("area").GetString());
        Assert.Equal(Agency, subscription.GetProperty("agency").GetString());
        using (var again = await partner.PostAsJsonAsync(subscriptions, new { area = "county:42003", url, audience = "partner" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // Each agency lists its own; an admin every one; another agency cannot delete it.
        var listed = (await partner.GetFromJsonAsync<JsonElement>(subscriptions)).EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == id);
        Assert.False(listed.TryGetProperty("secret", out _)); // shown once
        Assert.DoesNotContain(id, (await stranger.GetFromJsonAsync<JsonElement>(subscriptions)).EnumerateArray().Select(s => s.GetProperty("id").GetInt64()));
        Assert.Contains(id, (await admin.GetFromJsonAsync<JsonElement>(subscriptions)).EnumerateArray().Select(s => s.GetProperty("id").GetInt64()));
        using (var notYours = await stranger.DeleteAsync(new Uri($"/api/briefs/subscriptions/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, notYours.StatusCode);
        }

        // The weekly job makes the brief once and queues its delivery once, however often it runs.
        var job = ActivatorUtilities.CreateInstance<BriefsJob>(demo.Factory.Services);
        var first = await job.MakeAsync(CancellationToken.None);
        Assert.True(first.Made >= 1 && first.Queued >= 1, first.ToString());
        var second = await job.MakeAsync(CancellationToken.None);
        Assert.Equal((0, 0), (second.Made, second.Queued));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Requests.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Task.Delay(1000); // nothing more comes
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), request.Body)), request.Signature);
        var notice = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("brief", notice.GetProperty("type").GetString());
        Assert.Equal(id, notice.GetProperty("subscription_id").GetInt64());
        Assert.Equal("county:42003", notice.GetProperty("area").GetString());
        Assert.Equal("partner", notice.GetProperty("audience").GetString());
        Assert.Equal("week", notice.GetProperty("period").GetString());
        var from = DateOnly.Parse(notice.GetProperty("from").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DayOfWeek.Monday, from.DayOfWeek);
        var briefId = notice.GetProperty("brief_id").GetInt64();
        var pdfLink = notice.GetProperty("links").GetProperty("pdf").GetString()!;
        Assert.Equal($"https://geoors.example.org/base/api/briefs/archive/{briefId}?format=pdf", pdfLink);
        Assert.Equal($"https://geoors.example.org/base/api/briefs/archive/{briefId}?format=html", notice.GetProperty("links").GetProperty("html").GetString());
        Assert.True(notice.GetProperty("data_versions").GetProperty("overdoses").GetInt64() > 0);

        // The link's path opens the brief as it was made for the agency's keys and admins alone.
        var path = new Uri(pdfLink).PathAndQuery["/base".Length..];
        using (var mine = await partner.GetAsync(new Uri(path, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
            Assert.Equal("application/pdf", mine.Content.Headers.ContentType!.MediaType);
            var text = await DemoBriefs.PdfTextAsync(await mine.Content.ReadAsByteArrayAsync());
            Assert.Contains($"Window: {notice.GetProperty("from").GetString()} to {notice.GetProperty("to").GetString()} (week)", text, StringComparison.Ordinal);
            Assert.Contains("Audience: Partners and up", text, StringComparison.Ordinal);
        }

        using (var html = await admin.GetAsync(new Uri($"/api/briefs/archive/{briefId}?format=html", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, html.StatusCode);
            Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        }

        using (var theirs = await stranger.GetAsync(new Uri(path, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }

        using (var nobody = await anonymous.GetAsync(new Uri(path, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, nobody.StatusCode);
        }

        using (var bad = await partner.GetAsync(new Uri($"/api/briefs/archive/{briefId}?format=docx", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var missing = await admin.GetAsync(new Uri("/api/briefs/archive/999999999", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var deleted = await partner.DeleteAsync(new Uri($"/api/briefs/subscriptions/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.DoesNotContain(id, (await partner.GetFromJsonAsync<JsonElement>(subscriptions)).EnumerateArray().Select(s => s.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task A_public_brief_in_the_archive_is_open_to_everyone()
    {
        using var receiver = new WebhookReceiver(_ => HttpStatusCode.OK);
        var agency = $"Public Brief Agency {Guid.NewGuid():N}"[..28];
        using var analyst = await demo.Factory.ClientForAsync("analyst", agency);
        using var created = await analyst.PostAsJsonAsync(new Uri("/api/briefs/subscriptions", UriKind.Relative), new { area = "state:42", url = receiver.Url.ToString(), audience = "public" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await ActivatorUtilities.CreateInstance<BriefsJob>(demo.Factory.Services).MakeAsync(CancellationToken.None);

        await using var dataSource = GeoOrsDataSource.Create(demo.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT id FROM briefs WHERE area_kind = 'state' AND area_id = '42' AND audience = 'public' ORDER BY id DESC LIMIT 1");
        var id = (long)(await command.ExecuteScalarAsync())!;
        using var anonymous = demo.Factory.CreateClient();
        using var response = await anonymous.GetAsync(new Uri($"/api/briefs/archive/{id}?format=html", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-audience=\"public\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscriptions_are_refused_without_a_public_base_url()
    {
        await using var factory = new GeoOrsFactory(new Dictionary<string, string?> { ["Database:ConnectionString"] = demo.ConnectionString, ["Http:PublicBaseUrl"] = "" });
        await using var dataSource = GeoOrsDataSource.Create(demo.ConnectionString);
        await using var db = GeoOrsDbContext.Create(dataSource);
        _ = factory.Services;
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", (await ApiKeys.CreateAsync(db, "analyst", "No Base Agency")).Key);
        using var response = await client.PostAsJsonAsync(new Uri("/api/briefs/subscriptions", UriKind.Relative), new { area = "county:42003", url = "https://example.org/briefs" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("PublicBaseUrl", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
