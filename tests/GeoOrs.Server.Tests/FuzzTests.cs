using GeoOrs.Data.Entities;
using GeoOrs.Data;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Access;
using GeoOrs.Tests;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit.Abstractions;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A deterministic fuzz (one seeded <see cref="Random"/>) of every route with malformed and hostile
/// requests: bad tile coordinates, bboxes, dates and intervals, injection strings in every query
/// parameter and path segment, long, repeated and unknown parameters, odd methods, oversized and
/// wrong-typed bodies, and forged credentials. Each request goes out as the public, a partner and an
/// analyst (forged credentials on their own), and every answer is checked: no 5xx, forged or revoked
/// credentials 401, and nothing beyond the caller's role (no event points and no count of 1–9 for
/// the public, no 2xx on administration for keyed non-admins, no ingest below analyst). Afterwards the
/// event tables must still be there with none of the fuzz's agencies in them.
/// A few events of its own (Laramie County, Wyoming, on one day of 1980–1994, years no other test
/// uses, chosen per run so that reruns on one database do not add up) give the leak checks counts
/// of 1–9 to find, and the analyst's view of them proves the checks would find them.
/// </summary>
public sealed class FuzzTests(GeoOrsFactory factory, ITestOutputHelper output) : IClassFixture<GeoOrsFactory>
{
    private const int Seed = 0x6e05_2025;

    /// <summary>Cheyenne, Laramie County, Wyoming (56021).</summary>
    private const double Lon = -104.82, Lat = 41.14;

    private const string Laramie = "56021";

    private const string ValidRequests = "valid requests";

    private static readonly Caller[] KeyedAndPublic = [Caller.Public, Caller.Partner, Caller.Analyst];
    private static readonly string[] CountProperties = ["overdoses", "fatal", "nonfatal", "naloxone", "seizures", "count"];
    private static readonly string[] CountMetrics = ["overdoses", "fatal", "nonfatal", "naloxone", "seizures"];
    private static readonly string[] PointLayers = ["overdoses", "seizures"];
    private static readonly string[] Layers = ["counties", "states", "hidta", "overdoses", "seizures"];
    private static readonly string[] Collections = ["counties", "states", "hidta-regions", "county-aggregates", "overdose-events", "seizure-events"];

    private readonly string _run = Guid.NewGuid().ToString("N")[..12];

    /// <summary>The agency of the public's requests and of the partner key: no row may ever carry it.</summary>
    private string Agency => $"fuzz-{_run}";

    /// <summary>The analyst key's agency (ingest is open to analysts, for their own agency).</summary>
    private string AnalystAgency => $"fuzz-analyst-{_run}";

    /// <summary>The agency of the seeded events, ingested with an admin key.</summary>
    private string SeedAgency => $"fuzz-seed-{_run}";

    /// <summary>The day of the seeded events.</summary>
    private DateOnly Day => new DateOnly(1980, 1, 1).AddDays((int)(Convert.ToUInt32(_run[..8], 16) % 5478));

    /// <summary>The seeded day as a layer window and as an OGC datetime.</summary>
    private string Window => FormattableString.Invariant($"from={Day:yyyy-MM-dd}&to={Day:yyyy-MM-dd}");

    private string Datetime => FormattableString.Invariant($"datetime={Day:yyyy-MM-dd}/{Day:yyyy-MM-dd}");

    /// <summary>The seeded day's calendar month: a window the public may ask.</summary>
    private string MonthWindow => FormattableString.Invariant(
        $"from={Day.AddDays(1 - Day.Day):yyyy-MM-dd}&to={Day.AddDays(1 - Day.Day).AddMonths(1).AddDays(-1):yyyy-MM-dd}");

    private enum Caller
    {
        Public,
        Partner,
        Analyst,
        Forged,
    }

    /// <summary>A value for a URL: escaped when sent, unless <see cref="Raw"/> (then sent as written, %-escapes and all).</summary>
    private readonly record struct V(string Text, bool Raw = false)
    {
        public static implicit operator V(string text) => new(text);

        public string Url => Raw ? Text : Uri.EscapeDataString(Text);
    }

    /// <summary>A request body and its Content-Type (none when null); <see cref="Unsized"/> sends it without a Content-Length.</summary>
    private sealed record Body(byte[] Bytes, string? ContentType, bool Unsized = false)
    {
        public static Body Text(string text, string? contentType) => new(Encoding.UTF8.GetBytes(text), contentType);
    }

    /// <summary>
    /// One request of the fuzz. <c>{agency}</c> in the URL, a header or a text body becomes the
    /// caller's fuzz agency. A probe with <see cref="Forged"/> set carries those credentials and is
    /// sent once, expecting 401.
    /// </summary>
    private sealed record Probe(string Category, HttpMethod Method, string Url, Body? Body = null, IReadOnlyList<(string Name, string Value)>? Headers = null)
    {
        /// <summary>What the forged credentials in <see cref="Headers"/> are, or null for a request sent with real ones.</summary>
        public string? Forged { get; init; }

        /// <summary>The status the analyst (who may send it) must get, where the fuzz knows it.</summary>
        public int? AnalystStatus { get; init; }
    }

    // ------------------------------------------------------------------ hostile values

    /// <summary>Tile coordinates that are not one: out of range, not ASCII digits, not numbers, paths.</summary>
    private static readonly V[] BadNumbers =
    [
        "-1", "-0", "2147483648", "2147483647", "-2147483648", "4294967296", "99999999999999999999", "1e3", "0x10", "1.5", "+1",
        " 1", "abc", "NaN", "Infinity", "١٢", "１", "²", "..", "../..", new("%2e%2e", Raw: true), new("..%2F..", Raw: true),
        new("%00", Raw: true), "0\0", "1;", "9'", new("%FF", Raw: true),
    ];

    /// <summary>Whole z/x/y triples that parse but lie outside the pyramid.</summary>
    private static readonly string[] OutsideTiles = ["25/0/0", "24/16777216/0", "3/8/0", "3/0/8", "0/0/1", "31/0/0", "2147483647/0/0", "16/65535/65536", "0/-1/0"];

    private static readonly V[] Bboxes =
    [
        "1,2,3", "1,2,3,4,5", "NaN,0,1,1", "0,NaN,1,1", "Infinity,-Infinity,1,1", "-Infinity,0,1,1", "1e309,0,1,1", "0,0,1e-400,1",
        "10,10,-10,-10", "10,-10,-10,10", "-10,10,10,-10", "-181,-10,10,10", "-10,-91,10,10", "-10,-10,181,10", "-10,-10,10,91",
        "-180,-90,180,90", "", ",,,", "1;2;3;4", "1 2 3 4", "0x1,0,1,1", "1,2,3,4,", " 1, 2, 3, 4", "1e308,1e308,1e308,1e308",
        "-0,-0,0,0", "١,٢,٣,٤", "' OR 1=1--,0,1,1", string.Join(',', Enumerable.Repeat("1", 5000)),
    ];

    private static readonly V[] Coordinates = ["NaN", "Infinity", "-Infinity", "1e309", "-181", "181", "91", "-91", "", "1,2", "0x1", "١", "--1"];

    private static readonly V[] Dates =
    [
        "2023-02-30", "99999-01-01", "../..", "..", "/", "2023-01-01/2022-01-01", "2023-01-01T00:00:00+25:00", "2023-01-01T00:00:00 PST",
        "2023-01-01T00:00:00Z[America/New_York]", "2023-01-01T25:61:61Z", "2023-13-01", "0000-00-00", "-0001-01-01", "0001-01-01",
        "9999-12-31", "9999-12-31/..", "../9999-12-31", "0001-01-01/9999-12-31", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00", "2023-01-01/2023-01-01/2023-01-01", "2023-01-01T00:00:00Z/2022-12-31", "2023-W01", "20230101",
        "2023-1-1", "1e10", "now", "2023-01-01T00:00:00.123456789Z", "2023-01-01t00:00:00z", "1899-12-31", "2200-01-02", "2023-01-01 ",
    ];

    /// <summary>Strings for SQL, templates, paths, encodings and sizes, for every parameter and path segment.</summary>
    private static readonly V[] Injections =
    [
        "' OR 1=1--", "1;DROP TABLE overdose_events", "1; DROP TABLE seizure_events;--", "$$", "$$; DROP TABLE overdose_events; $$",
        "\0", new("%00", Raw: true), "%00", "fentanyl') OR ('1'='1", "pg_catalog.pg_user", "overdose_events", "seizure_events", "api_keys",
        "counties\" --", "\\", "%", "%%", new("%ZZ", Raw: true), new("%FF%FE", Raw: true), new("%ED%A0%80", Raw: true),
        "<script>alert(1)</script>", "${jndi:ldap://x/a}", "{{7*7}}", "\r\nX-Injected: 1", "😀", "\u202egnp.", "null", "true", "-1",
        "[]", "{}", "*", "../../../../etc/passwd", "..\\..\\windows", "\uFEFF", new string('A', 10 * 1024),
        string.Concat(Enumerable.Repeat("' OR 1=1--", 1024)),
    ];

