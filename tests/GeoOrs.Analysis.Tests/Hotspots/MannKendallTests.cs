using GeoOrs.Analysis.Hotspots;

namespace GeoOrs.Analysis.Tests.Hotspots;

// Reference P values are erfc(|Z|/√2) from Python's math.erfc.
public class MannKendallTests
{
    [Fact]
    public void An_increasing_series_by_hand()
    {
        // 1..5: all 10 pairs rise, S = 10; Var = 5·4·15/18 = 16.667; Z = (10 − 1)/√16.667 = 2.2045;
        // P = 2·(1 − Φ(2.2045)) = 0.02749 < 0.05.
        var r = MannKendall.Compute([1, 2, 3, 4, 5]);
        Assert.Equal(10, r.S);
        Assert.Equal(300.0 / 18, r.Variance, 1e-12);
        Assert.Equal(2.2045407685048604, r.Z, 1e-12);
        Assert.Equal(0.027486336111510353, r.P, 1e-12);
        Assert.Equal(1, r.Trend);
        // At alpha 0.01 it is not significant.
        Assert.Equal(0, MannKendall.Compute([1, 2, 3, 4, 5], alpha: 0.01).Trend);
    }

    [Fact]
    public void A_decreasing_series_mirrors_it()
    {
        var r = MannKendall.Compute([5, 4, 3, 2, 1]);
        Assert.Equal(-10, r.S);
        Assert.Equal(-2.2045407685048604, r.Z, 1e-12);
        Assert.Equal(0.027486336111510353, r.P, 1e-12);
        Assert.Equal(-1, r.Trend);
    }

    [Fact]
    public void A_flat_series_has_no_trend()
    {
        // All tied: Var = (4·3·13 − 4·3·13)/18 = 0, so Z = 0 and P = 1.
        var r = MannKendall.Compute([3, 3, 3, 3]);
        Assert.Equal(new MannKendallResult(0, 0, 0, 1, 0), r);
        Assert.Equal(new MannKendallResult(0, 0, 0, 1, 0), MannKendall.Compute([]));
        Assert.Equal(new MannKendallResult(0, 0, 0, 1, 0), MannKendall.Compute([7]));
    }

    [Fact]
    public void Ties_reduce_the_variance()
    {
        // 1,2,2,3,3,3: the 1 rises to all 5 later values (+5), each 2 to the three 3s (+3 + 3),
        // tied pairs count 0: S = 11. Var = (6·5·17 − [2·1·9 + 3·2·11])/18 = (510 − 84)/18 = 23.667.
        // Z = 10/√23.667 = 2.0556, P = 0.03982.
        var r = MannKendall.Compute([1, 2, 2, 3, 3, 3]);
        Assert.Equal(11, r.S);
        Assert.Equal(426.0 / 18, r.Variance, 1e-12);
        Assert.Equal(2.055566129482595, r.Z, 1e-12);
        Assert.Equal(0.039824355364810736, r.P, 1e-12);
        Assert.Equal(1, r.Trend);
    }

    [Fact]
    public void A_zigzag_rise_by_hand()
    {
        // 1,3,2,4,3,5,4,6,5,7: of the 45 pairs, 4 fall (3→2, 4→3, 5→4, 6→5) and 3 tie (the 3s, 4s
        // and 5s), so S = 38 − 4 = 34. Var = (10·9·25 − 3·(2·1·9))/18 = (2250 − 54)/18 = 122.
        // Z = 33/√122 = 2.9877, P = 0.002811.
        var r = MannKendall.Compute([1, 3, 2, 4, 3, 5, 4, 6, 5, 7]);
        Assert.Equal(34, r.S);
        Assert.Equal(122, r.Variance, 1e-12);
        Assert.Equal(2.9876796194031114, r.Z, 1e-12);
        Assert.Equal(0.002811040591593122, r.P, 1e-14);
    }

    [Fact]
    public void An_alternating_series_has_no_trend()
    {
        // 2,1,2,1,2,1,2,1: S = −4; ties: four 2s and four 1s, Var = (8·7·21 − 2·4·3·13)/18 = 48.
        var r = MannKendall.Compute([2, 1, 2, 1, 2, 1, 2, 1]);
        Assert.Equal(-4, r.S);
        Assert.Equal(48, r.Variance, 1e-12);
        Assert.Equal(-0.43301270189221935, r.Z, 1e-12);
        Assert.Equal(0.6650055421020291, r.P, 1e-12);
        Assert.Equal(0, r.Trend);
    }

    [Theory]
    // n rising values: S = n(n − 1)/2, Var = n(n − 1)(2n + 5)/18, tails far into the continued fraction.
    [InlineData(12, 66, 4.45721562860432, 8.303107353564735e-06)]
    [InlineData(30, 435, 7.743007455519685, 9.709234566708501e-15)]
    [InlineData(100, 4950, 14.73869998208331, 3.637189687627186e-49)]
    public void Small_p_values_keep_their_relative_precision(int n, double s, double z, double p)
    {
        var r = MannKendall.Compute([.. Enumerable.Range(0, n).Select(i => (double)i)]);
        Assert.Equal(s, r.S);
        Assert.Equal(z, r.Z, 1e-12);
        Assert.Equal(1, r.P / p, 1e-12);
    }

    [Fact]
    public void Invalid_input_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => MannKendall.Compute([1, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MannKendall.Compute([1, 2], alpha: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MannKendall.Compute([1, 2], alpha: 1));
    }
}
