namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// The values of one analysis, checked, with the facts the statistics need to recognise a zero variance
/// exactly rather than through rounding: whether all values are equal, and whether all but one are.
/// </summary>
internal sealed class Sample
{
    private readonly double _min;
    private readonly double _max;
    private readonly int _minCount;
    private readonly int _maxCount;

    private Sample(double[] values)
    {
        Values = values;
        _min = double.PositiveInfinity;
        _max = double.NegativeInfinity;
        foreach (double v in values)
        {
            _min = Math.Min(_min, v);
            _max = Math.Max(_max, v);
        }

        foreach (double v in values)
        {
            _minCount += v == _min ? 1 : 0;
            _maxCount += v == _max ? 1 : 0;
        }
    }

    public double[] Values { get; }

    public int Count => Values.Length;

    /// <summary>Whether every value is the same (so the sample variance is exactly 0).</summary>
    public bool AllEqual => Count == 0 || _min == _max;

    /// <summary>Checks the values against the weights and copies them.</summary>
    public static Sample Of(IReadOnlyList<double> values, int expectedCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != expectedCount)
        {
            throw new ArgumentException(
                $"There are {values.Count} values but the weights cover {expectedCount} features.", nameof(values));
        }

        var copy = new double[values.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = values[i];
            if (!double.IsFinite(copy[i]))
            {
                throw new ArgumentException($"Value {i} is not a finite number.", nameof(values));
            }
        }

        return new Sample(copy);
    }

    /// <summary>Whether every value other than value <paramref name="i"/> is the same.</summary>
    public bool OthersEqual(int i)
    {
        if (AllEqual)
        {
            return true;
        }

        // Two distinct values only, and value i is the single occurrence of one of them.
        double v = Values[i];
        return _minCount + _maxCount == Count && ((v == _min && _minCount == 1) || (v == _max && _maxCount == 1));
    }

    /// <summary>The mean, computed as a reference value plus the mean of the deviations from it (exact when all values are equal).</summary>
    public double Mean()
    {
        if (Count == 0)
        {
            return 0;
        }

        double reference = Values[0], sum = 0;
        foreach (double v in Values)
        {
            sum += v - reference;
        }

        return reference + (sum / Count);
    }
}
