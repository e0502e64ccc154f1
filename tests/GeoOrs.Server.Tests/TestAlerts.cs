using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GeoOrs.Data.Alerts;
using GeoOrs.Data.Entities;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>Alerts stored as the spike job stores them, each test on areas of its own (the test database is shared).</summary>
internal static class TestAlerts
{
    /// <summary>A county id no other test (and no real county) uses.</summary>
    public static string NewArea() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static NewAlert Alert(string area, string day = "2024-03-01", string method = "ears_c2", int observed = 7, string kind = "county") =>
        new(kind, area, $"Test area {area}", method, DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture), observed, 2.25, 3.5, 3.0);

    /// <summary>Stores alerts in one transaction, as a run does; returns the ids that were new.</summary>
    public static async Task<IReadOnlyList<string>> AddAsync(params NewAlert[] alerts)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var added = await AlertStore.AddAsync(connection, transaction, null, alerts);
        await transaction.CommitAsync();
        return added;
    }

    /// <summary>The stored alerts of an area, by seq.</summary>
    public static async Task<IReadOnlyList<StoredAlert>> OfAreaAsync(string area, string kind = "county")
    {
        await using var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync());
        return await AlertQuery.AfterAsync(db, 0, null, new AlertFilter(kind, area), 10_000);
    }
}

/// <summary>A real HTTP receiver for webhooks on a free loopback port, answering each request with the status its number gets.</summary>
internal sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<int, HttpStatusCode> _answer;
    private readonly TimeSpan _delay;
    private readonly Task _loop;
    private int _count;

    /// <param name="answer">The status of the n-th request (from 1).</param>
    /// <param name="delay">How long each answer takes.</param>
    public WebhookReceiver(Func<int, HttpStatusCode> answer, TimeSpan delay = default)
    {
        _answer = answer;
        _delay = delay;
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Url = new Uri($"http://127.0.0.1:{port}/hooks/alerts?token=abc");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    /// <summary>A request as received.</summary>
    public sealed record Received(int Number, string Path, string? AlertId, int Attempt, string? Signature, string? ContentType, byte[] Body, HttpStatusCode Answered, string? Event = null);

    public Uri Url { get; }

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The requests whose bodies have arrived, answered or not yet.</summary>
    public int Started => Volatile.Read(ref _count);

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                var number = Interlocked.Increment(ref _count);
                var status = _answer(number);
                if (_delay > TimeSpan.Zero)
                {
                    await Task.Delay(_delay);
                }

                var headers = context.Request.Headers;
                Requests.Enqueue(new Received(
                    number, context.Request.Url!.PathAndQuery, headers["X-GeoOrs-Alert-Id"],
                    int.TryParse(headers["X-GeoOrs-Delivery-Attempt"], CultureInfo.InvariantCulture, out var attempt) ? attempt : -1,
                    headers["X-GeoOrs-Signature"], context.Request.ContentType, body.ToArray(), status, headers["X-GeoOrs-Event"]));
                context.Response.StatusCode = (int)status;
                var text = Encoding.UTF8.GetBytes(status == HttpStatusCode.OK ? "thanks" : "not now");
                await context.Response.OutputStream.WriteAsync(text);
                context.Response.Close();
            });
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
