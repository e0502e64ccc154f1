using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Access;
using GeoOrs.Server.Cli;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// One agency cannot write as another: events are stored under the agency of the key that sent them
/// (or one an admin delegated to it), by row, by mapping constant and by single event; batches and
/// events record the sending key; mappings belong to the agency that made them; an admin acting for
/// an agency and a delegated key's forwarded rows are audited. Every test uses agencies of its own.
/// </summary>
public class AgencyIntegrityTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string Header = "external_id,occurred_at,lat,lon,fatal,source_agency\r\n";

    private static string NewAgency(string role) => $"integrity-{role}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string Row(string id, string agency = "", string fatal = "true") =>
        $"{id},2024-04-02T08:00:00Z,39.2904,-76.6122,{fatal},{agency}\r\n";

    /// <summary>A client with a new key of the role for the agency, and the key's prefix.</summary>
    private async Task<(HttpClient Client, string Prefix)> KeyAsync(string role, string agency)
    {
        var key = await factory.KeyForAsync(role, agency);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return (client, ApiKeys.PrefixOf(key));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, HttpContent? content = null, (string, string)? header = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (header is var (name, value))
        {
            request.Headers.Add(name, value);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {text}");
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> PostCsvAsync(HttpClient client, string kind, string csv, string query = "", (string, string)? header = null) =>
        SendAsync(client, HttpMethod.Post, $"/api/ingest/{kind}{(query.Length > 0 ? "?" + query : "")}", new StringContent(csv, Encoding.UTF8, "text/csv"), header);

    private static Task<(HttpStatusCode Status, JsonElement Body)> PutJsonAsync(HttpClient client, string path, string json) =>
        SendAsync(client, HttpMethod.Put, path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static List<(long Line, string Field, string Reason)> Errors(JsonElement batch) =>
        [.. batch.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString()!, e.GetProperty("reason").GetString()!))];

    /// <summary>The stored events of an agency: external id → the key prefix that sent it.</summary>
    private static async Task<Dictionary<string, string?>> StoredAsync(string agency, string table = "overdose_events", string column = "source_agency")
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand($"SELECT external_id, key_prefix FROM {table} WHERE {column} = $1");
        command.Parameters.AddWithValue(agency);
        var stored = new Dictionary<string, string?>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stored[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return stored;
    }

    /// <summary>The audit rows of writes made for an agency, as an admin reads them.</summary>
    private async Task<JsonElement[]> ActingForAsync(string agency)
    {
        using var admin = factory.CreateClient("admin");
        var (status, rows) = await SendAsync(admin, HttpMethod.Get, $"/api/admin/audit?acting_for={Uri.EscapeDataString(agency)}");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. rows.EnumerateArray()];
    }

    [Fact]
    public async Task A_row_naming_another_agency_is_refused_with_its_reason_and_that_agencys_own_upload_is_then_stored()
    {
        var (agA, agB) = (NewAgency("a"), NewAgency("b"));
        var (a, prefixA) = await KeyAsync("analyst", agA);
        var (b, prefixB) = await KeyAsync("analyst", agB);
        using (a)
        using (b)
        {
            // All or nothing (the default): the batch is rejected and says which rows and why.
            var (status, rejected) = await PostCsvAsync(b, "overdoses", Header + Row("death-1", agA) + Row("death-2", agA) + Row("own-1"));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Equal("rejected", rejected.GetProperty("status").GetString());
            var errors = Errors(rejected);
            Assert.Equal([2L, 3L], errors.Select(e => e.Line));
            Assert.All(errors, e =>
            {
                Assert.Equal("source_agency", e.Field);
                Assert.Contains($"'{agA}'", e.Reason, StringComparison.Ordinal);
                Assert.Contains($"'{agB}'", e.Reason, StringComparison.Ordinal);
            });

            // Skip-invalid: the batch goes on with the other rows, stored as the sender's.
            var (skipped, batch) = await PostCsvAsync(b, "overdoses", Header + Row("death-1", agA) + Row("death-2", agA) + Row("own-1") + Row("own-2", agB), "mode=skip-invalid");
            Assert.Equal(HttpStatusCode.Created, skipped);
            Assert.Equal((2, 2, 0), (batch.GetProperty("accepted").GetInt32(), batch.GetProperty("rejected").GetInt32(), batch.GetProperty("duplicates").GetInt32()));
            Assert.Equal(agB, batch.GetProperty("agency").GetString());
            Assert.Equal(prefixB, batch.GetProperty("key_prefix").GetString());
            Assert.Equal(2, batch.GetProperty("agencies").GetProperty(agB).GetInt32());
            Assert.Empty(await StoredAsync(agA));
            Assert.Equal(new Dictionary<string, string?> { ["own-1"] = prefixB, ["own-2"] = prefixB }, await StoredAsync(agB));

            // agA's own upload of the same external ids is stored: nothing blocks it as a duplicate.
            var (own, ownBatch) = await PostCsvAsync(a, "overdoses", Header + Row("death-1", agA) + Row("death-2"));
            Assert.Equal(HttpStatusCode.Created, own);
            Assert.Equal((2, 0), (ownBatch.GetProperty("accepted").GetInt32(), ownBatch.GetProperty("duplicates").GetInt32()));
            Assert.Equal(new Dictionary<string, string?> { ["death-1"] = prefixA, ["death-2"] = prefixA }, await StoredAsync(agA));

            // Nothing was audited as written for agA: no row was.
            Assert.Empty(await ActingForAsync(agA));
        }
    }

    [Fact]
    public async Task A_mapping_constant_naming_another_agency_is_refused_per_row_inline_and_stored()
    {
        var (agA, agB) = (NewAgency("a"), NewAgency("b"));
        var (a, _) = await KeyAsync("analyst", agA);
        var (b, _) = await KeyAsync("law_enforcement", agB);
        using (a)
        using (b)
        {
            var inline = $$"""{"name": "inline", "kind": "overdoses", "fields": {"external_id": "id", "occurred_at": "when", "lat": "y", "lon": "x", "fatal": "died"}, "constants": {"source_agency": "{{agA}}"} }""";
            const string Csv = "id,when,y,x,died\r\nc1,2024-04-03T00:00:00Z,39.29,-76.61,yes\r\nc2,2024-04-03T01:00:00Z,39.29,-76.61,no\r\n";
            var (status, batch) = await PostCsvAsync(b, "overdoses", Csv, "mode=skip-invalid", ("GeoOrs-Mapping", inline));
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal((0, 2), (batch.GetProperty("accepted").GetInt32(), batch.GetProperty("rejected").GetInt32()));
            Assert.All(Errors(batch), e =>
            {
                Assert.Equal("source_agency", e.Field);
                Assert.Contains("mapping's constant", e.Reason, StringComparison.Ordinal);
                Assert.Contains($"'{agA}'", e.Reason, StringComparison.Ordinal);
            });

            // agA's stored mapping, whose constant names agA: agB may read and use it, but its rows are still agB's to send.
            var name = "integrity-" + Guid.NewGuid().ToString("N")[..8];
            var stored = inline.Replace("\"inline\"", $"\"{name}\"", StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync(a, $"/api/ingest/mappings/{name}", stored)).Status);
            var (used, usedBatch) = await PostCsvAsync(b, "overdoses", Csv, $"mapping={name}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, used);
            Assert.Equal(2, Errors(usedBatch).Count(e => e.Field == "source_agency"));

            var (mine, mineBatch) = await PostCsvAsync(a, "overdoses", Csv, $"mapping={name}");
            Assert.Equal(HttpStatusCode.Created, mine);
            Assert.Equal(2, mineBatch.GetProperty("accepted").GetInt32());
            Assert.Equal(["c1", "c2"], (await StoredAsync(agA)).Keys.Order(StringComparer.Ordinal));
            Assert.Empty(await StoredAsync(agB));
        }
    }

    [Fact]
    public async Task A_single_event_or_a_seizure_naming_another_agency_is_refused_and_the_agency_then_stores_its_own()
    {
        var (agA, agB) = (NewAgency("a"), NewAgency("b"));
        var (a, prefixA) = await KeyAsync("law_enforcement", agA);
        var (b, _) = await KeyAsync("law_enforcement", agB);
        using (a)
        using (b)
        {
            var json = $$"""{"external_id": "cad-7", "occurred_at": "2024-04-04T21:30:00Z", "lat": 39.2904, "lon": -76.6122, "fatal": true, "source_agency": "{{agA}}"}""";
            var (refused, batch) = await SendAsync(b, HttpMethod.Post, "/api/ingest/overdoses/event", new StringContent(json, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
            var error = Assert.Single(Errors(batch));
            Assert.Equal("source_agency", error.Field);
            Assert.Contains($"'{agA}'", error.Reason, StringComparison.Ordinal);

            var (created, body) = await SendAsync(a, HttpMethod.Post, "/api/ingest/overdoses/event", new StringContent(json, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, created);
            Assert.False(body.GetProperty("duplicate").GetBoolean());
            Assert.Equal(new Dictionary<string, string?> { ["cad-7"] = prefixA }, await StoredAsync(agA));

            // Seizures name their agency in 'agency'.
            var seizures = "external_id,seized_at,lat,lon,drug,quantity,unit,agency\r\n"
                + $"s1,2024-04-04T10:00:00Z,31.76,-106.49,cocaine,1,kg,{agA}\r\ns2,2024-04-04T10:00:00Z,31.76,-106.49,cocaine,2,kg,\r\n";
            var (partly, seizureBatch) = await PostCsvAsync(b, "seizures", seizures, "mode=skip-invalid");
            Assert.Equal(HttpStatusCode.Created, partly);
            Assert.Equal(("agency", 2L), (Assert.Single(Errors(seizureBatch)).Field, Errors(seizureBatch)[0].Line));
            Assert.Empty(await StoredAsync(agA, "seizure_events", "agency"));
            Assert.Equal(["s2"], (await StoredAsync(agB, "seizure_events", "agency")).Keys);

            // The agency= parameter cannot name another agency either.
            var (forbidden, problem) = await PostCsvAsync(b, "overdoses", Header + Row("p1"), $"agency={Uri.EscapeDataString(agA)}");
            Assert.Equal(HttpStatusCode.Forbidden, forbidden);
            Assert.Contains(agA, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_mapping_belongs_to_its_agency_others_read_and_copy_it_but_get_403_on_replace_and_delete()
    {
        var (agA, agB) = (NewAgency("a"), NewAgency("b"));
        var (a, _) = await KeyAsync("analyst", agA);
        var (b, _) = await KeyAsync("analyst", agB);
        using var admin = factory.CreateClient("admin");
        using (a)
        using (b)
        {
            var name = "shared-map-" + Guid.NewGuid().ToString("N")[..8];
            string Mapping(string mappingName, string lat, string lon, string extra = "") =>
                $$"""{"name": "{{mappingName}}", "kind": "overdoses", "fields": {"external_id": "id", "occurred_at": "when", "lat": "{{lat}}", "lon": "{{lon}}", "fatal": "died"}{{extra}} }""";
            var original = Mapping(name, "y", "x");
            Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync(a, $"/api/ingest/mappings/{name}", original)).Status);

            // agB reads it, and cannot overwrite it (swapped lat/lon, every death fatal) or delete it.
            var (read, readBody) = await SendAsync(b, HttpMethod.Get, $"/api/ingest/mappings/{name}");
            Assert.Equal(HttpStatusCode.OK, read);
            Assert.Equal("y", readBody.GetProperty("fields").GetProperty("lat")[0].GetString());
            var hostile = Mapping(name, "x", "y", """, "constants": {"fatal": "true"}""");
            var (overwrite, problem) = await PutJsonAsync(b, $"/api/ingest/mappings/{name}", hostile);
            Assert.Equal(HttpStatusCode.Forbidden, overwrite);
            Assert.Contains(agA, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(403, problem.GetProperty("status").GetInt32());
            var (delete, _) = await SendAsync(b, HttpMethod.Delete, $"/api/ingest/mappings/{name}");
            Assert.Equal(HttpStatusCode.Forbidden, delete);
            var (_, unchanged) = await SendAsync(a, HttpMethod.Get, $"/api/ingest/mappings/{name}");
            Assert.Equal("y", unchanged.GetProperty("fields").GetProperty("lat")[0].GetString());
            Assert.False(unchanged.GetProperty("constants").TryGetProperty("fatal", out _));

            // agB copies it under a name of its own, which agB may change and agA may not.
            var copy = name + "-copy";
            var copied = JsonSerializer.Serialize(readBody).Replace($"\"{name}\"", $"\"{copy}\"", StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync(b, $"/api/ingest/mappings/{copy}", copied)).Status);
            Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync(b, $"/api/ingest/mappings/{copy}", Mapping(copy, "lat", "lon"))).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await PutJsonAsync(a, $"/api/ingest/mappings/{copy}", Mapping(copy, "y", "x"))).Status);

            // Admins may change and delete any; the owner stays the owner.
            Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync(admin, $"/api/ingest/mappings/{name}", Mapping(name, "lat_wgs84", "lon_wgs84"))).Status);
            Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync(a, $"/api/ingest/mappings/{name}", original)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await PutJsonAsync(b, $"/api/ingest/mappings/{name}", hostile)).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(admin, HttpMethod.Delete, $"/api/ingest/mappings/{name}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(a, HttpMethod.Get, $"/api/ingest/mappings/{name}")).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(b, HttpMethod.Delete, $"/api/ingest/mappings/{copy}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(b, HttpMethod.Delete, $"/api/ingest/mappings/{copy}")).Status);

            // Built-in mappings are no one's to delete.
            Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(admin, HttpMethod.Delete, "/api/ingest/mappings/tempe-ems")).Status);
            Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(b, HttpMethod.Delete, "/api/ingest/mappings/tempe-ems")).Status);
        }
    }

    [Fact]
    public async Task A_delegated_key_submits_for_the_named_agencies_only_each_use_audited()
    {
        var state = NewAgency("state-ems");
        var (serviceX, serviceY, serviceZ) = (NewAgency("x"), NewAgency("y"), NewAgency("z"));
        var (office, prefix) = await KeyAsync("analyst", state);
        var (admin, adminPrefix) = await KeyAsync("admin", NewAgency("admins"));
        using (admin)
        using (office)
        {
            var path = $"/api/admin/delegations/{prefix}";
            Assert.Equal(HttpStatusCode.Forbidden, (await PutJsonAsync(office, path, $$"""{"agencies": ["{{serviceX}}"]}""")).Status);
            var (granted, delegation) = await PutJsonAsync(admin, path, $$"""{"agencies": ["{{serviceY}}", "{{serviceX}}", "{{serviceX}}"]}""");
            Assert.Equal(HttpStatusCode.OK, granted);
            Assert.Equal([serviceX, serviceY], delegation.GetProperty("agencies").EnumerateArray().Select(e => e.GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(state, delegation.GetProperty("key_agency").GetString());
            var (_, listed) = await SendAsync(admin, HttpMethod.Get, path);
            Assert.Equal(2, listed.GetProperty("agencies").GetArrayLength());
            Assert.Equal(HttpStatusCode.NotFound, (await PutJsonAsync(admin, "/api/admin/delegations/0000zzzz", """{"agencies": ["x"]}""")).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await PutJsonAsync(admin, path, """{"agencies": ["", null]}""")).Status);

            // Rows keep the delegated agencies they name; the unnamed one is refused; rows naming none are the office's.
            var csv = Header + Row("fwd-1", serviceX) + Row("fwd-2", serviceY) + Row("fwd-3", serviceZ) + Row("fwd-4");
            var (status, batch) = await PostCsvAsync(office, "overdoses", csv, "mode=skip-invalid");
            Assert.Equal(HttpStatusCode.Created, status);
            var error = Assert.Single(Errors(batch));
            Assert.Equal((4L, "source_agency"), (error.Line, error.Field));
            Assert.Contains(serviceZ, error.Reason, StringComparison.Ordinal);
            Assert.Equal(new Dictionary<string, string?> { ["fwd-1"] = prefix }, await StoredAsync(serviceX));
            Assert.Equal(new Dictionary<string, string?> { ["fwd-2"] = prefix }, await StoredAsync(serviceY));
            Assert.Empty(await StoredAsync(serviceZ));
            Assert.Equal(["fwd-4"], (await StoredAsync(state)).Keys);

            // A whole batch for a delegated agency: agency= is admitted, and the office can read its batch.
            var (forX, xBatch) = await PostCsvAsync(office, "overdoses", Header + Row("fwd-5"), $"agency={Uri.EscapeDataString(serviceX)}");
            Assert.Equal(HttpStatusCode.Created, forX);
            Assert.Equal(serviceX, xBatch.GetProperty("agency").GetString());
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(office, HttpMethod.Get, $"/api/ingest/batches/{xBatch.GetProperty("id").GetInt64()}")).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await PostCsvAsync(office, "overdoses", Header + Row("fwd-6"), $"agency={Uri.EscapeDataString(serviceZ)}")).Status);

            // Every use is audited: one row per batch and agency, with the office's key and the count.
            var auditX = await ActingForAsync(serviceX);
            Assert.Equal(2, auditX.Length);
            Assert.All(auditX, r =>
            {
                Assert.Equal(prefix, r.GetProperty("key_prefix").GetString());
                Assert.Equal(state, r.GetProperty("agency").GetString());
                Assert.Equal("POST /api/ingest/overdoses", r.GetProperty("endpoint").GetString());
                Assert.Contains("delegation", r.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.Equal(1, r.GetProperty("row_count").GetInt32());
            });
            Assert.Single(await ActingForAsync(serviceY));
            Assert.Empty(await ActingForAsync(serviceZ));

            // The grant itself is in the audit log too.
            var (_, grants) = await SendAsync(admin, HttpMethod.Get, $"/api/admin/audit?key={adminPrefix}");
            Assert.Contains(grants.EnumerateArray(), r => r.GetProperty("endpoint").GetString() == $"PUT {path}"
                && r.GetProperty("detail").GetString()!.Contains(serviceX, StringComparison.Ordinal));

            // Withdrawn: the office is back to its own agency.
            Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(admin, HttpMethod.Delete, path)).Status);
            var (after, afterBatch) = await PostCsvAsync(office, "overdoses", Header + Row("fwd-7", serviceX), "mode=skip-invalid");
            Assert.Equal(HttpStatusCode.Created, after);
            Assert.Equal(1, afterBatch.GetProperty("rejected").GetInt32());
            Assert.DoesNotContain("fwd-7", (await StoredAsync(serviceX)).Keys);
        }
    }

    [Fact]
    public async Task An_admin_acting_for_an_agency_says_so_and_is_audited()
    {
        var agency = NewAgency("acted-for");
        var adminAgency = NewAgency("admins");
        var (admin, prefix) = await KeyAsync("admin", adminAgency);
        using (admin)
        {
            var (status, batch) = await PostCsvAsync(admin, "overdoses", Header + Row("adm-1") + Row("adm-2"), $"agency={Uri.EscapeDataString(agency)}");
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(agency, batch.GetProperty("agency").GetString());
            Assert.Equal(prefix, batch.GetProperty("key_prefix").GetString());
            Assert.Equal(new Dictionary<string, string?> { ["adm-1"] = prefix, ["adm-2"] = prefix }, await StoredAsync(agency));

            var row = Assert.Single(await ActingForAsync(agency));
            Assert.Equal(prefix, row.GetProperty("key_prefix").GetString());
            Assert.Equal("admin", row.GetProperty("role").GetString());
            Assert.Equal(adminAgency, row.GetProperty("agency").GetString());
            Assert.Equal(2, row.GetProperty("row_count").GetInt32());
            Assert.Contains($"batch {batch.GetProperty("id").GetInt64()}", row.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("admin", row.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // Its own agency's batch is no act for another.
            Assert.Equal(HttpStatusCode.Created, (await PostCsvAsync(admin, "overdoses", Header + Row("adm-3"))).Status);
            Assert.Empty(await ActingForAsync(adminAgency));
        }
    }

    [Fact]
    public async Task The_command_line_still_ingests_and_records_cli_as_the_key()
    {
        var agency = NewAgency("cli");
        var named = NewAgency("cli-named");
        var file = Path.Combine(Path.GetTempPath(), $"geoors-integrity-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, Header + Row("cli-1") + Row("cli-2", named));
        try
        {
            Assert.Equal(0, await CommandLine.RunAsync(["ingest", "overdoses", file, "--agency", agency]));
        }
        finally
        {
            File.Delete(file);
        }

        // The operator holds the database: a row may name any agency.
        Assert.Equal(new Dictionary<string, string?> { ["cli-1"] = "cli" }, await StoredAsync(agency));
        Assert.Equal(new Dictionary<string, string?> { ["cli-2"] = "cli" }, await StoredAsync(named));
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT key_prefix, agencies::text FROM ingest_batches WHERE agency = $1");
        command.Parameters.AddWithValue(agency);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("cli", reader.GetString(0));
        using var agencies = JsonDocument.Parse(reader.GetString(1));
        Assert.Equal(1, agencies.RootElement.GetProperty(named).GetInt32());
    }

    [Fact]
    public async Task The_agency_review_is_read_and_settled_by_admins_only()
    {
        using var admin = factory.CreateClient("admin");
        using var analyst = factory.CreateClient("analyst");
        var (listed, rows) = await SendAsync(admin, HttpMethod.Get, "/api/admin/agency-review?open=false&limit=5");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(JsonValueKind.Array, rows.ValueKind);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(analyst, HttpMethod.Get, "/api/admin/agency-review")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(admin, HttpMethod.Get, "/api/admin/agency-review?open=maybe")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutJsonAsync(admin, "/api/admin/agency-review/1", """{"resolution": "deleted"}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PutJsonAsync(admin, $"/api/admin/agency-review/{long.MaxValue}", """{"resolution": "confirmed"}""")).Status);
    }
}