    private static readonly string[] LayerNames = ["pg_catalog.pg_user", "overdose_events", "seizure_events", "api_keys", "OVERDOSES", "overdoses ", "overdoses\0"];

    /// <summary>Every GET route with valid parameters, for the parameter and credential fuzz.</summary>
    private static readonly string[] Routes =
    [
        "/health", "/tiles", "/tiles/counties.json", "/tiles/overdoses.json", "/tiles/states/3/1/2.mvt", "/tiles/overdoses/3/1/2.mvt",
        "/tiles/seizures/3/1/2.mvt", "/tiles/counties/3/1/2.png", "/tiles/hidta/legend.png", "/ogc", "/ogc/conformance", "/ogc/api",
        "/ogc/collections", "/ogc/collections/counties", "/ogc/collections/overdose-events", "/ogc/collections/states/items",
        "/ogc/collections/county-aggregates/items", "/ogc/collections/overdose-events/items", "/ogc/collections/seizure-events/items",
        "/ogc/collections/states/items/24", "/ogc/collections/overdose-events/items/1", "/styles/geoors.json",
        "/api/boundaries/counties/24510", "/api/boundaries/lookup?lon=-76.6&lat=39.3", "/api/ingest/batches", "/api/ingest/batches/1",
        "/api/ingest/mappings", "/api/ingest/mappings/tempe-ems", "/api/jobs/runs", "/api/admin/audit", "/api/admin/sharing",
        "/api/alerts", "/api/alerts?area=county:24510&method=ears_c2&from=2024-01-01&to=2024-12-31&limit=5", "/api/webhooks", "/api/webhooks/1",
    ];

    /// <summary>Each route's query parameters, for the injection fuzz.</summary>
    private static readonly (string Route, string[] Parameters)[] QuerySites =
    [
        ("/tiles/counties.json", ["from", "to", "drug", "fatal", "metric"]),
        ("/tiles/overdoses.json", ["drug"]),
        ("/tiles/states/3/2/3.mvt", ["from", "to", "drug", "fatal"]),
        ("/tiles/seizures/3/2/3.mvt", ["drug"]),
        ("/tiles/hidta/3/2/3.png", ["metric", "fatal"]),
        ("/tiles/counties/legend.png", ["metric", "to"]),
        ("/ogc", ["f"]), ("/ogc/conformance", ["f"]), ("/ogc/api", ["f"]), ("/ogc/collections", ["f"]), ("/ogc/collections/states", ["f"]),
        ("/ogc/collections/counties/items", ["bbox", "limit", "offset", "f"]),
        ("/ogc/collections/county-aggregates/items", ["datetime", "from", "to", "drug", "fatal", "bbox", "limit", "offset"]),
        ("/ogc/collections/overdose-events/items", ["datetime", "drug", "fatal", "agency", "limit", "offset"]),
        ("/ogc/collections/seizure-events/items", ["datetime", "drug", "agency"]),
        ("/ogc/collections/county-aggregates/items/24510", ["datetime", "drug"]),
        ("/ogc/collections/states/items/24", ["f"]),
        ("/api/boundaries/lookup?lat=39.3", ["lon"]), ("/api/boundaries/lookup?lon=-76.6", ["lat"]),
        ("/api/ingest/batches", ["limit"]), ("/api/jobs/runs", ["job", "limit"]), ("/api/admin/audit", ["since", "key", "agency", "limit"]),
        ("/api/alerts", ["area", "method", "since", "from", "to", "limit"]),
        ("/health", ["x"]), ("/styles/geoors.json", ["x"]), ("/tiles", ["x"]),
    ];

    /// <summary>Path segments (<c>{v}</c>) of every route.</summary>
    private static readonly string[] PathSites =
    [
        "/tiles/{v}.json", "/tiles/{v}/3/2/3.mvt", "/tiles/{v}/3/2/3.png", "/tiles/{v}/legend.png", "/tiles/counties/{v}/2/3.mvt",
        "/tiles/overdoses/3/{v}/3.mvt", "/tiles/hidta/3/2/{v}.png", "/ogc/collections/{v}", "/ogc/collections/{v}/items",
        "/ogc/collections/{v}/items/1", "/ogc/collections/counties/items/{v}", "/ogc/collections/overdose-events/items/{v}",
        "/ogc/collections/county-aggregates/items/{v}", "/ogc/collections/seizure-events/items/{v}", "/styles/{v}.json",
        "/api/boundaries/counties/{v}", "/api/ingest/batches/{v}", "/api/ingest/mappings/{v}", "/{v}", "/api/{v}/audit", "/api/webhooks/{v}",
        "/api/alerts/{v}", "/api/alerts/{v}/notes", "/api/alerts/{v}/line-list",
    ];

    // ------------------------------------------------------------------ the test

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Hostile_requests_get_no_5xx_and_no_data_beyond_the_callers_role()
    {
        var started = DateTime.UtcNow;
        var log = new ErrorLog();
        factory.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        await using var db = GeoOrsDataSource.Create(PostGis.ConnectionString);
        await using var entities = GeoOrsDbContext.Create(db);
        var keys = new Dictionary<Caller, string>
        {
            [Caller.Partner] = (await ApiKeys.CreateAsync(entities, "partner", Agency)).Key,
            [Caller.Analyst] = (await ApiKeys.CreateAsync(entities, "analyst", AnalystAgency)).Key,
        };
        var seedIds = await SeedAsync(db);
        var revoked = await RevokedKeyAsync(db);

        var random = new Random(Seed);
        var probes = Baseline(seedIds)
            .Concat(TileCoordinates(random))
            .Concat(BadBboxes(random))
            .Concat(BadDates(random))
            .Concat(InjectionStrings(random))
            .Concat(OddParameters(random))
            .Concat(OversizedBodies(random))
            .Concat(WrongBodies(random))
            .Concat(ForgedCredentials(random, keys, revoked))
            .Concat(ForeignWrites())
            .Concat(BoundedWork(random))
            .ToList();

        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.Timeout = TimeSpan.FromSeconds(30);
        var failures = new List<string>();
        var statuses = new Dictionary<string, SortedDictionary<int, int>>(StringComparer.Ordinal); // category → status → count
        var baseline = new Dictionary<(string Url, Caller Caller), Answer>();
        foreach (var probe in probes)
        {
            foreach (var caller in probe.Forged is null ? KeyedAndPublic : [Caller.Forged])
            {
                var answer = await SendAsync(client, probe, caller, keys, log);
                var counts = statuses.TryGetValue(probe.Category, out var c) ? c : statuses[probe.Category] = [];
                counts[answer.Status] = counts.GetValueOrDefault(answer.Status) + 1;
                failures.AddRange(answer.Problems);
                if (probe.Category == ValidRequests)
                {
                    baseline[(probe.Url, caller)] = answer;
                }
            }
        }

        failures.AddRange(Canaries(baseline, seedIds));
        failures.AddRange(await DatabaseAsync(db));

        var total = statuses.Values.Sum(c => c.Values.Sum());
        output.WriteLine($"{total} requests in {(DateTime.UtcNow - started).TotalSeconds:0.0} s (seed {Seed}, run {_run}); by category and status:");
        foreach (var (category, counts) in statuses)
        {
            output.WriteLine($"  {category}: {counts.Values.Sum()} ({string.Join(", ", counts.Select(s => $"{s.Value}× {(s.Key == 0 ? "refused by the host" : s.Key)}"))})");
        }

        foreach (var failure in failures)
        {
            output.WriteLine(failure);
        }

        Assert.True(total >= 600, $"only {total} requests were sent");
        Assert.True(failures.Count == 0, $"{failures.Count} problems:\n" + string.Join("\n", failures.Take(30)));
    }

    // ------------------------------------------------------------------ generators

