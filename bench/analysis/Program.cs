// The hot spot and spike statistics against their speed limits, medians of timed runs after a
// warm-up: Gi* with distance-band weights on 100,000 hexagon centres (weights included) vs 1 s,
// local Moran's I with 999 permutations on 10,000 lattice polygons vs 5 s, EARS C1, C2 and C3 on
// 3,220 counties × 730 days vs 1 s. Writes the hexagons to a CSV for R spdep's localG (run.sh).
using System.Diagnostics;
using System.Globalization;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Analysis.Spikes;
using NetTopologySuite.Geometries;

var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var csv = args.Length > 1 ? args[1] : null;
var random = new Random(7);

// 100,000 hexagon centres (pointy-top, 1 km apart) with a planted hot spot in a noisy field.
const double Spacing = 1000;
var hexes = new List<(double X, double Y)>();
for (var row = 0; hexes.Count < 100_000; row++)
{
    for (var col = 0; col < 317 && hexes.Count < 100_000; col++)
    {
        hexes.Add(((col * Spacing) + (row % 2 == 1 ? Spacing / 2 : 0), row * Spacing * Math.Sqrt(3) / 2));
    }
}

var hexValues = hexes.Select(p => Poisson(random, 2 + (8 * Math.Exp(-(Square(p.X - 150_000) + Square(p.Y - 120_000)) / (2 * Square(15_000)))))).ToArray();
if (csv is not null)
{
    using var writer = new StreamWriter(csv);
    writer.WriteLine("x,y,value");
    foreach (var (p, v) in hexes.Zip(hexValues))
    {
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.X},{p.Y},{v}"));
    }
}

var band = Spacing * 1.01; // the six touching hexagons
Report("Gi* distance band, 100,000 hexagons (weights included)", 1.0, () =>
{
    var weights = DistanceBandWeights.Build(hexes, band);
    return GetisOrd.Compute(hexValues, weights, star: true).Count;
});

// The same Gi* over weights given, like for like with R's localG (run.sh).
var given = DistanceBandWeights.Build(hexes, band);
Report("Gi* alone, 100,000 hexagons, weights given", 1.0, () => GetisOrd.Compute(hexValues, given, star: true).Count);

// 10,000 squares in a 100 × 100 lattice, queen contiguity (built once, outside the timing), row-standardised.
var factory = new GeometryFactory();
var squares = new List<Geometry>();
for (var i = 0; i < 10_000; i++)
{
    double x = i % 100, y = i / 100;
    squares.Add(factory.CreatePolygon([new(x, y), new(x + 1, y), new(x + 1, y + 1), new(x, y + 1), new(x, y)]));
}

var queen = ContiguityWeights.Queen(squares).RowStandardized();
var squareValues = Enumerable.Range(0, 10_000).Select(i => Poisson(random, (i % 100) < 20 && (i / 100) < 20 ? 8 : 3)).ToArray();
Report("local Moran, 999 permutations, 10,000 polygons", 5.0, () => LocalMoran.Compute(squareValues, queen, 999, 1).Count);

// 3,220 counties × 730 days of Poisson counts.
var start = new DateOnly(2024, 1, 1);
var series = Enumerable.Range(0, 3220).Select(c =>
{
    var mean = 0.2 + (c % 50 / 10.0);
    return (IReadOnlyList<(DateOnly, int)>)Enumerable.Range(0, 730).Select(d => (start.AddDays(d), (int)Poisson(random, mean))).ToArray();
}).ToArray();
Report("EARS C1 + C2 + C3, 3,220 counties × 730 days", 1.0, () =>
{
    var alerts = 0;
    foreach (var s in series)
    {
        alerts += Ears.C1(s).Count(d => d.Alert) + Ears.C2(s).Count(d => d.Alert) + Ears.C3(s).Count(d => d.Alert);
    }

    return alerts;
});

void Report(string name, double limitSeconds, Func<int> work)
{
    work(); // warm-up
    var times = new List<double>();
    var result = 0;
    for (var r = 0; r < runs; r++)
    {
        var clock = Stopwatch.StartNew();
        result = work();
        times.Add(clock.Elapsed.TotalSeconds);
    }

    times.Sort();
    var median = times[times.Count / 2];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {limitSeconds:0.#} s | {median * 1000:0.0} ms | **{limitSeconds / median:0.0}** | {string.Join(" / ", times.Select(t => (t * 1000).ToString("0", CultureInfo.InvariantCulture)))} ms | {result:N0} |"));
}

static double Square(double v) => v * v;

static double Poisson(Random random, double mean)
{
    // Knuth's method: fine for the small means used here.
    var limit = Math.Exp(-mean);
    var k = 0;
    for (var p = random.NextDouble(); p > limit; p *= random.NextDouble())
    {
        k++;
    }

    return k;
}
