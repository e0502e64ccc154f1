using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Spikes;
using GeoOrs.Data.Geometry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

using static GeoOrs.Server.Hosting.JsonRequest;

namespace GeoOrs.Server.Analysis;

/// <summary>
/// <c>/api/analysis</c>: hot spot statistics and spike detection over data the caller sends (an
/// analyst's own features or series), computed in memory; nothing is stored or read from the database.
/// </summary>
internal static class AnalysisEndpoints
{
    public static IEndpointRouteBuilder MapAnalysis(this IEndpointRouteBuilder app)
    {
        // Computing is bounded three ways: the body (Http:MaxAnalysisBodyBytes), the caps and work
        // budget of Limits checked before the work starts, and a few such requests at once.
        var group = app.MapGroup("/api/analysis").WithTags("Analysis").RequireAuthorization(AccessPolicies.Analysts).RequireHeavyLimit();
        group.MapPost("/hotspots", HotspotsAsync).WithName("AnalyseHotspots").WithJsonBody(HotspotsRequest.Example).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapPost("/spikes", SpikesAsync).WithName("AnalyseSpikes").WithJsonBody(SpikesRequest.Example).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    /// <summary>The body of <c>POST /api/analysis/hotspots</c>.</summary>
    /// <param name="Method">gi_star, gi, local_moran or global_moran.</param>
    /// <param name="Field">The numeric property of the features to analyse.</param>
    /// <param name="Weights">The spatial weights; by default queen contiguity for polygons, 8 nearest neighbours otherwise.</param>
    /// <param name="Permutations">Local Moran's conditional permutations (999).</param>
    /// <param name="Seed">The permutations' random seed (1).</param>
    /// <param name="Fdr">Whether p values are adjusted for the false discovery rate.</param>
    /// <param name="Features">A GeoJSON FeatureCollection in longitude and latitude.</param>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record HotspotsRequest(
        [property: Required, Description("gi_star, gi, local_moran or global_moran")] string Method,
        [property: Required, Description("the numeric property of the features to analyse")] string Field,
        HotspotWeights? Weights,
        int? Permutations,
        int? Seed,
        bool? Fdr,
        [property: Required, Description("a GeoJSON FeatureCollection in longitude and latitude (at most Limits:MaxFeatures features)")] JsonElement Features)
    {
        /// <summary>The document's example: Gi* over a row of six squares and their counts (each square's neighbours are those beside it).</summary>
        public static HotspotsRequest Example => new("gi_star", "count", new HotspotWeights("queen", null, null, "binary"), null, null, true, JsonSerializer.SerializeToElement(new
        {
            type = "FeatureCollection",
            features = new[] { 12, 9, 7, 3, 1, 0 }.Select((count, i) => new
            {
                type = "Feature",
                id = $"cell-{i + 1}",
                properties = new { count },
                geometry = new { type = "Polygon", coordinates = new[] { Square(-111.96 + (i * 0.01), 33.41, 0.01) } },
            }),
        }));

        /// <summary>A square's ring; coordinates rounded so that neighbours share their corners exactly.</summary>
        private static double[][] Square(double west, double south, double size)
        {
            var (w, s, e, n) = (Math.Round(west, 4), Math.Round(south, 4), Math.Round(west + size, 4), Math.Round(south + size, 4));
            return [[w, s], [e, s], [e, n], [w, n], [w, s]];
        }
    }

