using System.Globalization;
using GeoOrs.Analysis.Signals;

namespace GeoOrs.Analysis.Tests.Signals;

/// <summary>
/// The lagged cross-correlation against R (Fixtures/lagged_association.R, run once; its CSV is
/// committed): R's <c>ccf</c> on the raw weekly series, <c>ar(…, method = "yule-walker")</c>'s order
/// and coefficients, and <c>ccf</c> on the series prewhitened by that model.
/// </summary>
public class LaggedAssociationTests
{
    private const double Tolerance = 1e-10;

    public sealed record Case(string Name, double[] Later, double[] Earlier, double[] Raw, int Order, double[] Ar, double[] Prewhitened)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<string> Names() => [.. Cases().Select(c => c.Name)];

    private static IEnumerable<Case> Cases()
    {
        static double[] Numbers(string text) =>
            text.Length == 0 ? [] : [.. text.Split(';').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Signals", "Fixtures", "lagged_association.csv")).Skip(1))
        {
            var f = line.Split(',');
            yield return new Case(f[0], Numbers(f[1]), Numbers(f[2]), Numbers(f[3]), int.Parse(f[4], CultureInfo.InvariantCulture), Numbers(f[5]), Numbers(f[6]));
        }
    }

    private static Case Named(string name) => Cases().Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void The_raw_cross_correlation_is_Rs_ccf(string name)
    {
        var c = Named(name);
        var r = CrossCorrelation.Compute(c.Later, c.Earlier, 8)!;
        Assert.Equal(c.Raw.Length, r.Length);
        for (int k = 0; k < r.Length; k++)
        {
            Assert.Equal(c.Raw[k], r[k], Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_prewhitening_model_is_Rs_yule_walker_fit_with_its_aic_order(string name)
    {
        var c = Named(name);
        var model = YuleWalker.Fit(c.Earlier)!;
        Assert.Equal(c.Order, model.Order);
        for (int i = 0; i < c.Order; i++)
        {
            Assert.Equal(c.Ar[i], model.Coefficients[i], Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_prewhitened_cross_correlation_is_Rs_ccf_of_the_filtered_series(string name)
    {
        var c = Named(name);
        var result = LaggedAssociation.Compute(c.Later, c.Earlier);
        Assert.Equal(c.Order, result.Order);
        Assert.Equal(c.Later.Length - c.Order, result.Used);
        Assert.Equal(9, result.Lags.Count);
        for (int k = 0; k <= 8; k++)
        {
            Assert.Equal(k, result.Lags[k].Lag);
            Assert.Equal(c.Raw[k], result.Lags[k].Raw, Tolerance);
            Assert.Equal(c.Prewhitened[k], result.Lags[k].Prewhitened, Tolerance);
        }
    }

    [Fact]
    public void A_lead_of_two_weeks_is_the_one_significant_lag_once_prewhitened()
    {
        var result = LaggedAssociation.Compute(Named("seizures_lead_overdoses_by_two_weeks").Later, Named("seizures_lead_overdoses_by_two_weeks").Earlier);
        Assert.Equal([2], result.Lags.Where(l => l.Significant).Select(l => l.Lag));
        // The raw series, autocorrelated, correlate at the neighbouring lags too.
        Assert.True(result.Lags[1].Raw > result.Bound && result.Lags[3].Raw > result.Bound);
    }

    [Fact]
    public void Two_unrelated_trends_correlate_raw_at_every_lag_and_not_once_prewhitened()
    {
        var c = Named("two_unrelated_trends");
        var result = LaggedAssociation.Compute(c.Later, c.Earlier);
        Assert.All(result.Lags, l => Assert.True(l.Raw > 1.96 / Math.Sqrt(c.Later.Length), $"raw lag {l.Lag}"));
        Assert.DoesNotContain(result.Lags, l => l.Significant);
    }

    [Fact]
    public void A_series_that_does_not_vary_gives_no_lags()
    {
        var later = Enumerable.Range(0, 30).Select(i => (double)(i % 4)).ToArray();
        var none = new double[30];
        Assert.Empty(LaggedAssociation.Compute(later, none).Lags);
        Assert.Empty(LaggedAssociation.Compute(none, later).Lags);
        Assert.Null(YuleWalker.Fit(none));
    }

    [Fact]
    public void Series_of_different_lengths_or_too_short_for_the_lags_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CrossCorrelation.Compute([1, 2, 3], [1, 2], 1));
        Assert.Throws<ArgumentException>(() => CrossCorrelation.Compute([1, 2, 3], [3, 1, 2], 3));
    }
}
