using System.Globalization;
using System.Text.Json;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Spikes;
using GeoOrs.Data.Geometry;
using Microsoft.AspNetCore.Http.HttpResults;

using static GeoOrs.Server.JsonRequest;

namespace GeoOrs.Server;

/// <summary>
/// <c>/api/analysis</c>: hot spot statistics and spike detection over data the caller sends (an
/// analyst's own features or series), computed in memory; nothing is stored or read from the database.
/// </summary>
internal static class AnalysisEndpoints
{
    /// <summary>The largest request body: a FeatureCollection of a few thousand county polygons.</summary>
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    /// <summary>The most features or days one request may analyse.</summary>
    public const int MaxItems = 200_000;

    public static IEndpointRouteBuilder MapAnalysis(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/analysis").WithTags("Analysis").RequireAuthorization(AccessPolicies.Analysts);
        group.MapPost("/hotspots", HotspotsAsync).WithName("AnalyseHotspots");
        group.MapPost("/spikes", SpikesAsync).WithName("AnalyseSpikes");
        return app;
    }

    // ---- hot spots ----

    internal static Task<IResult> HotspotsAsync(HttpRequest request) => AnswerAsync(request, Hotspots);

    private static Task<IResult> AnswerAsync(HttpRequest request, Func<JsonElement, object> analyse) =>
        JsonRequest.AnswerAsync(request, MaxBodyBytes, "The analysis request is not valid", (root, _) => Task.FromResult(analyse(root)));

    private static readonly string[] Methods = ["gi_star", "gi", "local_moran", "global_moran"];
    private static readonly string[] WeightTypes = ["queen", "rook", "knn", "distance_band"];

