using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoOrs.Data.Access;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary>
/// <c>geoors plan naloxone</c>: the planner of <c>POST /api/planning/naloxone</c> from the command line,
/// with the database's whole view (the command line is trusted as an admin is), writing the chosen
/// sites as GeoJSON (with the plan's numbers) and as CSV.
/// </summary>
internal static class PlanCommand
{
    public const string Usage = """
        usage: geoors plan naloxone (--county FIPS | --hidta ID | --polygon FILE.geojson) --k N --radius METRES
                                    (--grid METRES | --candidates FILE.csv|FILE.geojson) [--existing FILE]
                                    [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--fatal-weight W] [--nonfatal-weight W]
                                    [--half-life DAYS] --out PREFIX        writes PREFIX.geojson and PREFIX.csv
        """;

    public static async Task<int> RunAsync(NpgsqlDataSource dataSource, string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            options[args[i][2..]] = args[++i];
        }

        string[] known = ["county", "hidta", "polygon", "k", "radius", "grid", "candidates", "existing", "from", "to", "fatal-weight", "nonfatal-weight", "half-life", "out"];
        var unknown = options.Keys.FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null || !options.ContainsKey("out"))
        {
            Console.Error.WriteLine(unknown is null ? "geoors: --out PREFIX is required" : $"geoors: unknown option --{unknown}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var request = new JsonObject
        {
            ["area"] = options.TryGetValue("county", out var county) ? new JsonObject { ["county"] = county }
                : options.TryGetValue("hidta", out var hidta) ? new JsonObject { ["hidta"] = hidta }
                : options.TryGetValue("polygon", out var polygon) ? new JsonObject { ["geometry"] = Geometry(await File.ReadAllTextAsync(polygon)) }
                : null,
            ["candidates"] = options.TryGetValue("grid", out var grid) ? new JsonObject { ["grid"] = Number(grid, "grid") }
                : options.TryGetValue("candidates", out var candidates) ? await SitesAsync(candidates) : null,
            ["format"] = "geojson",
        };
        if (options.TryGetValue("existing", out var existing))
        {
            request["existing"] = await SitesAsync(existing);
        }

        if (options.TryGetValue("k", out var k))
        {
            request["k"] = Number(k, "k");
        }

        if (options.TryGetValue("radius", out var radius))
        {
            request["radiusMeters"] = Number(radius, "radius");
        }

        foreach (var (option, member) in new[] { ("from", "from"), ("to", "to") })
        {
            if (options.TryGetValue(option, out var day))
            {
                request[member] = day;
            }
        }

        if (options.TryGetValue("half-life", out var halfLife))
        {
            request["halfLifeDays"] = Number(halfLife, "half-life");
        }

        if (options.ContainsKey("fatal-weight") || options.ContainsKey("nonfatal-weight"))
        {
            request["weights"] = new JsonObject
            {
                ["fatal"] = Number(options.GetValueOrDefault("fatal-weight", "1"), "fatal-weight"),
                ["nonfatal"] = Number(options.GetValueOrDefault("nonfatal-weight", "1"), "nonfatal-weight"),
            };
        }

        object plan;
        try
        {
            using var document = JsonDocument.Parse(request.ToJsonString());
            plan = await PlanningEndpoints.PlanAsync(document.RootElement, dataSource, AccessView.Everything, DateOnly.FromDateTime(DateTime.UtcNow), new LimitsOptions(), CancellationToken.None);
        }
        catch (JsonRequest.Invalid e)
        {
            Console.Error.WriteLine($"geoors: {e.Field}: {e.Message}");
            return 2;
        }

        var json = JsonSerializer.SerializeToNode(plan, PlanJson)!;
        var prefix = options["out"];
        await File.WriteAllTextAsync(prefix + ".geojson", json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", new UTF8Encoding(false));
        var csv = new StringBuilder("rank,name,lon,lat,added_demand,covered_demand\n");
        foreach (var feature in json["features"]!.AsArray())
        {
            var p = feature!["properties"]!;
            csv.Append(CultureInfo.InvariantCulture, $"{p["rank"]},{Quote(p["name"]!.GetValue<string>())},{p["lon"]},{p["lat"]},{p["added_demand"]},{p["covered_demand"]}\n");
        }

        await File.WriteAllTextAsync(prefix + ".csv", csv.ToString(), new UTF8Encoding(false));
        var summary = json["plan"]!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{json["features"]!.AsArray().Count} sites cover {summary["covered_share"]!.GetValue<double>():P1} of the demand ({summary["events"]} overdoses); " +
            $"within {summary["relative_gap"]!.GetValue<double>():P2} of the optimum; wrote {prefix}.geojson and {prefix}.csv"));
        return 0;
    }

    /// <summary>The API's naming, with GeoJSON4STJ's converters for the plan's features.</summary>
    private static readonly JsonSerializerOptions PlanJson = Data.Geometry.GeoJsonGeometry.Configure(new JsonSerializerOptions(Jobs.AnalysisJob.Json));

    private static JsonNode Number(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? JsonValue.Create(value)
        : throw new ArgumentException($"--{option} is a number (got '{text}')");

    private static JsonNode Geometry(string text)
    {
        var node = JsonNode.Parse(text) ?? throw new ArgumentException("the polygon file is empty");
        return node["type"]?.GetValue<string>() switch
        {
            "Feature" => node["geometry"]!.DeepClone(),
            "FeatureCollection" => node["features"]![0]!["geometry"]!.DeepClone(),
            _ => node.DeepClone(),
        };
    }

    private static async Task<JsonNode> SitesAsync(string path)
    {
        var text = await File.ReadAllTextAsync(path);
        return path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
            ? new JsonObject { ["csv"] = text }
            : new JsonObject { ["features"] = JsonNode.Parse(text) };
    }

    private static string Quote(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
}
