using System.CommandLine;
using System.Globalization;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Migrations;
using GeoOrs.Data.Tiles;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary><c>geoors tiles …</c>: tile SQL for other clients, and MBTiles archives for offline dashboards.</summary>
internal static class TilesCommand
{
    private static readonly string Layers = string.Join('|', VectorTileLayers.All.Keys.Order(StringComparer.Ordinal));

    public static Command Create() => new("tiles", "Vector tiles outside the server: a layer's tile SQL, and MBTiles archives")
    {
        SqlCommand(),
        SeedCommand(),
    };

    /// <summary>The options every tile verb takes: the layer query and the view it is read for.</summary>
    private sealed record QueryOptions(Option<string> From, Option<string> To, Option<string> Drug, Option<string> Fatal, Option<string> Role, Option<string> Agency)
    {
        public static QueryOptions Create()
        {
            var role = CommandLine.Optional<string>("--role", "The role the tiles are read for", string.Join('|', ["public", .. Roles.Keyed]));
            role.AcceptOnlyFromAmong(["public", .. Roles.Keyed]);
            role.DefaultValueFactory = _ => "public";
            return new(
                CommandLine.Optional<string>("--from", "The first day of events", "YYYY-MM-DD"),
                CommandLine.Optional<string>("--to", "The last day of events", "YYYY-MM-DD"),
                CommandLine.Optional<string>("--drug", "Only events of this drug (layers that take it)", "DRUG"),
                CommandLine.Optional<string>("--fatal", "Only fatal (true) or nonfatal (false) overdoses (layers that take it)", "true|false"),
                role,
                CommandLine.Optional<string>("--agency", "The agency of a keyed role (default: cli)", "NAME"));
        }

        public IEnumerable<Option> All => [From, To, Drug, Fatal, Role, Agency];

        /// <summary>The query's options as given, named as the HTTP API names them; the layer's own parameters check them.</summary>
        public IEnumerable<KeyValuePair<string, string?[]>> Pairs(ParseResult parse) =>
            new[] { ("from", From), ("to", To), ("drug", Drug), ("fatal", Fatal) }
                .Where(o => parse.GetResult(o.Item2) is not null)
                .Select(o => new KeyValuePair<string, string?[]>(o.Item1, [parse.GetValue(o.Item2)]));

        public AccessView View(ParseResult parse)
        {
            Roles.TryParse(parse.GetRequiredValue(Role), out var role);
            return new AccessView(role, role == Data.Access.Role.Public ? null : parse.GetValue(Agency) ?? "cli", []);
        }
    }