    private static object Hotspots(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("method" or "field" or "weights" or "permutations" or "seed" or "fdr" or "features"))
            {
                throw new Invalid(property.Name, $"unknown member '{property.Name}'; the request takes method, field, weights, permutations, seed, fdr and features");
            }
        }

        var method = Text(root, "method") ?? throw new Invalid("method", $"'method' is required: {string.Join(", ", Methods)}");
        if (!Methods.Contains(method))
        {
            throw new Invalid("method", $"'{method}' is not a method: {string.Join(", ", Methods)}");
        }

        var field = Text(root, "field") ?? throw new Invalid("field", "'field' names the numeric property to analyse");
        var permutations = Whole(root, "permutations", 0, 99_999) ?? 999;
        var seed = Whole(root, "seed", int.MinValue, int.MaxValue) ?? 1;
        var fdr = Flag(root, "fdr") ?? false;
        var (ids, geometries, values) = Features(root, field);
        var (weights, weightsType) = Weights(root, geometries, method);

        var described = new Dictionary<string, object?>
        {
            ["type"] = weightsType,
            ["style"] = weights.Style == WeightStyle.RowStandardized ? "row" : "binary",
            ["islands"] = weights.Islands.Select(i => ids[i] ?? i).ToArray(),
        };
        switch (method)
        {
            case "gi_star" or "gi":
                var gi = GetisOrd.Compute(values, weights, star: method == "gi_star", fdr: fdr);
                return new
                {
                    method,
                    field,
                    n = values.Length,
                    weights = described,
                    fdr,
                    results = gi.Select((r, i) => new { index = i, id = ids[i], g = r.G, z = r.Z, p = r.P, bin = r.Bin }),
                };
            case "local_moran":
                var local = LocalMoran.Compute(values, weights, permutations, seed);
                var global = GlobalMoran.Compute(values, weights);
                var adjusted = fdr ? FalseDiscoveryRate.Adjust([.. local.Select(r => r.PseudoP)]) : null;
                return new
                {
                    method,
                    field,
                    n = values.Length,
                    weights = described,
                    permutations,
                    seed,
                    fdr,
                    global = Global(global),
                    results = local.Select((r, i) => new
                    {
                        index = i,
                        id = ids[i],
                        i = r.I,
                        expectation = r.Expectation,
                        variance = r.Variance,
                        z = r.Z,
                        p = r.P,
                        pseudo_p = r.PseudoP,
                        pseudo_p_fdr = adjusted?[i],
                        quadrant = r.Quadrant,
                    }),
                };
            default:
                return new { method, field, n = values.Length, weights = described, global = Global(GlobalMoran.Compute(values, weights)) };
        }
    }

    private static object Global(GlobalMoranResult r) => new { i = r.I, expectation = r.Expectation, variance = r.Variance, z = r.Z, p = r.P };

    /// <summary>The features' ids, geometries (valid, EPSG:4326) and the field's values, in input order.</summary>
    private static (object?[] Ids, NetTopologySuite.Geometries.Geometry[] Geometries, double[] Values) Features(JsonElement root, string field)
    {
        if (!root.TryGetProperty("features", out var collection) || collection.ValueKind != JsonValueKind.Object
            || !collection.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "FeatureCollection"
            || !collection.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            throw new Invalid("features", "'features' is a GeoJSON FeatureCollection");
        }

        var count = features.GetArrayLength();
        if (count < 3)
        {
            throw new Invalid("features", $"hot spot statistics need at least 3 features (got {count})");
        }

        if (count > MaxItems)
        {
            throw new Invalid("features", $"at most {MaxItems:N0} features per request (got {count:N0})");
        }

        var ids = new object?[count];
        var geometries = new NetTopologySuite.Geometries.Geometry[count];
        var values = new double[count];
        var index = 0;
        foreach (var feature in features.EnumerateArray())
        {
            var at = $"features[{index}]";
            if (feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind == JsonValueKind.Null)
            {
                throw new Invalid(at, $"{at} is a Feature with a geometry");
            }

            ids[index] = feature.TryGetProperty("id", out var id) ? id.ValueKind switch
            {
                JsonValueKind.String => id.GetString(),
                JsonValueKind.Number => id.GetDouble(),
                _ => throw new Invalid(at, $"{at}.id is a string or a number"),
            } : null;
            try
            {
                geometries[index] = GeoJsonGeometry.Read(geometry);
            }
            catch (GeoJsonException e)
            {
                throw new Invalid(at, $"{at}.geometry: {e.Message}");
            }

            if (geometries[index].IsEmpty || !geometries[index].IsValid)
            {
                throw new Invalid(at, $"{at}.geometry is not a valid geometry (empty, or a polygon that crosses itself)");
            }

            if (!feature.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object
                || !properties.TryGetProperty(field, out var value))
            {
                throw new Invalid(at, $"{at} has no property '{field}'");
            }

            if (value.ValueKind != JsonValueKind.Number || !double.IsFinite(value.GetDouble()))
            {
                throw new Invalid(at, $"{at}.properties.{field} is not a number");
            }

            values[index++] = value.GetDouble();
        }

        return (ids, geometries, values);
    }

    /// <summary>
    /// The weights the request asks for: contiguity on the geometries as given, k nearest neighbours or a
    /// distance band between centroids in metres (EPSG:5070); queen for polygons and 8 nearest
    /// neighbours for other features unless told. Binary by default for Gi and Gi* (their z does not
    /// depend on it), row-standardised for Moran's I.
    /// </summary>
    private static (SpatialWeights Weights, string Type) Weights(JsonElement root, NetTopologySuite.Geometries.Geometry[] geometries, string method)
    {
        var spec = root.TryGetProperty("weights", out var w) ? w : default;
        if (spec.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new Invalid("weights", "'weights' is an object: {\"type\": ..., \"k\": ..., \"distanceMeters\": ..., \"style\": ...}");
        }

        string? Member(string name) => spec.ValueKind == JsonValueKind.Object ? Text(spec, name) : null;
        if (spec.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in spec.EnumerateObject())
            {
                if (property.Name is not ("type" or "k" or "distanceMeters" or "style"))
                {
                    throw new Invalid("weights", $"unknown member weights.{property.Name}; weights take type, k, distanceMeters and style");
                }
            }
        }

        var polygonal = geometries.All(g => g is NetTopologySuite.Geometries.Polygon or NetTopologySuite.Geometries.MultiPolygon);
        var type = Member("type") ?? (polygonal ? "queen" : "knn");
        if (!WeightTypes.Contains(type))
        {
            throw new Invalid("weights.type", $"'{type}' is not a weights type: {string.Join(", ", WeightTypes)}");
        }

        var style = Member("style") ?? (method.StartsWith("gi", StringComparison.Ordinal) ? "binary" : "row");
        if (style is not ("binary" or "row"))
        {
            throw new Invalid("weights.style", $"'{style}' is not a style: binary or row");
        }

        SpatialWeights weights;
        switch (type)
        {
            case "queen" or "rook":
                if (!polygonal)
                {
                    throw new Invalid("weights.type", $"{type} contiguity needs polygons; for points use knn or distance_band");
                }

                weights = type == "queen" ? ContiguityWeights.Queen(geometries) : ContiguityWeights.Rook(geometries);
                break;
            case "knn":
                var k = spec.ValueKind == JsonValueKind.Object ? Whole(spec, "k", 1, geometries.Length - 1) : null;
                weights = NearestNeighborWeights.Build(Centroids(geometries), k ?? Math.Min(8, geometries.Length - 1));
                break;
            default:
                var distance = (spec.ValueKind == JsonValueKind.Object ? Number(spec, "distanceMeters") : null)
                    ?? throw new Invalid("weights.distanceMeters", "a distance band needs distanceMeters");
                if (distance <= 0)
                {
                    throw new Invalid("weights.distanceMeters", "distanceMeters is positive");
                }

                weights = DistanceBandWeights.Build(Centroids(geometries), distance);
                break;
        }

        return (style == "row" ? weights.RowStandardized() : weights, type);
    }

    private static (double X, double Y)[] Centroids(NetTopologySuite.Geometries.Geometry[] geometries) =>
        EqualArea.Project([.. geometries.Select(g => g is NetTopologySuite.Geometries.Point p ? (p.X, p.Y) : (g.InteriorPoint.X, g.InteriorPoint.Y))]);

    // ---- spikes ----

    private static readonly string[] SpikeMethods = ["ears_c1", "ears_c2", "ears_c3", "ewma", "threshold"];

    internal static Task<IResult> SpikesAsync(HttpRequest request) => AnswerAsync(request, Spikes);

    private static object Spikes(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("method" or "series" or "minSigma" or "threshold"))
            {
                throw new Invalid(property.Name, $"unknown member '{property.Name}'; the request takes method, series, minSigma and threshold");
            }
        }

        var method = Text(root, "method") ?? throw new Invalid("method", $"'method' is required: {string.Join(", ", SpikeMethods)}");
        if (!SpikeMethods.Contains(method))
        {
            throw new Invalid("method", $"'{method}' is not a method: {string.Join(", ", SpikeMethods)}");
        }

        var minSigma = Number(root, "minSigma");
        if (minSigma is <= 0)
        {
            throw new Invalid("minSigma", "minSigma is positive");
        }

        var threshold = Number(root, "threshold");
        if (method == "threshold" && (threshold is null || threshold < 1 || threshold != Math.Floor(threshold.Value)))
        {
            throw new Invalid("threshold", "the threshold method needs 'threshold', a whole number of overdoses in a day (≥ 1)");
        }

        var series = Series(root);
        IReadOnlyList<SpikeDay> days = method switch
        {
            "ears_c1" => Ears.C1(series, minSigma ?? 0.2, threshold ?? 3),
            "ears_c2" => Ears.C2(series, minSigma ?? 0.2, threshold ?? 3),
            "ears_c3" => Ears.C3(series, minSigma ?? 0.2, threshold ?? 2),
            "ewma" => Ewma.Compute(series, threshold: threshold ?? 3, minSigma: minSigma ?? 0.2),
            _ => FixedThreshold.Compute(series, (int)threshold!.Value),
        };
        return new
        {
            method,
            days = days.Select(d => new { date = d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), count = d.Count, statistic = d.Statistic, threshold = d.Threshold, alert = d.Alert }),
            alerts = days.Count(d => d.Alert),
        };
    }

    /// <summary>The series as consecutive days: dates ascending, each once; days left out count 0.</summary>
    private static IReadOnlyList<(DateOnly Date, int Count)> Series(JsonElement root)
    {
        if (!root.TryGetProperty("series", out var series) || series.ValueKind != JsonValueKind.Array)
        {
            throw new Invalid("series", "'series' is an array of {\"date\": \"YYYY-MM-DD\", \"count\": N}");
        }

        if (series.GetArrayLength() is 0 or > MaxItems)
        {
            throw new Invalid("series", $"'series' holds 1 to {MaxItems:N0} days");
        }

        var days = new List<(DateOnly, int)>();
        var index = 0;
        foreach (var day in series.EnumerateArray())
        {
            var at = $"series[{index++}]";
            if (day.ValueKind != JsonValueKind.Object || !day.TryGetProperty("date", out var date) || date.ValueKind != JsonValueKind.String
                || !DateOnly.TryParseExact(date.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                throw new Invalid(at, $"{at}.date is a date as YYYY-MM-DD");
            }

            if (!day.TryGetProperty("count", out var count) || count.ValueKind != JsonValueKind.Number || !count.TryGetInt32(out var n) || n < 0)
            {
                throw new Invalid(at, $"{at}.count is a whole number ≥ 0");
            }

            if (days.Count > 0 && parsed <= days[^1].Item1)
            {
                throw new Invalid(at, $"{at}.date: dates ascend, each once ({parsed:yyyy-MM-dd} follows {days[^1].Item1:yyyy-MM-dd})");
            }

            days.Add((parsed, n));
        }

        if (days[^1].Item1.DayNumber - days[0].Item1.DayNumber >= MaxItems)
        {
            throw new Invalid("series", $"the series spans at most {MaxItems:N0} days");
        }

        return Analysis.Spikes.Series.FillDays(days);
    }
}
