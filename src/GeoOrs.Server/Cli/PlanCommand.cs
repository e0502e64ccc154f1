using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoOrs.Data.Access;
using GeoOrs.Data.Migrations;

namespace GeoOrs.Server.Cli;

/// <summary>
/// <c>geoors plan naloxone</c>: the planner of <c>POST /api/planning/naloxone</c> from the command line,
/// with the database's whole view (the command line is trusted as an admin is), writing the chosen
/// sites as GeoJSON (with the plan's numbers) and as CSV.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var county = CommandLine.Optional<string>("--county", "The area: a county's FIPS code", "FIPS");
        var hidta = CommandLine.Optional<string>("--hidta", "The area: a HIDTA region", "ID");
        var polygon = CommandLine.Optional<string>("--polygon", "The area: a GeoJSON polygon, feature or feature collection", "FILE.geojson");
        var k = CommandLine.Optional<int>("--k", "How many sites to choose", "N");
        var radius = CommandLine.Optional<double>("--radius", "How far a site reaches", "METRES");
        var grid = CommandLine.Optional<double>("--grid", "Candidate sites on a grid of this spacing", "METRES");
        var candidates = CommandLine.Optional<string>("--candidates", "Candidate sites from a file", "FILE.csv|FILE.geojson");
        var existing = CommandLine.Optional<string>("--existing", "Sites already in place", "FILE.csv|FILE.geojson");
        var from = CommandLine.Optional<string>("--from", "The first day of overdoses counted", "YYYY-MM-DD");
        var to = CommandLine.Optional<string>("--to", "The last day of overdoses counted", "YYYY-MM-DD");
        var fatalWeight = CommandLine.Optional<double>("--fatal-weight", "The weight of a fatal overdose (default 1)", "W");
        var nonfatalWeight = CommandLine.Optional<double>("--nonfatal-weight", "The weight of a nonfatal overdose (default 1)", "W");
        var halfLife = CommandLine.Optional<double>("--half-life", "Older overdoses count less, halving every DAYS", "DAYS");
        var output = CommandLine.Required<string>("--out", "Writes PREFIX.geojson and PREFIX.csv", "PREFIX");
        var naloxone = new Command("naloxone", "Naloxone sites covering the most overdoses, as GeoJSON and CSV. " +
                                               "Give one area (--county, --hidta or --polygon) and one source of candidates (--grid or --candidates).")
        {
            county, hidta, polygon, k, radius, grid, candidates, existing, from, to, fatalWeight, nonfatalWeight, halfLife, output,
        };
        naloxone.SetAction(async (parse, cancellationToken) =>
        {
            var request = new JsonObject
            {
                ["area"] = parse.GetValue(county) is { } fips ? new JsonObject { ["county"] = fips }
                    : parse.GetValue(hidta) is { } region ? new JsonObject { ["hidta"] = region }
                    : parse.GetValue(polygon) is { } file ? new JsonObject { ["geometry"] = Geometry(await File.ReadAllTextAsync(file, cancellationToken)) }
                    : null,
                ["candidates"] = Given(parse, grid) is { } spacing ? new JsonObject { ["grid"] = spacing }
                    : parse.GetValue(candidates) is { } sites ? await SitesAsync(sites) : null,
                ["format"] = "geojson",
            };
            if (parse.GetValue(existing) is { } existingSites)
            {
                request["existing"] = await SitesAsync(existingSites);
            }

            if (parse.GetResult(k) is not null)
            {
                request["k"] = parse.GetValue(k);
            }

            foreach (var (member, value) in new[] { ("radiusMeters", Given(parse, radius)), ("halfLifeDays", Given(parse, halfLife)) })
            {
                if (value is { } number)
                {
                    request[member] = number;
                }
            }

            foreach (var (member, value) in new[] { ("from", parse.GetValue(from)), ("to", parse.GetValue(to)) })
            {
                if (value is not null)
                {
                    request[member] = value;
                }
            }

            if (parse.GetResult(fatalWeight) is not null || parse.GetResult(nonfatalWeight) is not null)
            {
                request["weights"] = new JsonObject
                {
                    ["fatal"] = Given(parse, fatalWeight) ?? 1,
                    ["nonfatal"] = Given(parse, nonfatalWeight) ?? 1,
                };
            }

            return await RunAsync(request, parse.GetRequiredValue(output), cancellationToken);
        });
        return new Command("plan", "Plans from the analyses") { naloxone };
    }

    private static double? Given(ParseResult parse, Option<double> option) => parse.GetResult(option) is null ? null : parse.GetValue(option);

    private static async Task<int> RunAsync(JsonObject request, string prefix, CancellationToken cancellationToken)
    {
        await using var dataSource = CommandLine.Open();
        await Migrator.MigrateAsync(dataSource, cancellationToken);
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
    private static readonly JsonSerializerOptions PlanJson = Data.Geometry.GeoJsonGeometry.Configure(new JsonSerializerOptions(AnalysisJob.Json));

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
