using System.Net;
using System.Net.Sockets;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A loopback TCP relay to the test PostgreSQL that a test can cut and resume, as a database that
/// stops and starts again: <see cref="Cut"/> refuses new connections and resets every open one.
/// <see cref="Hold"/> keeps what the database sends from reaching its clients, as a slow network
/// would, until <see cref="Release"/>.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _targetPort;
    private readonly List<TcpClient> _open = [];
    private readonly Lock _lock = new();
    private TcpListener? _listener;
    private CancellationTokenSource _accepting = new();
    private volatile TaskCompletionSource? _held;

    private TcpProxy(string host, int targetPort)
    {
        _host = host;
        _targetPort = targetPort;
    }

    /// <summary>The loopback port that leads to the database while the relay is open.</summary>
    public int Port { get; private set; }

    public static TcpProxy Start(string host, int targetPort)
    {
        var proxy = new TcpProxy(host, targetPort);
        proxy.Listen(0);
        return proxy;
    }

    /// <summary>Refuses new connections and resets the open ones.</summary>
    public void Cut()
    {
        _accepting.Cancel();
        _listener?.Stop();
        _listener = null;
        lock (_lock)
        {
            foreach (var client in _open)
            {
                try
                {
                    if (client.Client is { } socket)
                    {
                        socket.LingerState = new LingerOption(true, 0); // a reset, as from a host that went away
                    }

                    client.Close();
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                }
            }

            _open.Clear();
        }
    }

    /// <summary>Holds back what the database sends, on every connection, until <see cref="Release"/>; connections stay open.</summary>
    public void Hold() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets what the database sent through again.</summary>
    public void Release() => Interlocked.Exchange(ref _held, null)?.TrySetResult();

    /// <summary>Accepts connections again on the same port.</summary>
    public void Resume() => Listen(Port);

    private void Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _accepting = new CancellationTokenSource();
        _ = AcceptAsync(listener, _accepting.Token);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(inbound, cancellationToken);
        }
    }

    private async Task RelayAsync(TcpClient inbound, CancellationToken cancellationToken)
    {
        var outbound = new TcpClient();
        lock (_lock)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(_host, _targetPort, cancellationToken);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var up = Pump(inbound.GetStream(), outbound.GetStream(), stop.Token);
            var down = Pump(outbound.GetStream(), inbound.GetStream(), stop.Token, () => _held?.Task);
            await Task.WhenAny(up, down);
            await stop.CancelAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
            lock (_lock)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }
        }
    }

    private static async Task Pump(NetworkStream from, NetworkStream to, CancellationToken cancellationToken, Func<Task?>? held = null)
    {
        try
        {
            if (held is null)
            {
                await from.CopyToAsync(to, cancellationToken);
                return;
            }

            var buffer = new byte[81920];
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (held() is { } wait)
                {
                    await wait.WaitAsync(cancellationToken);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        Release();
        Cut();
        _accepting.Dispose();
        return ValueTask.CompletedTask;
    }
}
