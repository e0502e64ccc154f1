using GeoOrs.Analysis.Planning;

namespace GeoOrs.Analysis.Tests.Planning;

public class MaximalCoveringTests
{
    private static readonly (double X, double Y)[] None = [];

    // Demand on a line: x = 0, 1, 2 (weight 1 each), 10 (5), 11 (1), 20 (2); total 11. With r = 1:
    // A at 1 covers 0, 1, 2 (the ends exactly 1 away) = 3; B at 10.5 covers 10, 11 = 6;
    // C at 2 covers 1, 2 = 2 (3 is empty); D at 20 covers 20 = 2.
    private static readonly (double X, double Y)[] LineDemand = [(0, 0), (1, 0), (2, 0), (10, 0), (11, 0), (20, 0)];
    private static readonly double[] LineWeights = [1, 1, 1, 5, 1, 2];
    private static readonly (double X, double Y)[] LineCandidates = [(1, 0), (10.5, 0), (2, 0), (20, 0)];

    [Fact]
    public void Line_by_hand()
    {
        // Greedy: B (6), then A (3; C would add 2, D 2), then D (2; C adds 0). Curve 6, 9, 11: everything.
        var s = MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 3, 1);
        Assert.Equal([new ChosenSite(1, 6), new ChosenSite(0, 3), new ChosenSite(3, 2)], s.Sites);
        Assert.Equal([6.0, 9, 11], s.GreedyCurve);
        Assert.Equal(11, s.TotalDemand);
        Assert.Equal(0, s.ExistingDemand);
        Assert.Equal(11, s.NewDemand);
        Assert.Equal(11, s.CoveredDemand);
        Assert.Equal(1, s.NewShare);
        Assert.Equal(1, s.CoveredShare);
        Assert.Equal(11, s.UpperBound);
        Assert.Equal(0, s.Gap);
        Assert.Equal(0, s.Swaps);
        Assert.True(s.LocalOptimum);
    }

    [Fact]
    public void Coverage_radius_is_inclusive()
    {
        // A at x = 1 reaches x = 0 and x = 2 at exactly r = 1; just under 1 it reaches only x = 1.
        Assert.Equal(3, MaximalCovering.Solve(LineDemand, LineWeights, [(1, 0)], None, 1, 1).NewDemand);
        Assert.Equal(1, MaximalCovering.Solve(LineDemand, LineWeights, [(1, 0)], None, 1, 0.999).NewDemand);
    }

    [Fact]
    public void Two_sites_on_the_line_and_their_bounds()
    {
        // Best pair: B + A = 9 (B + D = 8, B + C = 8). Coverable demand 11; greedy ratio 9 / (1 − 1/4) = 12;
        // online: 9 + the two largest gains left (D 2, C 0) = 11. The Lagrangian bound is at least 9.
        var s = MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 2, 1);
        Assert.Equal(9, s.NewDemand);
        Assert.Equal(11, s.Bounds.Coverable);
        Assert.Equal(12, s.Bounds.GreedyRatio, 1e-12);
        Assert.Equal(11, s.Bounds.Online);
        Assert.InRange(s.Bounds.Lagrangian, 9 - 1e-9, 11);
        Assert.Equal(s.Bounds.Least, s.UpperBound);
        Assert.Equal((s.UpperBound - 9) / s.UpperBound, s.RelativeGap, 1e-12);
    }

    // Points at x = −1.5 (5), −0.75 (1), −0.5 (2), 0.5 (3), 0.75 (4), 1.5 (6), weight 1, r = 1.
    // X at 0 covers 1–4; Y1 at −1 covers 5, 1, 2; Y2 at 1 covers 3, 4, 6.
    private static readonly (double X, double Y)[] TrapDemand = [(-1.5, 0), (-0.75, 0), (-0.5, 0), (0.5, 0), (0.75, 0), (1.5, 0)];
    private static readonly double[] TrapWeights = [1, 1, 1, 1, 1, 1];
    private static readonly (double X, double Y)[] TrapCandidates = [(0, 0), (-1, 0), (1, 0)];

    [Fact]
    public void Greedy_trap_is_escaped_by_one_swap()
    {
        // Greedy takes X (4), then Y1 (adds 1): 5. Swapping X for Y2 covers all 6.
        var s = MaximalCovering.Solve(TrapDemand, TrapWeights, TrapCandidates, None, 2, 1);
        Assert.Equal([4.0, 5], s.GreedyCurve);
        Assert.Equal([new ChosenSite(1, 3), new ChosenSite(2, 3)], s.Sites);
        Assert.Equal(6, s.NewDemand);
        Assert.Equal(1, s.Swaps);
        Assert.True(s.LocalOptimum);
        Assert.Equal(6, s.UpperBound);
        Assert.Equal(0, s.RelativeGap);
    }

    [Fact]
    public void Without_swaps_or_Lagrangian_the_greedy_solution_stands()
    {
        var options = new CoveringOptions { MaxSwaps = 0, LagrangianIterations = 0, ExhaustiveCombinations = 0 };
        var s = MaximalCovering.Solve(TrapDemand, TrapWeights, TrapCandidates, None, 2, 1, options);
        Assert.Equal([new ChosenSite(0, 4), new ChosenSite(1, 1)], s.Sites);
        Assert.Equal(5, s.NewDemand);
        Assert.False(s.LocalOptimum);
        Assert.Equal(double.PositiveInfinity, s.Bounds.Lagrangian);
        // Coverable 6; greedy ratio 5 / 0.75; online: 5 + the two largest gains left, Y2 (point 6 only: 1) and 0 = 6.
        Assert.Equal(6, s.Bounds.Online);
        Assert.Equal(6, s.UpperBound);
        Assert.Equal(1.0 / 6, s.RelativeGap, 1e-12);

        // Enumeration alone (3 candidates, 3 pairs) finds the optimum and proves it.
        var enumerated = MaximalCovering.Solve(TrapDemand, TrapWeights, TrapCandidates, None, 2, 1, options with { ExhaustiveCombinations = 10 });
        Assert.Equal(6, enumerated.NewDemand);
        Assert.True(enumerated.Bounds.ProvenByEnumeration);
        Assert.Equal(0, enumerated.Gap);
    }

    [Fact]
    public void Existing_sites_count_as_covered_already()
    {
        // An existing site at 10.5 covers 10 and 11 (6): one new site then takes A (3), not B (which adds 0).
        var s = MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, [(10.5, 0)], 1, 1);
        Assert.Equal([new ChosenSite(0, 3)], s.Sites);
        Assert.Equal(6, s.ExistingDemand);
        Assert.Equal(3, s.NewDemand);
        Assert.Equal(9, s.CoveredDemand);
        Assert.Equal(3.0 / 11, s.NewShare, 1e-15);
        Assert.Equal(9.0 / 11, s.CoveredShare, 1e-15);
        Assert.Equal([3.0], s.GreedyCurve);
        // The bounds are on new demand: at most what is still open, 5.
        Assert.InRange(s.UpperBound, 3, 5);
        Assert.Equal(3, s.UpperBound); // one site: the greedy is optimal and the ratio 1 − (1 − 1)^1 = 1.
    }

    [Fact]
    public void Existing_site_overlapping_a_candidate_leaves_it_only_the_rest()
    {
        // Existing at 0 covers x = 0 and 1 (r = 1): A now adds only x = 2, C adds x = 2 too; tie to the lower index.
        var s = MaximalCovering.Solve(LineDemand, LineWeights, [(1, 0), (2, 0)], [(0, 0)], 1, 1);
        Assert.Equal([new ChosenSite(0, 1)], s.Sites);
        Assert.Equal(2, s.ExistingDemand);
    }

    [Fact]
    public void Ties_go_to_the_lower_candidate_index()
    {
        // Four identical candidates and two symmetric ones: the lower index wins each tie.
        (double, double)[] demand = [(0, 0), (4, 0)];
        var s = MaximalCovering.Solve(demand, [1.0, 1], [(4, 0), (0, 0), (0, 0), (4, 0)], None, 1, 0.5);
        Assert.Equal(0, s.Sites[0].Candidate);
        s = MaximalCovering.Solve(demand, [1.0, 1], [(4, 0), (0, 0), (0, 0), (4, 0)], None, 2, 0.5);
        Assert.Equal([new ChosenSite(0, 1), new ChosenSite(1, 1)], s.Sites);
        Assert.Equal(0, s.Gap);
    }

    [Fact]
    public void Zero_weight_demand_adds_nothing()
    {
        // The candidate at 10 covers only weight-0 demand: it adds 0 and comes last when k asks for it.
        (double, double)[] demand = [(0, 0), (10, 0), (10, 0.5)];
        var s = MaximalCovering.Solve(demand, [2.0, 0, 0], [(10, 0), (0, 0)], None, 2, 1);
        Assert.Equal([new ChosenSite(1, 2), new ChosenSite(0, 0)], s.Sites);
        Assert.Equal([2.0, 2], s.GreedyCurve);
        Assert.Equal(2, s.TotalDemand);
        Assert.Equal(1, s.NewShare);
        Assert.Equal(2, s.UpperBound);

        // All weights 0: nothing to cover, shares 0.
        s = MaximalCovering.Solve(demand, [0.0, 0, 0], [(10, 0), (0, 0)], None, 1, 1);
        Assert.Equal(0, s.NewDemand);
        Assert.Equal(0, s.NewShare);
        Assert.Equal(0, s.UpperBound);
        Assert.Equal(0, s.RelativeGap);
    }

    [Fact]
    public void More_sites_than_candidates_chooses_them_all()
    {
        var s = MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 10, 1);
        Assert.Equal(4, s.Sites.Count);
        Assert.Equal([1, 0, 3, 2], s.Sites.Select(c => c.Candidate));
        Assert.Equal([6.0, 9, 11, 11], s.GreedyCurve);
        Assert.Equal(11, s.NewDemand);
        Assert.Equal(11, s.UpperBound);
        Assert.True(s.LocalOptimum);
    }

    [Fact]
    public void Radius_zero_covers_only_coincident_points()
    {
        (double, double)[] demand = [(0, 0), (0, 0), (1e-9, 0), (5, 5)];
        var s = MaximalCovering.Solve(demand, [1.0, 1, 1, 1], [(0, 0), (5, 5)], None, 1, 0);
        Assert.Equal([new ChosenSite(0, 2)], s.Sites);
        Assert.Equal(4, s.TotalDemand);
    }

    [Fact]
    public void Empty_inputs_give_an_empty_plan()
    {
        var s = MaximalCovering.Solve(None, [], None, None, 5, 1000);
        Assert.Empty(s.Sites);
        Assert.Empty(s.GreedyCurve);
        Assert.Equal(0, s.TotalDemand);
        Assert.Equal(0, s.NewShare);
        Assert.Equal(0, s.UpperBound);

        // Demand without candidates: nothing chosen, nothing covered, bound 0.
        s = MaximalCovering.Solve(LineDemand, LineWeights, None, None, 3, 1);
        Assert.Empty(s.Sites);
        Assert.Equal(11, s.TotalDemand);
        Assert.Equal(0, s.UpperBound);

        // k = 0.
        s = MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, [(1, 0)], 0, 1);
        Assert.Empty(s.Sites);
        Assert.Equal(3, s.ExistingDemand);
        Assert.Equal(0, s.UpperBound);

        // Candidates without demand.
        s = MaximalCovering.Solve(None, [], LineCandidates, None, 2, 1);
        Assert.Equal([new ChosenSite(0, 0), new ChosenSite(1, 0)], s.Sites);
        Assert.Equal(0, s.UpperBound);
    }

    [Fact]
    public void Invalid_inputs_are_rejected()
    {
        (double, double)[] nan = [(double.NaN, 0)];
        (double, double)[] inf = [(0, double.PositiveInfinity)];
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, [1.0], LineCandidates, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, [1.0, 1, 1, -1, 1, 1], LineCandidates, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, [1.0, 1, 1, double.NaN, 1, 1], LineCandidates, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, [1.0, 1, 1, double.PositiveInfinity, 1, 1], LineCandidates, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(nan, [1.0], LineCandidates, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, inf, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, nan, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, -1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 1, -1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 1, double.NaN));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 1, double.PositiveInfinity));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(null!, LineWeights, LineCandidates, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, null!, LineCandidates, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, null!, None, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, null!, 1, 1));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 1, 1, new CoveringOptions { MaxSwaps = -1 }));
        Assert.ThrowsAny<ArgumentException>(() => MaximalCovering.Solve(LineDemand, LineWeights, LineCandidates, None, 1, 1, new CoveringOptions { LagrangianIterations = -1 }));
    }

    [Fact]
    public void Same_input_gives_the_same_plan()
    {
        var instance = RandomInstance.Create(new Random(3), 400, 60, 3);
        var a = MaximalCovering.Solve(instance.Demand, instance.Weights, instance.Candidates, instance.Existing, 8, instance.Radius);
        var b = MaximalCovering.Solve(instance.Demand, instance.Weights, instance.Candidates, instance.Existing, 8, instance.Radius);
        Assert.Equal(a.Sites, b.Sites);
        Assert.Equal(a.GreedyCurve, b.GreedyCurve);
        Assert.Equal(a.UpperBound, b.UpperBound);
    }
}
