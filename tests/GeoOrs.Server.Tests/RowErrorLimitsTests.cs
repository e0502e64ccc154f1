using GeoOrs.Data;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// What a batch's row errors may cost to store and to read back: a value is quoted up to 200
/// characters and marked as cut, a batch keeps its first 1,000 errors and a line counting the rest,
/// and a listing of batches shows 10 of each — so a 50 MB field does not become a 50 MB error stored
/// and served with every listing.
/// </summary>
public sealed class RowErrorLimitsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const int FieldBytes = 50 * 1024 * 1024;

    /// <summary>
    /// A CSV written as it is sent: a row whose latitude is a 50 MB field, then 2,000 rows with a
    /// latitude out of range (a row error each).
    /// </summary>
    private sealed class HugeFieldCsv : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("external_id,occurred_at,lat,lon,fatal\r\nhuge,2024-01-01T00:00:00Z,"u8.ToArray());
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'x');
            for (var written = 0; written < FieldBytes; written += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, FieldBytes - written)));
            }

            await stream.WriteAsync(",-76.61,false\r\n"u8.ToArray());
            var rows = new StringBuilder();
            for (var i = 0; i < 2000; i++)
            {
                rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"bad-{i},2024-01-01T00:00:00Z,999,-76.61,false\r\n");
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes(rows.ToString()));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task A_50_mb_field_makes_a_short_error_and_a_batch_keeps_1000_errors_and_a_count_of_the_rest()
    {
        var agency = "rowerrors-" + Guid.NewGuid().ToString("N")[..10];
        using var client = factory.CreateClient("admin");
        using var content = new HugeFieldCsv();
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync(new Uri($"/api/ingest/overdoses?agency={agency}", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 2000)]}");
        Assert.True(text.Length < 600_000, $"the answer is {text.Length:N0} characters");

        using var answer = JsonDocument.Parse(text);
        var batch = answer.RootElement;
        Assert.Equal(2001, batch.GetProperty("rows_read").GetInt32());
        Assert.Equal(2001, batch.GetProperty("rejected").GetInt32());
        var errors = batch.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(1001, errors.Count);
        var huge = errors[0];
        Assert.Equal("lat", huge.GetProperty("field").GetString());
        var reason = huge.GetProperty("reason").GetString()!;
        Assert.True(reason.Length <= 400, reason);
        Assert.StartsWith("'" + new string('x', 200) + "…'", reason, StringComparison.Ordinal);
        Assert.EndsWith($"({FieldBytes - 200:N0} more characters cut) is not a number", reason, StringComparison.Ordinal);
        Assert.All(errors.Skip(1).Take(999), e => Assert.Equal("lat", e.GetProperty("field").GetString()));
        Assert.Equal("1,001 more row errors are not listed (the first 1,000 are)", errors[^1].GetProperty("reason").GetString());

        // As stored, and as one batch and a listing read it back.
        var id = batch.GetProperty("id").GetInt64();
        await using (var db = GeoOrsDataSource.Create(PostGis.ConnectionString))
        await using (var command = db.CreateCommand("SELECT octet_length(errors::text) FROM ingest_batches WHERE id = $1"))
        {
            command.Parameters.AddWithValue(id);
            Assert.InRange((int)(await command.ExecuteScalarAsync())!, 1, 600_000);
        }

        var one = await client.GetStringAsync(new Uri($"/api/ingest/batches/{id}", UriKind.Relative));
        Assert.True(one.Length < 600_000);
        using (var read = JsonDocument.Parse(one))
        {
            Assert.Equal(1001, read.RootElement.GetProperty("errors").GetArrayLength());
            Assert.Equal(reason, read.RootElement.GetProperty("errors")[0].GetProperty("reason").GetString());
        }

        var listing = await client.GetStringAsync(new Uri("/api/ingest/batches?limit=1000", UriKind.Relative));
        using var listed = JsonDocument.Parse(listing);
        var mine = Assert.Single(listed.RootElement.EnumerateArray(), b => b.GetProperty("id").GetInt64() == id);
        var shown = mine.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(11, shown.Count);
        Assert.Equal($"991 more entries: GET /api/ingest/batches/{id} lists them (up to 1,000 row errors)", shown[^1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Errors_stored_long_before_the_cut_are_read_back_short()
    {
        // A batch recorded with a 1 MB error, as a server before the cut stored it.
        var agency = "rowerrors-" + Guid.NewGuid().ToString("N")[..10];
        using var client = factory.CreateClient("admin");
        using var content = new StringContent("external_id,occurred_at,lat,lon,fatal\r\nx,2024-01-01T00:00:00Z,999,-76.61,false\r\n", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync(new Uri($"/api/ingest/overdoses?agency={agency}", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        await using (var db = GeoOrsDataSource.Create(PostGis.ConnectionString))
        await using (var command = db.CreateCommand(
            "UPDATE ingest_batches SET errors = jsonb_build_array(jsonb_build_object('line', 2, 'field', repeat('f', 10000), 'reason', repeat('r', 1000000))), error = repeat('e', 1000000) WHERE id = $1"))
        {
            command.Parameters.AddWithValue(id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var one = await client.GetStringAsync(new Uri($"/api/ingest/batches/{id}", UriKind.Relative));
        Assert.True(one.Length < 5_000, $"{one.Length:N0} characters");
        using var read = JsonDocument.Parse(one);
        var error = read.RootElement.GetProperty("errors")[0];
        Assert.Equal(100, error.GetProperty("field").GetString()!.Length);
        Assert.EndsWith("… (cut)", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
