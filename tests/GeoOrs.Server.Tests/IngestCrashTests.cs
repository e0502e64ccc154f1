using GeoOrs.Data.Entities;
using GeoOrs.Data;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Ingest cut off in the middle, against a real server process on a real socket: a client that
/// disconnects, and a server killed with SIGKILL. No row of the batch is left behind, the batch is
/// reported failed, and the server goes on serving.
/// </summary>
public sealed class IngestCrashTests
{
    [Fact]
    public async Task Client_that_disconnects_mid_upload_leaves_a_failed_batch_and_no_rows()
    {
        var agency = "cut-" + Guid.NewGuid().ToString("N")[..10];
        using var server = await ServerProcess.StartAsync();
        var port = server.Port;
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var key = await AdminKeyAsync();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        var rows = new StringBuilder("external_id,occurred_at,lat,lon,fatal\r\n");
        for (var i = 0; i < 5000; i++)
        {
            rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"c{i},2024-01-01T00:00:00Z,39.29,-76.61,false\r\n");
        }

        var body = Encoding.UTF8.GetBytes(rows.ToString());
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            var stream = socket.GetStream();
            var head = $"POST /api/ingest/overdoses?agency={agency} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: {key}\r\nContent-Type: text/csv\r\nContent-Length: {body.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await stream.FlushAsync();
            await Batches.WaitForAsync(client, agency, _ => true, TimeSpan.FromSeconds(30));
            socket.Client.Close(); // the client goes away with half of the body sent
        }

        var batch = await Batches.WaitForAsync(client, agency, b => b.GetProperty("status").GetString() != "running", TimeSpan.FromSeconds(30));
        Assert.Equal("failed", batch.GetProperty("status").GetString());
        // The ingest records the cut itself, unless a batch listing meanwhile finds its broken session
        // first and fails it as an orphan: either way the batch says nothing of it was stored.
        Assert.Matches("nothing was stored|no row of it was stored", batch.GetProperty("error").GetString());
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM overdose_events WHERE source_agency = $1");
        command.Parameters.AddWithValue(agency);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);

        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Sigkill_mid_batch_leaves_no_row_and_the_batch_is_failed_after_restart()
    {
        var agency = "crash-" + Guid.NewGuid().ToString("N")[..10];
        using var first = await ServerProcess.StartAsync();
        using var client = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", await AdminKeyAsync());
        var upload = client.PostAsync(new Uri($"/api/ingest/overdoses?agency={agency}", UriKind.Relative), new EndlessCsv());

        var batch = await Batches.WaitForAsync(client, agency, b => b.GetProperty("rows_read").GetInt32() > 0, TimeSpan.FromSeconds(60));
        Assert.Equal("running", batch.GetProperty("status").GetString());
        first.Process.Kill(); // SIGKILL
        await first.Process.WaitForExitAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => upload);

        using var second = await ServerProcess.StartAsync(first.Port);
        batch = await Batches.WaitForAsync(client, agency, b => b.GetProperty("status").GetString() != "running", TimeSpan.FromSeconds(60));
        Assert.Equal("failed", batch.GetProperty("status").GetString());
        Assert.Contains("stopped", batch.GetProperty("error").GetString(), StringComparison.Ordinal);

        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM overdose_events WHERE source_agency = $1 OR batch_id = $2");
        command.Parameters.AddWithValue(agency);
        command.Parameters.AddWithValue(batch.GetProperty("id").GetInt64());
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>An admin key in the database the server processes use (made after the first has migrated it).</summary>
    private static async Task<string> AdminKeyAsync()
    {
        await using var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync());
        return (await GeoOrs.Data.Access.ApiKeys.CreateAsync(db, "admin", "crash tests")).Key;
    }

    /// <summary>A CSV body that keeps coming (up to a million rows, a thousand every 20 ms).</summary>
    private sealed class EndlessCsv : HttpContent
    {
        public EndlessCsv() => Headers.ContentType = new MediaTypeHeaderValue("text/csv");

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("external_id,occurred_at,lat,lon,fatal\n"));
            for (var chunk = 0; chunk < 1000; chunk++)
            {
                var rows = new StringBuilder();
                for (var i = 0; i < 1000; i++)
                {
                    rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"k{chunk}-{i},2024-01-01T00:00:00Z,39.29,-76.61,false\n");
                }

                await stream.WriteAsync(Encoding.UTF8.GetBytes(rows.ToString()));
                await stream.FlushAsync();
                await Task.Delay(20);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
