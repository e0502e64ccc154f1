using GeoOrs.Analysis.Planning;

namespace GeoOrs.Analysis.Tests.Planning;

public class CoverageSetsTests
{
    [Fact]
    public void Sets_match_the_pairwise_definition()
    {
        var random = new Random(5);
        for (int t = 0; t < 20; t++)
        {
            var instance = RandomInstance.Create(random, 1 + random.Next(800), 1 + random.Next(80), random.Next(4));
            var sets = CoverageSets.Build(instance.Demand, instance.Weights, instance.Candidates, instance.Existing, instance.Radius);

            // The open demand: positive weight, no existing site within reach, some candidate within reach; in input order.
            var open = Enumerable.Range(0, instance.Demand.Length)
                .Where(i => instance.Weights[i] > 0 && !instance.Existing.Any(e => instance.Covers(e, i)) && instance.Candidates.Any(c => instance.Covers(c, i)))
                .ToArray();
            Assert.Equal(open.Select(i => instance.Weights[i]), sets.Weight);
            for (int j = 0; j < instance.Candidates.Length; j++)
            {
                var expected = Enumerable.Range(0, open.Length).Where(q => instance.Covers(instance.Candidates[j], open[q])).ToArray();
                Assert.Equal(expected, sets.Covered(j).ToArray());
            }

            for (int q = 0; q < open.Length; q++)
            {
                var expected = Enumerable.Range(0, instance.Candidates.Length).Where(j => instance.Covers(instance.Candidates[j], open[q])).ToArray();
                Assert.Equal(expected, sets.Covering(q).ToArray());
            }

            double existing = Enumerable.Range(0, instance.Demand.Length).Where(i => instance.Existing.Any(e => instance.Covers(e, i))).Sum(i => instance.Weights[i]);
            Assert.Equal(existing, sets.ExistingDemand, 1e-9);
        }
    }
}
