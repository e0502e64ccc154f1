using GeoOrs.Analysis.Planning;

namespace GeoOrs.Analysis.Tests.Planning;

// Random instances small enough to enumerate every k-subset of candidates, each judged by the
// definition (distance ≤ r, existing coverage left out), not by the solver's own coverage sets.
public class BruteForceTests
{
    private const int Instances = 600;

    // Without the enumeration step, greedy, swaps and the Lagrangian's solutions missed the optimum
    // in about 1 of 3,000 such instances; with it every small instance is solved exactly. Many seeds,
    // and the heuristic alone on the same instances, show both.
    [Fact]
    public void Small_instances_are_solved_exactly_and_proven()
    {
        var random = new Random(77);
        var heuristicMisses = 0;
        for (int t = 0; t < 6000; t++)
        {
            var instance = RandomInstance.Create(random, 1 + random.Next(40), 1 + random.Next(10), random.Next(3));
            int k = random.Next(instance.Candidates.Length + 2);
            var s = Solve(instance, k);
            double optimum = instance.BruteForceOptimum(k), slack = 1e-9 * Math.Max(1, optimum);
            Assert.True(Math.Abs(s.NewDemand - optimum) <= slack, $"instance {t}: found {s.NewDemand}, optimum {optimum}");
            Assert.True(s.UpperBound >= optimum - slack);
            Assert.True(s.Gap <= slack, $"instance {t}: gap {s.Gap} on an instance small enough to enumerate");

            var heuristic = MaximalCovering.Solve(instance.Demand, instance.Weights, instance.Candidates, instance.Existing, k, instance.Radius,
                CoveringOptions.Default with { ExhaustiveCombinations = 0 });
            heuristicMisses += heuristic.NewDemand < optimum - slack ? 1 : 0;
        }

        Assert.InRange(heuristicMisses, 0, 30); // the heuristic alone is near-exact too, but not always
    }

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (int s = 0; s < 6; s++)
        {
            seeds.Add(s);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Solver_finds_the_brute_force_optimum(int seed)
    {
        var random = new Random(1000 + seed);
        for (int t = 0; t < Instances / 6; t++)
        {
            var instance = RandomInstance.Create(random, 1 + random.Next(40), 1 + random.Next(10), random.Next(3));
            int k = random.Next(instance.Candidates.Length + 2);
            var s = Solve(instance, k);
            double optimum = instance.BruteForceOptimum(k);
            Assert.True(Math.Abs(s.NewDemand - optimum) <= 1e-9 * Math.Max(1, optimum), $"seed {seed}, instance {t}: found {s.NewDemand}, optimum {optimum}");

            // The plan is what it says: min(k, m) distinct candidates covering NewDemand, added demands adding up.
            var chosen = s.Sites.Select(c => c.Candidate).ToArray();
            Assert.Equal(Math.Min(k, instance.Candidates.Length), chosen.Distinct().Count());
            Assert.Equal(instance.Value(chosen), s.NewDemand, 1e-9);
            Assert.Equal(s.NewDemand, s.Sites.Sum(c => c.AddedDemand), 1e-9);
            Assert.Equal(instance.Weights.Sum(), s.TotalDemand, 1e-9);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_bound_is_at_least_the_brute_force_optimum(int seed)
    {
        var random = new Random(2000 + seed);
        for (int t = 0; t < Instances / 6; t++)
        {
            var instance = RandomInstance.Create(random, 1 + random.Next(40), 1 + random.Next(10), random.Next(3));
            int k = 1 + random.Next(instance.Candidates.Length);
            var s = Solve(instance, k);
            double optimum = instance.BruteForceOptimum(k), slack = 1e-9 * Math.Max(1, optimum);
            var b = s.Bounds;
            Assert.True(b.Coverable >= optimum - slack, $"seed {seed}, instance {t}: coverable {b.Coverable} < {optimum}");
            Assert.True(b.Lagrangian >= optimum - slack, $"seed {seed}, instance {t}: Lagrangian {b.Lagrangian} < {optimum}");
            Assert.True(b.GreedyRatio >= optimum - slack, $"seed {seed}, instance {t}: greedy ratio {b.GreedyRatio} < {optimum}");
            Assert.True(b.Online >= optimum - slack, $"seed {seed}, instance {t}: online {b.Online} < {optimum}");
            Assert.True(s.UpperBound >= optimum - slack);
            Assert.True(s.UpperBound >= s.NewDemand);
            Assert.InRange(s.RelativeGap, 0, 1);
        }
    }

    [Fact]
    public void Bound_is_never_below_the_solution_on_larger_random_instances()
    {
        // Too large to enumerate: every bound must still be at least the value of the sites found.
        var random = new Random(77);
        for (int t = 0; t < 40; t++)
        {
            var instance = RandomInstance.Create(random, 200 + random.Next(2000), 20 + random.Next(200), random.Next(5));
            int k = 1 + random.Next(25);
            var s = Solve(instance, k);
            double slack = 1e-9 * Math.Max(1, s.NewDemand);
            var b = s.Bounds;
            Assert.True(Math.Min(Math.Min(b.Coverable, b.Lagrangian), Math.Min(b.GreedyRatio, b.Online)) >= s.NewDemand - slack, $"instance {t}: {b} < {s.NewDemand}");
            Assert.True(s.UpperBound >= s.NewDemand);
            Assert.Equal(instance.Value(s.Sites.Select(c => c.Candidate)), s.NewDemand, 1e-9);
        }
    }

    [Fact]
    public void Greedy_curve_matches_a_plain_greedy()
    {
        // The lazy greedy must pick what the plain greedy picks: the largest gain, ties to the lower index.
        var random = new Random(31);
        for (int t = 0; t < 100; t++)
        {
            var instance = RandomInstance.Create(random, 1 + random.Next(60), 1 + random.Next(15), random.Next(3));
            int k = random.Next(instance.Candidates.Length + 2);
            var chosen = new List<int>();
            var curve = new List<double>();
            for (int step = 0; step < Math.Min(k, instance.Candidates.Length); step++)
            {
                double before = instance.Value(chosen), bestGain = -1;
                int best = -1;
                for (int j = 0; j < instance.Candidates.Length; j++)
                {
                    if (!chosen.Contains(j))
                    {
                        double gain = instance.Value(chosen.Append(j)) - before;
                        if (gain > bestGain + 1e-9)
                        {
                            (best, bestGain) = (j, gain);
                        }
                    }
                }

                chosen.Add(best);
                curve.Add(instance.Value(chosen));
            }

            var s = Solve(instance, k);
            Assert.Equal(curve.Count, s.GreedyCurve.Count);
            for (int q = 0; q < curve.Count; q++)
            {
                Assert.Equal(curve[q], s.GreedyCurve[q], 1e-9);
            }

            Assert.True(s.NewDemand >= (curve.Count > 0 ? curve[^1] : 0) - 1e-9);
        }
    }

    private static CoveringSolution Solve(RandomInstance instance, int k) =>
        MaximalCovering.Solve(instance.Demand, instance.Weights, instance.Candidates, instance.Existing, k, instance.Radius);
}
