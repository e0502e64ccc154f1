// The naloxone planner's solver against its speed limit: maximal covering with 5,000 candidate sites,
// 50,000 demand points, r = 1 km, k = 100 and its whole coverage curve in ≤ 3 s. Median of timed runs
// after a warm-up, the limit divided by the median, and the gap between the solution and its upper
// bound. Writes the coverage curve to a CSV (run.sh).
using System.Diagnostics;
using System.Globalization;
using GeoOrs.Analysis.Planning;

var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var csv = args.Length > 1 ? args[1] : null;
var random = new Random(7);

// A 40 × 40 km metro area in metres. Demand: 85 % from 30 Gaussian clusters (σ 250 m – 2.5 km, sizes
// uneven, like overdoses around a few downtown blocks, corridors and housing estates), 15 % spread
// uniformly; weight 3 for a fatal overdose (12 %), 1 otherwise. Candidates: uniform over the area.
const double Side = 40_000;
const int DemandCount = 50_000, CandidateCount = 5_000, K = 100;
const double Radius = 1_000, LimitSeconds = 3.0;
var clusters = Enumerable.Range(0, 30).Select(_ => (
    X: 4_000 + (random.NextDouble() * (Side - 8_000)),
    Y: 4_000 + (random.NextDouble() * (Side - 8_000)),
    Sigma: 250 + (random.NextDouble() * 2_250),
    Mass: Math.Pow(random.NextDouble(), 2) + 0.05)).ToArray();
var cumulative = new double[clusters.Length];
for (int c = 0; c < clusters.Length; c++)
{
    cumulative[c] = (c > 0 ? cumulative[c - 1] : 0) + clusters[c].Mass;
}

var demand = new (double X, double Y)[DemandCount];
var weights = new double[DemandCount];
for (int i = 0; i < DemandCount; i++)
{
    if (random.NextDouble() < 0.15)
    {
        demand[i] = (random.NextDouble() * Side, random.NextDouble() * Side);
    }
    else
    {
        int c = Array.BinarySearch(cumulative, random.NextDouble() * cumulative[^1]);
        var cluster = clusters[c < 0 ? ~c : c];
        demand[i] = (Math.Clamp(cluster.X + (Gaussian(random) * cluster.Sigma), 0, Side), Math.Clamp(cluster.Y + (Gaussian(random) * cluster.Sigma), 0, Side));
    }

    weights[i] = random.NextDouble() < 0.12 ? 3 : 1;
}

var candidates = Enumerable.Range(0, CandidateCount).Select(_ => (random.NextDouble() * Side, random.NextDouble() * Side)).ToArray();

CoveringSolution Solve() => MaximalCovering.Solve(demand, weights, candidates, [], K, Radius);

var solution = Solve(); // warm-up
var times = new List<double>();
for (var r = 0; r < runs; r++)
{
    var clock = Stopwatch.StartNew();
    solution = Solve();
    times.Add(clock.Elapsed.TotalSeconds);
}

times.Sort();
var median = times[times.Count / 2];
var s = solution;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| maximal covering, 5,000 candidates × 50,000 demand, r = 1 km, k = 100 with its curve | {LimitSeconds:0.#} s | {median * 1000:0.0} ms | **{LimitSeconds / median:0.0}** | {string.Join(" / ", times.Select(t => (t * 1000).ToString("0", CultureInfo.InvariantCulture)))} ms | {s.NewDemand:N0} of {s.TotalDemand:N0} covered ({s.NewShare:P1}); bound {s.UpperBound:N1}, gap {s.RelativeGap:P2} |"));
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"greedy at k = 10 / 50 / 100: {s.GreedyCurve[9]:N0} / {s.GreedyCurve[49]:N0} / {s.GreedyCurve[99]:N0}; after {s.Swaps} swaps (local optimum: {s.LocalOptimum}): {s.NewDemand:N0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"bounds: coverable {s.Bounds.Coverable:N1}, Lagrangian {s.Bounds.Lagrangian:N1} ({s.LagrangianIterations} iterations), greedy ratio {s.Bounds.GreedyRatio:N1}, online {s.Bounds.Online:N1}; gap {s.Gap:N1} ({s.RelativeGap:P2})"));
if (csv is not null)
{
    using var writer = new StreamWriter(csv);
    writer.WriteLine("sites,greedy_new_demand,greedy_share");
    for (int q = 0; q < s.GreedyCurve.Count; q++)
    {
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{q + 1},{s.GreedyCurve[q]},{s.GreedyCurve[q] / s.TotalDemand}"));
    }
}

static double Gaussian(Random random) =>
    Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
