using System.Globalization;
using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Migrations;
using GeoOrs.Data.Tiles;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary><c>geoors tiles …</c>: tile SQL for other clients, and MBTiles archives for offline dashboards.</summary>
internal static class TilesCommand
{
    public static int Sql(string layer, string z, string[] options)
    {
        if (!VectorTileLayers.All.TryGetValue(layer, out var definition))
        {
            Console.Error.WriteLine($"geoors: no tile layer is named '{layer}' (layers: {string.Join(", ", VectorTileLayers.All.Keys)})");
            return 2;
        }

        if (!int.TryParse(z, NumberStyles.None, CultureInfo.InvariantCulture, out var zoom) || zoom > 24)
        {
            Console.Error.WriteLine($"geoors: '{z}' is not a zoom (0..24)");
            return 2;
        }

        var rest = options.ToList();
        if (!TryView(rest, out var view, out var error) || !TryQuery([.. rest], definition.Parameters, out var query, out error))
        {
            Console.Error.WriteLine($"geoors: {error}");
            return 2;
        }

        if (view.Points == PointAccess.Geomasked)
        {
            Console.Error.WriteLine("geoors: tiles sql prints no partner SQL (it would carry the geomask secret); use analyst or public");
            return 2;
        }

        if (!query.TryFor(view, DateOnly.FromDateTime(DateTime.UtcNow), out query, out error))
        {
            Console.Error.WriteLine($"geoors: {error}");
            return 2;
        }

        Console.WriteLine(TileSqlText.ForPgbench(definition, zoom, query));
        return 0;
    }

