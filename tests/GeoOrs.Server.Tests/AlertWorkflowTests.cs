using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GeoOrs.Data.Access;
using GeoOrs.Data.Alerts;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The spike-response workflow: every status move by every kind of caller, concurrent
/// acknowledgements, optimistic concurrency, notes and actions, the line list by role (audited), and
/// status changes over the stream and webhooks. The alerts are this class's own, in Allegheny County
/// (42003) on days of 1950–1988 no other test uses, each removed before it is made again; the events
/// are its agencies' own, in March 1996.
/// </summary>
public class AlertWorkflowTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string County = "42003";
    private const string Owner = "Workflow Test EMS", Other = "Workflow Test Other PD", Second = "Workflow Test Second EMS", State = "Workflow Test State";
    private const string Restricted = "Workflow Test Restricted EMS", Trusted = "Workflow Test Trusted HD";
    private const double Lat = 40.4406, Lon = -79.9959; // Pittsburgh
    private static readonly DateOnly LineListDay = new(1996, 3, 5);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _seeded;
    private static int _day = Random.Shared.Next(0, 14_000);
    private readonly Dictionary<string, HttpClient> _clients = [];

    /// <summary>The events: the owning agency's overdoses on the line list's day and seizures around it; one overdose of a second agency in the county, on another day.</summary>
    private async Task SeedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            // 14:00–16:00 UTC is 09:00–11:00 in Pittsburgh (EST in early March 1996): the local day is the 5th.
            await IngestAsync("overdoses", Owner, """
                external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex
                wf-1,1996-03-05T14:00:00Z,40.4406,-79.9959,exact,false,true,2,fentanyl,25-29,male
                wf-2,1996-03-05T15:00:00Z,40.4450,-79.9900,exact,true,false,,fentanyl;xylazine,40-44,female
                wf-3,1996-03-05T16:00:00Z,40.4380,-80.0010,exact,false,true,1,heroin,30-34,unknown
                wf-4,1996-03-07T16:00:00Z,40.4380,-80.0010,exact,false,true,1,heroin,30-34,male
                """);
            await IngestAsync("seizures", Owner, """
                external_id,seized_at,lat,lon,drug,quantity,unit,case_reference
                wfs-near-1,1996-03-08T12:00:00Z,40.4440,-79.9990,fentanyl,2,g,C-1
                wfs-near-2,1996-03-01T12:00:00Z,40.4480,-79.9950,fentanyl,3,g,C-2
                wfs-near-3,1996-03-10T12:00:00Z,40.4400,-79.9960,heroin,20,dosage_units,C-3
                wfs-far,1996-03-06T12:00:00Z,39.9526,-75.1652,fentanyl,100,g,C-4
                wfs-late,1996-04-15T12:00:00Z,40.4406,-79.9959,fentanyl,50,g,C-5
                """);
            // An agency that shares its events with one partner agency only: its overdose of the day is
            // in that agency's line list, not in others'.
            await IngestAsync("overdoses", Restricted, """
                external_id,occurred_at,lat,lon,location_precision,fatal
                wfr-1,1996-03-05T18:00:00Z,40.4410,-79.9950,exact,false
                """);
            using (var admin = factory.CreateClient("admin"))
            using (var rule = await admin.PutAsJsonAsync($"/api/admin/sharing/{Uri.EscapeDataString(Restricted)}", new { partners = new[] { Trusted } }))
            {
                Assert.Equal(HttpStatusCode.OK, rule.StatusCode);
            }

            await IngestAsync("overdoses", Second, """
                external_id,occurred_at,lat,lon,location_precision,fatal
                wf2-1,1996-02-10T14:00:00Z,40.4406,-79.9959,exact,false
                """);
            _seeded = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task IngestAsync(string kind, string agency, string csv)
    {
        using var admin = factory.CreateClient("admin");
        using var content = new StringContent(csv.ReplaceLineEndings("\r\n"), Encoding.UTF8, "text/csv");
        using var response = await admin.PostAsync(new Uri($"/api/ingest/{kind}?agency={Uri.EscapeDataString(agency)}", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(0, doc.RootElement.GetProperty("rejected").GetInt32());
    }

    /// <summary>A client of a role for an agency (one key each, made once).</summary>
    private async Task<HttpClient> ClientAsync(string role, string agency)
    {
        var name = $"{role}@{agency}";
        if (!_clients.TryGetValue(name, out var client))
        {
            _clients[name] = client = await factory.ClientForAsync(role, agency);
        }

        return client;
    }

    /// <summary>A new alert of the county on a day of this class's own, in a status given it directly (owned by <paramref name="owner"/>).</summary>
    private static async Task<NewAlert> NewAlertAsync(string status = "new", string? owner = null, DateOnly? day = null)
    {
        var alert = new NewAlert("county", County, "Allegheny County, PA", "threshold",
            day ?? new DateOnly(1950, 1, 1).AddDays(Interlocked.Increment(ref _day) % 14_000), 9, null, null, 5);
        var dataSource = await PostGis.DataSourceAsync();
        await using (var delete = dataSource.CreateCommand("DELETE FROM alerts WHERE id = $1"))
        {
            delete.Parameters.AddWithValue(alert.Id);
            await delete.ExecuteNonQueryAsync();
        }

        Assert.Equal([alert.Id], await TestAlerts.AddAsync(alert));
        if (status != "new")
        {
            await using var set = dataSource.CreateCommand("""
                UPDATE alert_states SET status = $2, owner_agency = $3, reason = CASE WHEN $2 = 'dismissed' THEN 'set by the test' END, change = 1, changed_at = now()
                WHERE alert_id = $1
                """);
            set.Parameters.AddWithValue(alert.Id);
            set.Parameters.AddWithValue(status);
            set.Parameters.AddWithValue((object?)owner ?? DBNull.Value);
            Assert.Equal(1, await set.ExecuteNonQueryAsync());
        }

        return alert;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PatchAsync(
        HttpClient client, string id, object body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/alerts/{id}", UriKind.Relative)) { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, doc.RootElement.Clone(), response);
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    // ---- the matrix ----

    /// <summary>The callers of the matrix, in the order of <see cref="Moves"/>' answers.</summary>
    private static readonly (string Role, string Agency)[] Callers =
    [
        ("partner", Owner), ("analyst", Owner), ("law_enforcement", Owner),
        ("partner", Other), ("analyst", Other), ("law_enforcement", Other),
        ("admin", State),
    ];

    /// <summary>
    /// Every move from every status to every status a PATCH may ask for, with the answer each caller
    /// gets, in the order of <see cref="Callers"/>: the owning agency's partner, analyst and law
    /// enforcement (an agency with events in the county); another agency's (none there); an admin.
    /// A move the workflow does not have is 409 for everyone.
    /// </summary>
    private static readonly Dictionary<(string From, string To), string> Moves = new()
    {
        [("new", "acknowledged")] = "200 200 200 403 403 403 200",
        [("new", "dismissed")] = "403 403 403 403 403 403 200",
        [("acknowledged", "investigating")] = "403 200 200 403 403 403 200",
        [("acknowledged", "dismissed")] = "403 200 200 403 403 403 200",
        [("investigating", "responded")] = "403 200 200 403 403 403 200",
        [("investigating", "dismissed")] = "403 200 200 403 403 403 200",
        [("responded", "closed")] = "403 200 200 403 403 403 200",
        [("responded", "dismissed")] = "403 200 200 403 403 403 200",
    };

    public static TheoryData<string, string, string, string, int> Matrix()
    {
        var data = new TheoryData<string, string, string, string, int>();
        foreach (var from in AlertWorkflow.Statuses)
        {
            foreach (var to in AlertWorkflow.Statuses.Skip(1))
            {
                var answers = Moves.TryGetValue((from, to), out var listed) ? listed.Split(' ').Select(int.Parse).ToArray() : [.. Callers.Select(_ => 409)];
                for (var i = 0; i < Callers.Length; i++)
                {
                    data.Add(from, to, Callers[i].Role, Callers[i].Agency, answers[i]);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_move_is_made_only_by_whom_the_workflow_lets(string from, string to, string role, string agency, int expected)
    {
        await SeedAsync();
        var alert = await NewAlertAsync(from, from == "new" || from == "dismissed" ? null : Owner);
        var client = await ClientAsync(role, agency);

        var (status, body, response) = await PatchAsync(client, alert.Id, to == "dismissed" ? new { status = to, reason = "a duplicate of another alert" } : new { status = to });
        using (response)
        {
            Assert.True((int)status == expected, $"{role} of {agency}, {from} → {to}: {(int)status} {body}");
            Assert.Equal("application/" + (expected == 200 ? "json" : "problem+json"), response.Content.Headers.ContentType?.MediaType);
        }

        using var admin = factory.CreateClient("admin");
        var after = await GetAsync(admin, $"/api/alerts/{alert.Id}");
        var state = after.GetProperty("state");
        var changes = after.GetProperty("changes");
        if (expected != 200)
        {
            Assert.Equal(from, state.GetProperty("status").GetString()); // nothing written
            Assert.Equal(from == "new" ? 0 : 1, state.GetProperty("change").GetInt32());
            Assert.Equal(0, changes.GetArrayLength());
            return;
        }

        Assert.Equal(to, state.GetProperty("status").GetString());
        Assert.Equal(from == "new" ? 1 : 2, state.GetProperty("change").GetInt32());
        Assert.Equal(to == "acknowledged" ? agency : from == "new" ? null : Owner, state.GetProperty("owner_agency").GetString());
        Assert.Equal(to == "dismissed" ? "a duplicate of another alert" : null, state.GetProperty("reason").GetString());
        var change = Assert.Single(changes.EnumerateArray());
        Assert.Equal($"{alert.Id}:{state.GetProperty("change").GetInt32()}", change.GetProperty("id").GetString());
        Assert.Equal(from, change.GetProperty("previous_status").GetString());
        Assert.Equal(to, change.GetProperty("status").GetString());
        Assert.Equal(role, change.GetProperty("by").GetProperty("role").GetString());
        Assert.Equal(agency, change.GetProperty("by").GetProperty("agency").GetString());
        Assert.Matches("^[0-9a-f]{8}$", change.GetProperty("by").GetProperty("key_prefix").GetString());
        Assert.True(DateTime.UtcNow - change.GetProperty("at").GetDateTime().ToUniversalTime() < TimeSpan.FromMinutes(5));
        Assert.Equal(body.GetProperty("state").GetRawText(), state.GetRawText()); // the PATCH answers the alert as it now is
    }

    [Fact]
    public async Task The_allowed_moves_shown_are_those_the_caller_may_make()
    {
        await SeedAsync();
        var alert = await NewAlertAsync();
        Assert.Equal(["acknowledged"], (await GetAsync(await ClientAsync("partner", Owner), $"/api/alerts/{alert.Id}")).GetProperty("allowed").EnumerateArray().Select(s => s.GetString()));
        Assert.Empty((await GetAsync(await ClientAsync("analyst", Other), $"/api/alerts/{alert.Id}")).GetProperty("allowed").EnumerateArray());
        Assert.Equal(["acknowledged", "dismissed"], (await GetAsync(await ClientAsync("admin", State), $"/api/alerts/{alert.Id}")).GetProperty("allowed").EnumerateArray().Select(s => s.GetString()));

        var owned = await NewAlertAsync("investigating", Owner);
        var analyst = await GetAsync(await ClientAsync("analyst", Owner), $"/api/alerts/{owned.Id}");
        Assert.Equal(["responded", "dismissed"], analyst.GetProperty("allowed").EnumerateArray().Select(s => s.GetString()));
        Assert.True(analyst.GetProperty("may_assign").GetBoolean());
        Assert.False(analyst.GetProperty("may_reassign").GetBoolean());
        Assert.True(analyst.GetProperty("may_see_line_list").GetBoolean());
        var partner = await GetAsync(await ClientAsync("partner", Owner), $"/api/alerts/{owned.Id}");
        Assert.Empty(partner.GetProperty("allowed").EnumerateArray());
        Assert.False(partner.GetProperty("may_assign").GetBoolean());
        Assert.False(partner.GetProperty("may_see_line_list").GetBoolean());
    }

    [Fact]
    public async Task Of_concurrent_acknowledgements_exactly_one_wins_and_the_others_get_409()
    {
        await SeedAsync();
        var alert = await NewAlertAsync();
        var callers = new[] { await ClientAsync("partner", Owner), await ClientAsync("analyst", Owner), await ClientAsync("law_enforcement", Owner),
            await ClientAsync("partner", Second), await ClientAsync("analyst", Second), await ClientAsync("law_enforcement", Second) };
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = callers.Select(c => Task.Run(async () =>
        {
            await start.Task;
            var (status, body, response) = await PatchAsync(c, alert.Id, new { status = "acknowledged" });
            response.Dispose();
            return (Status: status, Body: body);
        })).ToList();
        start.SetResult();
        var made = await Task.WhenAll(running);

        var won = Assert.Single(made, a => a.Status == HttpStatusCode.OK);
        Assert.All(made.Where(a => a.Status != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Conflict, a.Status));
        using var admin = factory.CreateClient("admin");
        var after = await GetAsync(admin, $"/api/alerts/{alert.Id}");
        Assert.Equal(1, after.GetProperty("state").GetProperty("change").GetInt32());
        Assert.Equal(won.Body.GetProperty("state").GetProperty("owner_agency").GetString(), after.GetProperty("state").GetProperty("owner_agency").GetString());
        Assert.Contains(after.GetProperty("state").GetProperty("owner_agency").GetString(), new[] { Owner, Second });
        Assert.Single(after.GetProperty("changes").EnumerateArray());
    }

    [Fact]
    public async Task A_stale_version_is_refused_412_by_if_match_and_409_by_change_number()
    {
        await SeedAsync();
        var alert = await NewAlertAsync("acknowledged", Owner);
        var analyst = await ClientAsync("analyst", Owner);
        using (var read = await analyst.GetAsync(new Uri($"/api/alerts/{alert.Id}", UriKind.Relative)))
        {
            Assert.Equal("\"1\"", read.Headers.ETag?.Tag);
        }

        var (stale, problem, r1) = await PatchAsync(analyst, alert.Id, new { status = "investigating" }, ifMatch: "\"0\"");
        r1.Dispose();
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale);
        Assert.Contains("change 1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (ok, body, r2) = await PatchAsync(analyst, alert.Id, new { status = "investigating", assignee = "J. Rivera" }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("\"2\"", r2.Headers.ETag?.Tag);
        r2.Dispose();
        Assert.Equal("J. Rivera", body.GetProperty("state").GetProperty("assignee").GetString());

        var (conflict, _, r3) = await PatchAsync(analyst, alert.Id, new { status = "responded", change = 1 });
        r3.Dispose();
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        var (byNumber, _, r4) = await PatchAsync(analyst, alert.Id, new { status = "responded", change = 2 });
        r4.Dispose();
        Assert.Equal(HttpStatusCode.OK, byNumber);

        // The same state again changes nothing.
        var (same, _, r5) = await PatchAsync(analyst, alert.Id, new { assignee = "J. Rivera" });
        r5.Dispose();
        Assert.Equal(HttpStatusCode.Conflict, same);
    }

    [Fact]
    public async Task Assignee_is_the_owners_and_admins_and_the_owning_agency_is_the_admins()
    {
        await SeedAsync();
        var alert = await NewAlertAsync("investigating", Owner);
        var (partner, _, r1) = await PatchAsync(await ClientAsync("partner", Owner), alert.Id, new { assignee = "me" });
        r1.Dispose();
        Assert.Equal(HttpStatusCode.Forbidden, partner);
        var (other, _, r2) = await PatchAsync(await ClientAsync("analyst", Other), alert.Id, new { assignee = "me" });
        r2.Dispose();
        Assert.Equal(HttpStatusCode.Forbidden, other);
        var (give, _, r3) = await PatchAsync(await ClientAsync("analyst", Owner), alert.Id, new { owner_agency = Other });
        r3.Dispose();
        Assert.Equal(HttpStatusCode.Forbidden, give);
        var (assigned, _, r4) = await PatchAsync(await ClientAsync("law_enforcement", Owner), alert.Id, new { assignee = "Det. Chen" });
        r4.Dispose();
        Assert.Equal(HttpStatusCode.OK, assigned);

        // An admin gives it to another agency: the old assignee goes, and the new owner's analysts move it on.
        var (reassigned, body, r5) = await PatchAsync(await ClientAsync("admin", State), alert.Id, new { owner_agency = Other });
        r5.Dispose();
        Assert.Equal(HttpStatusCode.OK, reassigned);
        Assert.Equal(Other, body.GetProperty("state").GetProperty("owner_agency").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("state").GetProperty("assignee").ValueKind);
        var (old, _, r6) = await PatchAsync(await ClientAsync("analyst", Owner), alert.Id, new { status = "responded" });
        r6.Dispose();
        Assert.Equal(HttpStatusCode.Forbidden, old);
        var (moved, _, r7) = await PatchAsync(await ClientAsync("analyst", Other), alert.Id, new { status = "responded", assignee = "" });
        r7.Dispose();
        Assert.Equal(HttpStatusCode.OK, moved);
    }

    public static TheoryData<string, string, int> BadPatches => new()
    {
        { """{"status": "done"}""", "status", 400 },
        { """{"status": "new"}""", "status", 400 },
        { """{"status": "dismissed"}""", "reason", 400 },
        { """{"status": "dismissed", "reason": "   "}""", "reason", 400 },
        { """{"status": "investigating", "reason": "why not"}""", "reason", 400 },
        { """{}""", "body", 400 },
        { """{"status": "acknowledged", "owner": "me"}""", "owner", 400 },
        { """{"assignee": "a\u0007b"}""", "assignee", 400 },
        { """{"owner_agency": ""}""", "owner_agency", 400 },
        { """{"status": "acknowledged", "change": -1}""", "change", 400 },
        { """{"status": 3}""", "", 400 },
    };

    [Theory]
    [MemberData(nameof(BadPatches))]
    public async Task A_bad_patch_is_a_400_naming_its_field_and_changes_nothing(string json, string field, int expected)
    {
        var alert = await NewAlertAsync();
        using var admin = factory.CreateClient("admin");
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/alerts/{alert.Id}", UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{json}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field.Length > 0)
        {
            Assert.Contains($"\"{field}\"", text, StringComparison.Ordinal);
        }

        Assert.Equal("new", (await GetAsync(admin, $"/api/alerts/{alert.Id}")).GetProperty("state").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_alerts_bad_if_match_and_the_public_get_problems_not_500()
    {
        using var admin = factory.CreateClient("admin");
        foreach (var path in new[] { "/api/alerts/al_0000000000000000", "/api/alerts/al_0000000000000000/notes", "/api/alerts/al_0000000000000000/line-list" })
        {
            using var missing = await admin.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var (patchMissing, _, r1) = await PatchAsync(admin, "al_0000000000000000", new { status = "acknowledged" });
        r1.Dispose();
        Assert.Equal(HttpStatusCode.NotFound, patchMissing);
        var (tooLong, _, r2) = await PatchAsync(admin, new string('x', 300), new { status = "acknowledged" });
        r2.Dispose();
        Assert.Equal(HttpStatusCode.NotFound, tooLong);

        var alert = await NewAlertAsync();
        var (badTag, problem, r3) = await PatchAsync(admin, alert.Id, new { status = "acknowledged" }, ifMatch: "yesterday");
        r3.Dispose();
        Assert.Equal(HttpStatusCode.BadRequest, badTag);
        Assert.True(problem.GetProperty("errors").TryGetProperty("If-Match", out _));

        using var notJson = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/alerts/{alert.Id}", UriKind.Relative))
        {
            Content = new StringContent("status=acknowledged", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        using var refusedType = await admin.SendAsync(notJson);
        Assert.True((int)refusedType.StatusCode is 400 or 415, $"{(int)refusedType.StatusCode}");

        // The public never sees an alert, its notes or its line list.
        using var anyone = factory.CreateClient();
        foreach (var path in new[] { $"/api/alerts/{alert.Id}", $"/api/alerts/{alert.Id}/notes", $"/api/alerts/{alert.Id}/line-list" })
        {
            using var refused = await anyone.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var (publicPatch, _, r4) = await PatchAsync(anyone, alert.Id, new { status = "acknowledged" });
        r4.Dispose();
        Assert.Equal(HttpStatusCode.Unauthorized, publicPatch);
        using var publicNote = await anyone.PostAsJsonAsync($"/api/alerts/{alert.Id}/notes", new { text = "hello" });
        Assert.Equal(HttpStatusCode.Unauthorized, publicNote.StatusCode);
    }

    // ---- notes and actions ----

    [Fact]
    public async Task Every_keyed_caller_adds_notes_and_actions_from_the_areas_plan_stamped_with_who()
    {
        await SeedAsync();
        var alert = await NewAlertAsync("acknowledged", Owner);
        var partner = await ClientAsync("partner", Other);
        var analyst = await ClientAsync("analyst", Owner);

        using (var note = await partner.PostAsJsonAsync($"/api/alerts/{alert.Id}/notes", new { text = "Our outreach van saw three overdoses near the bridge.\nMore tonight?" }))
        {
            Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        }

        using (var action = await analyst.PostAsJsonAsync($"/api/alerts/{alert.Id}/notes", new { action = "deploy_naloxone", text = "40 kits to the shelters" }))
        {
            Assert.Equal(HttpStatusCode.Created, action.StatusCode);
        }

        using (var unknown = await analyst.PostAsJsonAsync($"/api/alerts/{alert.Id}/notes", new { action = "call_the_mayor" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("deploy_naloxone", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var bad in new object[] { new { }, new { text = "" }, new { text = new string('a', 4001) }, new { action = "Deploy Naloxone" } })
        {
            using var refused = await analyst.PostAsJsonAsync($"/api/alerts/{alert.Id}/notes", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var notes = (await GetAsync(partner, $"/api/alerts/{alert.Id}/notes")).EnumerateArray().ToList();
        Assert.Equal(2, notes.Count);
        Assert.Equal("partner", notes[0].GetProperty("by").GetProperty("role").GetString());
        Assert.Equal(Other, notes[0].GetProperty("by").GetProperty("agency").GetString());
        Assert.Matches("^[0-9a-f]{8}$", notes[0].GetProperty("by").GetProperty("key_prefix").GetString());
        Assert.Equal(JsonValueKind.Null, notes[0].GetProperty("action").ValueKind);
        Assert.Equal("deploy_naloxone", notes[1].GetProperty("action").GetString());
        Assert.Equal("Deploy naloxone to the area", notes[1].GetProperty("action_label").GetString());
        Assert.Equal(Owner, notes[1].GetProperty("by").GetProperty("agency").GetString());
        Assert.True(notes[0].GetProperty("at").GetDateTime() <= notes[1].GetProperty("at").GetDateTime());

        // Partners see status and notes on the alert itself.
        var detail = await GetAsync(partner, $"/api/alerts/{alert.Id}");
        Assert.Equal("acknowledged", detail.GetProperty("state").GetProperty("status").GetString());
        Assert.Equal(2, detail.GetProperty("notes").GetArrayLength());
        Assert.True(detail.GetProperty("plan").GetProperty("is_default").GetBoolean());
    }

    [Fact]
    public async Task An_admin_edits_an_areas_plan_and_its_alerts_offer_those_actions()
    {
        await SeedAsync();
        var area = TestAlerts.NewArea();
        var alert = TestAlerts.Alert(area, "2024-02-02", "threshold");
        await TestAlerts.AddAsync(alert);
        using var admin = factory.CreateClient("admin");
        var plan = new { actions = new[] { new { key = "text_the_shelters", label = "Text the shelters' managers" }, new { key = "deploy_naloxone", label = "Naloxone to the 3 libraries" } } };
        using (var put = await admin.PutAsJsonAsync($"/api/admin/response-plans/county/{area}", plan))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var detail = await GetAsync(admin, $"/api/alerts/{alert.Id}");
        Assert.False(detail.GetProperty("plan").GetProperty("is_default").GetBoolean());
        Assert.Equal(["text_the_shelters", "deploy_naloxone"], detail.GetProperty("plan").GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("key").GetString()));
        var partner = await ClientAsync("partner", Other);
        using (var taken = await partner.PostAsJsonAsync($"/api/alerts/{alert.Id}/notes", new { action = "text_the_shelters" }))
        {
            Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        }

        using (var notInPlan = await partner.PostAsJsonAsync($"/api/alerts/{alert.Id}/notes", new { action = "qrt_outreach" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notInPlan.StatusCode);
        }

        // Only admins edit plans; bad plans are 400s.
        using (var refused = await partner.PutAsJsonAsync($"/api/admin/response-plans/county/{area}", plan))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        foreach (var bad in new object[]
        {
            new { actions = Array.Empty<object>() },
            new { actions = new[] { new { key = "A B", label = "x" } } },
            new { actions = new[] { new { key = "a", label = "" } } },
            new { actions = new[] { new { key = "a", label = "x" }, new { key = "a", label = "y" } } },
        })
        {
            using var refusedPlan = await admin.PutAsJsonAsync($"/api/admin/response-plans/county/{area}", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refusedPlan.StatusCode);
        }

        using (var badKind = await admin.PutAsJsonAsync($"/api/admin/response-plans/state/{area}", plan))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        }

        // Deleted, the area's alerts offer the default again; the recorded action keeps its label.
        using (var deleted = await admin.DeleteAsync(new Uri($"/api/admin/response-plans/county/{area}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var again = await GetAsync(admin, $"/api/alerts/{alert.Id}");
        Assert.True(again.GetProperty("plan").GetProperty("is_default").GetBoolean());
        Assert.Equal("Text the shelters' managers", again.GetProperty("notes")[0].GetProperty("action_label").GetString());
    }

    // ---- the line list ----

    [Fact]
    public async Task The_line_list_is_for_analysts_law_enforcement_and_admins_with_seizures_nearby_by_drug_and_each_read_is_audited()
    {
        await SeedAsync();
        var alert = await NewAlertAsync(day: LineListDay);
        using (var anyone = factory.CreateClient())
        using (var refused = await anyone.GetAsync(new Uri($"/api/alerts/{alert.Id}/line-list", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var refused = await (await ClientAsync("partner", Owner)).GetAsync(new Uri($"/api/alerts/{alert.Id}/line-list", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // A partner's view of the alert carries no event.
        var partnerView = await GetAsync(await ClientAsync("partner", Owner), $"/api/alerts/{alert.Id}");
        Assert.False(partnerView.TryGetProperty("line_list", out _));
        Assert.DoesNotContain("fentanyl", partnerView.GetRawText(), StringComparison.Ordinal);

        var key = await factory.KeyForAsync("law_enforcement", "Workflow Test Auditee");
        using var reader = factory.CreateClient();
        reader.DefaultRequestHeaders.Add("X-Api-Key", key);
        var list = await GetAsync(reader, $"/api/alerts/{alert.Id}/line-list");
        var events = list.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("agency").GetString() == Owner).ToList();
        Assert.Equal(3, events.Count); // the 7th is another day
        Assert.Equal([County], list.GetProperty("counties").EnumerateArray().Select(c => c.GetString()));
        var first = events[0];
        Assert.Equal(new DateTime(1996, 3, 5, 14, 0, 0, DateTimeKind.Utc), first.GetProperty("occurred_at").GetDateTime().ToUniversalTime());
        Assert.Equal("1996-03-05", first.GetProperty("local_day").GetString());
        Assert.Equal(Lat, first.GetProperty("lat").GetDouble(), 4);
        Assert.Equal(Lon, first.GetProperty("lon").GetDouble(), 4);
        Assert.Equal(["fentanyl"], first.GetProperty("drugs").EnumerateArray().Select(d => d.GetString()));
        Assert.True(first.GetProperty("naloxone_administered").GetBoolean());
        Assert.Equal(2, first.GetProperty("naloxone_doses").GetInt32());
        Assert.Equal("25-29", first.GetProperty("age_band").GetString());
        Assert.Equal("male", first.GetProperty("sex").GetString());
        Assert.True(events[1].GetProperty("fatal").GetBoolean());
        Assert.Equal(["fentanyl", "xylazine"], events[1].GetProperty("drugs").EnumerateArray().Select(d => d.GetString()).Order());

        // Seizures within 5 km and 14 days, by drug: the far one (Philadelphia) and the late one (6 weeks on) are not.
        Assert.Equal(5000, list.GetProperty("seizure_distance_meters").GetDouble());
        Assert.Equal(14, list.GetProperty("seizure_days").GetInt32());
        var seizures = list.GetProperty("seizures").EnumerateArray().ToDictionary(s => s.GetProperty("drug").GetString()!);
        Assert.Equal(2, seizures["fentanyl"].GetProperty("seizures").GetInt32());
        Assert.Equal(5, seizures["fentanyl"].GetProperty("grams").GetDouble(), 6);
        Assert.Equal(1, seizures["heroin"].GetProperty("seizures").GetInt32());
        Assert.Equal(20, seizures["heroin"].GetProperty("dosage_units").GetDouble(), 6);

        // The restricted agency's overdose is in its trusted partner's line list and an admin's, not in others'.
        Assert.DoesNotContain(list.GetProperty("events").EnumerateArray(), e => e.GetProperty("agency").GetString() == Restricted);
        foreach (var (role, agency) in new[] { ("analyst", Trusted), ("admin", State) })
        {
            var shared = await GetAsync(await ClientAsync(role, agency), $"/api/alerts/{alert.Id}/line-list");
            Assert.Single(shared.GetProperty("events").EnumerateArray(), e => e.GetProperty("agency").GetString() == Restricted);
        }

        // Audited: the reader's key, the alert and the events' ids.
        await GetAsync(await ClientAsync("analyst", Other), $"/api/alerts/{alert.Id}/line-list");
        using var admin = factory.CreateClient("admin");
        var prefix = ApiKeys.PrefixOf(key);
        var rows = (await GetAsync(admin, $"/api/admin/audit?key={prefix}")).EnumerateArray().ToList();
        var row = Assert.Single(rows);
        Assert.Equal($"GET /api/alerts/{alert.Id}/line-list", row.GetProperty("endpoint").GetString());
        Assert.Equal("law_enforcement", row.GetProperty("role").GetString());
        Assert.Equal("Workflow Test Auditee", row.GetProperty("agency").GetString());
        Assert.Equal(list.GetProperty("events").GetArrayLength(), row.GetProperty("row_count").GetInt32());
        Assert.Equal(list.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).Order(),
            row.GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()).Order());
    }

    // ---- the stream and webhooks ----

    [Fact]
    public async Task Status_changes_stream_as_their_own_events_and_replay_after_last_event_id()
    {
        await SeedAsync();
        var alert = await NewAlertAsync("acknowledged", Owner);
        var partner = await ClientAsync("partner", Other);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/alerts/stream?area=county:{County}&method=threshold", UriKind.Relative));
        using var response = await partner.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync());
        Assert.Contains("retry: 3000", (await events.NextBlockAsync(Patience))!);

        var analyst = await ClientAsync("analyst", Owner);
        var (first, _, r1) = await PatchAsync(analyst, alert.Id, new { status = "investigating" });
        r1.Dispose();
        Assert.Equal(HttpStatusCode.OK, first);
        var (second, detail, r2) = await PatchAsync(analyst, alert.Id, new { status = "responded" });
        r2.Dispose();
        Assert.Equal(HttpStatusCode.OK, second);

        var received = new List<SseEvent>();
        while (received.Count < 2)
        {
            var next = await events.NextEventAsync(Patience);
            if (next.Data.Contains(alert.Id, StringComparison.Ordinal))
            {
                received.Add(next);
            }
        }

        Assert.All(received, e => Assert.Equal("alert_status", e.Event));
        using var a = JsonDocument.Parse(received[0].Data);
        using var b = JsonDocument.Parse(received[1].Data);
        Assert.Equal($"{alert.Id}:2", a.RootElement.GetProperty("id").GetString());
        Assert.Equal($"{alert.Id}:3", b.RootElement.GetProperty("id").GetString());
        Assert.Equal(alert.Id, b.RootElement.GetProperty("alert_id").GetString());
        Assert.Equal("investigating", b.RootElement.GetProperty("previous_status").GetString());
        Assert.Equal("responded", b.RootElement.GetProperty("status").GetString());
        Assert.Equal(Owner, b.RootElement.GetProperty("by").GetProperty("agency").GetString());
        Assert.True(long.Parse(received[1].Id!, CultureInfo.InvariantCulture) > long.Parse(received[0].Id!, CultureInfo.InvariantCulture));

        // The same JSON as the alert's changes; replayed after the first one's position.
        Assert.Equal(detail.GetProperty("changes")[1].GetRawText(), received[1].Data);
        using var replay = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/alerts/stream?area=county:{County}&method=threshold", UriKind.Relative));
        replay.Headers.Add("Last-Event-ID", received[0].Id);
        using var replayed = await partner.SendAsync(replay, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        using var again = new SseReader(await replayed.Content.ReadAsStreamAsync());
        SseEvent event2;
        do
        {
            event2 = await again.NextEventAsync(Patience);
        }
        while (!event2.Data.Contains(alert.Id, StringComparison.Ordinal));

        Assert.Equal(received[1], event2);
    }

    [Fact]
    public async Task Status_changes_reach_webhooks_under_their_own_ids_after_the_alert()
    {
        await SeedAsync();
        using var receiver = new WebhookReceiver(_ => HttpStatusCode.OK);
        var area = TestAlerts.NewArea();
        using var subscriber = await factory.ClientForAsync("analyst", "Workflow Test Receiver");
        using (var created = await subscriber.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url.ToString(), area = $"county:{area}" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var alert = TestAlerts.Alert(area, "2024-05-05", "threshold");
        await TestAlerts.AddAsync(alert);
        var admin = await ClientAsync("admin", State);
        var (acknowledged, _, r1) = await PatchAsync(admin, alert.Id, new { status = "acknowledged" });
        r1.Dispose();
        Assert.Equal(HttpStatusCode.OK, acknowledged);
        var (dismissed, _, r2) = await PatchAsync(admin, alert.Id, new { status = "dismissed", reason = "a data-entry duplicate" });
        r2.Dispose();
        Assert.Equal(HttpStatusCode.OK, dismissed);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (receiver.Requests.Count < 3 && clock.Elapsed < Patience)
        {
            await Task.Delay(50);
        }

        await Task.Delay(300); // nothing more comes
        var requests = receiver.Requests.ToList();
        Assert.Equal(3, requests.Count);

        // Each under its own id: a receiver that drops repeated X-GeoOrs-Alert-Id values keeps all three.
        Assert.Equal([alert.Id, $"{alert.Id}:1", $"{alert.Id}:2"], requests.Select(r => r.AlertId).Order(StringComparer.Ordinal));
        Assert.Equal("alert", requests.Single(r => r.AlertId == alert.Id).Event);
        Assert.All(requests.Where(r => r.AlertId != alert.Id), r => Assert.Equal("alert_status", r.Event));
        var last = requests.Single(r => r.AlertId == $"{alert.Id}:2");
        using var body = JsonDocument.Parse(last.Body);
        Assert.Equal("dismissed", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("acknowledged", body.RootElement.GetProperty("previous_status").GetString());
        Assert.Equal("a data-entry duplicate", body.RootElement.GetProperty("reason").GetString());
        Assert.Equal(2, body.RootElement.GetProperty("change").GetInt32());

        var listed = await GetAsync(subscriber, "/api/webhooks");
        var id = listed.EnumerateArray().Single(w => w.GetProperty("url").GetString() == receiver.Url.ToString()).GetProperty("id").GetInt64();
        var deliveries = (await GetAsync(subscriber, $"/api/webhooks/{id}")).GetProperty("recent").EnumerateArray().Select(d => d.GetProperty("alert_id").GetString()).ToList();
        Assert.Equal([alert.Id, $"{alert.Id}:1", $"{alert.Id}:2"], deliveries.Order(StringComparer.Ordinal));
        using (await subscriber.DeleteAsync(new Uri($"/api/webhooks/{id}", UriKind.Relative)))
        {
        }
    }
}
