using System.Net;
using System.Text.Json;
using GeoOrs.Tests;

namespace GeoOrs.Server.Tests;

/// <summary><c>/styles/{name}.json</c>: the repository's MapLibre styles, served with absolute source URLs.</summary>
public class StylesEndpointsTests(GeoOrsFactory factory) : IClassFixture<GeoOrsFactory>
{
    public static TheoryData<string> Styles() =>
        [.. Directory.GetFiles(Path.Combine(PostGis.RepoRoot, "tiles"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_geoors_style_is_in_the_repository() => Assert.Contains("geoors", Styles());

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Style_is_v8_with_absolute_reachable_sources_and_layers_from_the_catalog(string name)
    {
        await PostGis.DataSourceAsync();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri($"/styles/{name}.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("{base}", text, StringComparison.Ordinal);
        using var style = JsonDocument.Parse(text);
        var root = style.RootElement;
        Assert.Equal(8, root.GetProperty("version").GetInt32());
        Assert.False(root.TryGetProperty("glyphs", out _), "no glyphs: nothing may come from a CDN");
        Assert.False(root.TryGetProperty("sprite", out _), "no sprite: nothing may come from a CDN");

        using var catalogResponse = await client.GetAsync(new Uri("/tiles", UriKind.Relative));
        using var catalog = JsonDocument.Parse(await catalogResponse.Content.ReadAsStringAsync());
        var catalogLayers = catalog.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).ToHashSet();

        // Every source: an absolute URL on this server whose TileJSON answers 200.
        var sourceLayers = new Dictionary<string, HashSet<string>>();
        foreach (var source in root.GetProperty("sources").EnumerateObject())
        {
            Assert.Equal("vector", source.Value.GetProperty("type").GetString());
            var url = source.Value.GetProperty("url").GetString()!;
            Assert.True(Uri.TryCreate(url, UriKind.Absolute, out var uri), $"{source.Name}: '{url}' is not absolute");
            Assert.Equal(client.BaseAddress!.GetLeftPart(UriPartial.Authority), uri.GetLeftPart(UriPartial.Authority));
            using var tileJsonResponse = await client.GetAsync(uri);
            Assert.True(tileJsonResponse.StatusCode == HttpStatusCode.OK, $"{url}: {tileJsonResponse.StatusCode}");
            using var tileJson = JsonDocument.Parse(await tileJsonResponse.Content.ReadAsStringAsync());
            Assert.Equal("3.0.0", tileJson.RootElement.GetProperty("tilejson").GetString());
            sourceLayers[source.Name] = tileJson.RootElement.GetProperty("vector_layers").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).ToHashSet();
        }

        Assert.NotEmpty(sourceLayers);

        // Every layer: a unique id; a source of the style; a source-layer of the catalog and of its source's TileJSON.
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        Assert.NotEmpty(layers);
        Assert.Equal(layers.Count, layers.Select(l => l.GetProperty("id").GetString()).Distinct().Count());
        foreach (var layer in layers)
        {
            var id = layer.GetProperty("id").GetString();
            if (layer.GetProperty("type").GetString() == "background")
            {
                continue;
            }

            var source = layer.GetProperty("source").GetString()!;
            Assert.True(sourceLayers.ContainsKey(source), $"{id}: no source '{source}'");
            var sourceLayer = layer.GetProperty("source-layer").GetString()!;
            Assert.Contains(sourceLayer, catalogLayers);
            Assert.Contains(sourceLayer, sourceLayers[source]);
        }

        // Nothing is fetched from anywhere but this server.
        foreach (var value in Strings(root).Where(v => v.Contains("://", StringComparison.Ordinal)))
        {
            Assert.StartsWith(client.BaseAddress!.GetLeftPart(UriPartial.Authority) + "/", value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_geoors_style_draws_every_tile_layer()
    {
        using var client = factory.CreateClient("analyst"); // the public's style leaves out the event layers

        using var style = JsonDocument.Parse(await client.GetStringAsync(new Uri("/styles/geoors.json", UriKind.Relative)));
        var drawn = style.RootElement.GetProperty("layers").EnumerateArray()
            .Where(l => l.TryGetProperty("source-layer", out _)).Select(l => l.GetProperty("source-layer").GetString()).ToHashSet();
        Assert.Equal(["counties", "hidta", "overdoses", "seizures", "states"], drawn.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sources_follow_the_host_the_request_came_to()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/styles/geoors.json", UriKind.Relative));
        request.Headers.Host = "maps.example.org:8443";
        using var response = await client.SendAsync(request);
        using var style = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("http://maps.example.org:8443/tiles/counties.json",
            style.RootElement.GetProperty("sources").GetProperty("counties").GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("/styles/nope.json")]
    [InlineData("/styles/Geoors.json")]
    [InlineData("/styles/..%2Fgeoors.json")]
    [InlineData("/styles/..%2F..%2Fsrc%2FGeoOrs.Server%2Fappsettings.json")]
    [InlineData("/styles/.json")]
    public async Task Unknown_style_is_404(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };
}