    /// <summary>Valid requests over the seeded events: the answers the leak checks must pass for the public and trip for the analyst.</summary>
    private IEnumerable<Probe> Baseline(SeedIds seed)
    {
        string Tile(string layer, int z, string ext = "mvt")
        {
            var t = TileMath.TileOf(Lon, Lat, z);
            return $"/tiles/{layer}/{t.Z}/{t.X}/{t.Y}.{ext}";
        }

        string[] urls =
        [
            $"/ogc/collections/county-aggregates/items?{Datetime}&bbox=-105,41,-104,42",
            $"/ogc/collections/county-aggregates/items/{Laramie}?{Window}",
            $"/ogc/collections/county-aggregates/items?{Window}&fatal=true&bbox=-105,41,-104,42",
            $"/ogc/collections/overdose-events/items?{Datetime}&agency={SeedAgency}",
            $"/ogc/collections/seizure-events/items?{Datetime}&bbox=-105,41,-104,42",
            $"/ogc/collections/overdose-events/items/{seed.Overdose}",
            $"/ogc/collections/seizure-events/items/{seed.Seizure}",
            $"{Tile("counties", 6)}?{Window}", $"{Tile("states", 4)}?{Window}", $"{Tile("hidta", 6)}?{Window}",
            $"{Tile("counties", 6)}?{Window}&drug=fentanyl", $"{Tile("overdoses", 10)}?{Window}", $"{Tile("overdoses", 3)}?{Window}",
            $"{Tile("seizures", 10)}?{Window}", $"{Tile("seizures", 2)}?{Window}",
            $"/tiles/counties.json?metric=overdoses&{Window}", $"/tiles/states.json?metric=seizures&{Window}",
            $"/tiles/hidta.json?metric=fatal&{Window}", $"{Tile("counties", 6, "png")}?metric=overdoses&{Window}",
            $"/tiles/counties/legend.png?metric=overdoses&{Window}", "/tiles/overdoses.json", "/tiles",
            "/ogc/collections", "/ogc/collections/overdose-events", "/styles/geoors.json", "/health",
            FormattableString.Invariant($"/api/boundaries/lookup?lon={Lon}&lat={Lat}"), $"/api/boundaries/counties/{Laramie}",

            // The same in the seeded month, a window the public may ask.
            $"/ogc/collections/county-aggregates/items/{Laramie}?{MonthWindow}",
            $"/ogc/collections/county-aggregates/items?{MonthWindow}&fatal=true&bbox=-105,41,-104,42",
            $"{Tile("counties", 6)}?{MonthWindow}", $"{Tile("states", 4)}?{MonthWindow}", $"{Tile("hidta", 6)}?{MonthWindow}",
            $"/tiles/counties.json?metric=overdoses&{MonthWindow}", $"{Tile("counties", 6, "png")}?metric=overdoses&{MonthWindow}",
            $"/api/areas/county/{Laramie}?{MonthWindow}", $"/api/areas/state/56?{MonthWindow}",
        ];
        return urls.Select(url => new Probe(ValidRequests, HttpMethod.Get, url));
    }

    private static IEnumerable<Probe> TileCoordinates(Random random)
    {
        foreach (var layer in Layers)
        {
            foreach (var ext in new[] { "mvt", "png" })
            {
                for (var i = 0; i < 6; i++)
                {
                    string[] zxy = ["3", "2", "3"];
                    zxy[random.Next(3)] = Pick(random, BadNumbers).Url;
                    yield return new("tile coordinates", HttpMethod.Get, $"/tiles/{layer}/{string.Join('/', zxy)}.{ext}");
                }

                foreach (var zxy in Some(random, OutsideTiles, 3))
                {
                    yield return new("tile coordinates", HttpMethod.Get, $"/tiles/{layer}/{zxy}.{ext}?from=2003-01-01");
                }
            }
        }

        yield return new("tile coordinates", HttpMethod.Get, "/tiles/counties/3/2.mvt");
        yield return new("tile coordinates", HttpMethod.Get, "/tiles/counties/3/2/3/4.mvt");
        yield return new("tile coordinates", HttpMethod.Get, "/tiles/counties/3/2/3.pbf");
        yield return new("tile coordinates", HttpMethod.Get, "/tiles/counties/3/2/3.mvt.png");
    }

    private static IEnumerable<Probe> BadBboxes(Random random)
    {
        foreach (var bbox in Bboxes)
        {
            foreach (var collection in Some(random, Collections, 3))
            {
                yield return new("bbox and coordinates", HttpMethod.Get, $"/ogc/collections/{collection}/items?bbox={bbox.Url}");
            }
        }

        yield return new("bbox and coordinates", HttpMethod.Get, "/ogc/collections/counties/items?bbox=-10,-10,10,10&bbox=-10,-10,10,10");
        yield return new("bbox and coordinates", HttpMethod.Get, "/tiles/counties/3/2/3.mvt?bbox=-10,-10,10,10");
        yield return new("bbox and coordinates", HttpMethod.Get, "/tiles/counties.json?bbox=NaN,0,1,1");
        foreach (var value in Coordinates)
        {
            yield return new("bbox and coordinates", HttpMethod.Get, $"/api/boundaries/lookup?lon={value.Url}&lat=39.3");
            yield return new("bbox and coordinates", HttpMethod.Get, $"/api/boundaries/lookup?lon=-76.6&lat={value.Url}");
        }

        yield return new("bbox and coordinates", HttpMethod.Get, "/api/boundaries/lookup?lon=-76.6&lon=-76.7&lat=39.3");
        yield return new("bbox and coordinates", HttpMethod.Get, "/api/boundaries/lookup");
    }

    private static IEnumerable<Probe> BadDates(Random random)
    {
        string[] sites =
        [
            "/tiles/counties.json?{p}=", "/tiles/states/3/1/2.mvt?{p}=", "/tiles/hidta/3/1/2.png?{p}=", "/tiles/counties/legend.png?{p}=",
            "/tiles/overdoses/3/1/2.mvt?{p}=", "/tiles/seizures.json?{p}=", "/ogc/collections/county-aggregates/items?{p}=",
            "/ogc/collections/county-aggregates/items/24510?datetime=", "/ogc/collections/seizure-events/items?datetime=",
            "/api/admin/audit?since=", "/api/alerts?since=", "/api/alerts?{p}=",
        ];
        foreach (var date in Dates)
        {
            yield return new("dates and intervals", HttpMethod.Get, $"/ogc/collections/county-aggregates/items?datetime={date.Url}");
            yield return new("dates and intervals", HttpMethod.Get, $"/ogc/collections/overdose-events/items?datetime={date.Url}");
            foreach (var site in Some(random, sites, 2))
            {
                yield return new("dates and intervals", HttpMethod.Get, site.Replace("{p}", random.Next(2) == 0 ? "from" : "to", StringComparison.Ordinal) + date.Url);
            }
        }

        foreach (var window in new[] { "from=2023-01-01&to=2022-01-01", "from=0001-01-01&to=9999-12-31", "from=9999-12-31", "to=9999-12-31", "from=2003-01-01&datetime=2003-01-01" })
        {
            yield return new("dates and intervals", HttpMethod.Get, $"/tiles/counties.json?{window}");
            yield return new("dates and intervals", HttpMethod.Get, $"/tiles/states/3/1/2.mvt?{window}");
            yield return new("dates and intervals", HttpMethod.Get, $"/ogc/collections/county-aggregates/items?{window}");
        }
    }

    private static IEnumerable<Probe> InjectionStrings(Random random)
    {
        foreach (var (route, parameters) in QuerySites)
        {
            foreach (var parameter in parameters)
            {
                foreach (var value in Some(random, Injections, 2))
                {
                    yield return new("injection strings", HttpMethod.Get, $"{route}{(route.Contains('?') ? '&' : '?')}{parameter}={value.Url}");
                }
            }
        }

        foreach (var parameter in new[] { "mapping", "mode", "agency" })
        {
            foreach (var value in Some(random, Injections, 2))
            {
                yield return new("injection strings", HttpMethod.Post, $"/api/ingest/overdoses?{parameter}={value.Url}", Body.Text("external_id\r\n", "text/csv"));
            }
        }

        foreach (var site in PathSites)
        {
            foreach (var value in Some(random, Injections, 3))
            {
                yield return new("injection strings", HttpMethod.Get, site.Replace("{v}", value.Url, StringComparison.Ordinal));
            }
        }

        foreach (var value in Some(random, Injections, 4))
        {
            yield return new("injection strings", HttpMethod.Delete, $"/api/admin/sharing/{value.Url}");
        }

        foreach (var name in LayerNames)
        {
            var segment = Uri.EscapeDataString(name);
            yield return new("injection strings", HttpMethod.Get, $"/tiles/{segment}.json");
            yield return new("injection strings", HttpMethod.Get, $"/tiles/{segment}/3/2/3.mvt");
            yield return new("injection strings", HttpMethod.Get, $"/ogc/collections/{segment}");
            yield return new("injection strings", HttpMethod.Get, $"/ogc/collections/{segment}/items");
        }

        // NULs in query values and names, where a value reaches SQL as text.
        foreach (var url in new[] { "/ogc/collections/overdose-events/items?agency=%00", "/ogc/collections/seizure-events/items?agency=a%00b", "/api/ingest/batches?limit=1%00", "/api/jobs/runs?job=%00", "/api/admin/audit?key=%00", "/tiles/counties.json?%00=1" })
        {
            yield return new("injection strings", HttpMethod.Get, url);
        }

        yield return new("injection strings", HttpMethod.Post, "/api/ingest/overdoses?mapping=%00", Body.Text("external_id\r\n", "text/csv"));

        // CQL- and SQL-like filters written out as the query string.
        yield return new("injection strings", HttpMethod.Get, "/ogc/collections/overdose-events/items?drug=fentanyl')%20OR%20('1'='1");
        yield return new("injection strings", HttpMethod.Get, "/ogc/collections/county-aggregates/items?drug=fentanyl')%20OR%20('1'='1");
        yield return new("injection strings", HttpMethod.Get, "/tiles/counties/3/2/3.mvt?drug=fentanyl')%20OR%20('1'='1");
        yield return new("injection strings", HttpMethod.Get, "/ogc/collections/overdose-events/items?filter=drug%3D'fentanyl'%20OR%201%3D1&filter-lang=cql2-text");
        yield return new("injection strings", HttpMethod.Get, "/ogc/collections/seizure-events/items?agency=x'%20UNION%20SELECT%20key,role%20FROM%20api_keys--");
    }

