using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Hotspots;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Status;
using GeoOrs.Data.Tiles;
using GeoOrs.Server.Hosting;
using GeoOrs.Server.Tiles;
using GeoOrs.Tests;
using GeoOrs.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// A commit drops only the cached tiles it reaches (docs/adr/0022-invalidation-by-what-changed.md),
/// with the tile cache on, over events this class writes itself in 1978 (a year no other test or data
/// set uses): in Baltimore city (24510), where each test adds events, and in Los Angeles County
/// (06037), which they leave alone. Every tile layer is asked for.
/// </summary>
public class TileInvalidationTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    private const double Lat = 39.2904, Lon = -76.6122; // Baltimore city
    private const double FarLat = 34.0522, FarLon = -118.2437; // Los Angeles
    private const string June = "from=1978-06-01&to=1978-06-30";
    private const string July = "from=1978-07-01&to=1978-07-31";
    private const string OverdoseHeader = "external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex\r\n";
    private const string SeizureHeader = "external_id,seized_at,lat,lon,drug,quantity,unit,case_reference\r\n";
    private static readonly SemaphoreSlim Seeded = new(1, 1);
    private static bool _seeded;

    /// <summary>A tile of a layer to watch: where, at which zoom, and what to read of it.</summary>
    /// <param name="Layer">The layer.</param>
    /// <param name="Z">The zoom.</param>
    /// <param name="Area">For an area layer, its key field and Baltimore city's area in it; null for a point layer (its events are counted).</param>
    private sealed record Watched(string Layer, int Z, (string Key, string Id)? Area)
    {
        public string Path(double lon, double lat, string query)
        {
            var tile = TileMath.TileOf(lon, lat, Z);
            return $"/tiles/{Layer}/{tile.Z}/{tile.X}/{tile.Y}.mvt?{query}";
        }

        /// <summary>The events the tile counts: the area's measure, or a point layer's points and clusters summed.</summary>
        public double Count(byte[] body, string measure)
        {
            if (body.Length == 0)
            {
                return 0;
            }

            var layer = Assert.Single(MvtDecoder.Decode(body));
            return Area is var (key, id)
                ? (double)Assert.Single(layer.Items, f => (string)f.Properties[key] == id).Properties[measure]
                : layer.Items.Sum(f => f.Properties.TryGetValue("count", out var count) ? (double)count : 1);
        }
    }

    /// <summary>The tiles over Baltimore city that an event of the kind there changes, of every layer built on it, points (z12) and clusters (z6).</summary>
    private static async Task<IReadOnlyList<Watched>> TouchedAsync(string kind) =>
    [
        new("counties", 8, ("geoid", "24510")),
        new("states", 5, ("statefp", "24")),
        new("hidta", 6, ("id", await HidtaOfBaltimoreAsync())),
        new(kind, 12, null),
        new(kind, 6, null),
    ];

    private static async Task<string> HidtaOfBaltimoreAsync()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT hidta_id FROM hidta_counties WHERE geoid = '24510'");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task SeedAsync()
    {
        await Seeded.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            // Both places have events in June and July of both kinds, so that no watched tile is empty.
            var overdoses = new StringBuilder(OverdoseHeader);
            var seizures = new StringBuilder(SeizureHeader);
            foreach (var (name, lon, lat) in new[] { ("baltimore", Lon, Lat), ("la", FarLon, FarLat) })
            {
                foreach (var day in new[] { "1978-06-10", "1978-07-10" })
                {
                    overdoses.Append(CultureInfo.InvariantCulture, $"seed-{name}-{day},{day}T18:00:00Z,{lat},{lon},exact,false,true,,fentanyl,,\r\n");
                    seizures.Append(CultureInfo.InvariantCulture, $"seed-{name}-{day},{day}T18:00:00Z,{lat},{lon},cocaine,5,g,\r\n");
                }
            }

            await IngestAsync(factory, "overdoses", overdoses.ToString());
            await IngestAsync(factory, "seizures", seizures.ToString());
            _seeded = true;
        }
        finally
        {
            Seeded.Release();
        }
    }

    private static async Task IngestAsync(GeoOrsFactory server, string kind, string csv)
    {
        using var client = server.CreateClient("admin");
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync(new Uri($"/api/ingest/{kind}?agency=invalidation-tests", UriKind.Relative), content);
        Assert.True(response.StatusCode is HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Adds one event in Baltimore city on 15 June 1978: an overdose by the single-event endpoint, a seizure by a batch.</summary>
    private static async Task AddEventAsync(GeoOrsFactory server, string kind)
    {
        var id = "june-" + Guid.NewGuid().ToString("N")[..10];
        if (kind == "seizures")
        {
            await IngestAsync(server, kind, SeizureHeader + FormattableString.Invariant($"{id},1978-06-15T15:00:00Z,{Lat},{Lon},cocaine,2,g,\r\n"));
            return;
        }

        using var client = server.CreateClient("admin");
        using var content = new StringContent(
            FormattableString.Invariant($$"""{"external_id": "{{id}}", "occurred_at": "1978-06-15T15:00:00Z", "lat": {{Lat}}, "lon": {{Lon}}, "fatal": false}"""),
            Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/api/ingest/overdoses/event?agency=invalidation-tests", UriKind.Relative), content);
        Assert.True(response.StatusCode is HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode Status, EntityTagHeaderValue? ETag, byte[] Body)> GetAsync(HttpClient client, string path, EntityTagHeaderValue? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(ifNoneMatch);
        }

        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent or HttpStatusCode.NotModified, $"{path}: {response.StatusCode}");
        return (response.StatusCode, response.Headers.ETag, await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task WaitLiveAsync(GeoOrsFactory server)
    {
        var versions = server.Services.GetRequiredService<DataVersions>();
        for (var waited = 0; !versions.Live; waited++)
        {
            Assert.True(waited < 600, "the server follows the data changes within a minute");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the server has read the areas' boxes (it does once it caches an area tile); until then an event reaches every area tile of its days.</summary>
    private static async Task AreasKnownAsync(GeoOrsFactory server)
    {
        using var client = server.CreateClient("admin");
        var tile = TileMath.TileOf(FarLon, FarLat, 4);
        await GetAsync(client, $"/tiles/states/{tile.Z}/{tile.X}/{tile.Y}.mvt?{June}");
        var cache = server.Services.GetRequiredService<TileCache>();
        for (var waited = 0; !cache.KnowsAreas; waited++)
        {
            Assert.True(waited < 300, "the server reads the areas' boxes once it caches an area tile");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("overdoses")]
    [InlineData("seizures")]
    public async Task Tiles_an_event_touches_change_after_its_post_on_the_writing_server_at_once_and_on_another_soon(string kind)
    {
        await SeedAsync();
        await using var other = new GeoOrsFactory();
        using var client = factory.CreateClient("admin");
        using var otherClient = other.CreateClient("admin");
        await WaitLiveAsync(factory);
        await WaitLiveAsync(other);
        var measure = kind == "seizures" ? "seizures" : "overdoses";
        var watched = await TouchedAsync(kind);

        var before = new Dictionary<Watched, (double Count, EntityTagHeaderValue ETag)>();
        foreach (var tile in watched)
        {
            var path = tile.Path(Lon, Lat, June);
            var (_, etag, body) = await GetAsync(client, path);
            Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(client, path, etag)).Status); // cached here now
            Assert.Equal(etag, (await GetAsync(otherClient, path)).ETag); // and there: one ETag for one tile on every server
            before[tile] = (tile.Count(body, measure), etag!);
        }

        await AddEventAsync(factory, kind);

        // On the server that took the write: changed as soon as the POST has returned.
        foreach (var tile in watched)
        {
            var (status, etag, body) = await GetAsync(client, tile.Path(Lon, Lat, June), before[tile].ETag);
            Assert.True(status == HttpStatusCode.OK, $"{tile}: {status} right after the POST");
            Assert.NotEqual(before[tile].ETag, etag);
            Assert.Equal(before[tile].Count + 1, tile.Count(body, measure));
        }

        // On the other: once the commit's notification has come (milliseconds; the bound here is generous).
        foreach (var tile in watched)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            (HttpStatusCode Status, EntityTagHeaderValue? ETag, byte[] Body) seen;
            while ((seen = await GetAsync(otherClient, tile.Path(Lon, Lat, June), before[tile].ETag)).Status == HttpStatusCode.NotModified && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(HttpStatusCode.OK, seen.Status);
            Assert.Equal(before[tile].Count + 1, tile.Count(seen.Body, measure));
        }
    }

    [Fact]
    public async Task The_writing_server_drops_its_tiles_before_it_answers_however_late_the_notification()
    {
        // Both servers hear the database's notifications through a relay that holds them back: the
        // writer must not wait for its own change's notification, the other has only the notification.
        await SeedAsync();
        var target = new NpgsqlConnectionStringBuilder(PostGis.ConnectionString);
        await using var proxy = TcpProxy.Start(target.Host!, target.Port);
        var through = new NpgsqlConnectionStringBuilder(PostGis.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;
        await using var listening = GeoOrsDataSource.Create(through);
        GeoOrsFactory Server() => new(new Dictionary<string, string?>(), services =>
            services.AddSingleton(sp => new DataVersions(listening, sp.GetRequiredService<ILogger<DataVersions>>())));
        await using var writer = Server();
        await using var other = Server();
        using var writerClient = writer.CreateClient("admin");
        using var otherClient = other.CreateClient("admin");
        await WaitLiveAsync(writer);
        await WaitLiveAsync(other);
        var watched = await TouchedAsync("overdoses");
        var before = new Dictionary<Watched, (double Count, EntityTagHeaderValue ETag)>();
        foreach (var tile in watched)
        {
            var path = tile.Path(Lon, Lat, June);
            var (_, etag, body) = await GetAsync(writerClient, path);
            before[tile] = (tile.Count(body, "overdoses"), etag!);
            Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(writerClient, path, etag)).Status);
            Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(otherClient, path, etag)).Status);
        }

        proxy.Hold();
        try
        {
            await AddEventAsync(writer, "overdoses");
            foreach (var tile in watched)
            {
                var path = tile.Path(Lon, Lat, June);
                var (status, _, body) = await GetAsync(writerClient, path, before[tile].ETag);
                Assert.True(status == HttpStatusCode.OK, $"{tile}: {status} on the writer right after the POST");
                Assert.Equal(before[tile].Count + 1, tile.Count(body, "overdoses"));
                Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(otherClient, path, before[tile].ETag)).Status); // not told yet
            }
        }
        finally
        {
            proxy.Release();
        }

        foreach (var tile in watched)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await GetAsync(otherClient, tile.Path(Lon, Lat, June), before[tile].ETag)).Status == HttpStatusCode.NotModified && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(HttpStatusCode.OK, (await GetAsync(otherClient, tile.Path(Lon, Lat, June), before[tile].ETag)).Status);
        }
    }

    [Fact]
    public async Task Tiles_elsewhere_and_windows_without_the_day_keep_their_etags_and_answer_304()
    {
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        await WaitLiveAsync(factory);
        await AreasKnownAsync(factory);
        var kept = new List<string>();
        foreach (var layer in VectorTileLayers.All.Values)
        {
            switch (layer)
            {
                case AreaTileLayer or PointTileLayer:
                    foreach (var z in new[] { 5, 8, 12 })
                    {
                        var far = TileMath.TileOf(FarLon, FarLat, z);
                        kept.Add($"/tiles/{layer.Id}/{far.Z}/{far.X}/{far.Y}.mvt?{June}"); // another place, the same days
                        var near = TileMath.TileOf(Lon, Lat, z);
                        kept.Add($"/tiles/{layer.Id}/{near.Z}/{near.X}/{near.Y}.mvt?{July}"); // the same place, other days
                    }

                    break;
                case CellTileLayer:
                    var tile = TileMath.TileOf(Lon, Lat, 8);
                    kept.Add($"/tiles/{layer.Id}/{tile.Z}/{tile.X}/{tile.Y}.mvt"); // built from analysis runs, not from events
                    break;
                default:
                    Assert.Fail($"layer {layer.Id} is of a kind this test does not know");
                    break;
            }
        }

        kept.Add($"/tiles/counties/6/{TileMath.TileOf(Lon, Lat, 6).X}/{TileMath.TileOf(Lon, Lat, 6).Y}.png?{July}&metric=overdoses");

        var etags = new Dictionary<string, EntityTagHeaderValue>();
        foreach (var path in kept)
        {
            etags[path] = (await GetAsync(client, path)).ETag!;
        }

        await AddEventAsync(factory, "overdoses");
        await AddEventAsync(factory, "seizures");

        foreach (var path in kept)
        {
            var (status, etag, _) = await GetAsync(client, path, etags[path]);
            Assert.True(status == HttpStatusCode.NotModified, $"{path}: {status}, ETag {etag} (was {etags[path]})");
        }
    }

    [Fact]
    public async Task Tiles_a_change_does_not_reach_stay_in_the_cache()
    {
        // Tiles are cached; then the data under them is changed behind the server's back (no change is
        // announced). Were a tile dropped by the Baltimore event, it would be made again and show the
        // changed data; kept, it shows what it showed. A change of a whole kind made meanwhile by
        // another test (a sharing rule, a boundary load) drops them rightly: then the test goes again.
        await SeedAsync();
        using var client = factory.CreateClient("admin");
        await WaitLiveAsync(factory);
        await AreasKnownAsync(factory);
        var versions = factory.Services.GetRequiredService<DataVersions>();
        const string Copy = """
            INSERT INTO overdose_events OVERRIDING SYSTEM VALUE
            SELECT (jsonb_populate_record(e, jsonb_build_object('id', nextval(pg_get_serial_sequence('overdose_events', 'id')), 'external_id', 'behind-the-back'))).*
            FROM overdose_events e WHERE e.source_agency = 'invalidation-tests' AND e.external_id = 'seed-la-1978-06-10'
            """;
        const string Uncopy = "DELETE FROM overdose_events WHERE source_agency = 'invalidation-tests' AND external_id = 'behind-the-back'";
        static string Shift(string county, string month, int by) =>
            $"UPDATE overdose_monthly SET events[1] = events[1] + ({by}) WHERE county_fips = '{county}' AND month = '{month}'";
        var (farCounty, farPoints, nearCounty) = (new Watched("counties", 8, ("geoid", "06037")), new Watched("overdoses", 12, null), new Watched("counties", 8, ("geoid", "24510")));
        var probes = new (Watched Tile, string Path, string Change, string Undo)[]
        {
            // another place, the same days: an area tile and a point tile
            (farCounty, farCounty.Path(FarLon, FarLat, June), Shift("06037", "1978-06-01", 1000), Shift("06037", "1978-06-01", -1000)),
            (farPoints, farPoints.Path(FarLon, FarLat, June), Copy, Uncopy),
            // the same place, other days
            (nearCounty, nearCounty.Path(Lon, Lat, July), Shift("24510", "1978-07-01", 1000), Shift("24510", "1978-07-01", -1000)),
        };
        var dataSource = await PostGis.DataSourceAsync();
        async Task ExecuteAsync(string sql)
        {
            await using var command = dataSource.CreateCommand(sql);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        for (var attempt = 0; ; attempt++)
        {
            var whole = false;
            void Watch(DataChange change) => whole |= change.Everything;
            versions.Changed += Watch;
            try
            {
                var cached = new List<double>();
                foreach (var probe in probes)
                {
                    cached.Add(probe.Tile.Count((await GetAsync(client, probe.Path)).Body, "overdoses"));
                    await ExecuteAsync(probe.Change);
                }

                try
                {
                    await AddEventAsync(factory, "overdoses");
                    var seen = new List<double>();
                    foreach (var probe in probes)
                    {
                        seen.Add(probe.Tile.Count((await GetAsync(client, probe.Path)).Body, "overdoses"));
                    }

                    if (whole && attempt < 5)
                    {
                        continue;
                    }

                    Assert.Equal(cached, seen);
                }
                finally
                {
                    foreach (var probe in probes)
                    {
                        await ExecuteAsync(probe.Undo);
                    }

                    versions.Apply(DataChange.All(DataKind.Overdoses)); // no tile made from the changed data stays
                }

                // Baltimore's June tile was dropped: it is made again and shows the new event.
                Assert.Equal(
                    await CountBaltimoreJuneAsync(),
                    nearCounty.Count((await GetAsync(client, nearCounty.Path(Lon, Lat, June))).Body, "overdoses"));
                break;
            }
            finally
            {
                versions.Changed -= Watch;
            }
        }

        static async Task<double> CountBaltimoreJuneAsync()
        {
            var dataSource = await PostGis.DataSourceAsync();
            await using var command = dataSource.CreateCommand(
                "SELECT count(*) FROM overdose_events WHERE county_fips = '24510' AND local_day BETWEEN '1978-06-01' AND '1978-06-30'");
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    [Fact]
    public async Task A_tile_made_while_a_change_that_reaches_it_came_is_not_kept()
    {
        // The tile's maker reads the cache's sequence, then (here) the change commits and is applied
        // before the tile, made from the data as it was, is handed to the cache.
        await SeedAsync();
        await WaitLiveAsync(factory);
        await AreasKnownAsync(factory);
        var cache = factory.Services.GetRequiredService<TileCache>();
        var counties = VectorTileLayers.All["counties"];
        var query = new LayerQuery(new DateOnly(1978, 6, 1), new DateOnly(1978, 6, 30));
        var near = TileMath.TileOf(Lon, Lat, 8);
        var far = TileMath.TileOf(FarLon, FarLat, 8);
        var (nearKey, farKey) = ($"race/{Guid.NewGuid():N}/near", $"race/{Guid.NewGuid():N}/far");

        var versions = factory.Services.GetRequiredService<DataVersions>();
        for (var attempt = 0; ; attempt++)
        {
            var changes = 0;
            void Count(DataChange change) => Interlocked.Increment(ref changes);
            versions.Changed += Count;
            var since = cache.Sequence;
            await AddEventAsync(factory, "overdoses");
            cache.Set(nearKey, new TileBytes([1, 2, 3], 1, TileScope.Of(counties, near, query)), since);
            cache.Set(farKey, new TileBytes([4, 5, 6], 1, TileScope.Of(counties, far, query)), since);
            versions.Changed -= Count;
            if (changes > 1 && attempt < 5)
            {
                continue; // another test's change came too, which may reach the far tile as well
            }

            Assert.False(cache.TryGet(nearKey, out _), "a tile the change reaches, made from the data before it, is not kept");
            Assert.True(cache.TryGet(farKey, out _), "a tile the change does not reach is kept");
            break;
        }
    }

    [Fact]
    public async Task Concurrent_misses_of_a_tile_make_it_once_and_a_change_that_reaches_it_starts_a_new_making()
    {
        await SeedAsync();
        await WaitLiveAsync(factory);
        await AreasKnownAsync(factory);
        var cache = factory.Services.GetRequiredService<TileCache>();
        var scope = TileScope.Of(VectorTileLayers.All["counties"], TileMath.TileOf(Lon, Lat, 8), new LayerQuery(new DateOnly(1978, 6, 1), new DateOnly(1978, 6, 30)));
        var key = $"flight/{Guid.NewGuid():N}";
        var makes = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<(byte[] Bytes, int Features)> Make(CancellationToken cancellationToken)
        {
            var made = Interlocked.Increment(ref makes);
            await gate.Task.WaitAsync(cancellationToken);
            return ([(byte)made], 1);
        }

        var before = Enumerable.Range(0, 4).Select(_ => cache.MakeAsync(key, scope, Make, CancellationToken.None)).ToArray();
        Assert.Equal(1, Volatile.Read(ref makes));

        // The event's change reaches the tile: a request after it does not wait for the making from before.
        await AddEventAsync(factory, "overdoses");
        var after = cache.MakeAsync(key, scope, Make, CancellationToken.None);
        Assert.Equal(2, Volatile.Read(ref makes));

        gate.SetResult();
        Assert.All(await Task.WhenAll(before), tile => Assert.Equal(1, tile.Raw[0]));
        Assert.Equal(2, (await after).Raw[0]);
        Assert.Equal(2, makes);
        Assert.True(cache.TryGet(key, out var kept) && kept.Raw[0] == 2, "the tile made after the change is the one kept");
    }
}
