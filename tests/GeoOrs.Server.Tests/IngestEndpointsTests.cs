using GeoOrs.Data;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The ingest endpoints against the real PostGIS. Every test sends under an agency of its own, so
/// its counts do not depend on what other tests stored.
/// </summary>
public class IngestEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const string OverdoseHeader = "external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex\r\n";

    private static string NewAgency() => "test-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(
        string path, HttpContent content, string? query = null)
    {
        using var client = factory.CreateClient("admin");
        using var response = await client.PostAsync(new Uri(path + (query is null ? "" : "?" + query), UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {text}");
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> PostCsvAsync(string kind, string csv, string agency, string? mode = null, Encoding? encoding = null)
    {
        var content = new ByteArrayContent((encoding ?? new UTF8Encoding(false)).GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var query = $"agency={Uri.EscapeDataString(agency)}" + (mode is null ? "" : $"&mode={mode}");
        return PostAsync($"/api/ingest/{kind}", content, query);
    }

    private static async Task<long> CountAsync(string table, string agencyColumn, string agency)
    {
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {table} WHERE {agencyColumn} = $1");
        command.Parameters.AddWithValue(agency);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static Task<long> OverdosesOfAsync(string agency) => CountAsync("overdose_events", "source_agency", agency);

    private static string Row(string id, string when = "2024-03-01T22:15:00-05:00", string lat = "39.2904", string lon = "-76.6122", string drugs = "fentanyl;cocaine") =>
        $"{id},{when},{lat},{lon},exact,false,true,2,{drugs},25-29,F\r\n";

    private static IEnumerable<string> Fields(JsonElement batch) =>
        batch.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!);

    private static IEnumerable<string> Reasons(JsonElement batch) =>
        batch.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("reason").GetString()!);

    [Fact]
    public async Task Canonical_csv_is_stored_with_county_and_hidta()
    {
        var agency = NewAgency();
        var (status, batch) = await PostCsvAsync("overdoses", OverdoseHeader + Row("a1") + Row("a2", lat: "33.4255", lon: "-111.9400"), agency);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("committed", batch.GetProperty("status").GetString());
        Assert.Equal(2, batch.GetProperty("accepted").GetInt32());
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT county_fips, hidta_id, suspected_drugs, naloxone_doses, age_band, sex FROM overdose_events WHERE source_agency = $1 AND external_id = 'a1'");
        command.Parameters.AddWithValue(agency);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("24510", reader.GetString(0));
        Assert.Equal("washington-baltimore", reader.GetString(1));
        Assert.Equal(["cocaine", "fentanyl"], reader.GetFieldValue<string[]>(2));
        Assert.Equal(2, reader.GetInt16(3));
        Assert.Equal("25-29", reader.GetString(4));
        Assert.Equal("female", reader.GetString(5));
    }

    [Fact]
    public async Task Same_file_twice_is_all_duplicates_and_changes_nothing()
    {
        var agency = NewAgency();
        var csv = OverdoseHeader + Row("d1") + Row("d2") + Row("d3");
        var (_, first) = await PostCsvAsync("overdoses", csv, agency);
        var (status, second) = await PostCsvAsync("overdoses", csv, agency);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(0, second.GetProperty("accepted").GetInt32());
        Assert.Equal(3, second.GetProperty("duplicates").GetInt32());
        Assert.Equal(first.GetProperty("id").GetInt64(), second.GetProperty("duplicate_of").GetInt64());
        Assert.Equal(first.GetProperty("sha256").GetString(), second.GetProperty("sha256").GetString());
        Assert.Equal(3, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Event_repeated_within_one_file_is_stored_once()
    {
        var agency = NewAgency();
        var (status, batch) = await PostCsvAsync("overdoses", OverdoseHeader + Row("r1") + Row("r2") + Row("r1"), agency);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, batch.GetProperty("accepted").GetInt32());
        Assert.Equal(1, batch.GetProperty("duplicates").GetInt32());
        Assert.Equal(2, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Unbalanced_quotes_are_400_and_store_nothing()
    {
        var agency = NewAgency();
        var (status, problem) = await PostCsvAsync("overdoses", OverdoseHeader + Row("q1") + "q2,\"2024-03-01,39,-76,exact,false\r\n" + Row("q3"), agency);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("unbalanced", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Wrong_column_count_rejects_the_batch_or_only_that_row()
    {
        var agency = NewAgency();
        var csv = OverdoseHeader + Row("w1") + "w2,2024-03-01,39.29\r\n" + Row("w3");

        var (status, rejected) = await PostCsvAsync("overdoses", csv, agency);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("rejected", rejected.GetProperty("status").GetString());
        var error = rejected.GetProperty("errors")[0];
        Assert.Equal(3, error.GetProperty("line").GetInt64());
        Assert.Equal("record", error.GetProperty("field").GetString());
        Assert.Equal(0, await OverdosesOfAsync(agency));

        var (_, skipped) = await PostCsvAsync("overdoses", csv, agency, "skip-invalid");
        Assert.Equal(2, skipped.GetProperty("accepted").GetInt32());
        Assert.Equal(1, skipped.GetProperty("rejected").GetInt32());
        Assert.Equal(2, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Multi_line_quoted_fields_bom_and_crlf_are_read_and_lines_stay_physical()
    {
        var agency = NewAgency();
        var csv = "\uFEFF" + OverdoseHeader.TrimEnd() + ",notes\r\n"
            + Row("m1").TrimEnd() + ",\"first line\r\nsecond line, with a comma\"\r\n"
            + Row("m2", when: "not a date").TrimEnd() + ",plain\r\n";

        var (_, batch) = await PostCsvAsync("overdoses", csv, agency, "skip-invalid");

        Assert.Equal(1, batch.GetProperty("accepted").GetInt32());
        var error = batch.GetProperty("errors")[0];
        Assert.Equal(4, error.GetProperty("line").GetInt64());
        Assert.Equal("occurred_at", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Latin1_file_keeps_its_accented_letters()
    {
        var agency = NewAgency();
        var csv = "external_id,occurred_at,lat,lon,fatal,source_agency\r\nl1,2024-01-01T00:00:00Z,32.3,-106.8,true,Doña Ana County EMS\r\n";
        var (status, _) = await PostCsvAsync("overdoses", csv, agency, encoding: Encoding.Latin1);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(1, await OverdosesOfAsync("Doña Ana County EMS"));
    }

    [Fact]
    public async Task Coordinates_out_of_range_or_swapped_are_row_errors()
    {
        var agency = NewAgency();
        var csv = OverdoseHeader
            + Row("c1", lat: "95", lon: "-76.6")
            + Row("c2", lat: "39.29", lon: "-190")
            + Row("c3", lat: "-76.6122", lon: "39.2904") // Baltimore with lat and lon swapped, both in range
            + Row("c4", lat: "-111.94", lon: "33.42"); // Tempe swapped: lat out of range
        var (status, batch) = await PostCsvAsync("overdoses", csv, agency);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(4, batch.GetProperty("rejected").GetInt32());
        var reasons = Reasons(batch).ToList();
        Assert.Contains(reasons, r => r.Contains("outside -90..90", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("outside -180..180", StringComparison.Ordinal));
        Assert.Equal(2, reasons.Count(r => r.Contains("swapped", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Point_outside_every_county_is_kept_and_counted()
    {
        var agency = NewAgency();
        var (status, batch) = await PostCsvAsync("overdoses", OverdoseHeader + Row("o1", lat: "30", lon: "-40") + Row("o2"), agency);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, batch.GetProperty("accepted").GetInt32());
        Assert.Equal(1, batch.GetProperty("outside_counties").GetInt32());
        Assert.Equal(2, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Future_and_unparseable_dates_and_unknown_drugs_are_row_errors()
    {
        var agency = NewAgency();
        var future = DateTimeOffset.UtcNow.AddDays(3).ToString("O");
        var csv = OverdoseHeader + Row("f1", when: future) + Row("f2", when: "31/02/2024") + Row("f3", drugs: "fentanyl;unobtainium");
        var (_, batch) = await PostCsvAsync("overdoses", csv, agency);

        Assert.Equal(3, batch.GetProperty("rejected").GetInt32());
        var reasons = Reasons(batch).ToList();
        Assert.Contains(reasons, r => r.Contains("in the future", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("is not a date", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("unobtainium", StringComparison.Ordinal));
        Assert.Equal(0, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Seizures_normalise_quantities_and_refuse_negative_ones()
    {
        var agency = NewAgency();
        const string Header = "external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\r\n";
        var ok = Header + "s1,2024-02-02T10:00:00Z,31.76,-106.49,Fentanyl,2,kg,C-1\r\ns2,2024-02-02T11:00:00Z,31.76,-106.49,oxycodone,500,pills,C-2\r\n";
        var (status, batch) = await PostCsvAsync("seizures", ok, agency);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, batch.GetProperty("accepted").GetInt32());
        await using (var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString))
        await using (var command = dataSource.CreateCommand("SELECT drug, quantity_grams, dosage_units FROM seizure_events WHERE agency = $1 ORDER BY external_id"))
        {
            command.Parameters.AddWithValue(agency);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal("fentanyl", reader.GetString(0));
            Assert.Equal(2000.0, reader.GetDouble(1));
            await reader.ReadAsync();
            Assert.Equal("prescription_opioid", reader.GetString(0));
            Assert.Equal(500.0, reader.GetDouble(2));
        }

        var (_, negative) = await PostCsvAsync("seizures", Header + "s3,2024-02-02T10:00:00Z,31.76,-106.49,cocaine,-1,kg,C-3\r\n", agency);
        Assert.Equal("rejected", negative.GetProperty("status").GetString());
        Assert.Contains("quantity", Fields(negative));
        Assert.Equal(2, await CountAsync("seizure_events", "agency", agency));
    }

    [Fact]
    public async Task Empty_body_is_400()
    {
        var (status, problem) = await PostCsvAsync("overdoses", "", NewAgency());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("empty", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_without_records_is_400()
    {
        var (status, _) = await PostCsvAsync("overdoses", OverdoseHeader, NewAgency());
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    public async Task Wrong_content_type_is_415(string mediaType)
    {
        var content = new StringContent(OverdoseHeader + Row("x1"), Encoding.UTF8, mediaType);
        var (status, _) = await PostAsync("/api/ingest/overdoses", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
    }

    [Theory]
    [InlineData("mode=sometimes", "mode")]
    [InlineData("mapping=no-such-mapping", "mapping")]
    [InlineData("mapping=tempe-ems&agency=x", null)]
    [InlineData("colour=blue", "colour")]
    public async Task Bad_parameters_are_400(string query, string? field)
    {
        var content = new StringContent(OverdoseHeader + Row("p1"), Encoding.UTF8, "text/csv");
        var (status, problem) = await PostAsync("/api/ingest/seizures", content, query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field ?? "mapping", out _), problem.ToString());
    }

    [Fact]
    public async Task Geojson_feature_collection_is_stored_with_feature_ids()
    {
        var agency = NewAgency();
        var geojson = """
            {"type": "FeatureCollection", "name": "from a CAD export", "features": [
              {"type": "Feature", "id": "g1", "geometry": {"type": "Point", "coordinates": [-76.6122, 39.2904]},
               "properties": {"occurred_at": "2024-05-01T03:00:00Z", "fatal": false, "suspected_drugs": ["Fentanyl", "Xylazine"]}},
              {"type": "Feature", "id": 2, "geometry": {"type": "Point", "coordinates": [-111.94, 33.42]},
               "properties": {"occurred_at": "2024-05-02T03:00:00Z", "fatal": true}}
            ]}
            """;
        var (status, batch) = await PostAsync("/api/ingest/overdoses", new StringContent(geojson, Encoding.UTF8, "application/geo+json"), $"agency={agency}");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, batch.GetProperty("accepted").GetInt32());
        Assert.Equal(2, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Truncated_geojson_is_400_and_stores_nothing()
    {
        var agency = NewAgency();
        var geojson = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "id": "t1", "geometry": {"type": "Point", "coordinates": [-76.6, 39.3]}, "properties": {"occurred_at": "2024-05-01T03:00:00Z", "fatal": false}},
              {"type": "Feature", "id": "t2", "geometry": {"type": "Po
            """;
        var (status, problem) = await PostAsync("/api/ingest/overdoses", new StringContent(geojson, Encoding.UTF8, "application/geo+json"), $"agency={agency}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("truncated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Geojson_feature_that_is_not_a_point_is_a_row_error()
    {
        var geojson = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "id": "l1", "geometry": {"type": "LineString", "coordinates": [[-76.6, 39.3], [-76.5, 39.4]]}, "properties": {"occurred_at": "2024-05-01T03:00:00Z", "fatal": false}}
            ]}
            """;
        var (status, batch) = await PostAsync("/api/ingest/overdoses", new StringContent(geojson, Encoding.UTF8, "application/geo+json"), $"agency={NewAgency()}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains(Reasons(batch), r => r.Contains("LineString", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ndjson_lines_are_stored_and_a_broken_line_is_a_row_error()
    {
        var agency = NewAgency();
        var ndjson = """
            {"external_id": "n1", "occurred_at": "2024-06-01T12:00:00Z", "lat": 39.29, "lon": -76.61, "fatal": "no", "suspected_drugs": "heroin"}

            {"external_id": "n2", "occurred_at": "2024-06-01T13:00:00Z", "lat": 39.29, "lon": -76.61, "fatal": "yes"}
            {"external_id": "n3", "occurred_at":
            """;
        var (_, batch) = await PostAsync("/api/ingest/overdoses", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"), $"agency={agency}&mode=skip-invalid");
        Assert.Equal(2, batch.GetProperty("accepted").GetInt32());
        Assert.Equal(4, batch.GetProperty("errors")[0].GetProperty("line").GetInt64());
        Assert.Equal(2, await OverdosesOfAsync(agency));
    }

    [Fact]
    public async Task Single_event_is_201_then_200_for_the_repeat()
    {
        var agency = NewAgency();
        var json = $$"""{"external_id": "ev-1", "occurred_at": "2024-07-04T21:30:00-04:00", "lat": 39.2904, "lon": -76.6122, "fatal": false, "naloxone_administered": true, "naloxone_doses": 2, "suspected_drugs": ["fentanyl"], "source_agency": "{{agency}}"}""";
        var (first, created) = await PostAsync("/api/ingest/overdoses/event", new StringContent(json, Encoding.UTF8, "application/json"));
        var (second, repeat) = await PostAsync("/api/ingest/overdoses/event", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(created.GetProperty("id").GetInt64(), repeat.GetProperty("id").GetInt64());
        Assert.True(repeat.GetProperty("duplicate").GetBoolean());
        Assert.Equal(1, await OverdosesOfAsync(agency));
    }

    [Theory]
    [InlineData("{\"external_id\": \"e\"", HttpStatusCode.BadRequest)]
    [InlineData("[1, 2]", HttpStatusCode.BadRequest)]
    [InlineData("{\"external_id\": \"e\", \"fatal\": false}", HttpStatusCode.UnprocessableEntity)]
    public async Task Bad_single_events_are_4xx(string json, HttpStatusCode expected)
    {
        var (status, _) = await PostAsync("/api/ingest/overdoses/event", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Tempe_file_is_accounted_for_row_by_row()
    {
        var path = Path.Combine(PostGis.RepoRoot, "src", "GeoOrs.Server", "Demo", "tempe_opioid_ems_calls.csv");
        var rows = File.ReadLines(path).Count() - 1;
        var content = new StreamContent(File.OpenRead(path));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var agency = NewAgency();

        var (status, batch) = await PostAsync("/api/ingest/overdoses", content, $"mapping=tempe-ems&mode=skip-invalid&agency={agency}");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2743, rows);
        Assert.Equal(rows, batch.GetProperty("rows_read").GetInt32());
        Assert.Equal(rows, batch.GetProperty("accepted").GetInt32() + batch.GetProperty("rejected").GetInt32());
        Assert.Equal(4, batch.GetProperty("rejected").GetInt32()); // the four calls without coordinates
        Assert.All(Fields(batch), f => Assert.True(f is "lat" or "lon", f));
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FILTER (WHERE county_fips = '04013'), count(*) FILTER (WHERE location_precision = 'randomized'), count(*) FILTER (WHERE naloxone_administered) FROM overdose_events WHERE source_agency = 'Tempe Fire Medical Rescue' AND batch_id = $1");
        command.Parameters.AddWithValue(batch.GetProperty("id").GetInt64());
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(rows - 4, reader.GetInt64(1));
        Assert.True(reader.GetInt64(0) > (rows - 4) * 0.95, "Tempe's calls fall in Maricopa County (04013)");
        Assert.True(reader.GetInt64(2) > 1000);
    }

    [Fact]
    public async Task Allegheny_file_is_placed_at_the_county_centroid()
    {
        var path = Path.Combine(PostGis.RepoRoot, "src", "GeoOrs.Server", "Demo", "allegheny_fatal_accidental_overdoses.csv");
        var content = new StreamContent(File.OpenRead(path));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");

        var (status, batch) = await PostAsync("/api/ingest/overdoses", content, "mapping=allegheny-fatal-overdoses");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(7176, batch.GetProperty("rows_read").GetInt32());
        Assert.Equal(7176, batch.GetProperty("accepted").GetInt32() + batch.GetProperty("duplicates").GetInt32());
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), count(*) FILTER (WHERE county_fips = '42003' AND fatal AND location_precision = 'county_centroid') FROM overdose_events WHERE source_agency = 'Allegheny County Office of the Medical Examiner'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(7176, reader.GetInt64(0));
        Assert.Equal(7176, reader.GetInt64(1));
    }

    [Fact]
    public async Task Batches_are_listed_and_found_and_an_unknown_one_is_404()
    {
        var agency = NewAgency();
        var (_, posted) = await PostCsvAsync("overdoses", OverdoseHeader + Row("k1"), agency);
        using var client = factory.CreateClient("admin");

        using var one = await client.GetAsync(new Uri($"/api/ingest/batches/{posted.GetProperty("id").GetInt64()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        using var list = await client.GetAsync(new Uri("/api/ingest/batches", UriKind.Relative));
        Assert.Contains(JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray(), b => b.GetProperty("agency").GetString() == agency);
        using var missing = await client.GetAsync(new Uri("/api/ingest/batches/999999999", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var badLimit = await client.GetAsync(new Uri("/api/ingest/batches?limit=5000", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task Mappings_are_listed_stored_and_checked()
    {
        using var client = factory.CreateClient("admin");
        using (var list = await client.GetAsync(new Uri("/api/ingest/mappings", UriKind.Relative)))
        {
            var names = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
            Assert.Contains("tempe-ems", names);
            Assert.Contains("allegheny-fatal-overdoses", names);
        }

        var name = "cad-" + Guid.NewGuid().ToString("N")[..8];
        var mapping = """{"name": "NAME", "kind": "overdoses", "fields": {"external_id": "IncidentNo", "occurred_at": "When", "lat": "Y", "lon": "X", "fatal": "Died"}, "values": {"fatal": {"Y": "true", "N": "false"}}}""".Replace("NAME", name, StringComparison.Ordinal);
        using (var put = await client.PutAsync(new Uri($"/api/ingest/mappings/{name}", UriKind.Relative), new StringContent(mapping, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var agency = NewAgency();
        var (status, batch) = await PostAsync("/api/ingest/overdoses",
            new StringContent("IncidentNo,When,X,Y,Died\r\n77,2024-01-05T10:00:00Z,-76.61,39.29,N\r\n", Encoding.UTF8, "text/csv"), $"mapping={name}&agency={agency}");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(1, batch.GetProperty("accepted").GetInt32());

        var bad = """{"name": "bad-one", "kind": "overdoses", "fields": {"colour": "C"}, "crs": 9999}""";
        using (var invalid = await client.PutAsync(new Uri("/api/ingest/mappings/bad-one", UriKind.Relative), new StringContent(bad, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            var text = await invalid.Content.ReadAsStringAsync();
            Assert.Contains("colour", text, StringComparison.Ordinal);
            Assert.Contains("EPSG:9999", text, StringComparison.Ordinal);
        }

        using (var builtIn = await client.PutAsync(new Uri("/api/ingest/mappings/tempe-ems", UriKind.Relative),
            new StringContent("""{"name": "tempe-ems", "kind": "overdoses"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Conflict, builtIn.StatusCode);
        }

        using var unknown = await client.GetAsync(new Uri("/api/ingest/mappings/no-such", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
