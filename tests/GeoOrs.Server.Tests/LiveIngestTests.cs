using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Alerts;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The live path (<c>POST /api/ingest/{kind}/event</c> and <c>…/events</c>) against the real PostGIS:
/// what it stores is what the batch path stores, arrays give per-event results, an agency writes only
/// as itself, overload answers 503 with <c>Retry-After</c>, and a fixed threshold crossed by live posts
/// is stored once with two servers running and streamed at once. Each test sends under an agency of
/// its own and on days no other test uses.
/// </summary>
public class LiveIngestTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private static string NewAgency() => "live-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A day of 2003 no other test uses (a random one each run).</summary>
    private static DateOnly NewDay() => new DateOnly(2003, 1, 1).AddDays(Random.Shared.Next(0, 365));

    private static string Event(string id, DateOnly day, string? agency = null, string lat = "39.2904", string lon = "-76.6122", bool fatal = true) =>
        $$"""{"external_id": "{{id}}", "occurred_at": "{{day:yyyy-MM-dd}}T17:30:00Z", "lat": {{lat}}, "lon": {{lon}}, "location_precision": "exact", "fatal": {{(fatal ? "true" : "false")}}, "naloxone_administered": true, "naloxone_doses": 2, "suspected_drugs": ["fentanyl", "xylazine"], "age_band": "25-29", "sex": "F"{{(agency is null ? "" : $", \"source_agency\": \"{agency}\"")}}}""";

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpClient client, string path, string body, string contentType = "application/json")
    {
        var response = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, contentType));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500 || response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {text}");
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    /// <summary>What the county's day, month and month of cluster cells hold: the count measures, each slot.</summary>
    private static async Task<List<long>> AggregatesAsync(string county, DateOnly day)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce((SELECT events || fatal || naloxone || fatal_naloxone FROM overdose_daily WHERE county_fips = $1 AND day = $2), '{}'),
                   coalesce((SELECT events || fatal || naloxone || fatal_naloxone FROM overdose_monthly WHERE county_fips = $1 AND month = date_trunc('month', $2)::date), '{}'),
                   (SELECT ARRAY[count(*), coalesce(sum(n), 0), coalesce(sum(f), 0), coalesce(sum(x), 0), coalesce(sum(fx), 0)]::bigint[] FROM overdose_cells WHERE month = date_trunc('month', $2)::date),
                   (SELECT 4 * max(slot) FROM aggregate_drugs)::int
            """);
        command.Parameters.AddWithValue(county);
        command.Parameters.AddWithValue(day);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var daily = reader.GetFieldValue<int[]>(0);
        var monthly = reader.GetFieldValue<int[]>(1);
        var measures = reader.GetInt32(3); // four count measures of every slot: no row reads as zeros
        return [.. (daily.Length == 0 ? new int[measures] : daily).Select(v => (long)v), .. (monthly.Length == 0 ? new int[measures] : monthly).Select(v => (long)v), .. reader.GetFieldValue<long[]>(2)[1..]];
    }

    /// <summary>The stored event's own columns, as text.</summary>
    private static async Task<string> StoredAsync(string agency, string externalId)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT concat_ws('|', county_fips, hidta_id, local_day, occurred_at, fatal, naloxone_administered, naloxone_doses, suspected_drugs, age_band, sex,
                             location_precision, ST_AsText(geom), masked_geom IS NOT NULL, rkey IS NOT NULL)
            FROM overdose_events WHERE source_agency = $1 AND external_id = $2
            """);
        command.Parameters.AddWithValue(agency);
        command.Parameters.AddWithValue(externalId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> CountAsync(string agency, string table = "overdose_events", string column = "source_agency")
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {table} WHERE {column} = $1");
        command.Parameters.AddWithValue(agency);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_single_event_is_created_then_repeated_and_stores_what_the_batch_path_stores()
    {
        var agency = NewAgency();
        var day = NewDay();
        using var client = await factory.ClientForAsync("law_enforcement", agency);
        var before = await AggregatesAsync("24510", day);

        var (created, body, _) = await PostAsync(client, "/api/ingest/overdoses/event", Event("cad-1", day));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.False(body.GetProperty("duplicate").GetBoolean());
        Assert.Equal("24510", body.GetProperty("county").GetString());
        Assert.Equal(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), body.GetProperty("local_day").GetString());
        Assert.Equal(agency, body.GetProperty("agency").GetString());
        var id = body.GetProperty("id").GetInt64();

        var (repeated, again, _) = await PostAsync(client, "/api/ingest/overdoses/event", Event("cad-1", day));
        Assert.Equal(HttpStatusCode.OK, repeated);
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(id, again.GetProperty("id").GetInt64());
        var live = await AggregatesAsync("24510", day);

        // The same event through the batch path, under another external id.
        var (batch, stored, _) = await PostAsync(client, "/api/ingest/overdoses", Event("cad-2", day), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.Created, batch);
        Assert.Equal(1, stored.GetProperty("accepted").GetInt32());
        var after = await AggregatesAsync("24510", day);

        var byLive = live.Zip(before, (a, b) => a - b).ToList();
        var byBatch = after.Zip(live, (a, b) => a - b).ToList();
        Assert.Equal(byBatch, byLive);
        Assert.Equal(1, byLive[0]); // one event on the day, and it counts
        Assert.Equal(await StoredAsync(agency, "cad-2"), await StoredAsync(agency, "cad-1"));
        Assert.Equal(2, await CountAsync(agency));
    }

    [Fact]
    public async Task An_event_sent_again_with_a_time_in_another_month_is_a_duplicate_on_both_paths()
    {
        // The event tables are partitioned by month (migration 0025): the key is checked across all of them.
        var agency = NewAgency();
        var day = new DateOnly(2003, 1, 1).AddDays(Random.Shared.Next(0, 120));
        using var client = await factory.ClientForAsync("law_enforcement", agency);
        var (created, body, _) = await PostAsync(client, "/api/ingest/overdoses/event", Event("m-1", day));
        Assert.Equal(HttpStatusCode.Created, created);
        var id = body.GetProperty("id").GetInt64();

        // Live, five months on: 200, a duplicate, the stored event's id, nothing changed.
        var (single, again, _) = await PostAsync(client, "/api/ingest/overdoses/event", Event("m-1", day.AddMonths(5)));
        Assert.Equal(HttpStatusCode.OK, single);
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(id, again.GetProperty("id").GetInt64());
        var (array, events, _) = await PostAsync(client, "/api/ingest/overdoses/events", $"[{Event("m-1", day.AddMonths(7))}, {Event("m-2", day.AddMonths(7))}]");
        Assert.Equal(HttpStatusCode.Created, array);
        Assert.Equal((1, 1), (events.GetProperty("created").GetInt32(), events.GetProperty("duplicates").GetInt32()));
        Assert.Equal(id, events.GetProperty("events")[0].GetProperty("id").GetInt64());

        // A batch, a year on: the same report as a duplicate of the same month.
        var (batch, stored, _) = await PostAsync(client, "/api/ingest/overdoses", Event("m-1", day.AddYears(1)), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.Created, batch);
        Assert.Equal((0, 1, 0), (stored.GetProperty("accepted").GetInt32(), stored.GetProperty("duplicates").GetInt32(), stored.GetProperty("rejected").GetInt32()));
        Assert.Equal(2, await CountAsync(agency));
        Assert.Equal(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T17:30:00Z", await OccurredAsync(agency, "m-1"));
    }

    private static async Task<string> OccurredAsync(string agency, string externalId)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM overdose_events WHERE source_agency = $1 AND external_id = $2
            """);
        command.Parameters.AddWithValue(agency);
        command.Parameters.AddWithValue(externalId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task An_array_with_good_and_bad_events_stores_the_good_ones_and_reports_each()
    {
        var agency = NewAgency();
        var day = NewDay();
        using var client = await factory.ClientForAsync("law_enforcement", agency);
        var events = $$"""
            [{{Event("a1", day)}},
             {"external_id": "a2", "occurred_at": "{{day:yyyy-MM-dd}}T10:00:00Z", "lon": -76.61, "fatal": false},
             {{Event("a3", day, lat: "33.4255", lon: "-111.94")}},
             {"external_id": "a4", "occurred_at": "not a time", "lat": 39.29, "lon": -76.61, "fatal": false},
             {{Event("a1", day)}},
             42]
            """;

        var (status, body, _) = await PostAsync(client, "/api/ingest/overdoses/events", events);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, body.GetProperty("created").GetInt32());
        Assert.Equal(1, body.GetProperty("duplicates").GetInt32());
        Assert.Equal(3, body.GetProperty("invalid").GetInt32());
        var results = body.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(6, results.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.True(results[0].GetProperty("created").GetBoolean());
        Assert.Contains(results[1].GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "lat");
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("id").ValueKind);
        Assert.Equal("04013", results[2].GetProperty("county").GetString());
        Assert.Contains(results[3].GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "occurred_at");
        Assert.True(results[4].GetProperty("duplicate").GetBoolean());
        Assert.Equal(results[0].GetProperty("id").GetInt64(), results[4].GetProperty("id").GetInt64());
        Assert.NotEmpty(results[5].GetProperty("errors").EnumerateArray());
        Assert.Equal(2, await CountAsync(agency));

        // Sent again: nothing new (200), the same ids.
        var (again, repeat, _) = await PostAsync(client, "/api/ingest/overdoses/events", events);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(0, repeat.GetProperty("created").GetInt32());
        Assert.Equal(3, repeat.GetProperty("duplicates").GetInt32());
        Assert.Equal(results[2].GetProperty("id").GetInt64(), repeat.GetProperty("events")[2].GetProperty("id").GetInt64());
        Assert.Equal(2, await CountAsync(agency));

        // Nothing valid: 422, nothing recorded; not an array, or an empty one: 400.
        var (invalid, none, _) = await PostAsync(client, "/api/ingest/overdoses/events", """[{"external_id": "x"}]""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("batch_id").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, "/api/ingest/overdoses/events", "[]")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, "/api/ingest/overdoses/events", Event("b1", day))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, "/api/ingest/overdoses/events", "[" + string.Join(",", Enumerable.Repeat(Event("b1", day), 1001)) + "]")).Status);

        // The seizure twins.
        var seizure = $$"""{"external_id": "s1", "seized_at": "{{day:yyyy-MM-dd}}T12:00:00Z", "lat": 31.76, "lon": -106.49, "drug": "cocaine", "quantity": 2, "unit": "kg"}""";
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/api/ingest/seizures/event", seizure)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/api/ingest/seizures/event", seizure)).Status);
        var (seizures, stored, _) = await PostAsync(client, "/api/ingest/seizures/events", $"[{seizure}, {seizure.Replace("s1", "s2", StringComparison.Ordinal)}]");
        Assert.Equal(HttpStatusCode.Created, seizures);
        Assert.Equal(1, stored.GetProperty("created").GetInt32());
        Assert.Equal(2, await CountAsync(agency, "seizure_events", "agency"));
    }

    [Fact]
    public async Task An_agency_writes_only_as_itself()
    {
        var (mine, theirs) = (NewAgency(), NewAgency());
        var day = NewDay();
        using var client = await factory.ClientForAsync("law_enforcement", mine);

        var (single, problem, _) = await PostAsync(client, "/api/ingest/overdoses/event", Event("x1", day, agency: theirs));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, single);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "source_agency");

        var (forbidden, _, _) = await PostAsync(client, $"/api/ingest/overdoses/events?agency={theirs}", $"[{Event("x2", day)}]");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);

        var (mixed, body, _) = await PostAsync(client, "/api/ingest/overdoses/events", $"[{Event("x3", day, agency: theirs)}, {Event("x4", day)}, {Event("x5", day, agency: mine)}]");
        Assert.Equal(HttpStatusCode.Created, mixed);
        Assert.Contains(body.GetProperty("events")[0].GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "source_agency");
        Assert.Equal(mine, body.GetProperty("events")[1].GetProperty("agency").GetString());
        Assert.Equal(2, await CountAsync(mine));
        Assert.Equal(0, await CountAsync(theirs));
    }

    [Fact]
    public async Task Concurrent_posts_of_one_agency_store_each_external_id_once()
    {
        var agency = NewAgency();
        var day = NewDay();
        using var client = await factory.ClientForAsync("law_enforcement", agency);

        // Eight posters at once, each with its own events and one event they all send.
        var posts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async p =>
        {
            var results = new List<(HttpStatusCode Status, long Id)>();
            foreach (var id in new[] { $"own-{p}-a", "shared", $"own-{p}-b" })
            {
                var (status, body, response) = await PostAsync(client, "/api/ingest/overdoses/event", Event(id, day));
                response.Dispose();
                results.Add((status, status is HttpStatusCode.Created or HttpStatusCode.OK ? body.GetProperty("id").GetInt64() : 0));
            }

            return results;
        }));

        var all = posts.SelectMany(p => p).ToList();
        Assert.All(all, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.OK, r.Status.ToString()));
        var shared = posts.Select(p => p[1]).ToList();
        Assert.Single(shared, r => r.Status == HttpStatusCode.Created);
        Assert.Single(shared.Select(r => r.Id).Distinct());
        Assert.Equal(17, all.Count(r => r.Status == HttpStatusCode.Created));
        Assert.Equal(17, await CountAsync(agency));
    }

    [Fact]
    public async Task Live_posts_beside_a_bulk_batch_of_the_agency_store_each_event_once()
    {
        var agency = NewAgency();
        var day = NewDay();
        using var client = await factory.ClientForAsync("law_enforcement", agency);
        var lines = string.Join("\n", Enumerable.Range(0, 3000).Select(i => Event($"b{i}", day)));

        var batch = PostAsync(client, "/api/ingest/overdoses", lines, "application/x-ndjson");
        var live = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await Task.Delay(i * 10);
            var (status, _, response) = await PostAsync(client, "/api/ingest/overdoses/event", Event($"b{i * 100}", day));
            response.Dispose();
            return status;
        }));
        var (stored, record, done) = await batch;
        done.Dispose();

        Assert.Equal(HttpStatusCode.Created, stored);
        Assert.All(live, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, s.ToString()));
        Assert.Equal(3000 - live.Count(s => s == HttpStatusCode.Created), record.GetProperty("accepted").GetInt32());
        Assert.Equal(3000, await CountAsync(agency));
    }

    [Fact]
    public async Task Overload_answers_503_with_retry_after_and_nothing_is_stored()
    {
        await using var small = new GeoOrsFactory(new Dictionary<string, string?>
        {
            ["Limits:LiveConcurrency"] = "1",
            ["Limits:LiveQueue"] = "0",
        });
        var agency = NewAgency();
        var day = NewDay();
        using var client = await small.ClientForAsync("law_enforcement", agency);

        // A bulk batch of the agency holds its lock: the first post waits for it and holds the only permit.
        var dataSource = await PostGis.DataSourceAsync();
        await using var batch = await dataSource.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended($1, 0))", batch))
        {
            take.Parameters.AddWithValue(agency);
            await take.ExecuteNonQueryAsync();
        }

        var waiting = PostAsync(client, "/api/ingest/overdoses/event", Event("o1", day));
        await using (var blocked = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))", batch))
        {
            blocked.Parameters.AddWithValue(batch.ProcessID);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(4);
            while ((long)(await blocked.ExecuteScalarAsync())! == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the first post never waited for the agency's lock");
                await Task.Delay(20);
            }
        }

        var (status, _, response) = await PostAsync(client, "/api/ingest/overdoses/event", Event("o2", day));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        response.Dispose();

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0))", batch))
        {
            release.Parameters.AddWithValue(agency);
            await release.ExecuteNonQueryAsync();
        }

        var (first, _, firstResponse) = await waiting;
        firstResponse.Dispose();
        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(1, await CountAsync(agency));
    }

    [Fact]
    public async Task A_threshold_crossed_by_live_posts_on_two_servers_is_stored_once_and_streamed_at_once()
    {
        // Harding County, South Dakota, in June 1993: no other test uses it or that year.
        const string Harding = "46063";
        var settings = new Dictionary<string, string?> { ["Analysis:AsOf"] = "1993-06-30", ["Analysis:SpikeDays"] = "31" };
        await using var one = new GeoOrsFactory(settings);
        await using var two = new GeoOrsFactory(settings);
        using var admin = one.CreateClient("admin");
        using (var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/boundaries/lookup?lon=-103.5&lat=45.58", UriKind.Relative))))
        {
            Assert.Equal(Harding, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
        }

        using (var put = await admin.PutAsJsonAsync(new Uri($"/api/admin/thresholds/county/{Harding}", UriKind.Relative), new { threshold = 3 }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        try
        {
            var day = new DateOnly(1993, 6, 1).AddDays(Random.Shared.Next(0, 29));
            var alertId = NewAlert.IdOf("county", Harding, "threshold", day);
            var agency = NewAgency();
            using var first = await one.ClientForAsync("law_enforcement", agency);
            using var second = await two.ClientForAsync("law_enforcement", agency);
            string At(string id) => Event(id, day, lat: "45.58", lon: "-103.5");

            using var reader = two.CreateClient("partner");
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/alerts/stream?area=county:{Harding}", UriKind.Relative));
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var stream = await reader.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var events = new SseReader(await stream.Content.ReadAsStreamAsync());
            Assert.Contains("retry: 3000", (await events.NextBlockAsync(TimeSpan.FromSeconds(5)))!);

            // Two events: below the threshold, no alert.
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(first, "/api/ingest/overdoses/events", $"[{At("n1")}, {At("n2")}]")).Status);
            Assert.DoesNotContain(await TestAlerts.OfAreaAsync(Harding), a => a.Id == alertId);

            // The third and fourth at once, one on each server: both cross, one alert.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var posts = await Task.WhenAll(PostAsync(first, "/api/ingest/overdoses/event", At("n3")), PostAsync(second, "/api/ingest/overdoses/event", At("n4")));
            Assert.All(posts, p => Assert.Equal(HttpStatusCode.Created, p.Status));
            var received = await events.NextEventAsync(TimeSpan.FromSeconds(5));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"after {clock.Elapsed}");
            using (var data = JsonDocument.Parse(received.Data))
            {
                Assert.Equal(alertId, data.RootElement.GetProperty("id").GetString());
                Assert.Equal("threshold", data.RootElement.GetProperty("method").GetString());
            }

            var alert = Assert.Single(await TestAlerts.OfAreaAsync(Harding));
            Assert.Equal(alertId, alert.Id);
            Assert.InRange(alert.Observed, 3, 4);

            // A fifth event: the day's alert is not stored or streamed again.
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(second, "/api/ingest/overdoses/event", At("n5"))).Status);
            Assert.Single(await TestAlerts.OfAreaAsync(Harding));
            await Assert.ThrowsAnyAsync<Exception>(() => events.NextEventAsync(TimeSpan.FromSeconds(1)));
        }
        finally
        {
            using var delete = await admin.DeleteAsync(new Uri($"/api/admin/thresholds/county/{Harding}", UriKind.Relative));
        }
    }

    [Fact]
    public async Task A_batch_that_crosses_a_threshold_alerts_as_it_is_answered()
    {
        // Sioux County, Nebraska, in June 1993: no other test uses it or that year.
        const string Sioux = "31165";
        await using var server = new GeoOrsFactory(new Dictionary<string, string?> { ["Analysis:AsOf"] = "1993-06-30", ["Analysis:SpikeDays"] = "31" });
        using var admin = server.CreateClient("admin");
        using (var lookup = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/boundaries/lookup?lon=-103.76&lat=42.49", UriKind.Relative))))
        {
            Assert.Equal(Sioux, lookup.RootElement.GetProperty("county").GetProperty("geoid").GetString());
        }

        using (var put = await admin.PutAsJsonAsync(new Uri($"/api/admin/thresholds/county/{Sioux}", UriKind.Relative), new { threshold = 2 }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        try
        {
            var day = new DateOnly(1993, 6, 1).AddDays(Random.Shared.Next(0, 29));
            using var client = await server.ClientForAsync("law_enforcement", NewAgency());
            var (one, _, _) = await PostAsync(client, "/api/ingest/overdoses", Event("w1", day, lat: "42.49", lon: "-103.76"), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.Created, one);
            Assert.Empty(await TestAlerts.OfAreaAsync(Sioux));

            var (two, _, _) = await PostAsync(client, "/api/ingest/overdoses", Event("w2", day, lat: "42.49", lon: "-103.76"), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.Created, two);
            var alert = Assert.Single(await TestAlerts.OfAreaAsync(Sioux));
            Assert.Equal(NewAlert.IdOf("county", Sioux, "threshold", day), alert.Id);
            Assert.Equal(2, alert.Observed);
            Assert.Null(alert.RunId);
        }
        finally
        {
            using var delete = await admin.DeleteAsync(new Uri($"/api/admin/thresholds/county/{Sioux}", UriKind.Relative));
        }
    }
}
