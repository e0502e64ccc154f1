namespace GeoOrs.Analysis.Spikes;

/// <summary>
/// The mean and sample standard deviation of a window of a count series, the baseline the
/// detectors compare a day with.
/// </summary>
internal static class MovingBaseline
{
    /// <summary>
    /// The mean x̄ = Σxᵢ/n and the sample standard deviation s = √(Σ(xᵢ − x̄)²/(n − 1)) of
    /// <paramref name="length"/> values from <paramref name="start"/>, computed in two passes so
    /// a constant window gives exactly s = 0.
    /// </summary>
    public static (double Mean, double Sd) MeanAndSd(double[] counts, int start, int length)
    {
        var window = counts.AsSpan(start, length);
        var sum = 0.0;
        foreach (var x in window)
        {
            sum += x;
        }
        var mean = sum / length;
        var squares = 0.0;
        foreach (var x in window)
        {
            var d = x - mean;
            squares += d * d;
        }
        return (mean, Math.Sqrt(squares / (length - 1)));
    }
}
