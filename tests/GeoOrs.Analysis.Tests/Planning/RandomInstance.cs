namespace GeoOrs.Analysis.Tests.Planning;

/// <summary>A seeded random covering instance: clustered demand with tied and zero weights, candidates on a coarse grid (so some coincide), a few existing sites.</summary>
internal sealed record RandomInstance(
    (double X, double Y)[] Demand, double[] Weights, (double X, double Y)[] Candidates, (double X, double Y)[] Existing, double Radius)
{
    public static RandomInstance Create(Random random, int demand, int candidates, int existing)
    {
        const double Side = 10;
        var centres = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => (X: random.NextDouble() * Side, Y: random.NextDouble() * Side)).ToArray();
        var points = new (double X, double Y)[demand];
        var weights = new double[demand];
        for (int i = 0; i < demand; i++)
        {
            if (random.NextDouble() < 0.3)
            {
                points[i] = (random.NextDouble() * Side, random.NextDouble() * Side);
            }
            else
            {
                var c = centres[random.Next(centres.Length)];
                points[i] = (c.X + (Gaussian(random) * 1.5), c.Y + (Gaussian(random) * 1.5));
            }

            double u = random.NextDouble();
            weights[i] = u < 0.1 ? 0 : u < 0.6 ? 1 + random.Next(3) : Math.Round(random.NextDouble() * 5, 3);
        }

        (double, double) Site() => (Math.Round(random.NextDouble() * Side * 2) / 2, Math.Round(random.NextDouble() * Side * 2) / 2);
        var sites = Enumerable.Range(0, candidates).Select(_ => Site()).ToArray();
        var done = Enumerable.Range(0, existing).Select(_ => Site()).ToArray();
        return new RandomInstance(points, weights, sites, done, 0.5 + (random.NextDouble() * 3));
    }

    /// <summary>Whether candidate or site (x, y) covers demand point i, by the definition: distance ≤ r.</summary>
    public bool Covers((double X, double Y) site, int i)
    {
        double dx = Demand[i].X - site.X, dy = Demand[i].Y - site.Y;
        return (dx * dx) + (dy * dy) <= Radius * Radius;
    }

    /// <summary>The new demand covered by the candidates <paramref name="chosen"/>, straight from the definition.</summary>
    public double Value(IEnumerable<int> chosen)
    {
        var sites = chosen.Select(j => Candidates[j]).ToArray();
        double value = 0;
        for (int i = 0; i < Demand.Length; i++)
        {
            if (!Existing.Any(e => Covers(e, i)) && sites.Any(s => Covers(s, i)))
            {
                value += Weights[i];
            }
        }

        return value;
    }

    /// <summary>The best new demand over all subsets of min(k, m) candidates, by enumeration.</summary>
    public double BruteForceOptimum(int k)
    {
        int m = Candidates.Length;
        k = Math.Min(k, m);
        double best = 0;
        var subset = new int[k];
        Enumerate(0, 0);
        return best;

        void Enumerate(int depth, int from)
        {
            if (depth == k)
            {
                best = Math.Max(best, Value(subset));
                return;
            }

            for (int j = from; j <= m - (k - depth); j++)
            {
                subset[depth] = j;
                Enumerate(depth + 1, j + 1);
            }
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
