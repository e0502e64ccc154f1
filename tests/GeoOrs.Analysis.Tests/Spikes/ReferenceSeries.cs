namespace GeoOrs.Analysis.Tests.Spikes;

/// <summary>
/// A made-up 40-day series and what R's surveillance::earsC returns for it (R 4.2.2, surveillance
/// 1.20.3 from Debian's r-cran-surveillance), computed with
/// <code>
/// y &lt;- c(3, 5, 2, 4, 6, 3, 4, 5, 2, 3, 4, 6, 5, 3, 4, 2, 5, 3, 4, 12, 9, 4, 3, 5, 4, 2, 0, 0, 1, 3, 4, 5, 3, 2, 4, 15, 6, 3, 4, 3)
/// s &lt;- sts(observed = matrix(y, ncol = 1), start = c(2024, 1), frequency = 365)
/// earsC(s, control = list(method = "C1", minSigma = 0.5, alpha = 0.001))   # and "C2"
/// earsC(s, control = list(method = "C3", minSigma = 0.5))                  # alpha left out: 0.025
/// </code>
/// printing <c>upperbound(r)</c> with <c>sprintf("%.15g")</c> and <c>alarms(r)</c>. C1's values
/// start at day index 7 (R's time point 8), C2's at 9 and C3's at 11.
/// </summary>
internal static class ReferenceSeries
{
    public static readonly int[] Counts =
        [3, 5, 2, 4, 6, 3, 4, 5, 2, 3, 4, 6, 5, 3, 4, 2, 5, 3, 4, 12, 9, 4, 3, 5, 4, 2, 0, 0, 1, 3, 4, 5, 3, 2, 4, 15, 6, 3, 4, 3];

    /// <summary>qnorm(1 − 0.001), R's default C1/C2 threshold.</summary>
    public const double Z999 = 3.090232306167813;

    /// <summary>qnorm(1 − 0.025), R's default C3 threshold.</summary>
    public const double Z975 = 1.959963984540054;

    public static readonly double[] C1UpperBound =
    [
        8.01407829446389, 8.29979258017817, 8.33735508320128, 8.01407829446389,
        8.01407829446389, 8.01407829446389, 8.29979258017817, 8.37024843826601,
        8.01407829446389, 8.01407829446389, 8.29979258017817, 8.37024843826601,
        7.15277879755956, 15.0737544142024, 16.6929943057824, 16.6929943057824,
        16.3766001385532, 16.3766001385532, 16.1726221069644, 16.6929943057824,
        12.4929593481618, 8.71499455779229, 8.17437300889131, 8.17437300889131,
        7.35243936147339, 8.17437300889131, 8.3921586875964, 7.88121833400128,
        7.29979258017817, 18.8968294759525, 19.0245486043449, 19.116259171848,
        19.0727094090401,
    ];

    public static readonly bool[] C1Alarm = [false, false, false, false, false, false, false, false, false, false, false, false, true, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, true, false, false, false, false];

    public static readonly double[] C2UpperBound =
    [
        8.01407829446389, 8.29979258017817, 8.33735508320128, 8.01407829446389,
        8.01407829446389, 8.01407829446389, 8.29979258017817, 8.37024843826601,
        8.01407829446389, 8.01407829446389, 8.29979258017817, 8.37024843826601,
        7.15277879755956, 15.0737544142024, 16.6929943057824, 16.6929943057824,
        16.3766001385532, 16.3766001385532, 16.1726221069644, 16.6929943057824,
        12.4929593481618, 8.71499455779229, 8.17437300889131, 8.17437300889131,
        7.35243936147339, 8.17437300889131, 8.3921586875964, 7.88121833400128,
        7.29979258017817, 18.8968294759525, 19.0245486043449,
    ];

    public static readonly bool[] C2Alarm = [false, false, false, false, false, false, false, false, false, false, true, true, false, false, false, false, false, false, false, false, false, false, false, false, false, false, true, false, false, false, false];

    public static readonly double[] C3UpperBound =
    [
        8.93215802676706, 6.92644965658767, 4.92644965658767, 6.63651497233588,
        4.63651497233588, 7.77180764869935, 5.63651497233588, 6.63651497233588,
        14.6365149723359, 4.92568933476343, 0, 1.07050150456965,
        12.0537960034661, 11.0537960034661, 8.76251821641251, 6.76251821641251,
        6.54253978659382, 8.0537960034661, 8.47722229999075, 7.89652520488027,
        8.82545799097827, 5.92011527973248, 4.59134524561184, 7.82545799097827,
        18.8729810303896, 0.030392753085966, 0, 8.29313149322967,
        11.532572354377,
    ];

    public static readonly bool[] C3Alarm = [false, false, false, false, false, false, false, false, false, true, true, true, false, false, false, false, false, false, false, false, false, false, false, false, false, true, true, false, false];
}
