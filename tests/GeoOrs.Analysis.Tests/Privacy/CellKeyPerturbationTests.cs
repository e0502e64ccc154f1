using GeoOrs.Analysis.Privacy;

namespace GeoOrs.Analysis.Tests.Privacy;

public class CellKeyPerturbationTests
{
    [Fact]
    public void Noise_table_sums_to_one_is_symmetric_and_unbiased()
    {
        var p = CellKeyPerturbation.NoiseProbabilities;
        Assert.Equal(2 * CellKeyPerturbation.MaxNoise + 1, p.Count);
        Assert.Equal(1.0, p.Sum(), 1e-12);
        for (var i = 0; i < p.Count; i++)
        {
            Assert.Equal(p[i], p[p.Count - 1 - i], 1e-12);
        }

        var variance = p.Select((q, i) => q * (i - CellKeyPerturbation.MaxNoise) * (i - CellKeyPerturbation.MaxNoise)).Sum();
        Assert.Equal(4.45, variance, 1e-9);
        Assert.Equal(0.78, p.Skip(CellKeyPerturbation.MaxNoise - 2).Take(5).Sum(), 1e-9); // light tails: 78 % within ±2
    }

    [Theory]
    [InlineData(100, 0.0, 94)]
    [InlineData(100, 0.0049999, 94)]
    [InlineData(100, 0.005, 95)]
    [InlineData(100, 0.2299999, 98)]
    [InlineData(100, 0.5, 100)]
    [InlineData(100, 0.6, 101)]
    [InlineData(100, 0.9949999, 105)]
    [InlineData(100, 0.9999999, 106)]
    [InlineData(2, 0.0, 0)] // n + noise below 0 is published as 0
    [InlineData(5, 0.0, 1)] // five or fewer records: −4…+4, never shown above 9
    [InlineData(5, 0.9999999, 9)]
    [InlineData(5, 0.5, 5)]
    [InlineData(6, 0.0, 0)]
    [InlineData(6, 0.9999999, 12)]
    [InlineData(0, 0.79, 0)]
    [InlineData(0, 0.80, 1)]
    [InlineData(0, 0.99, 4)]
    public void Perturb_looks_the_key_up_in_the_table(long count, double key, long expected) =>
        Assert.Equal(expected, CellKeyPerturbation.Perturb(count, key));

    [Fact]
    public void Perturbation_draws_follow_the_table()
    {
        // Record keys are uniform, so cell keys are: the noise of many cells follows the table.
        var random = new Random(7);
        var counts = new int[2 * CellKeyPerturbation.MaxNoise + 1];
        const int Cells = 200_000;
        for (var c = 0; c < Cells; c++)
        {
            long sum = 0;
            var records = random.Next(1, 30);
            for (var r = 0; r < records; r++)
            {
                sum += random.Next(int.MinValue, int.MaxValue);
            }

            counts[CellKeyPerturbation.Perturb(1000, CellKeyPerturbation.CellKey(sum)) - 1000 + CellKeyPerturbation.MaxNoise]++;
        }

        for (var i = 0; i < counts.Length; i++)
        {
            Assert.InRange(counts[i] / (double)Cells, CellKeyPerturbation.NoiseProbabilities[i] - 0.005, CellKeyPerturbation.NoiseProbabilities[i] + 0.005);
        }
    }

    [Fact]
    public void The_same_records_make_the_same_key_in_any_order()
    {
        int[] keys = [int.MinValue, -5, 17, int.MaxValue, 123_456_789];
        var forward = CellKeyPerturbation.CellKey(keys.Sum(k => (long)k));
        var backward = CellKeyPerturbation.CellKey(keys.Reverse().Sum(k => (long)k));
        Assert.Equal(forward, backward);
        Assert.InRange(forward, 0, 1);
        Assert.Equal((4294967296.0 - 1) / 4294967296.0, CellKeyPerturbation.CellKey(-1));
    }

    [Theory]
    [InlineData(0L, 0, 6)]      // six perturbed by −6, or fewer
    [InlineData(null, 0, 15)]   // withheld: 1–9 published from up to 15, or an empty cell published 1–4
    [InlineData(10L, 6, 16)]    // ten: at least six records, since five or fewer are never shown above 9
    [InlineData(14L, 8, 20)]
    [InlineData(100L, 94, 106)]
    public void Possible_gives_the_true_counts_a_published_figure_allows(long? published, long low, long high)
    {
        Assert.Equal((low, high), CellKeyPerturbation.Possible(published));

        // and they are exactly the counts some key publishes as it (or as 1–9)
        bool Publishes(long n) => Enumerable.Range(0, 2000).Select(i => CellKeyPerturbation.Perturb(n, i / 2000.0))
            .Any(v => published is { } p ? v == p : CellKeyPerturbation.Withheld(v));
        Assert.True(Publishes(low) && Publishes(high));
        Assert.False(low > 0 && Publishes(low - 1));
        Assert.False(Publishes(high + 1));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(9, true)]
    [InlineData(10, false)]
    public void Published_values_of_1_to_9_are_withheld(long published, bool withheld) =>
        Assert.Equal(withheld, CellKeyPerturbation.Withheld(published));
}