    /// <summary>
    /// <c>tiles seed --layer L --maxzoom Z --out FILE.mbtiles [--minzoom N] [--from D] [--to D] [--drug X] [--fatal B]</c>:
    /// an MBTiles archive of a layer. Bad arguments exit 2 before the database is touched.
    /// </summary>
    public static async Task<int> SeedAsync(string[] options, Func<NpgsqlDataSource> open)
    {
        if (!TryParseSeed(options, out var request, out var error))
        {
            Console.Error.WriteLine($"geoors: {error}");
            Console.Error.WriteLine(SeedUsage);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            await using var dataSource = open();
            await Migrator.MigrateAsync(dataSource, cancel.Token);
            request = request with { Query = request.Query with { View = await ViewAsync(dataSource, request.Query.View, cancel.Token) } };
            var result = await MbTilesSeeder.SeedAsync(dataSource, request, Console.Error,
                Console.IsErrorRedirected ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(1), cancel.Token);
            if (request.Layer is PointTileLayer)
            {
                await AuditLog.WriteManyAsync(dataSource, [new AuditEntry("cli", request.Query.View.Role, request.Query.View.Agency, "geoors tiles seed",
                    string.Join(' ', options), null, null, (int)Math.Min(result.Features, int.MaxValue))], CancellationToken.None);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {result.Tiles:N0} tiles ({result.Bytes:N0} bytes, {result.Made - result.Tiles:N0} empty left out) " +
                $"of {request.Layer.Id} z{request.MinZoom}-{request.MaxZoom} to {Path.GetFullPath(request.Output)} in {result.Elapsed.TotalSeconds:0.0} s"));
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"geoors: seeding cancelled; {request.Output} was left as it was");
            return 130;
        }
        catch (SqliteException e)
        {
            Console.Error.WriteLine($"geoors: writing the archive failed: {e.Message}");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private const string SeedUsage =
        "usage: geoors tiles seed --layer L --maxzoom Z --out FILE.mbtiles [--minzoom N] [--from D] [--to D] [--drug X] [--fatal B] " +
        "[--role public|partner|analyst|law_enforcement|admin] [--agency A]";

    /// <summary>
    /// The view a command reads for: its role (the public's unless told) and the agencies the sharing
    /// rules hide from it.
    /// </summary>
    private static async Task<AccessView> ViewAsync(NpgsqlDataSource dataSource, AccessView asked, CancellationToken cancellationToken)
    {
        var rules = await SharingRules.LoadAsync(dataSource, cancellationToken);
        return asked with { HiddenAgencies = rules.HiddenFrom(asked.Role, asked.Agency) };
    }

    /// <summary>Takes <c>--role</c> and <c>--agency</c> out of the options.</summary>
    private static bool TryView(List<string> options, out AccessView view, out string? error)
    {
        string? Take(string name)
        {
            var at = options.IndexOf("--" + name);
            if (at < 0 || at + 1 >= options.Count)
            {
                return null;
            }

            var value = options[at + 1];
            options.RemoveRange(at, 2);
            return value;
        }

        var roleName = Take("role") ?? "public";
        var agency = Take("agency");
        error = Roles.TryParse(roleName, out var role) ? null : $"--role must be public, {string.Join(", ", Roles.Keyed)} (got '{roleName}')";
        view = new AccessView(role, role == Role.Public ? null : agency ?? "cli", []);
        return error is null;
    }

    /// <summary>Reads the seed's arguments; every one is checked, the query by the layer's own parameters.</summary>
    internal static bool TryParseSeed(string[] options, out SeedRequest request, out string? error)
    {
        request = null!;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = new List<string>();
        for (var i = 0; i < options.Length; i += 2)
        {
            if (!options[i].StartsWith("--", StringComparison.Ordinal) || options[i].Length == 2 || i + 1 >= options.Length)
            {
                error = i + 1 >= options.Length && options[i].StartsWith("--", StringComparison.Ordinal)
                    ? $"{options[i]} needs a value"
                    : $"expected --name value, got '{options[i]}'";
                return false;
            }

            var name = options[i][2..];
            if (!seen.TryAdd(name, options[i + 1]))
            {
                error = $"--{name} is given twice";
                return false;
            }

            if (name is not ("layer" or "maxzoom" or "minzoom" or "out" or "role" or "agency"))
            {
                rest.Add(options[i]);
                rest.Add(options[i + 1]);
            }
        }

        if (!seen.TryGetValue("layer", out var id) || !seen.TryGetValue("maxzoom", out var max) || !seen.TryGetValue("out", out var output))
        {
            error = "tiles seed needs --layer, --maxzoom and --out";
            return false;
        }

        if (!VectorTileLayers.All.TryGetValue(id, out var layer))
        {
            error = $"no tile layer is named '{id}' (layers: {string.Join(", ", VectorTileLayers.All.Keys.Order(StringComparer.Ordinal))})";
            return false;
        }

        if (!TryZoom("maxzoom", max, layer, out var maxZoom, out error))
        {
            return false;
        }

        var minZoom = layer.MinZoom;
        if (seen.TryGetValue("minzoom", out var min) && !TryZoom("minzoom", min, layer, out minZoom, out error))
        {
            return false;
        }

        if (minZoom > maxZoom)
        {
            error = $"--minzoom ({minZoom}) is above --maxzoom ({maxZoom})";
            return false;
        }

        if (!output.EndsWith(".mbtiles", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(output).Length <= ".mbtiles".Length)
        {
            error = $"--out must name a .mbtiles file (got '{output}')";
            return false;
        }

        var full = Path.GetFullPath(output);
        if (Directory.Exists(full))
        {
            error = $"--out '{output}' is a directory";
            return false;
        }

        if (!Directory.Exists(Path.GetDirectoryName(full)))
        {
            error = $"the folder of --out '{output}' does not exist";
            return false;
        }

        if (!TryQuery([.. rest], layer.Parameters, out var query, out error)
            || !TryView([.. seen.Where(o => o.Key is "role" or "agency").SelectMany(o => new[] { "--" + o.Key, o.Value })], out var view, out error))
        {
            return false;
        }

        if (layer is PointTileLayer && view.Points == PointAccess.None)
        {
            error = $"{layer.Id} holds event points: seed it for a role that sees them (--role partner, analyst, law_enforcement or admin)";
            return false;
        }

        // Public tiles are seeded for one of the public's windows, as the server would serve them.
        if (!query.TryFor(view, DateOnly.FromDateTime(DateTime.UtcNow), out query, out error))
        {
            return false;
        }

        request = new SeedRequest(layer, minZoom, maxZoom, query, output);
        return true;
    }

    private static bool TryZoom(string name, string value, VectorTileLayer layer, out int zoom, out string? error)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out zoom) || zoom < layer.MinZoom || zoom > layer.MaxZoom)
        {
            error = $"--{name} must be a zoom from {layer.MinZoom} to {layer.MaxZoom} for {layer.Id} (got '{value}')";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Reads <c>--from D --to D --drug X --fatal B</c> as a layer query.</summary>
    public static bool TryQuery(string[] options, IReadOnlyList<string> allowed, out LayerQuery query, out string? error)
    {
        var pairs = new List<KeyValuePair<string, string?[]>>();
        for (var i = 0; i < options.Length; i += 2)
        {
            if (!options[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= options.Length)
            {
                query = LayerQuery.All;
                error = $"expected --name value, got '{options[i]}'";
                return false;
            }

            pairs.Add(new(options[i][2..], [options[i + 1]]));
        }

        return LayerQuery.TryParse(pairs, allowed, out query, out error);
    }
}
