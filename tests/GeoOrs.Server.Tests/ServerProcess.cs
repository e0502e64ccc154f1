using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>The real server binary on a real loopback port, against the test database, for tests that need a socket.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly StringBuilder _log = new();

    private ServerProcess(int port, Process process)
    {
        Port = port;
        Process = process;
    }

    public int Port { get; }

    public Process Process { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>Starts the server (without the scheduler unless <paramref name="settings"/> enable it) and waits until /health answers 200.</summary>
    /// <param name="port">The port, else a free one.</param>
    /// <param name="settings">Configuration as environment variables (<c>Section__Key</c>), over the defaults here.</param>
    public static async Task<ServerProcess> StartAsync(int? port = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var chosen = port ?? FreePort();
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var serverDir = Path.Combine(PostGis.RepoRoot, "src", "GeoOrs.Server");
        var dll = Path.Combine(serverDir, "bin", configuration, "net10.0", "GeoOrs.Server.dll");
        var info = new ProcessStartInfo("dotnet", [dll, "serve", "--urls", $"http://127.0.0.1:{chosen}"])
        {
            WorkingDirectory = serverDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["GEOORS_DB"] = PostGis.ConnectionString;
        info.Environment["Scheduling__Enabled"] = "false";
        // As GeoOrsFactory: a large test ingest (the restart test's 12,000 rows) enqueues no hot spot run,
        // which a scheduling server of another test would run over the shared database, replacing the
        // run that HotspotsEndpointsTests stored as the latest.
        info.Environment["Analysis__LargeIngestEvents"] = "0";
        info.Environment["Boundaries__Directory"] = PostGis.Shapefiles;
        // Processes on the suite's shared database leave its webhook outbox to the in-process servers,
        // whose resolver knows the names the webhook tests made up.
        info.Environment["Webhooks__Deliver"] = "false";
        info.Environment["Webhooks__MaxAttempts"] = GeoOrsFactory.WebhookMaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["Webhooks__BaseDelay"] = "00:00:00.200";
        info.Environment["Webhooks__MaxDelay"] = "00:00:01";
        info.Environment["Webhooks__Timeout"] = "00:00:05";
        info.Environment["Webhooks__LeaseMargin"] = "00:00:02";
        info.Environment["Webhooks__AllowedHosts__0"] = "127.0.0.1"; // the suite's receivers, as in GeoOrsFactory
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var server = new ServerProcess(chosen, Process.Start(info)!);
        server.Process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server.Process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server.Process.BeginOutputReadLine();
        server.Process.BeginErrorReadLine();
        try
        {
            await server.WaitHealthyAsync();
        }
        catch
        {
            // Never healthy: the caller gets no server to dispose, so stop it here.
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>Runs a one-shot verb of the server binary (<c>ingest</c>, <c>keys</c> …) in a process of its own and waits for it.</summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var serverDir = Path.Combine(PostGis.RepoRoot, "src", "GeoOrs.Server");
        var info = new ProcessStartInfo("dotnet", [Path.Combine(serverDir, "bin", configuration, "net10.0", "GeoOrs.Server.dll"), .. args])
        {
            WorkingDirectory = serverDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["GEOORS_DB"] = PostGis.ConnectionString;
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Too long: the verb does not outlive the test that waited for it.
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + await errors);
    }

    private void Append(string? line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public async Task WaitHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                await Process.WaitForExitAsync();
                Assert.Fail($"the server exited on start:\n{Log}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        Assert.Fail($"the server did not become healthy:\n{Log}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public void Crash()
    {
        Process.Kill(entireProcessTree: true);
        Process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit(10_000);
        }

        Process.Dispose();
    }
}
