using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Tests.Reference;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class FalseDiscoveryRateTests
{
    // m = 4; sorted 0.005, 0.01, 0.03, 0.04 at ranks 1..4; m p / rank = 0.02, 0.02, 0.04, 0.04;
    // running minimum from the top: 0.04, 0.04, 0.02, 0.02.
    [Fact]
    public void Benjamini_hochberg_by_hand()
    {
        double[] expected = [0.02, 0.04, 0.04, 0.02];
        var adjusted = FalseDiscoveryRate.Adjust([0.01, 0.04, 0.03, 0.005]);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], adjusted[i], 1e-15);
        }
    }

    [Fact]
    public void Matches_r_p_adjust_with_ties_zero_and_one()
    {
        var adjusted = FalseDiscoveryRate.Adjust(SpdepReference.FdrP);
        for (int i = 0; i < adjusted.Length; i++)
        {
            Assert.Equal(SpdepReference.FdrAdjusted[i], adjusted[i], 1e-15);
        }
    }

    [Fact]
    public void Empty_and_invalid_inputs()
    {
        Assert.Empty(FalseDiscoveryRate.Adjust([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FalseDiscoveryRate.Adjust([0.5, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FalseDiscoveryRate.Adjust([1.5]));
    }
}
