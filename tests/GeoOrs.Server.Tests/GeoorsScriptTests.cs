using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The <c>./geoors serve</c> and <c>./geoors db</c> commands end to end, on an embedded cluster of their
/// own (GEOORS_STATE): serve starts PostGIS and the server, SIGTERM or Ctrl-C stops both, and the next
/// start reuses the data; the cluster keeps its port across stops and starts.
/// </summary>
public sealed class GeoorsScriptTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("geoors-state-");
    private readonly List<Process> _started = [];

    public GeoorsScriptTests()
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_state.FullName, (UnixFileMode)0b111_101_101); // reachable by the cluster's owner
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Serve_starts_postgis_and_stops_it_on_sigterm_and_on_ctrl_c_and_keeps_the_data()
    {
        var port = FreePort();

        // First start: a new cluster, migrations, boundaries.
        var (first, firstLog) = Start(port);
        await WaitHealthyAsync(port, first, firstLog, TimeSpan.FromSeconds(180));
        Signal(first.Id, "TERM");
        Assert.True(first.WaitForExit(60_000), "the script did not exit within 60 s of SIGTERM");
        Assert.Equal("stopped", await ClusterStatusAsync());
        Assert.Contains("Loading boundaries", firstLog.ToString(), StringComparison.Ordinal);

        // Second start reuses the data: no boundary load. (How long it takes is measured by
        // bench/startup/run.sh, not asserted here.)
        var (second, secondLog) = Start(port);
        await WaitHealthyAsync(port, second, secondLog, TimeSpan.FromSeconds(120));
        Assert.DoesNotContain("Loading boundaries", secondLog.ToString(), StringComparison.Ordinal);

        // Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
        Signal(-second.Id, "INT");
        Assert.True(second.WaitForExit(60_000), "the script did not exit within 60 s of Ctrl-C");
        Assert.Equal("stopped", await ClusterStatusAsync());
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Serve_with_replicas_runs_servers_behind_nginx_and_stops_them_all_on_sigterm()
    {
        // nginx on the port, the servers on the next two; the suite's database, no scheduler.
        var port = FreePorts(3);
        var (script, log) = Start(port, ["--replicas", "2"], new Dictionary<string, string>
        {
            ["GEOORS_DB"] = PostGis.ConnectionString,
            ["Scheduling__Enabled"] = "false",
            ["Webhooks__Deliver"] = "false",
            ["Boundaries__Directory"] = PostGis.Shapefiles,
        });
        await WaitHealthyAsync(port, script, log, TimeSpan.FromSeconds(120));
        foreach (var server in new[] { port + 1, port + 2 })
        {
            await WaitHealthyAsync(server, script, log, TimeSpan.FromSeconds(60));
        }

        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        using (var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/health")))
        {
            Assert.Equal("nginx", response.Headers.Server.FirstOrDefault()?.Product?.Name);
        }

        Signal(script.Id, "TERM");
        Assert.True(script.WaitForExit(60_000), "the script did not exit within 60 s of SIGTERM");
        foreach (var stopped in new[] { port, port + 1, port + 2 })
        {
            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, stopped));
        }
    }

    [Fact]
    public async Task Db_keeps_its_port_across_stop_and_start_and_refuses_a_port_another_program_took()
    {
        var (code, log) = await DbAsync("start");
        Assert.True(code == 0, log);
        var port = PortIn(log);
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(_state.FullName, "db.port")).Trim());

        // A connection open while the cluster stops: the cluster closes it, which leaves the port's
        // side of it in TIME-WAIT (or FIN-WAIT) for a while. The cluster comes back on the same port.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            (code, log) = await DbAsync("stop");
            Assert.True(code == 0, log);
        }

        (code, log) = await DbAsync("start");
        Assert.True(code == 0, log);
        Assert.Equal(port, PortIn(log));
        (code, log) = await DbAsync("stop");
        Assert.True(code == 0, log);

        // Another program listens on the port while the cluster is stopped: start says so and fails.
        using (var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            squatter.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            squatter.Bind(new IPEndPoint(IPAddress.Loopback, port));
            squatter.Listen();
            (code, log) = await DbAsync("start");
            Assert.NotEqual(0, code);
            Assert.Contains($"port {port}", log, StringComparison.Ordinal);
            Assert.Contains("taken by another program", log, StringComparison.Ordinal);
            Assert.Equal("stopped", await ClusterStatusAsync());
        }

        // Freed, the port is the cluster's again.
        (code, log) = await DbAsync("start");
        Assert.True(code == 0, log);
        Assert.Equal(port, PortIn(log));
    }

    private static int PortIn(string log)
    {
        var match = System.Text.RegularExpressions.Regex.Match(log, @"running on 127\.0\.0\.1:(\d+)");
        Assert.True(match.Success, log);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<(int Code, string Log)> DbAsync(string verb)
    {
        var info = new ProcessStartInfo(Path.Combine(PostGis.RepoRoot, "geoors"), ["db", verb]) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment.Remove("GEOORS_DB");
        info.Environment["GEOORS_STATE"] = _state.FullName;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private (Process Process, System.Text.StringBuilder Log) Start(int port, string[]? args = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        // setsid gives the script a process group of its own, so Ctrl-C can be sent to the group; env
        // restores SIGINT's default first (a suite started in the background inherits it ignored, and
        // a shell cannot trap a signal it was started ignoring — no terminal does that to the script).
        var info = new ProcessStartInfo("env", ["--default-signal=INT", "setsid", "--wait", Path.Combine(PostGis.RepoRoot, "geoors"), "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args ?? []])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = PostGis.RepoRoot,
        };
        info.Environment.Remove("GEOORS_DB");
        info.Environment["GEOORS_STATE"] = _state.FullName;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var log = new System.Text.StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.Start();
        _started.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, log);
    }

    private static async Task WaitHealthyAsync(int port, Process process, System.Text.StringBuilder log, TimeSpan limit)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"the script exited early:\n{log}");
            try
            {
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
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

        Assert.Fail($"not healthy within {limit}:\n{log}");
    }

    private async Task<string> ClusterStatusAsync()
    {
        var info = new ProcessStartInfo(Path.Combine(PostGis.RepoRoot, "geoors"), ["db", "status"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["GEOORS_STATE"] = _state.FullName;
        using var process = Process.Start(info)!;
        var text = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text.Contains("stopped", StringComparison.Ordinal) ? "stopped" : text.Trim();
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", "--", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The first of <paramref name="count"/> free ports in a row, below Linux's ephemeral range
    /// (32768 and up), where the suite's own outgoing connections cannot take one meanwhile.
    /// </summary>
    private static int FreePorts(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20_000, 32_000 - count);
            var listeners = new List<TcpListener>();
            try
            {
                for (var port = first; port < first + count; port++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listeners.Add(listener);
                }

                return first;
            }
            catch (SocketException)
            {
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException($"no {count} free ports in a row were found");
    }

    public void Dispose()
    {
        // A script a failed assertion left running: end it with the server it started (the whole
        // process tree; the cluster, which PostgreSQL detaches, is stopped below).
        foreach (var process in _started)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(30_000);
                }
            }
            catch (InvalidOperationException)
            {
                // It ended meanwhile.
            }

            process.Dispose();
        }

        // Stop the cluster if an assertion left it running, then remove it.
        var info = new ProcessStartInfo(Path.Combine(PostGis.RepoRoot, "geoors"), ["db", "stop"]);
        info.Environment["GEOORS_STATE"] = _state.FullName;
        using (var stop = Process.Start(info))
        {
            stop?.WaitForExit(60_000);
        }

        _state.Delete(recursive: true);
    }
}
