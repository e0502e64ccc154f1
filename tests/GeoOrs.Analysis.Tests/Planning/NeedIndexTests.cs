using GeoOrs.Analysis.Planning;

namespace GeoOrs.Analysis.Tests.Planning;

public class NeedIndexTests
{
    [Fact]
    public void Percent_ranks_share_ties()
    {
        Assert.Equal([0.0, 0.5, 0.5, 1.0], NeedIndex.PercentRanks([1, 5, 5, 9]));
        Assert.Equal([1.0], NeedIndex.PercentRanks([3]));
    }

    [Fact]
    public void Index_is_the_weighted_sum_of_the_components_by_hand()
    {
        // Rates 10, 30: ranks 0, 1. Trends z = 0 and 3: 0.5 and 1. Hot spot 0.5 and 1. Uncovered 1 and 0.
        var scores = NeedIndex.Compute([10, 30], [0, 3], [0.5, 1], [1, 0]);
        Assert.Equal((0.4 * 0) + (0.2 * 0.5) + (0.2 * 0.5) + (0.2 * 1), scores[0].Index, 12);
        Assert.Equal((0.4 * 1) + (0.2 * 1) + (0.2 * 1) + (0.2 * 0), scores[1].Index, 12);
        Assert.Equal(1.0, NeedIndex.Compute([1], [9], [1], [1])[0].Index, 12); // z clamped at 3
    }

    [Fact]
    public void Bad_components_are_refused()
    {
        Assert.Throws<ArgumentException>(() => NeedIndex.Compute([1], [0], [1.5], [0]));
        Assert.Throws<ArgumentException>(() => NeedIndex.Compute([1, 2], [0], [0], [0]));
        Assert.Throws<ArgumentException>(() => NeedIndex.Compute([double.NaN], [0], [0], [0]));
    }
}