    private static Command SqlCommand()
    {
        var layer = new Argument<string>("LAYER") { Description = "The tile layer", HelpName = Layers };
        layer.AcceptOnlyFromAmong([.. VectorTileLayers.All.Keys.Order(StringComparer.Ordinal)]);
        var zoom = new Argument<int>("Z")
        {
            Description = "The zoom (0..24)",
            CustomParser = r =>
            {
                var text = r.Tokens is [var token] ? token.Value : "";
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var z) && z <= 24)
                {
                    return z;
                }

                r.AddError($"Z must be a zoom from 0 to 24 (got '{text}')");
                return 0;
            },
        };
        var query = QueryOptions.Create();
        var sql = new Command("sql", "A layer's tile SQL with the query's values written in and z/x/y as pgbench's :z :x :y (for pgbench)") { layer, zoom };
        foreach (var option in query.All)
        {
            sql.Options.Add(option);
        }

        sql.SetAction(parse =>
        {
            var definition = VectorTileLayers.All[parse.GetRequiredValue(layer)];
            var view = query.View(parse);
            if (!LayerQuery.TryParse(query.Pairs(parse), definition.Parameters, out var layerQuery, out var error))
            {
                return CommandLine.Refuse("tiles sql", error!);
            }

            if (view.Points == PointAccess.Geomasked)
            {
                return CommandLine.Refuse("tiles sql", "it prints no partner SQL (it would carry the geomask secret); use analyst or public");
            }

            if (!layerQuery.TryFor(view, LayerQuery.PublicToday(DateTimeOffset.UtcNow), out layerQuery, out error))
            {
                return CommandLine.Refuse("tiles sql", error!);
            }

            Console.WriteLine(TileSqlText.ForPgbench(definition, parse.GetRequiredValue(zoom), layerQuery));
            return 0;
        });
        return sql;
    }

    private static Command SeedCommand()
    {
        var layer = CommandLine.Required<string>("--layer", "The tile layer", Layers);
        layer.AcceptOnlyFromAmong([.. VectorTileLayers.All.Keys.Order(StringComparer.Ordinal)]);
        var maxZoom = CommandLine.Required<int>("--maxzoom", "The deepest zoom seeded (within the layer's zooms)", "Z");
        var minZoom = CommandLine.Optional<int?>("--minzoom", "The first zoom seeded (default: the layer's least)", "N");
        var output = CommandLine.Required<string>("--out", "The archive to write (replaced only once it is complete)", "FILE.mbtiles");
        var query = QueryOptions.Create();
        var seed = new Command("seed", "An MBTiles archive of a layer, for offline dashboards. Bad arguments exit 2 before the database is touched.")
        {
            layer, maxZoom, minZoom, output,
        };
        foreach (var option in query.All)
        {
            seed.Options.Add(option);
        }

        seed.SetAction(parse =>
        {
            if (!TrySeedRequest(VectorTileLayers.All[parse.GetRequiredValue(layer)], parse.GetRequiredValue(maxZoom), parse.GetValue(minZoom),
                    parse.GetRequiredValue(output), query.Pairs(parse), query.View(parse), out var request, out var error))
            {
                return Task.FromResult(CommandLine.Refuse("tiles seed", error!));
            }

            return SeedAsync(request, string.Join(' ', parse.Tokens.Skip(2).Select(t => t.Value)));
        });
        return seed;
    }

    /// <summary>Writes the archive; Ctrl-C leaves any earlier archive as it was (exit 130).</summary>
    private static async Task<int> SeedAsync(SeedRequest request, string arguments)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            await using var dataSource = CommandLine.Open();
            await Migrator.MigrateAsync(dataSource, cancel.Token);
            request = request with { Query = request.Query with { View = await ViewAsync(dataSource, request.Query.View, cancel.Token) } };
            var result = await MbTilesSeeder.SeedAsync(dataSource, request, Console.Error,
                Console.IsErrorRedirected ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(1), cancel.Token);
            if (request.Layer is PointTileLayer)
            {
                await AuditLog.WriteManyAsync(dataSource, [new AuditEntry("cli", request.Query.View.Role, request.Query.View.Agency, "geoors tiles seed",
                    arguments, null, null, (int)Math.Min(result.Features, int.MaxValue))], CancellationToken.None);
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

    /// <summary>
    /// The view a command reads for: its role (the public's unless told) and the agencies the sharing
    /// rules hide from it.
    /// </summary>
    private static async Task<AccessView> ViewAsync(NpgsqlDataSource dataSource, AccessView asked, CancellationToken cancellationToken)
    {
        await using var db = GeoOrsDbContext.Create(dataSource);
        var rules = await SharingRules.LoadAsync(db, cancellationToken);
        return asked with { HiddenAgencies = rules.HiddenFrom(asked.Role, asked.Agency) };
    }

    /// <summary>Checks the seed's values against the layer: its zooms, its own parameters, and the roles that may see its points.</summary>
    private static bool TrySeedRequest(VectorTileLayer layer, int maxZoom, int? min, string output, IEnumerable<KeyValuePair<string, string?[]>> pairs,
        AccessView view, out SeedRequest request, out string? error)
    {
        request = null!;
        var minZoom = min ?? layer.MinZoom;
        if (!InZooms("maxzoom", maxZoom, layer, out error) || !InZooms("minzoom", minZoom, layer, out error))
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

        if (!LayerQuery.TryParse(pairs, layer.Parameters, out var query, out error))
        {
            return false;
        }

        if (layer is PointTileLayer && view.Points == PointAccess.None)
        {
            error = $"{layer.Id} holds event points: seed it for a role that sees them (--role partner, analyst, law_enforcement or admin)";
            return false;
        }

        // Public tiles are seeded for one of the public's windows, as the server would serve them.
        if (!query.TryFor(view, LayerQuery.PublicToday(DateTimeOffset.UtcNow), out query, out error))
        {
            return false;
        }

        request = new SeedRequest(layer, minZoom, maxZoom, query, output);
        return true;
    }

    private static bool InZooms(string name, int zoom, VectorTileLayer layer, out string? error)
    {
        error = zoom < layer.MinZoom || zoom > layer.MaxZoom ? $"--{name} must be a zoom from {layer.MinZoom} to {layer.MaxZoom} for {layer.Id} (got {zoom})" : null;
        return error is null;
    }
}
