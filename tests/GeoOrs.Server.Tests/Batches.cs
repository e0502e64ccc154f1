using System.Net;
using System.Text.Json;

namespace GeoOrs.Server.Tests;

/// <summary>Waiting on an agency's ingest batch through the API, as its sender would.</summary>
internal static class Batches
{
    /// <summary>
    /// Polls <c>/api/ingest/batches</c> until the agency's latest batch satisfies <paramref name="done"/>
    /// (answers other than 200, as during a database outage, are polled past), failing after <paramref name="limit"/>.
    /// </summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient client, string agency, Func<JsonElement, bool> done, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync(new Uri("/api/ingest/batches?limit=100", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var batches = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                last = batches.EnumerateArray().FirstOrDefault(b => b.GetProperty("agency").GetString() == agency);
                if (last.ValueKind == JsonValueKind.Object && done(last))
                {
                    return last;
                }
            }

            await Task.Delay(250);
        }

        Assert.Fail($"the batch did not reach the expected state: {last}");
        return last;
    }
}
