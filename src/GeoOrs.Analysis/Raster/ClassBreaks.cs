namespace GeoOrs.Analysis.Raster;

/// <summary>
/// Choropleth classification. A classification is returned as the ascending, inclusive upper bounds
/// of its classes (the convention of PySAL mapclassify's <c>bins</c>): class i holds the values v with
/// breaks[i − 1] &lt; v ≤ breaks[i], and the last bound is the maximum of the data.
/// </summary>
/// <remarks>Non-finite values (NaN, ±∞) are ignored by the classifiers.</remarks>
public static class ClassBreaks
{
    /// <summary>
    /// Quantile (equal-count) breaks: the upper bound of class i is the order statistic
    /// x₍⌈N(i+1)/n⌉₎, the inverse empirical distribution function (Hyndman &amp; Fan, "Sample Quantiles
    /// in Statistical Packages", The American Statistician 50(4), 1996, definition 1). Bounds are always
    /// observed values; with many ties they may repeat.
    /// </summary>
    /// <param name="values">The data.</param>
    /// <param name="n">Number of classes, at least 1.</param>
    /// <returns>n upper bounds (fewer if there are fewer values than classes).</returns>
    public static double[] Quantiles(IEnumerable<double> values, int n)
    {
        var x = SortedFinite(values, n, out var k);
        var breaks = new double[k];
        for (var i = 0; i < k; i++)
        {
            var rank = (int)Math.Ceiling((double)x.Length * (i + 1) / k);
            breaks[i] = x[Math.Clamp(rank, 1, x.Length) - 1];
        }

        return breaks;
    }

    /// <summary>
    /// Jenks natural breaks: the partition of the sorted data into n contiguous classes that minimises
    /// the total within-class sum of squared deviations (Jenks, "The Data Model Concept in Statistical
    /// Mapping", International Yearbook of Cartography 7, 1967), found exactly by Fisher's dynamic
    /// programme ("On Grouping for Maximum Homogeneity", JASA 53, 1958) in O(n·N²) time and O(n·N)
    /// memory, with prefix sums giving each class's squared deviation in O(1). Suitable for N up to a
    /// few thousand values.
    /// </summary>
    /// <param name="values">The data.</param>
    /// <param name="n">Number of classes, at least 1.</param>
    /// <returns>n upper bounds (fewer if there are fewer values than classes).</returns>
    public static double[] Jenks(IEnumerable<double> values, int n)
    {
        var x = SortedFinite(values, n, out var k);
        var count = x.Length;

        // Centre to limit cancellation in sum of squares.
        var mean = x.Average();
        var s1 = new double[count + 1];
        var s2 = new double[count + 1];
        for (var i = 0; i < count; i++)
        {
            var v = x[i] - mean;
            s1[i + 1] = s1[i] + v;
            s2[i + 1] = s2[i] + (v * v);
        }

        // cost[j] = best cost of splitting x[0..j] (inclusive) into c classes; start[c][j] = first index of the last class.
        var cost = new double[count];
        var next = new double[count];
        var start = new int[k, count];
        for (var j = 0; j < count; j++)
        {
            cost[j] = Ssd(s1, s2, 0, j);
        }

        for (var c = 1; c < k; c++)
        {
            for (var j = c; j < count; j++)
            {
                var best = double.PositiveInfinity;
                var bestI = j;
                for (var i = j; i >= c; i--)
                {
                    var candidate = cost[i - 1] + Ssd(s1, s2, i, j);
                    if (candidate < best)
                    {
                        best = candidate;
                        bestI = i;
                    }
                }

                next[j] = best;
                start[c, j] = bestI;
            }

            (cost, next) = (next, cost);
        }

        var breaks = new double[k];
        var end = count - 1;
        for (var c = k - 1; c >= 0; c--)
        {
            breaks[c] = x[end];
            if (c > 0)
            {
                end = start[c, end] - 1;
            }
        }

        return breaks;
    }

    /// <summary>The class of <paramref name="value"/>: the first i with value ≤ breaks[i].</summary>
    /// <param name="value">The value.</param>
    /// <param name="breaks">Ascending class upper bounds.</param>
    /// <returns>The class index; values above the last bound get the last class; NaN gives −1.</returns>
    public static int ClassOf(double value, IReadOnlyList<double> breaks)
    {
        ArgumentNullException.ThrowIfNull(breaks);
        if (double.IsNaN(value) || breaks.Count == 0)
        {
            return -1;
        }

        int lo = 0, hi = breaks.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (value <= breaks[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private static double Ssd(double[] s1, double[] s2, int i, int j)
    {
        var m = j - i + 1;
        var sum = s1[j + 1] - s1[i];
        return Math.Max(0, s2[j + 1] - s2[i] - (sum * sum / m));
    }

    private static double[] SortedFinite(IEnumerable<double> values, int n, out int k)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var x = values.Where(double.IsFinite).ToArray();
        if (x.Length == 0)
        {
            throw new ArgumentException("No finite values to classify.", nameof(values));
        }

        Array.Sort(x);
        k = Math.Min(n, x.Length);
        return x;
    }
}
