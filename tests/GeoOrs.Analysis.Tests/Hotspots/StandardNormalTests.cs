using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Tests.Reference;
using static GeoOrs.Analysis.Tests.Hotspots.GetisOrdTests;

namespace GeoOrs.Analysis.Tests.Hotspots;

public class StandardNormalTests
{
    [Fact]
    public void Tails_match_r_pnorm_from_the_centre_to_far_out()
    {
        for (int i = 0; i < SpdepReference.NormalZ.Length; i++)
        {
            double z = SpdepReference.NormalZ[i];
            AssertClose(SpdepReference.NormalTwoSided[i], StandardNormal.TwoSided(z), 1e-13, 0);
            AssertClose(SpdepReference.NormalTwoSided[i], StandardNormal.TwoSided(-z), 1e-13, 0);
            AssertClose(SpdepReference.NormalLower[i], StandardNormal.LowerTail(-z), 1e-13, 0); // pnorm(-z)
            AssertClose(SpdepReference.NormalLower[i], StandardNormal.UpperTail(z), 1e-13, 0);
            AssertClose(1 - SpdepReference.NormalLower[i], StandardNormal.UpperTail(-z), 1e-15, 0);
        }
    }

    [Fact]
    public void Beyond_underflow_the_tail_is_zero()
    {
        Assert.Equal(0.0, StandardNormal.TwoSided(40));
        Assert.Equal(1.0, StandardNormal.TwoSided(0));
    }
}