    /// <summary>Repeated, unknown, empty, huge and numerous parameters, and methods no route takes.</summary>
    private static IEnumerable<Probe> OddParameters(Random random)
    {
        var ten = new string('A', 10 * 1024);
        string[] forms =
        [
            "foo=bar", "FROM=2020-01-01", "from%00=2020-01-01", "=x", "&&&=&", "from[]=2020-01-01", "%ZZ=1", "f=json&f=json", "limit=1&limit=2",
            "from=2003-01-01&from=2003-01-02", "drug=fentanyl&drug=heroin", "metric=rate&metric=overdoses", $"from={ten}", $"drug={ten}",
            $"f={ten}", $"{ten}=1", string.Join('&', Enumerable.Range(0, 500).Select(i => $"p{i}={i}")), "limit=0", "limit=-1", "limit=10001",
            "limit=99999999999", "offset=-1", "offset=9223372036854775808", "offset=9223372036854775807&limit=10000", "limit=abc", "f=xml",
            "f=", "metric=", "fatal=TRUE", "fatal=1", "drug=FENTANYL", "job=" + ten,
        ];
        foreach (var route in Routes)
        {
            foreach (var form in Some(random, forms, 4))
            {
                yield return new("odd parameters and methods", HttpMethod.Get, $"{route}{(route.Contains('?') ? '&' : '?')}{form}");
            }
        }

        foreach (var route in new[] { "/ogc/collections/counties/items", "/ogc/collections/overdose-events/items", "/api/jobs/runs", "/api/ingest/batches", "/api/admin/audit", "/api/alerts" })
        {
            foreach (var paging in new[] { "limit=0", "limit=99999999999", "offset=9223372036854775807", "limit=1e3", "limit= 5" })
            {
                yield return new("odd parameters and methods", HttpMethod.Get, $"{route}?{paging}");
            }
        }

        yield return new("odd parameters and methods", HttpMethod.Get, "/api/ingest/batches/99999999999999999999");
        yield return new("odd parameters and methods", HttpMethod.Get, "/api/ingest/batches/-9223372036854775808");
        yield return new("odd parameters and methods", HttpMethod.Get, $"/tiles/{new string('a', 10 * 1024)}/0/0/0.mvt");
        yield return new("odd parameters and methods", HttpMethod.Get, $"/ogc/collections/counties/items/{new string('9', 10 * 1024)}");
        yield return new("odd parameters and methods", HttpMethod.Get, $"/ogc/collections/overdose-events/items/{new string('9', 30)}");
        yield return new("odd parameters and methods", HttpMethod.Get, "/API/ADMIN/AUDIT");
        yield return new("odd parameters and methods", HttpMethod.Get, "/api//admin/audit");
        yield return new("odd parameters and methods", HttpMethod.Get, "/api/admin/./audit");
        yield return new("odd parameters and methods", HttpMethod.Get, "/tiles/../api/admin/sharing");
        yield return new("odd parameters and methods", HttpMethod.Get, "/api/admin/audit/");
        yield return new("odd parameters and methods", HttpMethod.Get, "/api/jobs/runs%2F");
        yield return new("odd parameters and methods", HttpMethod.Get, "/api/jobs/runs;x=1");
        yield return new("odd parameters and methods", HttpMethod.Get, "/TILES/OVERDOSES/3/1/2.mvt");
        yield return new("odd parameters and methods", HttpMethod.Get, "/tiles/overdoses%2F3%2F1%2F2.mvt");
        yield return new("odd parameters and methods", HttpMethod.Get, "/ogc/collections/overdose-events%2Fitems");
        yield return new("odd parameters and methods", HttpMethod.Get, "/tiles/states/3/1/2.mvt", Headers:
            [("Accept-Encoding", "br;q=NaN, gzip;q=1e309, *;q=-1"), ("If-None-Match", "\"' OR 1=1--\", *, W/\"x\"")]);
        yield return new("odd parameters and methods", HttpMethod.Get, "/tiles/counties/3/1/2.png", Headers: [("If-None-Match", "*"), ("Accept-Encoding", new string('x', 10 * 1024))]);
        yield return new("odd parameters and methods", HttpMethod.Get, "/tiles/overdoses/3/1/2.mvt", Headers: [("If-None-Match", "*"), ("Accept-Encoding", "gzip")]);
        yield return new("odd parameters and methods", HttpMethod.Get, "/ogc/collections", Headers: [("Host", "evil.example\"><script>"), ("X-Forwarded-Host", "evil.example")]);

        HttpMethod[] methods = [HttpMethod.Head, HttpMethod.Options, HttpMethod.Trace, HttpMethod.Patch, HttpMethod.Delete, HttpMethod.Put, new("PROPFIND")];
        foreach (var route in new[] { "/tiles/counties/3/1/2.mvt", "/tiles/overdoses/3/1/2.mvt", "/ogc/collections/overdose-events/items", "/api/admin/audit", "/api/jobs/runs", "/api/ingest/overdoses", "/health" })
        {
            foreach (var method in Some(random, methods, 3))
            {
                yield return new("odd parameters and methods", method, route);
            }
        }
    }

