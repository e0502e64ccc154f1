using System.Diagnostics;
using System.Net;
using System.Text;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Two real server processes behind nginx run from the shipped <c>deploy/nginx/geoors.conf</c> on
/// loopback: requests go to both, the alert stream comes through unbuffered, and when one server is
/// killed the GET requests that follow are answered by the other.
/// </summary>
public sealed class NginxTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Two_servers_behind_nginx_share_requests_stream_alerts_and_survive_one_killed()
    {
        var trusted = new Dictionary<string, string> { ["Http__TrustedProxies__0"] = "127.0.0.1" };
        using var a = await ServerProcess.StartAsync(settings: trusted);
        using var b = await ServerProcess.StartAsync(settings: trusted);
        using var nginx = NginxProcess.Start(a.Port, b.Port);
        using var client = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        await nginx.WaitReadyAsync(client);

        // Spread: nginx names the server that answered in a header the test's wrapper adds.
        var upstreams = new HashSet<string>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            upstreams.Add(string.Join(",", response.Headers.GetValues("X-Upstream")));
        }

        Assert.Equal(new HashSet<string> { $"127.0.0.1:{a.Port}", $"127.0.0.1:{b.Port}" }, upstreams);

        // The alert stream through nginx: the opening block and an alert arrive as they are sent.
        string key;
        await using (var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync()))
        {
            key = (await ApiKeys.CreateAsync(db, "partner", "GeoOrs Tests")).Key;
        }

        var area = TestAlerts.NewArea();
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/alerts/stream?area=county:{area}", UriKind.Relative)))
        {
            request.Headers.Add("X-Api-Key", key);
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var events = new SseReader(await response.Content.ReadAsStreamAsync());
            Assert.Contains("retry: 3000", (await events.NextBlockAsync(Patience))!);
            var clock = Stopwatch.StartNew();
            await TestAlerts.AddAsync(TestAlerts.Alert(area, "2024-04-01", "ears_c3", observed: 9));
            var received = await events.NextEventAsync(Patience);
            Assert.Equal("alert", received.Event);
            Assert.True(clock.Elapsed < Patience, $"after {clock.Elapsed}");
            Assert.Contains(area, received.Data, StringComparison.Ordinal);
        }

        // The rate limit holds across the servers: a caller without a key gets the address's burst
        // (1200) and its rate (20 a second) from the two together, not 1200 from each. An nginx of
        // its own, so that the other steps keep their allowance.
        using (var limited = NginxProcess.Start(a.Port, b.Port))
        using (var caller = new HttpClient { BaseAddress = limited.BaseAddress, Timeout = TimeSpan.FromSeconds(20) })
        {
            await limited.WaitReadyAsync(caller); // one request of the allowance
            var served = new Dictionary<string, int>();
            var refused = 0;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 3000 && refused == 0; i++)
            {
                using var response = await caller.GetAsync(new Uri("/tiles", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    refused++;
                    Assert.False(response.Headers.Contains("X-Upstream") && response.Headers.GetValues("X-Upstream").Any(v => v.Length > 0), "refused by a server, not by nginx");
                    continue;
                }

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var upstream = response.Headers.GetValues("X-Upstream").Single();
                served[upstream] = served.GetValueOrDefault(upstream) + 1;
            }

            var total = served.Values.Sum();
            Assert.Equal(1, refused);
            Assert.Equal(2, served.Count);
            Assert.InRange(total, 1199, 1201 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds * 20) + 1);
        }

        // One server killed: every GET that follows is answered, by the other.
        b.Process.Kill();
        await b.Process.WaitForExitAsync();
        foreach (var path in Enumerable.Repeat("/tiles", 10).Concat(Enumerable.Repeat("/health", 10)))
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"127.0.0.1:{a.Port}", response.Headers.GetValues("X-Upstream").Last().Split(", ").Last());
        }

        Assert.True(nginx.ErrorLog.Contains("connect() failed", StringComparison.Ordinal), nginx.ErrorLog); // nginx did meet the dead server
    }

    /// <summary>nginx with the shipped configuration, rendered for the given servers on a free port, under a folder of its own.</summary>
    private sealed class NginxProcess : IDisposable
    {
        private readonly string _dir;
        private readonly Process _process;

        private NginxProcess(string dir, int port, Process process)
        {
            _dir = dir;
            _process = process;
            BaseAddress = new Uri($"http://127.0.0.1:{port}");
        }

        public Uri BaseAddress { get; }

        public string ErrorLog => File.Exists(Path.Combine(_dir, "error.log")) ? File.ReadAllText(Path.Combine(_dir, "error.log")) : "";

        public static NginxProcess Start(params int[] servers)
        {
            var port = ServerProcess.FreePort();
            var dir = Directory.CreateTempSubdirectory("geoors-nginx-").FullName;
            var temp = Directory.CreateDirectory(Path.Combine(dir, "tmp")).FullName;
            var shipped = File.ReadAllLines(Path.Combine(PostGis.RepoRoot, "deploy", "nginx", "geoors.conf"));
            var rendered = new StringBuilder();
            var skipping = false;
            foreach (var line in shipped)
            {
                if (line.Contains("# servers: end", StringComparison.Ordinal))
                {
                    skipping = false;
                }

                if (skipping)
                {
                    continue;
                }

                rendered.AppendLine(line.Trim().StartsWith("listen 127.0.0.1:", StringComparison.Ordinal) ? $"    listen 127.0.0.1:{port};" : line);
                if (line.Contains("# servers: begin", StringComparison.Ordinal))
                {
                    skipping = true;
                    foreach (var server in servers)
                    {
                        rendered.AppendLine($"    server 127.0.0.1:{server} max_fails=3 fail_timeout=10s;");
                    }
                }
            }

            File.WriteAllText(Path.Combine(dir, "geoors.conf"), rendered.ToString());
            var root = Environment.UserName == "root";
            File.WriteAllText(Path.Combine(dir, "nginx.conf"), $$"""
                {{(root ? "user nobody nogroup;" : "")}}
                worker_processes 1;
                pid {{dir}}/nginx.pid;
                error_log {{dir}}/error.log warn;
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path {{temp}}/body;
                    proxy_temp_path {{temp}}/proxy;
                    fastcgi_temp_path {{temp}}/fastcgi;
                    uwsgi_temp_path {{temp}}/uwsgi;
                    scgi_temp_path {{temp}}/scgi;
                    add_header X-Upstream $upstream_addr always;
                    include {{dir}}/geoors.conf;
                }
                """);
            if (root && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101); // the workers (nobody) write under tmp/
                File.SetUnixFileMode(temp, (UnixFileMode)0b111_111_111);
            }

            var info = new ProcessStartInfo("nginx", ["-p", dir, "-e", Path.Combine(dir, "error.log"), "-c", Path.Combine(dir, "nginx.conf"), "-g", "daemon off;"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            return new NginxProcess(dir, port, Process.Start(info)!);
        }

        public async Task WaitReadyAsync(HttpClient client)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                Assert.False(_process.HasExited, $"nginx exited: {await _process.StandardError.ReadToEndAsync()} {ErrorLog}");
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
                    // not listening yet
                }

                await Task.Delay(100);
            }

            Assert.Fail($"nginx did not answer: {ErrorLog}");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                // SIGTERM, so that the master stops its workers too (killed, it would leave them listening).
                using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    term.WaitForExit();
                }

                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