    /// <summary>The spatial weights of a hot spot analysis.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record HotspotWeights(
        [property: Description("queen, rook, knn or distance_band")] string? Type,
        [property: Description("the neighbours of knn")] int? K,
        [property: JsonPropertyName("distanceMeters"), Description("the band of distance_band, in metres (EPSG:5070)")] double? DistanceMeters,
        [property: Description("binary or row")] string? Style);

    /// <summary>The body of <c>POST /api/analysis/spikes</c>.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record SpikesRequest(
        [property: Required, Description("ears_c1, ears_c2, ears_c3, ewma or threshold")] string Method,
        [property: Required, Description("the daily counts, dates ascending, each once; days left out count 0")] IReadOnlyList<SeriesDay> Series,
        [property: JsonPropertyName("minSigma"), Description("the least standard deviation (0.2)")] double? MinSigma,
        [property: Description("the alerting threshold; for the threshold method, overdoses in a day")] double? Threshold)
    {
        /// <summary>The document's example: EARS C2 over ten days with a jump on the last.</summary>
        public static SpikesRequest Example =>
            new("ears_c2", [.. new[] { 2, 3, 1, 2, 4, 2, 3, 2, 1, 9 }.Select((n, i) => new SeriesDay(new DateOnly(2024, 5, 1).AddDays(i), n))], null, null);
    }

    /// <summary>A day of a series.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record SeriesDay([property: Required] DateOnly Date, [property: Required] int Count);

    /// <summary>
    /// The answer of <c>POST /api/analysis/hotspots</c>: one of three shapes by method (Gi* and Gi,
    /// local Moran's I, global Moran's I), written without a discriminator: <c>method</c> tells them apart.
    /// </summary>
    [JsonDerivedType(typeof(GiAnswer))]
    [JsonDerivedType(typeof(LocalMoranAnswer))]
    [JsonDerivedType(typeof(GlobalMoranAnswer))]
    internal abstract record HotspotsAnswer;

    /// <summary>Gi* or Gi of every feature, in input order.</summary>
    internal sealed record GiAnswer(string Method, string Field, int N, WeightsUsed Weights, bool Fdr, IReadOnlyList<GiRow> Results) : HotspotsAnswer;

    /// <summary>Local Moran's I of every feature, in input order, with the global statistic.</summary>
    internal sealed record LocalMoranAnswer(
        string Method, string Field, int N, WeightsUsed Weights, int Permutations, int Seed, bool Fdr, GlobalMoranRow Global, IReadOnlyList<LocalMoranRow> Results) : HotspotsAnswer;

    /// <summary>Global Moran's I of the features.</summary>
    internal sealed record GlobalMoranAnswer(string Method, string Field, int N, WeightsUsed Weights, GlobalMoranRow Global) : HotspotsAnswer;

    /// <summary>The weights an analysis used.</summary>
    /// <param name="Type">queen, rook, knn or distance_band.</param>
    /// <param name="Style">binary or row.</param>
    /// <param name="Islands">The features without neighbours: their ids, or their indexes when they have none.</param>
    internal sealed record WeightsUsed(string Type, string Style, IReadOnlyList<object> Islands);

    /// <summary>A feature's Gi* or Gi: the statistic, its z score and p value, and its confidence bin (−3…3).</summary>
    internal sealed record GiRow(int Index, object? Id, double G, double Z, double P, int Bin);

    /// <summary>A feature's local Moran's I, with its permutation pseudo p value and its quadrant (HH, LL, HL, LH).</summary>
    internal sealed record LocalMoranRow(
        int Index, object? Id, double I, double Expectation, double Variance, double Z, double P, double PseudoP, double? PseudoPFdr, string Quadrant);

    /// <summary>Global Moran's I with its expectation, variance, z score and p value.</summary>
    internal sealed record GlobalMoranRow(double I, double Expectation, double Variance, double Z, double P);

    /// <summary>The answer of <c>POST /api/analysis/spikes</c>: each day of the series and the alerts.</summary>
    internal sealed record SpikesAnswer(string Method, IReadOnlyList<SpikeRow> Days, int Alerts);

    /// <summary>A day of a spike detection: its count, the method's statistic and threshold, and whether it alerts.</summary>
    internal sealed record SpikeRow(string Date, int Count, double? Statistic, double? Threshold, bool Alert);

    // ---- hot spots ----

    internal static Task<Results<Ok<HotspotsAnswer>, ValidationProblem, ProblemHttpResult>> HotspotsAsync(HttpRequest request, IOptions<LimitsOptions> limits) =>
        AnswerAsync<HotspotsRequest, HotspotsAnswer>(request, "the analysis", (root, ct) => Hotspots(root, limits.Value, ct));

    private static Task<Results<Ok<TAnswer>, ValidationProblem, ProblemHttpResult>> AnswerAsync<TBody, TAnswer>(
        HttpRequest request, string what, Func<JsonElement, CancellationToken, TAnswer> analyse) =>
        JsonRequest.AnswerAsync(request, "The analysis request is not valid", what, typeof(TBody), (root, ct) => Task.FromResult(analyse(root, ct)));

    private static readonly string[] Methods = ["gi_star", "gi", "local_moran", "global_moran"];
    private static readonly string[] WeightTypes = ["queen", "rook", "knn", "distance_band"];

    private static HotspotsAnswer Hotspots(JsonElement root, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var method = Text(root, "method") ?? throw new Invalid("method", $"'method' is required: {string.Join(", ", Methods)}");
        if (!Methods.Contains(method))
        {
            throw new Invalid("method", $"'{method}' is not a method: {string.Join(", ", Methods)}");
        }

        var field = Text(root, "field") ?? throw new Invalid("field", "'field' names the numeric property to analyse");
        var permutations = Whole(root, "permutations", 0, int.MaxValue) ?? Math.Min(999, limits.MaxPermutations);
        if (permutations > limits.MaxPermutations)
        {
            throw new Invalid("permutations", $"at most {limits.MaxPermutations:N0} permutations (Limits:MaxPermutations); got {permutations:N0}");
        }

        var seed = Whole(root, "seed", int.MinValue, int.MaxValue) ?? 1;
        var fdr = Flag(root, "fdr") ?? false;
        var (ids, geometries, values) = Features(root, field, limits.MaxFeatures);
        var (weights, weightsType) = Weights(root, geometries, method, method == "local_moran" ? permutations : 0, limits, cancellationToken);

        var described = new WeightsUsed(weightsType, weights.Style == WeightStyle.RowStandardized ? "row" : "binary", [.. weights.Islands.Select(i => ids[i] ?? i)]);
        switch (method)
        {
            case "gi_star" or "gi":
                var gi = GetisOrd.Compute(values, weights, star: method == "gi_star", fdr: fdr);
                return new GiAnswer(method, field, values.Length, described, fdr, [.. gi.Select((r, i) => new GiRow(i, ids[i], r.G, r.Z, r.P, r.Bin))]);
            case "local_moran":
                var local = LocalMoran.Compute(values, weights, permutations, seed, cancellationToken);
                var global = GlobalMoran.Compute(values, weights);
                var adjusted = fdr ? FalseDiscoveryRate.Adjust([.. local.Select(r => r.PseudoP)]) : null;
                return new LocalMoranAnswer(method, field, values.Length, described, permutations, seed, fdr, Global(global),
                    [.. local.Select((r, i) => new LocalMoranRow(i, ids[i], r.I, r.Expectation, r.Variance, r.Z, r.P, r.PseudoP, adjusted?[i], r.Quadrant))]);
            default:
                return new GlobalMoranAnswer(method, field, values.Length, described, Global(GlobalMoran.Compute(values, weights)));
        }
    }

    private static GlobalMoranRow Global(GlobalMoranResult r) => new(r.I, r.Expectation, r.Variance, r.Z, r.P);

    /// <summary>The features' ids, geometries (valid, EPSG:4326) and the field's values, in input order.</summary>
    private static (object?[] Ids, NetTopologySuite.Geometries.Geometry[] Geometries, double[] Values) Features(JsonElement root, string field, int maxFeatures)
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

        if (count > maxFeatures)
        {
            throw new Invalid("features", $"at most {maxFeatures:N0} features per request (Limits:MaxFeatures); got {count:N0}");
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
    /// depend on it), row-standardised for Moran's I. Their size is known or bounded before they are
    /// built — k per feature, the pairs within the band counted with an early stop, the pairs whose
    /// extents overlap for contiguity — and refused over <see cref="LimitsOptions.MaxNeighbors"/> on
    /// average, or when pairs × permutations is over <see cref="LimitsOptions.MaxAnalysisWork"/>.
    /// </summary>
    private static (SpatialWeights Weights, string Type) Weights(
        JsonElement root, NetTopologySuite.Geometries.Geometry[] geometries, string method, int permutations, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var spec = root.TryGetProperty("weights", out var w) ? w : default;
        if (spec.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new Invalid("weights", "'weights' is an object: {\"type\": ..., \"k\": ..., \"distanceMeters\": ..., \"style\": ...}");
        }

        string? Member(string name) => spec.ValueKind == JsonValueKind.Object ? Text(spec, name) : null;
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

        var n = geometries.Length;
        var maxPairs = (long)n * limits.MaxNeighbors;
        SpatialWeights weights;
        switch (type)
        {
            case "queen" or "rook":
                if (!polygonal)
                {
                    throw new Invalid("weights.type", $"{type} contiguity needs polygons; for points use knn or distance_band");
                }

                if (ContiguityWeights.CountOverlappingEnvelopes(geometries, maxPairs, cancellationToken) > maxPairs)
                {
                    throw new Invalid("weights.type", $"the polygons' extents overlap in more than {maxPairs:N0} pairs, more than {limits.MaxNeighbors:N0} per feature " +
                        "on average (Limits:MaxNeighbors): contiguity would test too many pairs; send polygons that overlap less, or use knn");
                }

                weights = type == "queen"
                    ? ContiguityWeights.Queen(geometries, exactCoordinatesOnly: false, cancellationToken)
                    : ContiguityWeights.Rook(geometries, exactCoordinatesOnly: false, cancellationToken);
                CheckWork(n, weights.PairCount, permutations, limits);
                break;
            case "knn":
                var k = spec.ValueKind == JsonValueKind.Object ? Whole(spec, "k", 1, n - 1) : null;
                if (k > limits.MaxNeighbors)
                {
                    throw new Invalid("weights.k", $"'k' is at most {limits.MaxNeighbors:N0} (Limits:MaxNeighbors); got {k:N0}");
                }

                k ??= Math.Min(Math.Min(8, n - 1), limits.MaxNeighbors);
                CheckWork(n, (long)n * k.Value, permutations, limits);
                weights = NearestNeighborWeights.Build(Centroids(geometries), k.Value, cancellationToken);
                break;
            default:
                var distance = (spec.ValueKind == JsonValueKind.Object ? Number(spec, "distanceMeters") : null)
                    ?? throw new Invalid("weights.distanceMeters", "a distance band needs distanceMeters");
                if (distance <= 0)
                {
                    throw new Invalid("weights.distanceMeters", "distanceMeters is positive");
                }

                var centroids = Centroids(geometries);
                var pairs = DistanceBandWeights.CountPairs(centroids, distance, maxPairs, cancellationToken);
                if (pairs > maxPairs)
                {
                    throw new Invalid("weights.distanceMeters", string.Create(CultureInfo.InvariantCulture,
                        $"a band of {distance:N0} m gives these features more than {limits.MaxNeighbors:N0} neighbours each on average (Limits:MaxNeighbors); choose a narrower band, or knn"));
                }

                CheckWork(n, pairs, permutations, limits);
                weights = DistanceBandWeights.Build(centroids, distance, cancellationToken);
                break;
        }

        return (style == "row" ? weights.RowStandardized() : weights, type);
    }

    /// <summary>Refuses an analysis whose neighbour pairs times permutations are over <see cref="LimitsOptions.MaxAnalysisWork"/>.</summary>
    private static void CheckWork(int features, long pairs, int permutations, LimitsOptions limits)
    {
        var work = (double)pairs * Math.Max(1, permutations);
        if (work > limits.MaxAnalysisWork)
        {
            throw new Invalid(permutations > 1 ? "permutations" : "features", string.Create(CultureInfo.InvariantCulture,
                $"the analysis would take {features:N0} features × {(double)pairs / features:N1} neighbours on average × {Math.Max(1, permutations):N0} permutations = {work:N0} steps, " +
                $"more than {limits.MaxAnalysisWork:N0} (Limits:MaxAnalysisWork): use fewer permutations, fewer neighbours or fewer features"));
        }
    }

    private static (double X, double Y)[] Centroids(NetTopologySuite.Geometries.Geometry[] geometries) =>
        EqualArea.Project([.. geometries.Select(g => g is NetTopologySuite.Geometries.Point p ? (p.X, p.Y) : (g.InteriorPoint.X, g.InteriorPoint.Y))]);

    // ---- spikes ----

    private static readonly string[] SpikeMethods = ["ears_c1", "ears_c2", "ears_c3", "ewma", "threshold"];

    internal static Task<Results<Ok<SpikesAnswer>, ValidationProblem, ProblemHttpResult>> SpikesAsync(HttpRequest request, IOptions<LimitsOptions> limits) =>
        AnswerAsync<SpikesRequest, SpikesAnswer>(request, "the spike detection", (root, _) => Spikes(root, limits.Value));

    private static SpikesAnswer Spikes(JsonElement root, LimitsOptions limits)
    {
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

        var series = Series(root, limits.MaxSeriesDays);
        IReadOnlyList<SpikeDay> days = method switch
        {
            "ears_c1" => Ears.C1(series, minSigma ?? 0.2, threshold ?? 3),
            "ears_c2" => Ears.C2(series, minSigma ?? 0.2, threshold ?? 3),
            "ears_c3" => Ears.C3(series, minSigma ?? 0.2, threshold ?? 2),
            "ewma" => Ewma.Compute(series, threshold: threshold ?? 3, minSigma: minSigma ?? 0.2),
            _ => FixedThreshold.Compute(series, (int)threshold!.Value),
        };
        return new SpikesAnswer(
            method,
            [.. days.Select(d => new SpikeRow(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Count, d.Statistic, d.Threshold, d.Alert))],
            days.Count(d => d.Alert));
    }

    /// <summary>The series as consecutive days: dates ascending, each once; days left out count 0.</summary>
    private static IReadOnlyList<(DateOnly Date, int Count)> Series(JsonElement root, int maxDays)
    {
        if (!root.TryGetProperty("series", out var series) || series.ValueKind != JsonValueKind.Array)
        {
            throw new Invalid("series", "'series' is an array of {\"date\": \"YYYY-MM-DD\", \"count\": N}");
        }

        if (series.GetArrayLength() == 0)
        {
            throw new Invalid("series", "'series' holds at least one day");
        }

        if (series.GetArrayLength() > maxDays)
        {
            throw new Invalid("series", $"'series' holds at most {maxDays:N0} days (Limits:MaxSeriesDays); got {series.GetArrayLength():N0}");
        }

        var days = new List<(DateOnly, int)>();
        var index = 0;
        foreach (var day in series.EnumerateArray())
        {
            var at = $"series[{index++}]";
            if (day.ValueKind != JsonValueKind.Object || !day.TryGetProperty("date", out var date) || date.ValueKind != JsonValueKind.String
                || !DateOnly.TryParseExact(date.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                || !Data.EventDays.Contains(parsed))
            {
                throw new Invalid(at, $"{at}.date is a date as YYYY-MM-DD from {Data.EventDays.Range}");
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

        if (days[^1].Item1.DayNumber - days[0].Item1.DayNumber >= maxDays)
        {
            throw new Invalid("series", $"the series spans {days[^1].Item1.DayNumber - days[0].Item1.DayNumber + 1:N0} days, more than {maxDays:N0} (Limits:MaxSeriesDays)");
        }

        return GeoOrs.Analysis.Spikes.Series.FillDays(days);
    }
}
