using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Analysis.Tests.Spatial;

public class SpatialWeightsTests
{
    // 0 - 1 - 2   3 (island)
    private static readonly SpatialWeights Chain = SpatialWeights.FromNeighbors([[1], [2, 0], [1], []]);

    [Fact]
    public void Neighbors_are_sorted_and_weights_are_one()
    {
        Assert.Equal(4, Chain.Count);
        Assert.Equal([0, 2], Chain.Neighbors(1).ToArray());
        Assert.Equal([1.0, 1.0], Chain.Weights(1).ToArray());
        Assert.Equal(WeightStyle.Binary, Chain.Style);
        Assert.Equal(4, Chain.PairCount);
        Assert.Equal(1.0, Chain.Weight(2, 1));
        Assert.Equal(0.0, Chain.Weight(2, 0));
        Assert.True(Chain.IsSymmetric());
    }

    [Fact]
    public void Island_has_no_neighbour_other_than_itself()
    {
        Assert.Equal([3], Chain.Islands);
        Assert.Equal([3], Chain.WithSelf().Islands); // 3 lists only itself
        Assert.Empty(Chain.Neighbors(3).ToArray());
    }

    [Fact]
    public void With_self_adds_each_feature_once_and_without_self_removes_it()
    {
        var with = Chain.WithSelf();
        Assert.True(with.HasSelf);
        Assert.False(Chain.HasSelf);
        Assert.Equal([0, 1, 2], with.Neighbors(1).ToArray());
        Assert.Equal([3], with.Neighbors(3).ToArray());
        Assert.Same(with, with.WithSelf());

        var without = with.WithoutSelf();
        Assert.False(without.HasSelf);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(Chain.Neighbors(i).ToArray(), without.Neighbors(i).ToArray());
        }

        Assert.Same(Chain, Chain.WithoutSelf());
    }

    [Fact]
    public void Partly_self_listed_weights_do_not_have_self()
    {
        var partly = SpatialWeights.FromNeighbors([[0, 1], [0]]);
        Assert.False(partly.HasSelf);
        Assert.Equal([0, 1], partly.WithSelf().Neighbors(1).ToArray());
        Assert.Equal([0, 1], partly.WithSelf().Neighbors(0).ToArray());
    }

    [Fact]
    public void Row_standardised_weights_are_one_over_the_neighbour_count()
    {
        var w = Chain.RowStandardized();
        Assert.Equal(WeightStyle.RowStandardized, w.Style);
        Assert.Equal([1.0], w.Weights(0).ToArray());
        Assert.Equal([0.5, 0.5], w.Weights(1).ToArray());
        Assert.Empty(w.Weights(3).ToArray()); // island keeps an empty row
        Assert.Same(w, w.RowStandardized());
        Assert.Equal([1.0, 1.0], w.AsBinary().Weights(1).ToArray());
    }

    [Fact]
    public void Row_standardised_weights_are_restandardised_after_adding_self()
    {
        // Feature 1 has neighbours {0, 2}: 1/2 each; with itself {0, 1, 2}: 1/3 each (include.self, then style "W").
        var w = Chain.RowStandardized().WithSelf();
        Assert.Equal(WeightStyle.RowStandardized, w.Style);
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], w.Weights(1).ToArray());
        Assert.Equal([1.0], w.Weights(3).ToArray());
        Assert.Equal([0.5, 0.5], w.WithoutSelf().Weights(1).ToArray());
    }

    [Fact]
    public void Asymmetric_neighbours_are_detected()
    {
        Assert.False(SpatialWeights.FromNeighbors([[1], [2], [1]]).IsSymmetric());
    }

    [Fact]
    public void Invalid_neighbour_lists_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SpatialWeights.FromNeighbors([[1, 1], [0]]));
        Assert.Throws<ArgumentException>(() => SpatialWeights.FromNeighbors([[2], [0]]));
        Assert.Throws<ArgumentException>(() => SpatialWeights.FromNeighbors([[-1], [0]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Chain.Neighbors(4));
    }

    [Fact]
    public void No_features_give_empty_weights()
    {
        var empty = SpatialWeights.FromNeighbors([]);
        Assert.Equal(0, empty.Count);
        Assert.Empty(empty.Islands);
        Assert.False(empty.HasSelf);
    }
}