    private static IEnumerable<Probe> OversizedBodies(Random random)
    {
        const int Size = 2 * 1024 * 1024;
        var bigJson = Encoding.UTF8.GetBytes($"{{\"partners\":[\"{new string('p', Size)}\"]}}");
        var bigEvent = Encoding.UTF8.GetBytes($"{{\"external_id\":\"x\",\"notes\":\"{new string('n', Size)}\"}}");
        var deep = Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000));
        var deepObject = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 50_000)) + "1" + new string('}', 50_000));
        var junk = new byte[Size];
        random.NextBytes(junk);
        var csv = new StringBuilder("external_id,occurred_at,lat,lon\r\n");
        while (csv.Length < Size)
        {
            csv.Append("x,not a date,999,999\r\n");
        }

        var oneCell = Encoding.UTF8.GetBytes($"external_id,occurred_at\r\n\"{new string('c', Size)}\",2003-01-01\r\n");
        var ndjson = string.Concat(Enumerable.Repeat("{\"external_id\":1,\"lat\":\"x\"}\n", Size / 28));
        const string Category = "oversized bodies";
        yield return new(Category, HttpMethod.Put, "/api/admin/sharing/{agency}", new(bigJson, "application/json"));
        yield return new(Category, HttpMethod.Put, "/api/admin/sharing/{agency}", new(junk, "application/json", Unsized: true));
        yield return new(Category, HttpMethod.Put, "/api/admin/sharing/{agency}", new(deep, "application/json"));
        yield return new(Category, HttpMethod.Delete, "/api/admin/sharing/{agency}", new(junk, "application/octet-stream"));
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses/event?agency={agency}", new(bigEvent, "application/json")) { AnalystStatus = 413 };
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses/event?agency={agency}", new(bigEvent, "application/json", Unsized: true)) { AnalystStatus = 413 };
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses/event?agency={agency}", new(deep, "application/json"));
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses/event?agency={agency}", new(deepObject, null));
        yield return new(Category, HttpMethod.Put, "/api/ingest/mappings/{agency}", new(bigJson, "application/json"));
        yield return new(Category, HttpMethod.Put, "/api/ingest/mappings/{agency}", new(deepObject, "application/json", Unsized: true));
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses?agency={agency}", Body.Text(csv.ToString(), "text/csv"));
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses?agency={agency}&mode=skip-invalid", new(oneCell, "text/csv"));
        yield return new(Category, HttpMethod.Post, "/api/ingest/seizures?agency={agency}", Body.Text(ndjson, "application/x-ndjson"));
        yield return new(Category, HttpMethod.Post, "/api/ingest/seizures?agency={agency}", new(junk, "application/geo+json", Unsized: true));
        yield return new(Category, HttpMethod.Get, "/ogc/collections", new(junk, "application/json"));
        yield return new(Category, HttpMethod.Post, "/tiles/counties.json", new(bigJson, "application/json"));
        yield return new(Category, HttpMethod.Post, "/health", new(junk, "application/octet-stream"));
    }

    /// <summary>Bodies of the wrong kind, shape or encoding to every endpoint that reads one.</summary>
    private static IEnumerable<Probe> WrongBodies(Random random)
    {
        var garbage = new byte[4096];
        random.NextBytes(garbage);
        const string Csv = "external_id,occurred_at,lat,lon\r\nx1,2003-01-01T00:00:00Z,NaN,Infinity\r\n";
        Body[] bodies =
        [
            Body.Text("{\"external_id\":\"x\",\"occurred_at\":\"2003-01-01\"}", "text/csv"),
            Body.Text("[1,2,3]", "text/csv"),
            Body.Text("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><events><event>&e;</event></events>", "application/xml"),
            Body.Text("<events><event id=\"1\"/></events>", "text/csv"),
            new(garbage, "application/octet-stream"), new(garbage, "text/csv"), new(garbage, "application/json"), new(garbage, "application/geo+json"),
            Body.Text("[1,2,3]", "application/json"), Body.Text("42", "application/json"), Body.Text("\"x\"", "application/json"),
            Body.Text("null", "application/json"), Body.Text("true", "application/json"), Body.Text("", "application/json"), Body.Text("{", "application/json"),
            Body.Text("{\"partners\":\"x\"}", "application/json"), Body.Text("{\"partners\":[1,{}]}", "application/json"),
            Body.Text("{\"partners\":[null,\"\"],\"name\":[],\"kind\":{}}", "application/json"),
            Body.Text("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[\"a\",1e308]},\"properties\":{}}]}", "application/geo+json"),
            Body.Text("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"GeometryCollection\",\"geometries\":[]}]},\"properties\":null}]}", "application/geo+json"),
            Body.Text("{\"type\":\"Feature\"}\n\n\u0000\n[]\n{\"lat\":1e999}\n", "application/x-ndjson"),
            Body.Text("external_id,occurred_at,lat,lon\r\n", "text/csv"), Body.Text("a,\"unterminated\r\nb,c", "text/csv"),
            Body.Text("external_id,occurred_at\r\n\0\0\0,\0\r\n", "text/csv"),
            Body.Text(string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"c{i}")) + "\r\n", "text/csv"),
            new([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Csv)], "text/csv; charset=utf-8"),
            Body.Text(Csv, "text/csv; charset=utf-7"), Body.Text(Csv, "text/csv; charset=utf-32"), Body.Text(Csv, "text/csv; charset=utf-16"),
            Body.Text(Csv, "text/csv; charset=ebcdic-cp-us"), Body.Text(Csv, "text/csv; charset=\"\""), Body.Text(Csv, "text/csv;;;charset"),
            Body.Text(Csv, "text/csv; charset=utf-8; charset=latin1"), Body.Text(Csv, "multipart/form-data; boundary=----x"),
            Body.Text("external_id=x&occurred_at=2003-01-01", "application/x-www-form-urlencoded"), Body.Text(Csv, null),
            Body.Text(Csv, "*/*"), Body.Text(Csv, "text/csv, application/json"),
        ];
        string[] endpoints =
        [
            "POST /api/ingest/overdoses?agency={agency}", "POST /api/ingest/seizures?agency={agency}", "POST /api/ingest/overdoses/event?agency={agency}",
            "PUT /api/ingest/mappings/{agency}", "PUT /api/admin/sharing/{agency}", "POST /api/webhooks",
        ];
        foreach (var body in bodies)
        {
            foreach (var endpoint in endpoints)
            {
                var (method, url) = (endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)], endpoint[(endpoint.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                yield return new("wrong-typed bodies", new HttpMethod(method), url, body);
            }
        }

        // Rows that would be stored but for a NUL in a text field (PostgreSQL text cannot hold one).
        const string Laramie = "41.14,-104.82";
        yield return new("wrong-typed bodies", HttpMethod.Post, "/api/ingest/overdoses?agency={agency}",
            Body.Text($"external_id,occurred_at,lat,lon,fatal\r\nx\0y,2003-01-01T00:00:00Z,{Laramie},true\r\n", "text/csv"));
        yield return new("wrong-typed bodies", HttpMethod.Post, "/api/ingest/seizures?agency={agency}",
            Body.Text($"external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\r\ns1,2003-01-01T00:00:00Z,{Laramie},cocaine,1,g,\0\r\n", "text/csv"));
        yield return new("wrong-typed bodies", HttpMethod.Post, "/api/ingest/overdoses?agency={agency}",
            Body.Text("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[-104.82,41.14]},\"properties\":{\"external_id\":\"a\\u0000b\",\"occurred_at\":\"2003-01-01T00:00:00Z\",\"fatal\":true}}]}", "application/geo+json"));
        yield return new("wrong-typed bodies", HttpMethod.Post, "/api/ingest/overdoses/event?agency={agency}",
            Body.Text("{\"external_id\":\"\\u0000\",\"occurred_at\":\"2003-01-01T00:00:00Z\",\"lat\":41.14,\"lon\":-104.82,\"fatal\":false}", "application/json"));

        // Column mappings, inline and stored, that are well-formed JSON but odd: nulls, NULs, bad formats, unknown places.
        string[] mappings =
        [
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"columns\":{\"external_id\":\"'; DROP TABLE overdose_events;--\"}}",
            "[]", new string('{', 5000), "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"fields\":{\"external_id\":null}}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"fields\":{\"external_id\":[null]}}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"fields\":null,\"values\":null,\"constants\":null,\"date_formats\":null}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"values\":{\"fatal\":null},\"constants\":{\"source_agency\":null}}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"values\":{\"fatal\":{\"true\":null}},\"date_formats\":[null]}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"values\":{\"fatal\":{\"true\":null}}}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"values\":{\"fatal\":{\"Yes\":\"true\",\"yes\":\"false\"}}}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"description\":\"a\\u0000b\",\"constants\":{\"source_agency\":\"\\u0000\"}}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"date_formats\":[\"%\",\"\",\"yyyy'\"]}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"time_zone\":\"../../etc/passwd\"}",
            "{\"name\":\"{agency}\",\"kind\":\"overdoses\",\"county_centroid\":\"99999\",\"crs\":-1}",
            "{\"name\":\"{agency}\",\"kind\":7,\"unknown_drugs\":\"other\"}",
            "{\"name\":\"{agency}\",\"kind\":\"seizures\",\"crs\":3857,\"fields\":{\"lon\":[\"x\"],\"lat\":[\"y\"]}}",
        ];
        foreach (var mapping in mappings)
        {
            yield return new("wrong-typed bodies", HttpMethod.Post, "/api/ingest/overdoses?agency={agency}", Body.Text(Csv, "text/csv"), [("GeoOrs-Mapping", mapping)]);
            yield return new("wrong-typed bodies", HttpMethod.Put, "/api/ingest/mappings/{agency}", Body.Text(mapping, "application/json"));
        }
    }

    /// <summary>
    /// Writes aimed at someone else: rows, a mapping constant and a single event naming another agency
    /// (refused per row, so the analyst's all-or-nothing batch is 422), and webhooks aimed at internal
    /// addresses or carrying credentials (400).
    /// </summary>
    private static IEnumerable<Probe> ForeignWrites()
    {
        const string Category = "foreign writes";
        const string Other = "fuzz-someone-else";
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses",
            Body.Text($"external_id,occurred_at,lat,lon,fatal,source_agency\r\nf1,2003-01-01T00:00:00Z,41.14,-104.82,true,{Other}\r\n", "text/csv")) { AnalystStatus = 422 };
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses",
            Body.Text("external_id,occurred_at,lat,lon,fatal\r\nf2,2003-01-01T00:00:00Z,41.14,-104.82,true\r\n", "text/csv"),
            [("GeoOrs-Mapping", $"{{\"name\":\"x\",\"kind\":\"overdoses\",\"constants\":{{\"source_agency\":\"{Other}\"}}}}")]) { AnalystStatus = 422 };
        yield return new(Category, HttpMethod.Post, "/api/ingest/overdoses/event",
            Body.Text($"{{\"external_id\":\"f3\",\"occurred_at\":\"2003-01-01T00:00:00Z\",\"lat\":41.14,\"lon\":-104.82,\"fatal\":true,\"source_agency\":\"{Other}\"}}", "application/json")) { AnalystStatus = 422 };
        yield return new(Category, HttpMethod.Post, "/api/ingest/seizures",
            Body.Text($"external_id,seized_at,lat,lon,drug,quantity,unit,agency\r\nf4,2003-01-01T00:00:00Z,41.14,-104.82,cocaine,1,g,{Other}\r\n", "text/csv")) { AnalystStatus = 422 };
        foreach (var url in new[] { "http://127.0.0.2:5432/", "http://[::1]/", "http://0.0.0.0:22/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/", "http://user:pass@hooks.example.org/" })
        {
            yield return new(Category, HttpMethod.Post, "/api/webhooks", Body.Text(JsonSerializer.Serialize(new { url }), "application/json")) { AnalystStatus = 400 };
        }
    }

    /// <summary>Credentials that must never be accepted, each sent to several routes.</summary>
    private static IEnumerable<Probe> ForgedCredentials(Random random, Dictionary<Caller, string> keys, string revoked)
    {
        var valid = keys[Caller.Analyst];
        var prefix = valid[..13]; // gok_ + 8 hex + _
        string Secret() => string.Concat(Enumerable.Range(0, 43).Select(_ => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[random.Next(64)]));
        string RandomKey() => $"gok_{random.Next():x8}_{Secret()}";
        string Flip(string key) => key[..^1] + (key[^1] == 'A' ? 'B' : 'A');

        (string Name, (string, string)[] Headers)[] forgeries =
        [
            ("a random well-formed key", [("X-Api-Key", RandomKey())]),
            ("a random well-formed Bearer key", [("Authorization", "Bearer " + RandomKey())]),
            ("a truncated key", [("X-Api-Key", valid[..^1])]),
            ("a key with a character more", [("X-Api-Key", valid + "A")]),
            ("a valid prefix with a wrong secret", [("X-Api-Key", prefix + Secret())]),
            ("a valid key with its last character changed", [("Authorization", "Bearer " + Flip(valid))]),
            ("a valid key in upper case", [("X-Api-Key", valid.ToUpperInvariant())]),
            ("Bearer with an empty value", [("Authorization", "Bearer ")]),
            ("Bearer alone", [("Authorization", "Bearer")]),
            ("two X-Api-Key headers", [("X-Api-Key", keys[Caller.Partner]), ("X-Api-Key", valid)]),
            ("X-Api-Key and a different Bearer key", [("X-Api-Key", keys[Caller.Partner]), ("Authorization", "Bearer " + valid)]),
            ("a JWT with alg none claiming admin", [("Authorization", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJnZW9vcnNfcm9sZSI6ImFkbWluIiwiZ2Vvb3JzX2FnZW5jeSI6IngifQ.")]),
            ("JWT-looking junk", [("Authorization", "Bearer eyJ" + Secret() + "." + Secret() + "." + Secret())]),
            ("a revoked key", [("X-Api-Key", revoked)]),
            ("a revoked key as Bearer", [("Authorization", "Bearer " + revoked)]),
            ("Basic credentials", [("Authorization", "Basic dXNlcjpwYXNz")]),
            ("a valid key without the Bearer scheme", [("Authorization", valid)]),
            ("the scheme alone", [("X-Api-Key", "gok_")]),
            ("a key named null", [("X-Api-Key", "null")]),
            ("an SQL X-Api-Key", [("X-Api-Key", "' OR 1=1--")]),
            ("a 10 KB X-Api-Key", [("X-Api-Key", "gok_" + new string('a', 10 * 1024))]),
            ("two keys in one Authorization header", [("Authorization", $"Bearer {valid}, Bearer {valid}")]),
            ("a key of the right length but not hex", [("X-Api-Key", "gok_zzzzzzzz_" + Secret())]),
        ];
        string[] unsafeRoutes = ["PUT /api/admin/sharing/{agency}", "DELETE /api/admin/sharing/{agency}", "POST /api/ingest/overdoses?agency={agency}", "POST /api/webhooks", "GET /no/such/route"];
        foreach (var (name, headers) in forgeries)
        {
            foreach (var route in Some(random, Routes, 6).Select(r => "GET " + r).Append(unsafeRoutes[random.Next(unsafeRoutes.Length)]))
            {
                var space = route.IndexOf(' ', StringComparison.Ordinal);
                var method = new HttpMethod(route[..space]);
                var body = method == HttpMethod.Get ? null : Body.Text(method == HttpMethod.Put ? "{\"partners\":[]}" : "external_id\r\n", method == HttpMethod.Put ? "application/json" : "text/csv");
                yield return new Probe("forged credentials", method, route[(space + 1)..], body, headers) { Forged = name };
            }
        }
    }

    /// <summary>
    /// Requests that ask for unbounded work: analysis bodies over their limit, huge permutations, long
    /// series, dense distance bands, world polygons with tiny grids, and dates at the ends of their type
    /// on every route family. The analyst (who may send the bodies) gets a 400 or a 413, never the work.
    /// </summary>
    private static IEnumerable<Probe> BoundedWork(Random random)
    {
        const string Category = "bounded work";
        static string Points(Random random, int count, double spread) => string.Join(",", Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture,
            $$$"""{"type":"Feature","id":{{{i}}},"geometry":{"type":"Point","coordinates":[{{{-80 + ((random.NextDouble() - 0.5) * spread):F5}}},{{{40.4 + ((random.NextDouble() - 0.5) * spread):F5}}}]},"properties":{"n":{{{random.Next(21)}}}}}""")));
        string Hotspots(string method, string weights, long permutations, string features) =>
            $$$"""{"method":"{{{method}}}","field":"n","weights":{{{weights}}},"permutations":{{{permutations}}},"features":{"type":"FeatureCollection","features":[{{{features}}}]}}""";
        var few = Points(random, 30, 1);
        var dense = Points(random, 2000, 0.3);
        var nineMegabytes = Hotspots("gi_star", "{\"type\":\"knn\"}", 0, string.Join(",", Enumerable.Repeat(Points(random, 1, 1), 9 * 1024 * 1024 / 90)));
        var days = new StringBuilder();
        for (var d = 0; d < 40_000; d++)
        {
            days.Append(d == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $$"""{"date":"{{new DateOnly(1950, 1, 1).AddDays(d):yyyy-MM-dd}}","count":{{d % 7}}}""");
        }

        (string Url, string Json, int Status)[] bodies =
        [
            ("/api/analysis/hotspots", nineMegabytes, 413),
            ("/api/analysis/hotspots", Hotspots("local_moran", "{\"type\":\"knn\",\"k\":5}", 99_999, few), 400),
            ("/api/analysis/hotspots", Hotspots("local_moran", "{\"type\":\"knn\",\"k\":5}", 1_000_000_000_000, few), 400),
            ("/api/analysis/hotspots", Hotspots("local_moran", "{\"type\":\"distance_band\",\"distanceMeters\":50000}", 9999, dense), 400),
            ("/api/analysis/hotspots", Hotspots("gi_star", "{\"type\":\"knn\",\"k\":100000}", 0, dense), 400),
            ("/api/analysis/hotspots", Hotspots("gi_star", "{\"type\":\"distance_band\",\"distanceMeters\":1e300}", 0, dense), 400),
            ("/api/analysis/spikes", $$"""{"method":"ears_c2","series":[{{days}}]}""", 400),
            ("/api/analysis/spikes", """{"method":"ears_c2","series":[{"date":"0001-01-01","count":1},{"date":"9999-12-31","count":1}]}""", 400),
            ("/api/analysis/spikes", """{"method":"ewma","series":[{"date":"9999-12-31","count":1}]}""", 400),
            ("/api/planning/naloxone", """{"area":{"geometry":{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}},"candidates":{"grid":50},"k":1000,"radiusMeters":50000}""", 400),
            ("/api/planning/naloxone", """{"area":{"geometry":{"type":"Polygon","coordinates":[[[-100,35],[-95,35],[-95,39],[-100,39],[-100,35]]]}},"candidates":{"grid":50},"k":5,"radiusMeters":800}""", 400),
            ("/api/planning/naloxone", """{"area":{"county":"56021"},"from":"0001-01-01","to":"9999-12-31","candidates":{"grid":1000},"k":5,"radiusMeters":800}""", 400),
        ];
        foreach (var (url, json, status) in bodies)
        {
            yield return new(Category, HttpMethod.Post, url, Body.Text(json, "application/json")) { AnalystStatus = status };
        }

        yield return new(Category, HttpMethod.Post, "/api/analysis/hotspots", new(Encoding.UTF8.GetBytes(nineMegabytes), "application/json", Unsized: true)) { AnalystStatus = 413 };

        string[] extremes = ["to=9999-12-31", "to=0001-01-01", "from=0001-01-01", "from=9999-12-31&to=9999-12-31", "from=0001-01-01&to=9999-12-31"];
        string[] routes =
        [
            "/api/areas/county/42003?", "/api/areas/state/42?", "/api/areas/hidta/any?", "/tiles/counties/3/2/3.mvt?", "/tiles/hidta/3/2/3.png?",
            "/tiles/states.json?", "/tiles/counties/legend.png?", "/ogc/collections/county-aggregates/items?", "/ogc/collections/county-aggregates/items/42003?",
            "/api/alerts?", "/api/planning/targets?",
        ];
        foreach (var route in routes)
        {
            foreach (var window in Some(random, extremes, 2))
            {
                yield return new(Category, HttpMethod.Get, route + window) { AnalystStatus = 400 };
            }
        }

        foreach (var datetime in new[] { "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z/..", "../9999-12-31", "0001-01-01/9999-12-31" })
        {
            yield return new(Category, HttpMethod.Get, $"/ogc/collections/overdose-events/items?datetime={Uri.EscapeDataString(datetime)}") { AnalystStatus = 400 };
            yield return new(Category, HttpMethod.Get, $"/ogc/collections/county-aggregates/items?datetime={Uri.EscapeDataString(datetime)}") { AnalystStatus = 400 };
        }

        yield return new(Category, HttpMethod.Get, "/api/alerts?since=0001-01-01T00:00:00Z") { AnalystStatus = 400 };
        yield return new(Category, HttpMethod.Get, "/api/alerts?since=9999-12-31T23:59:59-14:00") { AnalystStatus = 400 };
    }

    // ------------------------------------------------------------------ sending and checking

    /// <summary>An answer: its status (0 when the host refused the request), its body and what is wrong with it.</summary>
    private sealed record Answer(int Status, string MediaType, byte[] Body, IReadOnlyList<string> Problems);

    /// <summary>Sends a probe as a caller and checks the answer; each problem names the request, the status and the body.</summary>
    private async Task<Answer> SendAsync(HttpClient client, Probe probe, Caller caller, Dictionary<Caller, string> keys, ErrorLog log)
    {
        var (request, summary) = Build(probe, caller, keys);
        using (request)
        {
            log.Clear();
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (InvalidOperationException e) when (e.Message.Contains("null characters", StringComparison.Ordinal))
            {
                // A NUL in the path: the test host refuses it before the application, as Kestrel does with 400.
                return new(0, "", [], []);
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsByteArrayAsync();
                var problems = Check(caller, response, body).ToList();
                if (caller == Caller.Analyst && probe.AnalystStatus is { } expected && status != expected)
                {
                    problems.Add($"the analyst should get {expected}");
                }

                return new(status, response.Content.Headers.ContentType?.MediaType ?? "", body, [.. problems.Select(problem =>
                    $"[{probe.Category}] {summary} -> {status} {response.StatusCode}: {problem}\n    body: {Excerpt(body)}" +
                    (log.Entries.IsEmpty ? "" : $"\n    server log: {string.Join("\n      ", log.Entries)}"))]);
            }
        }
    }

    private (HttpRequestMessage Request, string Summary) Build(Probe probe, Caller caller, Dictionary<Caller, string> keys)
    {
        var agency = caller == Caller.Analyst ? AnalystAgency : Agency;
        var url = probe.Url.Replace("{agency}", agency, StringComparison.Ordinal);
        var request = new HttpRequestMessage(probe.Method, new Uri(url, UriKind.Relative));
        var headers = new List<string>();
        if (keys.TryGetValue(caller, out var key))
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", key);
            headers.Add($"X-Api-Key: {caller.ToString().ToLowerInvariant()} key {key[..12]}…");
        }

        foreach (var (name, template) in probe.Headers ?? [])
        {
            var value = template.Replace("{agency}", agency, StringComparison.Ordinal);
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                throw new InvalidOperationException($"header {name} was not taken");
            }

            headers.Add($"{name}: {Shorten(value)}");
        }

        if (probe.Body is { } body)
        {
            var bytes = body.Bytes.Length < 64 * 1024 && Encoding.UTF8.GetString(body.Bytes) is var text && text.Contains("{agency}", StringComparison.Ordinal)
                ? Encoding.UTF8.GetBytes(text.Replace("{agency}", agency, StringComparison.Ordinal))
                : body.Bytes;
            request.Content = body.Unsized ? new UnsizedContent(bytes) : new ByteArrayContent(bytes);
            if (body.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
            }

            headers.Add($"body: {body.Bytes.Length} bytes{(body.Unsized ? " without Content-Length" : "")} of {body.ContentType ?? "no type"}");
        }

        var who = probe.Forged is { } forged ? $"forged ({forged})" : caller.ToString().ToLowerInvariant();
        return (request, $"{who}: {probe.Method} {Shorten(url, 200)} [{string.Join("; ", headers)}]");
    }

    /// <summary>What is wrong with an answer: a 5xx, an accepted forgery, or data beyond the caller's role.</summary>
    private static IEnumerable<string> Check(Caller caller, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            yield return "a server error";
            yield break;
        }

        if (caller == Caller.Forged)
        {
            if (status != 401)
            {
                yield return "forged or revoked credentials were not refused with 401";
            }

            yield break;
        }

        if (status is < 200 or > 299)
        {
            yield break;
        }

        // The path as the server got it, unescaped, with empty segments closed up.
        var path = Regex.Replace(Uri.UnescapeDataString(response.RequestMessage!.RequestUri!.AbsolutePath), "/{2,}", "/").ToLowerInvariant();
        bool Under(params string[] prefixes) => prefixes.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal) || path.StartsWith(p + ".", StringComparison.Ordinal));
        if (caller != Caller.Public && Under("/api/admin", "/api/jobs"))
        {
            yield return $"a {caller} key got {status} from an admin-only route";
        }

        if (caller is Caller.Public or Caller.Partner && Under("/api/ingest"))
        {
            yield return $"the {caller} got {status} from an ingest route (analyst and up)";
        }

        if (caller is Caller.Public or Caller.Partner && Under("/api/webhooks"))
        {
            yield return $"the {caller} got {status} from a webhook route (analyst and up)";
        }

        if (caller is Caller.Public && Under("/api/alerts"))
        {
            yield return $"the public got {status} from an alert route (partner and up)";
        }

        if (caller != Caller.Public)
        {
            yield break;
        }

        if (PointRoute(path))
        {
            yield return $"the public got {status} from a point-level route";
        }

        foreach (var leak in PublicLeaks(response.Content.Headers.ContentType?.MediaType ?? "", Decoded(response, body)))
        {
            yield return leak;
        }
    }

    /// <summary>Whether a path (lower case, unescaped) is a route to event points: tiles of the point layers or the event collections.</summary>
    private static bool PointRoute(string path) =>
        new[] { "/tiles/overdoses", "/tiles/seizures", "/ogc/collections/overdose-events", "/ogc/collections/seizure-events" }
            .Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal) || path.StartsWith(p + ".", StringComparison.Ordinal) || path.StartsWith(p + "?", StringComparison.Ordinal));

    /// <summary>What an answer shows that the public may not see: event points, counts of 1–9, class bounds that are such counts.</summary>
    private static List<string> PublicLeaks(string mediaType, byte[] body)
    {
        var leaks = new List<string>();
        if (mediaType == "application/vnd.mapbox-vector-tile")
        {
            IReadOnlyList<MvtDecoder.Layer> layers;
            try
            {
                layers = MvtDecoder.Decode(body);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidDataException)
            {
                return [$"the tile does not decode: {e.Message}"];
            }

            foreach (var layer in layers)
            {
                foreach (var feature in layer.Items)
                {
                    if (PointLayers.Contains(layer.Name) && feature.GeometryType == 1)
                    {
                        leaks.Add($"layer {layer.Name} has a point feature ({string.Join(", ", feature.Properties.Select(p => $"{p.Key}={p.Value}"))})");
                    }

                    leaks.AddRange(feature.Properties
                        .Where(p => CountProperties.Contains(p.Key) && p.Value is double d && d is >= 1 and <= 9)
                        .Select(p => $"layer {layer.Name} shows {p.Key} = {p.Value} ({string.Join(", ", feature.Properties.Select(q => $"{q.Key}={q.Value}"))})"));
                }
            }
        }
        else if (mediaType.Contains("json", StringComparison.Ordinal))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException e)
            {
                return [$"the JSON does not parse: {e.Message}"];
            }

            using (document)
            {
                Walk(document.RootElement, "$", leaks);
            }
        }

        return [.. leaks.Take(5)];

        static void Walk(JsonElement element, string at, List<string> leaks)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{at}[{i++}]", leaks);
                }
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() is "Point" or "MultiPoint")
            {
                leaks.Add($"{at} is a {type.GetString()} geometry");
            }

            if (element.TryGetProperty("metric", out var metric) && metric.ValueKind == JsonValueKind.String && CountMetrics.Contains(metric.GetString()))
            {
                var bounds = element.TryGetProperty("breaks", out var breaks) && breaks.ValueKind == JsonValueKind.Array ? breaks.EnumerateArray().ToList() : [];
                if (element.TryGetProperty("minimum", out var minimum))
                {
                    bounds.Add(minimum);
                }

                leaks.AddRange(bounds.Where(IsSmallCount).Select(b => $"{at}: the {metric.GetString()} classes have the bound {b}, a suppressed count"));
            }

            foreach (var property in element.EnumerateObject())
            {
                if (CountProperties.Contains(property.Name) && IsSmallCount(property.Value))
                {
                    leaks.Add($"{at}.{property.Name} = {property.Value}");
                }

                Walk(property.Value, $"{at}.{property.Name}", leaks);
            }
        }

        static bool IsSmallCount(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.GetDouble() is >= 1 and <= 9;
    }

    /// <summary>The body without its Content-Encoding.</summary>
    private static byte[] Decoded(HttpResponseMessage response, byte[] body)
    {
        Func<Stream, Stream>? decoder = response.Content.Headers.ContentEncoding.LastOrDefault() switch
        {
            "br" => s => new BrotliStream(s, CompressionMode.Decompress),
            "gzip" => s => new GZipStream(s, CompressionMode.Decompress),
            _ => null,
        };
        if (decoder is null)
        {
            return body;
        }

        using var decoded = new MemoryStream();
        using (var stream = decoder(new MemoryStream(body)))
        {
            stream.CopyTo(decoded);
        }

        return decoded.ToArray();
    }

    /// <summary>
    /// The checks can fail: the analyst's view of the seeded events shows counts of 1–9 and points
    /// that the leak checks flag, and the public's view of the same requests says they are suppressed.
    /// </summary>
    private IEnumerable<string> Canaries(Dictionary<(string Url, Caller Caller), Answer> baseline, SeedIds seed)
    {
        var county = $"/ogc/collections/county-aggregates/items/{Laramie}?{Window}";
        var tile = TileMath.TileOf(Lon, Lat, 6);
        var expectations = new (string Url, string What)[]
        {
            (county, "Laramie County's counts on the seeded day"),
            ($"/tiles/counties/6/{tile.X}/{tile.Y}.mvt?{Window}", "the county tile over the seeded events"),
            ($"/tiles/counties.json?metric=overdoses&{Window}", "the overdose classes of the seeded day"),
            ($"/ogc/collections/overdose-events/items?{Datetime}&agency={SeedAgency}", "the seeded overdose points"),
            ($"/ogc/collections/seizure-events/items/{seed.Seizure}", "a seeded seizure point"),
        };
        foreach (var (url, what) in expectations)
        {
            if (!baseline.TryGetValue((url, Caller.Analyst), out var analyst) || PublicLeaks(analyst.MediaType, analyst.Body).Count == 0)
            {
                yield return $"[canary] the leak checks find nothing in the analyst's view of {what} ({url}): they would miss a leak; the analyst got {Excerpt(analyst?.Body ?? [], 3000)}";
            }
        }

        // The point routes answer the public 401 and the keyed roles with the points.
        foreach (var ((url, caller), answer) in baseline.Where(b => PointRoute(b.Key.Url)))
        {
            // A partner may not filter points by agency (it would tell what the geomask hides): 400.
            var expected = caller == Caller.Public ? [401] : caller == Caller.Partner && url.Contains("agency=", StringComparison.Ordinal) ? [400] : new[] { 200, 204 };
            if (!expected.Contains(answer.Status))
            {
                yield return $"[canary] the {caller} got {answer.Status} from the point route {url}";
            }
        }

        // Five overdoses, perturbed by −4…+4, are always withheld: the public's month says so.
        var month = $"/ogc/collections/county-aggregates/items/{Laramie}?{MonthWindow}";
        var open = baseline.TryGetValue((month, Caller.Public), out var view) ? Encoding.UTF8.GetString(view.Body) : "(not sent)";
        if (!Regex.IsMatch(open, "\"suppressed\"\\s*:\\s*true"))
        {
            yield return $"[canary] the public's view of Laramie County on the seeded day does not say it is suppressed: {Shorten(open, 3000)}";
        }
    }

    /// <summary>The event tables are there, hold the seeded events, and nothing the fuzz sent was stored.</summary>
    private async Task<List<string>> DatabaseAsync(NpgsqlDataSource db)
    {
        var problems = new List<string>();
        async Task<long> CountAsync(string sql, params object[] values)
        {
            await using var command = db.CreateCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.AddWithValue(value);
            }

            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        foreach (var table in new[] { "overdose_events", "seizure_events", "ingest_batches", "ingest_mappings", "api_keys", "agency_sharing", "audit_log", "counties", "states" })
        {
            if (await CountAsync("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", table) != 1)
            {
                problems.Add($"[database] the table {table} is gone");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        string[] fuzz = [Agency, AnalystAgency];
        (string What, long Count, long Expected)[] counts =
        [
            ("overdose rows of the fuzz's agencies", await CountAsync("SELECT count(*) FROM overdose_events WHERE source_agency = ANY ($1)", (object)fuzz), 0),
            ("seizure rows of the fuzz's agencies", await CountAsync("SELECT count(*) FROM seizure_events WHERE agency = ANY ($1)", (object)fuzz), 0),
            ("ingest batches of the public's and the partner's agency", await CountAsync("SELECT count(*) FROM ingest_batches WHERE agency = $1", Agency), 0),
            ("sharing rules naming a fuzz agency", await CountAsync("SELECT count(*) FROM agency_sharing WHERE owner = ANY ($1) OR partner = ANY ($1)", (object)fuzz), 0),
            ("column mappings named by the public or the partner", await CountAsync("SELECT count(*) FROM ingest_mappings WHERE name = $1", Agency), 0),
            ("the seeded overdoses", await CountAsync("SELECT count(*) FROM overdose_events WHERE source_agency = $1", SeedAgency), 5),
            ("the seeded seizures", await CountAsync("SELECT count(*) FROM seizure_events WHERE agency = $1", SeedAgency), 2),
        ];
        problems.AddRange(counts.Where(c => c.Count != c.Expected).Select(c => $"[database] {c.What}: {c.Count}, expected {c.Expected}"));

        // The analyst may store mappings; the odd but valid ones the fuzz stored are not left behind.
        await using var cleanup = db.CreateCommand("DELETE FROM ingest_mappings WHERE name = $1");
        cleanup.Parameters.AddWithValue(AnalystAgency);
        await cleanup.ExecuteNonQueryAsync();
        return problems;
    }

    // ------------------------------------------------------------------ set-up

    private sealed record SeedIds(long Overdose, long Seizure);

    /// <summary>Five overdoses and two seizures in Laramie County on the seeded day, sent with an admin key: counts of 1–9 to suppress.</summary>
    private async Task<SeedIds> SeedAsync(NpgsqlDataSource db)
    {
        using var admin = factory.CreateClient("admin");
        async Task IngestAsync(string kind, string csv)
        {
            using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
            using var response = await admin.PostAsync(new Uri($"/api/ingest/{kind}?agency={SeedAgency}", UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, text);
            Assert.Contains("\"rejected\":0", text, StringComparison.Ordinal);
        }

        var at = FormattableString.Invariant($"{Lat},{Lon}");
        var day = Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await IngestAsync("overdoses",
            "external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex\r\n" +
            $"f1,{day}T08:00:00Z,{at},exact,true,true,1,fentanyl,30-34,M\r\n" +
            $"f2,{day}T12:30:00Z,{at},exact,true,false,,heroin,40-44,F\r\n" +
            $"f3,{day}T22:00:00Z,{at},exact,false,true,2,fentanyl;cocaine,25-29,M\r\n" +
            $"f4,{day}T23:00:00Z,{at},exact,false,,,cocaine,25-29,F\r\n" +
            $"f5,{day}T23:30:00Z,{at},exact,false,,,,35-39,M\r\n");
        await IngestAsync("seizures",
            "external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\r\n" +
            $"s1,{day}T10:00:00Z,{at},cocaine,12,g,CASE-FUZZ-1\r\n" +
            $"s2,{day}T14:00:00Z,{at},fentanyl,40,pills,CASE-FUZZ-2\r\n");

        async Task<long> IdAsync(string sql)
        {
            await using var command = db.CreateCommand(sql);
            command.Parameters.AddWithValue(SeedAgency);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        return new(await IdAsync("SELECT min(id) FROM overdose_events WHERE source_agency = $1"), await IdAsync("SELECT min(id) FROM seizure_events WHERE agency = $1"));
    }

    /// <summary>An analyst key that reads event points, then revoked.</summary>
    private async Task<string> RevokedKeyAsync(NpgsqlDataSource db)
    {
        await using var entities = GeoOrsDbContext.Create(db);
        var (key, prefix) = await ApiKeys.CreateAsync(entities, "analyst", AnalystAgency);
        using var client = factory.CreateClient();
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ogc/collections/overdose-events", UriKind.Relative)))
        {
            request.Headers.Add("X-Api-Key", key);
            using var before = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        Assert.True(await ApiKeys.RevokeAsync(entities, prefix));
        return key;
    }

    // ------------------------------------------------------------------ helpers

    private static V Pick(Random random, V[] values) => values[random.Next(values.Length)];

    /// <summary>n different items, chosen by the seeded random.</summary>
    private static T[] Some<T>(Random random, T[] items, int n)
    {
        var copy = items.ToArray();
        random.Shuffle(copy);
        return copy[..Math.Min(n, copy.Length)];
    }

    private static string Shorten(string text, int length = 80) =>
        text.Length <= length ? text : $"{text[..length]}…({text.Length} chars)";

    private static string Excerpt(byte[] body, int length = 400)
    {
        if (body.Length == 0)
        {
            return "(empty)";
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, length));
        return text.Any(c => char.IsControl(c) && c is not ('\r' or '\n' or '\t'))
            ? $"{body.Length} bytes: {Convert.ToHexString(body, 0, Math.Min(body.Length, 32))}…"
            : text.ReplaceLineEndings(" ") + (body.Length > length ? "…" : "");
    }

    /// <summary>A body sent without a Content-Length (chunked).</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>The server's errors while a request ran, for the failure message.</summary>
    private sealed class ErrorLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public void Clear() => Entries.Clear();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    // The exception and where in GeoOrs it was thrown; the framework's frames say little.
                    var frames = exception?.ToString().Split('\n').Select(f => f.Trim()).Where(f => f.StartsWith("at GeoOrs.", StringComparison.Ordinal)).Take(3) ?? [];
                    log.Entries.Enqueue($"{category}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message} {string.Join(" ", frames)}");
                }
            }
        }
    }
}
