using System.Net;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

public class TilesEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    [Fact]
    public async Task County_tile_holds_the_counties_it_covers_with_their_attributes()
    {
        var tile = TileMath.TileOf(-76.6122, 39.2904, 8); // Baltimore
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri($"/tiles/counties/{tile.Z}/{tile.X}/{tile.Y}.mvt", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.mapbox-vector-tile", response.Content.Headers.ContentType?.MediaType);
        var layer = Assert.Single(MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal("counties", layer.Name);
        Assert.Equal(4096u, layer.Extent);
        Assert.Equal(2u, layer.Version);
        Assert.Superset(new HashSet<string> { "geoid", "name", "statefp", "overdoses", "fatal", "nonfatal", "naloxone", "rate", "seizures" }, layer.Keys.ToHashSet());

        // The counties whose polygons reach into the tile (with its 64/4096 buffer), counted by PostGIS directly.
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FROM counties
            WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096))
            """);
        command.Parameters.AddWithValue(tile.Z);
        command.Parameters.AddWithValue(tile.X);
        command.Parameters.AddWithValue(tile.Y);
        Assert.Equal((long)(await command.ExecuteScalarAsync())!, layer.Features);
    }

    [Fact]
    public async Task Matching_etag_is_304_and_ocean_tile_is_204()
    {
        using var client = factory.CreateClient();
        using var first = await client.GetAsync(new Uri("/tiles/states/4/4/6.mvt", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);

        // Other tests write events in the public's window of the shared database now and then, which
        // may change the tile (its ETag hashes its bytes): then the answer is the tile with its new
        // ETag, and the new one is asked for again.
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/tiles/states/4/4/6.mvt", UriKind.Relative));
            request.Headers.IfNoneMatch.Add(etag);
            using var second = await client.SendAsync(request);
            if (second.StatusCode == HttpStatusCode.NotModified || attempt == 3)
            {
                Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
                break;
            }

            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.NotEqual(etag, second.Headers.ETag);
            etag = second.Headers.ETag!;
        }

        var ocean = TileMath.TileOf(-40, 30, 6); // mid-Atlantic
        using var empty = await client.GetAsync(new Uri($"/tiles/states/{ocean.Z}/{ocean.X}/{ocean.Y}.mvt", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
    }

    [Theory]
    [InlineData("/tiles/counties/3/8/0.mvt", HttpStatusCode.BadRequest)]
    [InlineData("/tiles/counties/25/0/0.mvt", HttpStatusCode.BadRequest)]
    [InlineData("/tiles/counties/-1/0/0.mvt", HttpStatusCode.BadRequest)]
    [InlineData("/tiles/counties/a/b/c.mvt", HttpStatusCode.BadRequest)]
    [InlineData("/tiles/counties/3/1/1.mvt?colour=red", HttpStatusCode.BadRequest)]
    [InlineData("/tiles/overdose_events/3/1/1.mvt", HttpStatusCode.NotFound)]
    [InlineData("/tiles/pg_catalog.pg_user/3/1/1.mvt", HttpStatusCode.NotFound)]
    public async Task Bad_tile_requests_are_4xx(string path, HttpStatusCode expected)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Catalog_and_tilejson_describe_each_layer()
    {
        using var client = factory.CreateClient();
        using var catalog = await client.GetAsync(new Uri("/tiles", UriKind.Relative));
        using var doc = System.Text.Json.JsonDocument.Parse(await catalog.Content.ReadAsStringAsync());
        Assert.Equal(["counties", "heat", "hidta", "hotspots", "states"], doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("id").GetString()));

        // The event layers are listed only to roles that see points.
        using var analyst = factory.CreateClient("analyst");
        using var keyed = await analyst.GetAsync(new Uri("/tiles", UriKind.Relative));
        using var all = System.Text.Json.JsonDocument.Parse(await keyed.Content.ReadAsStringAsync());
        Assert.Equal(["counties", "heat", "hidta", "hotspots", "overdoses", "seizures", "states"], all.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("id").GetString()));

        using var response = await client.GetAsync(new Uri("/tiles/counties.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var tilejson = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = tilejson.RootElement;
        Assert.Equal("3.0.0", root.GetProperty("tilejson").GetString());
        Assert.EndsWith("/tiles/counties/{z}/{x}/{y}.mvt", root.GetProperty("tiles")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(4, root.GetProperty("bounds").GetArrayLength());
        var layer = root.GetProperty("vector_layers")[0];
        Assert.Equal("counties", layer.GetProperty("id").GetString());
        Assert.True(layer.GetProperty("fields").TryGetProperty("geoid", out _));

        using var missing = await client.GetAsync(new Uri("/tiles/nothing.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
