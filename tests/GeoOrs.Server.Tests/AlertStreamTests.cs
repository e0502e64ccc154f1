using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace GeoOrs.Server.Tests;

/// <summary><c>GET /api/alerts/stream</c>: Server-Sent Events of new alerts, replay after <c>Last-Event-ID</c>, heartbeats.</summary>
public class AlertStreamTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static async Task<(HttpResponseMessage Response, SseReader Events)> ConnectAsync(HttpClient client, string query, long? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/alerts/stream?" + query, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache);
        var events = new SseReader(await response.Content.ReadAsStreamAsync());
        var hello = await events.NextBlockAsync(Patience);
        Assert.Contains("retry: 3000", hello!); // sent at once, so headers and the subscription are in place
        return (response, events);
    }

    [Fact]
    public async Task A_client_receives_an_alert_stored_after_it_connected_as_the_list_shows_it()
    {
        var area = TestAlerts.NewArea();
        using var client = factory.CreateClient("partner");
        var (response, events) = await ConnectAsync(client, $"area=county:{area}");
        using (response)
        using (events)
        {
            await TestAlerts.AddAsync(TestAlerts.Alert(TestAlerts.NewArea())); // another area: not this stream's
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var alert = TestAlerts.Alert(area, "2024-04-01", "ears_c3", observed: 9);
            await TestAlerts.AddAsync(alert);

            var received = await events.NextEventAsync(Patience);
            Assert.True(clock.Elapsed < Patience, $"after {clock.Elapsed}");
            var stored = Assert.Single(await TestAlerts.OfAreaAsync(area));
            Assert.Equal(stored.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Id);
            Assert.Equal("alert", received.Event);
            using var data = JsonDocument.Parse(received.Data);
            Assert.Equal(alert.Id, data.RootElement.GetProperty("id").GetString());

            // The same JSON as GET /api/alerts.
            using var listed = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/alerts?area=county:{area}", UriKind.Relative)));
            Assert.Equal(listed.RootElement[0].GetRawText(), received.Data);
        }
    }

    [Fact]
    public async Task Last_event_id_replays_the_alerts_stored_after_it_then_the_stream_goes_live()
    {
        var area = TestAlerts.NewArea();
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-04-01"), TestAlerts.Alert(area, "2024-04-02"), TestAlerts.Alert(area, "2024-04-03"));
        var stored = await TestAlerts.OfAreaAsync(area);
        using var client = factory.CreateClient("analyst");
        var (response, events) = await ConnectAsync(client, $"area=county:{area}&method=ears_c2", stored[0].Seq);
        using (response)
        using (events)
        {
            Assert.Equal(stored[1].Id, IdOf(await events.NextEventAsync(Patience)));
            Assert.Equal(stored[2].Id, IdOf(await events.NextEventAsync(Patience)));
            await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-04-04", "ewma"), TestAlerts.Alert(area, "2024-04-05")); // ewma: filtered out
            var live = await events.NextEventAsync(Patience);
            Assert.Equal(TestAlerts.Alert(area, "2024-04-05").Id, IdOf(live));
            Assert.Equal((await TestAlerts.OfAreaAsync(area)).Single(a => a.Day == new DateOnly(2024, 4, 5)).Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), live.Id);
        }
    }

    private static string? IdOf(SseEvent e)
    {
        using var data = JsonDocument.Parse(e.Data);
        return data.RootElement.GetProperty("id").GetString();
    }

    [Fact]
    public async Task Replay_is_bounded_a_silent_stream_gets_heartbeats_and_a_disconnect_ends_the_subscription()
    {
        await using var small = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Alerts:ReplayLimit"] = "2",
            ["Alerts:HeartbeatInterval"] = "00:00:00.300",
        });
        var area = TestAlerts.NewArea();
        await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-05-01"), TestAlerts.Alert(area, "2024-05-02"), TestAlerts.Alert(area, "2024-05-03"));
        var stored = await TestAlerts.OfAreaAsync(area);
        using var client = small.CreateClient("partner");
        var feed = small.Services.GetRequiredService<AlertFeed>();

        // Three waiting, two replayed: the stream sends two and ends; the reconnection asks for the rest.
        var (first, firstEvents) = await ConnectAsync(client, $"area=county:{area}", 0);
        using (first)
        using (firstEvents)
        {
            Assert.Equal(stored[0].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), (await firstEvents.NextEventAsync(Patience)).Id);
            var second = await firstEvents.NextEventAsync(Patience);
            Assert.Equal(stored[1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Id);
            Assert.Null(await firstEvents.NextBlockAsync(Patience)); // the end of the stream
        }

        var (again, events) = await ConnectAsync(client, $"area=county:{area}", stored[1].Seq);
        using (events)
        {
            using (again)
            {
                Assert.Equal(stored[2].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), (await events.NextEventAsync(Patience)).Id);
                Assert.Contains(": heartbeat", (await events.NextBlockAsync(TimeSpan.FromSeconds(2)))!);
                Assert.Contains(": heartbeat", (await events.NextBlockAsync(TimeSpan.FromSeconds(2)))!);
                Assert.Equal(1, feed.Count);
            }

            // The client went away: the server's stream ends and leaves the feed.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (feed.Count > 0 && clock.Elapsed < Patience)
            {
                await Task.Delay(20);
            }

            Assert.Equal(0, feed.Count);
        }
    }

    [Theory]
    [InlineData("abc", null, "Last-Event-ID")]
    [InlineData("-1", null, "Last-Event-ID")]
    [InlineData(null, "area=hidta", "area")]
    [InlineData(null, "method=x", "method")]
    [InlineData(null, "since=2024-01-01", "since")]
    public async Task A_bad_last_event_id_or_parameter_is_a_400_that_names_it(string? lastEventId, string? query, string name)
    {
        using var client = factory.CreateClient("partner");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/alerts/stream?" + query, UriKind.Relative));
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(name, out _), problem.RootElement.ToString());
    }
}

/// <summary>One event of a stream: its id, type and data.</summary>
internal sealed record SseEvent(string? Id, string? Event, string Data);

/// <summary>Reads a <c>text/event-stream</c> block by block (a block ends with an empty line).</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next block's lines, or null at the end of the stream.</summary>
    public async Task<List<string>?> NextBlockAsync(TimeSpan timeout)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(timeout);
            if (line is null)
            {
                return lines.Count > 0 ? lines : null;
            }

            if (line.Length == 0)
            {
                if (lines.Count > 0)
                {
                    return lines;
                }

                continue;
            }

            lines.Add(line);
        }
    }

    /// <summary>The next event (skipping comments); fails at the end of the stream.</summary>
    public async Task<SseEvent> NextEventAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var block = await NextBlockAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)) ?? throw new Xunit.Sdk.XunitException("the stream ended");
            string? Field(string name) => block.Where(l => l.StartsWith(name + ": ", StringComparison.Ordinal)).Select(l => l[(name.Length + 2)..]).LastOrDefault();
            if (Field("data") is { } data)
            {
                return new SseEvent(Field("id"), Field("event"), data);
            }
        }
    }

    public void Dispose() => _reader.Dispose();
}
