using System.Globalization;
using GeoOrs.Analysis.Signals;

namespace GeoOrs.Analysis.Tests.Signals;

/// <summary>The one-sided Fisher exact test against R's <c>fisher.test(…, alternative = "greater")</c> (Fixtures/share_rise.csv).</summary>
public class ShareRiseTests
{
    public static TheoryData<int, int, int, int, double> RsTables()
    {
        var data = new TheoryData<int, int, int, int, double>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Signals", "Fixtures", "share_rise.csv")).Skip(1))
        {
            var f = line.Split(',');
            int I(int i) => int.Parse(f[i], CultureInfo.InvariantCulture);
            data.Add(I(0), I(1), I(2), I(3), double.Parse(f[4], CultureInfo.InvariantCulture));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RsTables))]
    public void The_p_value_is_Rs_one_sided_fisher_test(int drugNow, int totalNow, int drugBefore, int totalBefore, double expected)
    {
        Assert.Equal(expected, ShareRise.PValue(drugNow, totalNow, drugBefore, totalBefore), 1e-12);
    }

    [Fact]
    public void A_fall_in_share_is_not_a_rise()
    {
        Assert.True(ShareRise.PValue(1, 20, 10, 20) > 0.99);
    }

    [Fact]
    public void Counts_that_cannot_be_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareRise.PValue(5, 4, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareRise.PValue(-1, 4, 0, 10));
    }
}
