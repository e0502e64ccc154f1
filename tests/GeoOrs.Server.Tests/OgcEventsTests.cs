using GeoOrs.Data;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The event collections and the county measures of OGC API – Features against the real PostGIS.
/// The events are sent through the ingest API once per run, under agencies of their own and in
/// 2003, a year no other test sends, so other tests' events never change these counts.
/// </summary>
public class OgcEventsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    /// <summary>Lewis and Clark County, Montana (Helena), and Chittenden County, Vermont (Burlington).</summary>
    private const string Helena = "30049", Burlington = "50007";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Data? _data;

    private sealed record Overdose(string Id, DateTimeOffset At, string County, bool Fatal, bool? Naloxone, string[] Drugs, string Agency);

    private sealed record Seizure(string Id, DateTimeOffset At, string County, string Drug, double Quantity, string Unit, string Agency);

    private sealed record Data(string Agency, string Other, IReadOnlyList<Overdose> Overdoses, IReadOnlyList<Seizure> Seizures);

    private static readonly Dictionary<string, (string Lat, string Lon)> Places = new()
    {
        [Helena] = ("46.5891", "-112.0391"),
        [Burlington] = ("44.4759", "-73.2121"),
    };

    /// <summary>The events, sent once: 40 overdoses and 12 seizures of one agency, 5 overdoses of another.</summary>
    private async Task<Data> DataAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_data is not null)
            {
                return _data;
            }

            var suffix = Guid.NewGuid().ToString("N")[..10];
            var agency = "ogc-test-" + suffix;
            var other = "ogc-other-" + suffix;
            string[][] drugs = [["fentanyl"], ["heroin"], ["fentanyl", "cocaine"], ["methamphetamine"], [], ["fentanyl", "xylazine"]];
            var overdoses = new List<Overdose>();
            var start = new DateTimeOffset(2003, 5, 1, 0, 0, 0, TimeSpan.Zero);
            for (var i = 0; i < 40; i++)
            {
                overdoses.Add(new($"o{i}", start.AddDays(i * 2.5).AddHours(i % 24).AddMinutes(i), i % 3 == 0 ? Burlington : Helena,
                    i % 4 == 0, i % 5 == 0 ? null : i % 2 == 0, drugs[i % drugs.Length], agency));
            }

            // Edges: the last second of a UTC day, the first of the next, a fraction of a second, and a
            // local evening that is the next UTC day.
            overdoses.Add(new("e1", new DateTimeOffset(2003, 6, 30, 23, 59, 59, TimeSpan.Zero), Helena, true, true, ["heroin"], agency));
            overdoses.Add(new("e2", new DateTimeOffset(2003, 7, 1, 0, 0, 0, TimeSpan.Zero), Helena, false, false, ["heroin"], agency));
            overdoses.Add(new("e3", new DateTimeOffset(2003, 7, 1, 12, 0, 0, 250, TimeSpan.Zero), Helena, false, true, ["fentanyl"], agency));
            overdoses.Add(new("e4", new DateTimeOffset(2003, 7, 1, 21, 0, 0, TimeSpan.FromHours(-5)), Burlington, true, null, ["cocaine"], agency));
            for (var i = 0; i < 5; i++)
            {
                overdoses.Add(new($"x{i}", start.AddDays(10 + (i * 7)), Helena, i % 2 == 0, true, ["fentanyl"], other));
            }

            var seizures = new List<Seizure>();
            string[] seized = ["cocaine", "fentanyl", "methamphetamine", "heroin"];
            for (var i = 0; i < 12; i++)
            {
                seizures.Add(new($"s{i}", start.AddDays(i * 6).AddHours(i), i % 2 == 0 ? Helena : Burlington, seized[i % seized.Length],
                    i + 1, i % 3 == 0 ? "pills" : "g", agency));
            }

            foreach (var group in overdoses.GroupBy(o => o.Agency))
            {
                var csv = new StringBuilder("external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex\r\n");
                foreach (var o in group)
                {
                    var (lat, lon) = Places[o.County];
                    csv.Append(CultureInfo.InvariantCulture,
                        $"{o.Id},{o.At:yyyy-MM-dd'T'HH:mm:ss.fffzzz},{lat},{lon},exact,{(o.Fatal ? "true" : "false")},{(o.Naloxone is { } n ? (n ? "true" : "false") : "")},,{string.Join(';', o.Drugs)},30-34,M\r\n");
                }

                await IngestAsync("overdoses", group.Key, csv.ToString());
            }

            var seizureCsv = new StringBuilder("external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\r\n");
            foreach (var s in seizures)
            {
                var (lat, lon) = Places[s.County];
                seizureCsv.Append(CultureInfo.InvariantCulture, $"{s.Id},{s.At:yyyy-MM-dd'T'HH:mm:ssZ},{lat},{lon},{s.Drug},{s.Quantity},{s.Unit},CASE-{s.Id}\r\n");
            }

            await IngestAsync("seizures", agency, seizureCsv.ToString());
            return _data = new Data(agency, other, overdoses, seizures);
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task IngestAsync(string kind, string agency, string csv)
    {
        using var client = factory.CreateClient("admin");
        using var content = new ByteArrayContent(new UTF8Encoding(false).GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync(new Uri($"/api/ingest/{kind}?agency={Uri.EscapeDataString(agency)}", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var batch = JsonDocument.Parse(text);
        Assert.Equal(0, batch.RootElement.GetProperty("rejected").GetInt32());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var client = factory.CreateClient("admin");
        using var response = await client.GetAsync(new Uri(path, UriKind.RelativeOrAbsolute) is { IsAbsoluteUri: true } u ? new Uri(u.PathAndQuery, UriKind.Relative) : new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, text);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<long> SqlCountAsync(string sql, params object[] values)
    {
        await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string? Next(JsonElement page) =>
        page.GetProperty("links").EnumerateArray().FirstOrDefault(l => l.GetProperty("rel").GetString() == "next") is { ValueKind: JsonValueKind.Object } link
            ? link.GetProperty("href").GetString()
            : null;

    /// <summary>Every feature of a query, page by page along the next links.</summary>
    private async Task<(List<JsonElement> Features, long Matched, int Pages)> AllPagesAsync(string first)
    {
        var features = new List<JsonElement>();
        long matched = -1;
        var pages = 0;
        for (var next = first; next is not null; pages++)
        {
            var (status, page) = await GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, status);
            matched = matched < 0 ? page.GetProperty("numberMatched").GetInt64() : matched;
            Assert.Equal(matched, page.GetProperty("numberMatched").GetInt64());
            features.AddRange(page.GetProperty("features").EnumerateArray());
            next = Next(page);
        }

        return (features, matched, pages);
    }

    /// <summary>A predicate from <c>at&gt;=T;at&lt;T;drug=D;fatal=B;county=C</c> (times UTC; an empty text matches all).</summary>
    private static Func<Overdose, bool> Matches(string expected)
    {
        var tests = new List<Func<Overdose, bool>>();
        foreach (var part in expected.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var op = new[] { ">=", "<=", "<", "=" }.First(o => part.Contains(o, StringComparison.Ordinal));
            var (key, value) = (part[..part.IndexOf(op, StringComparison.Ordinal)], part[(part.IndexOf(op, StringComparison.Ordinal) + op.Length)..]);
            tests.Add(key switch
            {
                "at" => Compare(DateTimeOffset.Parse(value, CultureInfo.InvariantCulture), op),
                "drug" => o => o.Drugs.Contains(value),
                "fatal" => o => o.Fatal == bool.Parse(value),
                "county" => o => o.County == value,
                _ => throw new ArgumentException(part),
            });
        }

        return o => tests.All(t => t(o));

        static Func<Overdose, bool> Compare(DateTimeOffset bound, string op) => op switch
        {
            ">=" => o => o.At >= bound,
            "<=" => o => o.At <= bound,
            "<" => o => o.At < bound,
            _ => throw new ArgumentException(op),
        };
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Overdose_events_page_in_id_order_with_their_properties()
    {
        var data = await DataAsync();
        var mine = data.Overdoses.Where(o => o.Agency == data.Agency).ToList();
        var (features, matched, pages) = await AllPagesAsync($"/ogc/collections/overdose-events/items?agency={data.Agency}&limit=7");
        Assert.Equal(mine.Count, matched);
        Assert.Equal(mine.Count, features.Count);
        Assert.Equal((mine.Count + 6) / 7, pages);
        var ids = features.Select(f => f.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());

        var properties = features[0].GetProperty("properties");
        Assert.Equal(["id", "occurred_at", "fatal", "naloxone", "drugs", "location_precision", "county_fips", "agency"],
            properties.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Point", features[0].GetProperty("geometry").GetProperty("type").GetString());

        // Every event comes back as it was sent.
        var byTime = features.ToDictionary(f => f.GetProperty("properties").GetProperty("occurred_at").GetString()!);
        foreach (var o in mine)
        {
            var p = byTime[Utc(o.At)].GetProperty("properties");
            Assert.Equal(o.Fatal, p.GetProperty("fatal").GetBoolean());
            Assert.Equal(o.Naloxone, p.GetProperty("naloxone").ValueKind == JsonValueKind.Null ? null : p.GetProperty("naloxone").GetBoolean());
            Assert.Equal(o.Drugs.Order(StringComparer.Ordinal), p.GetProperty("drugs").EnumerateArray().Select(d => d.GetString()));
            Assert.Equal(o.County, p.GetProperty("county_fips").GetString());
            Assert.Equal(data.Agency, p.GetProperty("agency").GetString());
        }

        // One by id, the same feature.
        var one = features[3];
        var (status, item) = await GetAsync($"/ogc/collections/overdose-events/items/{one.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(one.GetRawText(), item.GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/ogc/collections/overdose-events/items/abc")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/ogc/collections/overdose-events/items/9223372036854775807")).Status);
    }

    [Fact]
    public async Task Seizure_events_page_in_id_order_with_case_references_for_admins()
    {
        var data = await DataAsync();
        var (features, matched, pages) = await AllPagesAsync($"/ogc/collections/seizure-events/items?agency={data.Agency}&limit=5");
        Assert.Equal(data.Seizures.Count, matched);
        Assert.Equal(data.Seizures.Count, features.Count);
        Assert.Equal(3, pages);
        var ids = features.Select(f => f.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.Order(), ids);

        var properties = features[0].GetProperty("properties");
        Assert.Equal(["id", "seized_at", "drug", "quantity", "unit", "quantity_grams", "dosage_units", "county_fips", "agency", "case_reference"],
            properties.EnumerateObject().Select(p => p.Name));
        Assert.All(features, f => Assert.StartsWith("CASE-s", f.GetProperty("properties").GetProperty("case_reference").GetString(), StringComparison.Ordinal));
        var pills = features.First(f => f.GetProperty("properties").GetProperty("unit").GetString() == "pills").GetProperty("properties");
        Assert.Equal(pills.GetProperty("quantity").GetDouble(), pills.GetProperty("dosage_units").GetDouble());

        var (status, item) = await GetAsync($"/ogc/collections/seizure-events/items/{ids[^1]}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(features[^1].GetRawText(), item.GetRawText());
    }

    /// <summary>Query → which of this test's overdoses match, and the same as SQL over overdose_events.</summary>
    public static TheoryData<string, string, string, bool> OverdoseFilters => new()
    {
        { "datetime=2003-06-01T00:00:00Z/2003-06-30T23:59:59Z", "at>=2003-06-01T00:00:00Z;at<=2003-06-30T23:59:59Z", "occurred_at BETWEEN '2003-06-01T00:00:00Z' AND '2003-06-30T23:59:59Z'", true },
        { "datetime=2003-06-30T23:59:59Z", "at>=2003-06-30T23:59:59Z;at<=2003-06-30T23:59:59Z", "occurred_at = '2003-06-30T23:59:59Z'", true },
        { "datetime=2003-07-01T12:00:00.25Z", "at>=2003-07-01T12:00:00.25Z;at<=2003-07-01T12:00:00.25Z", "occurred_at = '2003-07-01T12:00:00.25Z'", true },
        { "datetime=2003-07-01T07:00:00.250-05:00", "at>=2003-07-01T12:00:00.25Z;at<=2003-07-01T12:00:00.25Z", "occurred_at = '2003-07-01T12:00:00.25Z'", true },
        { "datetime=2003-07-01", "at>=2003-07-01T00:00:00Z;at<2003-07-02T00:00:00Z", "occurred_at >= '2003-07-01T00:00:00Z' AND occurred_at < '2003-07-02T00:00:00Z'", true },
        { "datetime=2003-07-02", "at>=2003-07-02T00:00:00Z;at<2003-07-03T00:00:00Z", "occurred_at >= '2003-07-02T00:00:00Z' AND occurred_at < '2003-07-03T00:00:00Z'", true },
        { "datetime=2003-05-10/2003-06-30", "at>=2003-05-10T00:00:00Z;at<2003-07-01T00:00:00Z", "occurred_at >= '2003-05-10T00:00:00Z' AND occurred_at < '2003-07-01T00:00:00Z'", true },
        { "datetime=../2003-06-15", "at<2003-06-16T00:00:00Z", "occurred_at < '2003-06-16T00:00:00Z'", true },
        { "datetime=2003-06-15T12:00:00Z/", "at>=2003-06-15T12:00:00Z", "occurred_at >= '2003-06-15T12:00:00Z'", false },
        { "datetime=/2003-06-15T12:00:00%2B02:00", "at<=2003-06-15T10:00:00Z", "occurred_at <= '2003-06-15T10:00:00Z'", true },
        { "datetime=../..", "", "true", false },
        { "drug=fentanyl", "drug=fentanyl", "'fentanyl' = ANY (suspected_drugs)", false },
        { "drug=xylazine", "drug=xylazine", "'xylazine' = ANY (suspected_drugs)", false },
        { "drug=benzodiazepine", "drug=benzodiazepine", "'benzodiazepine' = ANY (suspected_drugs)", false },
        { "fatal=true", "fatal=true", "fatal", false },
        { "fatal=false", "fatal=false", "NOT fatal", false },
        { "drug=heroin&fatal=false&datetime=2003-06-01/2003-07-31", "drug=heroin;fatal=false;at>=2003-06-01T00:00:00Z;at<2003-08-01T00:00:00Z", "'heroin' = ANY (suspected_drugs) AND NOT fatal AND occurred_at >= '2003-06-01' AND occurred_at < '2003-08-01'", true },
        { "bbox=-112.5,46,-111.5,47", "county=30049", "county_fips = '30049'", false },
    };

    [Theory]
    [MemberData(nameof(OverdoseFilters))]
    public async Task Overdose_number_matched_is_the_count_of_the_filter(string query, string expected, string sql, bool onlyIn2003)
    {
        var data = await DataAsync();
        var mine = data.Overdoses.Where(o => o.Agency == data.Agency).Where(Matches(expected)).ToList();
        var (features, matched, _) = await AllPagesAsync($"/ogc/collections/overdose-events/items?agency={data.Agency}&{query}&limit=10");
        Assert.Equal(mine.Count, matched);
        Assert.Equal(mine.Count, features.Count);
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM overdose_events WHERE source_agency = $1 AND {sql}", data.Agency), matched);

        // Without the agency, over every agency's events: the same as SQL. Only for windows in 2003,
        // which other tests, sending at the same time, leave alone.
        if (!onlyIn2003)
        {
            return;
        }

        var (_, all) = await GetAsync($"/ogc/collections/overdose-events/items?{query}&limit=1");
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM overdose_events WHERE {sql}"), all.GetProperty("numberMatched").GetInt64());
    }

    [Fact]
    public async Task Agency_and_datetime_select_each_agency()
    {
        var data = await DataAsync();
        foreach (var agency in new[] { data.Agency, data.Other })
        {
            var (_, body) = await GetAsync($"/ogc/collections/overdose-events/items?agency={agency}&datetime=2003-01-01/2003-12-31");
            Assert.Equal(data.Overdoses.Count(o => o.Agency == agency), body.GetProperty("numberMatched").GetInt64());
            Assert.Equal(await SqlCountAsync("SELECT count(*) FROM overdose_events WHERE source_agency = $1", agency), body.GetProperty("numberMatched").GetInt64());
        }

        var (_, window) = await GetAsync("/ogc/collections/overdose-events/items?datetime=2003-01-01/2003-12-31&limit=1");
        Assert.Equal(
            await SqlCountAsync("SELECT count(*) FROM overdose_events WHERE occurred_at >= '2003-01-01T00:00:00Z' AND occurred_at < '2004-01-01T00:00:00Z'"),
            window.GetProperty("numberMatched").GetInt64());
        var (_, nobody) = await GetAsync("/ogc/collections/overdose-events/items?agency=no-such-agency-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(0, nobody.GetProperty("numberMatched").GetInt64());
    }

    [Theory]
    [InlineData("drug=cocaine", "drug = 'cocaine'")]
    [InlineData("drug=heroin", "drug = 'heroin'")]
    [InlineData("datetime=2003-05-01/2003-05-31", "seized_at >= '2003-05-01' AND seized_at < '2003-06-01'")]
    [InlineData("datetime=2003-05-07T01:00:00Z", "seized_at = '2003-05-07T01:00:00Z'")]
    [InlineData("drug=fentanyl&datetime=2003-06-01T00:00:00Z/..", "drug = 'fentanyl' AND seized_at >= '2003-06-01'")]
    public async Task Seizure_number_matched_is_the_count_of_the_filter(string query, string sql)
    {
        var data = await DataAsync();
        var (features, matched, _) = await AllPagesAsync($"/ogc/collections/seizure-events/items?agency={data.Agency}&{query}&limit=4");
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM seizure_events WHERE agency = $1 AND {sql}", data.Agency), matched);
        Assert.Equal(matched, features.Count);
        Assert.True(matched > 0, "every case matches some of this test's seizures");
        var (_, all) = await GetAsync($"/ogc/collections/seizure-events/items?{query}&limit=1");
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM seizure_events WHERE {sql}"), all.GetProperty("numberMatched").GetInt64());
    }

    [Fact]
    public async Task County_aggregates_page_through_every_county_keeping_the_window()
    {
        var (features, matched, pages) = await AllPagesAsync("/ogc/collections/county-aggregates/items?from=2003-01-01&to=2003-12-31&drug=fentanyl&limit=1000");
        Assert.Equal(3220, matched);
        Assert.Equal(3220, features.Select(f => f.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(4, pages);
        var ids = features.Select(f => f.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(
            ["geoid", "name", "statefp", "population", "overdoses", "fatal", "nonfatal", "naloxone", "rate", "fatal_rate", "seizures", "seizure_grams", "seizure_dosage_units",
             "rate_unstable", "fatal_rate_unstable", "suppressed"],
            features[0].GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.All(features, f => Assert.Contains(f.GetProperty("geometry").GetProperty("type").GetString(), new[] { "Polygon", "MultiPolygon" }));

        var (_, page) = await GetAsync("/ogc/collections/county-aggregates/items?from=2003-01-01&to=2003-12-31&drug=fentanyl&limit=1000");
        var next = Next(page)!;
        Assert.Contains("from=2003-01-01", next, StringComparison.Ordinal);
        Assert.Contains("drug=fentanyl", next, StringComparison.Ordinal);
        Assert.Contains("offset=1000", next, StringComparison.Ordinal);

        var (_, bboxed) = await GetAsync("/ogc/collections/county-aggregates/items?bbox=-76.62,39.28,-76.60,39.30");
        Assert.Equal(["24510"], bboxed.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
    }

    /// <summary>
    /// A county's measures for a window, from OGC items, against SQL over the events (every agency: the
    /// county's whole count). Windows are of local days: the events' local_day, the date in the county's zone.
    /// </summary>
    public static TheoryData<string, string, string> CountyWindows => new()
    {
        { Helena, "from=2003-05-01&to=2003-07-31", "local_day >= '2003-05-01' AND local_day < '2003-08-01'" },
        { Helena, "from=2003-05-11&to=2003-07-01", "local_day >= '2003-05-11' AND local_day < '2003-07-02'" },
        { Burlington, "from=2003-05-11&to=2003-07-01", "local_day >= '2003-05-11' AND local_day < '2003-07-02'" },
        { Burlington, "datetime=2003-06-01/2003-07-02", "local_day >= '2003-06-01' AND local_day < '2003-07-03'" },
        { Helena, "datetime=2003-07-01", "local_day >= '2003-07-01' AND local_day < '2003-07-02'" },
        { Helena, "from=2003-05-01&to=2003-07-31&fatal=true", "fatal AND local_day >= '2003-05-01' AND local_day < '2003-08-01'" },
        { Helena, "from=2003-05-01&to=2003-07-31&fatal=false", "NOT fatal AND local_day >= '2003-05-01' AND local_day < '2003-08-01'" },
        { Helena, "from=2003-05-01&to=2003-07-31&drug=fentanyl", "'fentanyl' = ANY (suspected_drugs) AND local_day >= '2003-05-01' AND local_day < '2003-08-01'" },
        { Burlington, "datetime=2003-05-01/..&drug=fentanyl&fatal=false", "'fentanyl' = ANY (suspected_drugs) AND NOT fatal AND local_day >= '2003-05-01'" },
    };

    [Theory]
    [MemberData(nameof(CountyWindows))]
    public async Task County_aggregates_overdoses_are_the_count_of_its_events(string county, string query, string sql)
    {
        await DataAsync();
        // The local day from the county's zone, not read back from what ingest stored.
        var expected = await SqlCountAsync($"SELECT count(*) FROM overdose_events WHERE county_fips = $1 AND {sql.Replace(
            "local_day", "(occurred_at AT TIME ZONE (SELECT c.time_zone FROM counties c WHERE c.geoid = county_fips))::date", StringComparison.Ordinal)}", county);
        Assert.True(expected > 0, "every window holds some of this test's events");

        var (status, feature) = await GetAsync($"/ogc/collections/county-aggregates/items/{county}?{query}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(county, feature.GetProperty("id").GetString());
        Assert.Equal(expected, feature.GetProperty("properties").GetProperty("overdoses").GetInt64());

        // The same county among the items, found by a bbox around its events.
        var (lat, lon) = Places[county];
        var (x, y) = (double.Parse(lon, CultureInfo.InvariantCulture), double.Parse(lat, CultureInfo.InvariantCulture));
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}");
        var (_, page) = await GetAsync($"/ogc/collections/county-aggregates/items?bbox={bbox}&{query}");
        var listed = Assert.Single(page.GetProperty("features").EnumerateArray());
        Assert.Equal(feature.GetRawText(), listed.GetRawText());
    }

    [Fact]
    public async Task County_aggregates_count_seizures_and_fatal_overdoses_too()
    {
        await DataAsync();
        var (_, feature) = await GetAsync($"/ogc/collections/county-aggregates/items/{Helena}?from=2003-01-01&to=2003-12-31");
        var p = feature.GetProperty("properties");
        const string Year = "BETWEEN '2003-01-01T00:00:00Z' AND '2003-12-31T23:59:59.999999Z'";
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM overdose_events WHERE county_fips = $1 AND fatal AND occurred_at {Year}", Helena), p.GetProperty("fatal").GetInt64());
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM overdose_events WHERE county_fips = $1 AND NOT fatal AND occurred_at {Year}", Helena), p.GetProperty("nonfatal").GetInt64());
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM overdose_events WHERE county_fips = $1 AND naloxone_administered AND occurred_at {Year}", Helena), p.GetProperty("naloxone").GetInt64());
        Assert.Equal(await SqlCountAsync($"SELECT count(*) FROM seizure_events WHERE county_fips = $1 AND seized_at {Year}", Helena), p.GetProperty("seizures").GetInt64());
        Assert.True(p.GetProperty("population").GetInt64() > 50_000);

        // The same window as datetime and as from/to.
        var (_, same) = await GetAsync($"/ogc/collections/county-aggregates/items/{Helena}?datetime=2003-01-01/2003-12-31");
        Assert.Equal(feature.GetRawText(), same.GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/ogc/collections/county-aggregates/items/99999?from=2003-01-01")).Status);
    }

    [Fact]
    public async Task Collections_state_their_event_time_range()
    {
        var data = await DataAsync();
        foreach (var (collection, table, column) in new[] { ("overdose-events", "overdose_events", "occurred_at"), ("seizure-events", "seizure_events", "seized_at") })
        {
            var (status, body) = await GetAsync($"/ogc/collections/{collection}");
            Assert.Equal(HttpStatusCode.OK, status);
            var interval = body.GetProperty("extent").GetProperty("temporal").GetProperty("interval")[0];
            var first = DateTimeOffset.Parse(interval[0].GetString()!, CultureInfo.InvariantCulture);
            var last = DateTimeOffset.Parse(interval[1].GetString()!, CultureInfo.InvariantCulture);
            var times = collection == "overdose-events" ? data.Overdoses.Select(o => o.At) : data.Seizures.Select(z => z.At);
            Assert.True(first <= times.Min() && last >= times.Max(), $"{first:o}..{last:o}");

            // Nothing is sent before 2003, so the start is stable while other tests send: the earliest event.
            await using var dataSource = GeoOrsDataSource.Create(PostGis.ConnectionString);
            await using var command = dataSource.CreateCommand($"SELECT min({column}) FROM {table}");
            Assert.Equal((DateTime)(await command.ExecuteScalarAsync())!, first.UtcDateTime);
            var bbox = body.GetProperty("extent").GetProperty("spatial").GetProperty("bbox")[0].EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.True(bbox[0] <= -112.0391 && bbox[2] >= -73.2121, string.Join(",", bbox));
        }

        var (_, aggregates) = await GetAsync("/ogc/collections/county-aggregates");
        Assert.Contains("datetime", aggregates.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, aggregates.GetProperty("extent").GetProperty("temporal").GetProperty("interval")[0].GetArrayLength());
    }

    [Theory]
    [InlineData("overdose-events", "datetime=2003-13-01")]
    [InlineData("overdose-events", "datetime=2003-02-30")]
    [InlineData("overdose-events", "datetime=yesterday")]
    [InlineData("overdose-events", "datetime=2003-06-01T12:00:00")]
    [InlineData("overdose-events", "datetime=2003-06-01 12:00:00Z")]
    [InlineData("overdose-events", "datetime=2003-06-01T25:00:00Z")]
    [InlineData("overdose-events", "datetime=2003-06-01T12:00Z")]
    [InlineData("overdose-events", "datetime=2003-06-02/2003-06-01")]
    [InlineData("overdose-events", "datetime=2003-06-01T12:00:00Z/2003-06-01T11:00:00Z")]
    [InlineData("overdose-events", "datetime=2003-06-01/2003-06-02/2003-06-03")]
    [InlineData("overdose-events", "datetime=..")]
    [InlineData("overdose-events", "datetime=")]
    [InlineData("overdose-events", "datetime=2003-06-01&datetime=2003-06-02")]
    [InlineData("overdose-events", "drug=beer")]
    [InlineData("overdose-events", "drug=Fentanyl")]
    [InlineData("overdose-events", "drug=")]
    [InlineData("overdose-events", "fatal=yes")]
    [InlineData("overdose-events", "fatal=")]
    [InlineData("overdose-events", "agency=")]
    [InlineData("overdose-events", "from=2003-01-01")]
    [InlineData("overdose-events", "case_reference=C-1")]
    [InlineData("overdose-events", "source_agency=x")]
    [InlineData("seizure-events", "fatal=true")]
    [InlineData("seizure-events", "drug=crack")]
    [InlineData("seizure-events", "datetime=2003-06-01T12:00:00+0200")]
    [InlineData("seizure-events", "case_reference=C-1")]
    [InlineData("county-aggregates", "from=2003-02-01&to=2003-01-31")]
    [InlineData("county-aggregates", "from=2003-1-1")]
    [InlineData("county-aggregates", "to=tomorrow")]
    [InlineData("county-aggregates", "drug=beer")]
    [InlineData("county-aggregates", "fatal=1")]
    [InlineData("county-aggregates", "agency=x")]
    [InlineData("county-aggregates", "datetime=2003-01-01T00:00:00Z/2003-02-01T00:00:00Z")]
    [InlineData("county-aggregates", "datetime=2003-02-01/2003-01-01")]
    [InlineData("county-aggregates", "datetime=2003-01-01&from=2003-01-01")]
    [InlineData("county-aggregates", "metric=rate")]
    [InlineData("county-aggregates", "limit=0")]
    [InlineData("county-aggregates", "bbox=1,2,3")]
    public async Task Malformed_or_unknown_parameters_are_400(string collection, string query)
    {
        var (status, problem) = await GetAsync($"/ogc/collections/{collection}/items?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("/ogc/collections/overdose-events/items/1?drug=fentanyl")]
    [InlineData("/ogc/collections/seizure-events/items/1?datetime=2003-01-01")]
    [InlineData("/ogc/collections/county-aggregates/items/30049?from=2003-02-01&to=2003-01-01")]
    [InlineData("/ogc/collections/county-aggregates/items/30049?fatal=maybe")]
    [InlineData("/ogc/collections/county-aggregates/items/30049?colour=blue")]
    public async Task An_item_refuses_parameters_it_does_not_take(string path)
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(path)).Status);
    }

    [Fact]
    public async Task The_api_definition_lists_each_collection_and_its_parameters()
    {
        var (_, api) = await GetAsync("/ogc/api");
        var paths = api.GetProperty("paths");
        IEnumerable<string> Names(string path) =>
            paths.GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!);

        Assert.Equal(["bbox", "limit", "offset", "datetime", "drug", "fatal", "agency"], Names("/collections/overdose-events/items"));
        Assert.Equal(["bbox", "limit", "offset", "datetime", "drug", "agency"], Names("/collections/seizure-events/items"));
        Assert.Equal(["bbox", "limit", "offset", "from", "to", "datetime", "drug", "fatal"], Names("/collections/county-aggregates/items"));
        Assert.Equal(["featureId", "from", "to", "datetime", "drug", "fatal"], Names("/collections/county-aggregates/items/{featureId}"));
        Assert.Equal(["bbox", "limit", "offset"], Names("/collections/counties/items"));

        var collectionIds = paths.GetProperty("/collections/{collectionId}/items").GetProperty("get").GetProperty("parameters")[0]
            .GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(["counties", "county-aggregates", "heat", "hidta-regions", "hotspots", "overdose-events", "seizure-events", "states"], collectionIds);
    }
    [Fact]
    public async Task The_number_matched_follows_new_events()
    {
        // numberMatched is kept per query and view until the events change: a page asked after an
        // ingest counts the new events.
        using var admin = factory.CreateClient("admin");
        using var analyst = factory.CreateClient("analyst");
        var day = "1991-04-17";
        async Task<long> MatchedAsync()
        {
            using var json = JsonDocument.Parse(await analyst.GetStringAsync(new Uri($"/ogc/collections/overdose-events/items?datetime={day}&limit=1", UriKind.Relative)));
            return json.RootElement.GetProperty("numberMatched").GetInt64();
        }

        async Task IngestAsync(int count)
        {
            var run = Guid.NewGuid().ToString("N")[..8];
            var csv = new StringBuilder("external_id,occurred_at,lat,lon,fatal\n");
            for (var i = 0; i < count; i++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"matched-{run}-{i},{day}T1{i}:00:00Z,39.29,-76.61,false\n");
            }

            using var response = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await IngestAsync(1);
        var before = await MatchedAsync();
        Assert.True(before >= 1, $"{before}");
        Assert.Equal(before, await MatchedAsync());
        await IngestAsync(2);
        Assert.Equal(before + 2, await MatchedAsync());
    }
}
