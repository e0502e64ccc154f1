using GeoOrs.Analysis.Spatial;

namespace GeoOrs.Analysis.Hotspots;

/// <summary>
/// The two scales Optimized Hot Spot Analysis derives from the data before it runs G<sub>i</sub>* (Esri, "How
/// Optimized Hot Spot Analysis works", ArcGIS Pro documentation): the size of the hexagon cells that incident points
/// are counted in, and the distance band of the weighted features (the cells with their counts), found with
/// Incremental Spatial Autocorrelation (Esri, "Incremental Spatial Autocorrelation (Spatial Statistics)").
/// </summary>
/// <remarks>
/// <para>
/// <b>Nearest-neighbour distances.</b> Both start from the distance of each location to its nearest neighbour.
/// Coincident points (events geocoded to the same address, cells at the same centre) are one location: the
/// distance is to the nearest <i>other</i> location, so zero distances never occur and a thousand events at one
/// address weigh as one location, not as a thousand zeros. Locational outliers — locations whose nearest-neighbour
/// distance d exceeds the mean by more than three standard deviations (population standard deviation, over the
/// locations used) — are set aside. Optimized Hot Spot Analysis reports locational outliers and leaves them out of its
/// polygon cell size without publishing its cut-off; three standard deviations is the rule here. Distances are
/// Euclidean in the units of the coordinates (metres after <see cref="EqualArea"/>).
/// </para>
/// <para>
/// <b>Sampling.</b> When there are more than <see cref="SampleSize"/> distinct locations, the nearest-neighbour
/// distances are computed for a systematic sample of that many: every (U / 100,000)-th location in (x, y) order, so
/// the result does not depend on the order of the input. Each sampled location's neighbour is searched among
/// <i>all</i> locations (a k-d tree over all of them), so the sample's distances are exact, not those of a thinned
/// pattern, and only their mean and spread are estimated.
/// </para>
/// </remarks>
public static class ScaleOfAnalysis
{
    /// <summary>The largest number of locations whose nearest-neighbour distances are computed.</summary>
    public const int SampleSize = 100_000;

    /// <summary>The locational-outlier cut-off, in standard deviations above the mean nearest-neighbour distance.</summary>
    public const double OutlierDeviations = 3;

    /// <summary>
    /// The hexagon cell size for counting incident points: the distance between neighbouring cell centres
    /// (<see cref="HexGrid.Spacing"/>, the hexagon's width across flats), twice the mean nearest-neighbour distance
    /// of the incidents' distinct locations with locational outliers set aside.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Optimized Hot Spot Analysis derives its fishnet and hexagon cell size from the incidents' nearest-neighbour
    /// distances, leaving out locational outliers, but Esri does not publish the formula. The rule here is stated so
    /// that it can be checked: under complete spatial randomness with λ locations per unit area the expected
    /// nearest-neighbour distance is 1 / (2 √λ) (Clark &amp; Evans, <i>Distance to nearest neighbor as a measure of
    /// spatial relationships in populations</i>, Ecology 35(4), 1954), so 2 d̄ estimates 1 / √λ, the side of a square
    /// holding one location on average; the hexagon is given that width across flats (its area is √3/2 of the
    /// square's). Where incidents cluster, d̄ is the typical spacing inside the clusters, and cells resolve it.
    /// </para>
    /// <para>
    /// <b>Complexity.</b> O(N log N) for N incidents (sorting them to merge coincident ones and building the k-d tree
    /// over the U distinct locations), plus O(m log U) for the m ≤ 100,000 nearest-neighbour queries; memory about
    /// 21 bytes per incident besides the input. Ten million incidents take 2–6 s on two cores (less when many share
    /// an address).
    /// </para>
    /// </remarks>
    /// <param name="incidents">The incident points in planar coordinates (metres).</param>
    /// <returns>The centre-to-centre spacing of the hexagon grid, in the units of the coordinates.</returns>
    /// <exception cref="ArgumentException">A coordinate is NaN or infinite, or there are fewer than two distinct locations.</exception>
    public static double HexagonCellSize(IReadOnlyList<(double X, double Y)> incidents)
    {
        var locations = DistinctLocations(incidents);
        var distances = SampledNearestDistances(locations);
        var (mean, _) = WithoutOutliers(distances);
        return 2 * mean;
    }

    /// <summary>
    /// The distance band for weighted features: the first statistically significant peak of global Moran's I
    /// z-scores over increasing distances, or, when there is none, the mean distance to each feature's k-th nearest
    /// neighbour.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Profile</b> (Incremental Spatial Autocorrelation with its defaults): <paramref name="steps"/> distances
    /// D<sub>s</sub> = start + s · increment, s = 0 … steps − 1 (ArcGIS's default: 10 distance bands). The start is the
    /// largest nearest-neighbour distance among the locations that are not locational outliers — the smallest band
    /// that gives each of them a neighbour, the tool's default beginning distance — and the increment is their mean
    /// nearest-neighbour distance. On a full hexagon grid of spacing s both are s: the bands are s, 2s, … 10s. At each
    /// distance, Moran's I is <see cref="GlobalMoran"/>'s (spdep's <c>moran.test</c> under randomisation, two-sided)
    /// with <see cref="DistanceBandWeights"/> of that band, row-standardised (the tool's default), all bands computed
    /// in one pass by <see cref="IncrementalSpatialAutocorrelation"/>. The band is widened by a relative 10<sup>−9</sup>
    /// for the neighbour search, so that lattice neighbours exactly at the distance are not lost to rounding; the
    /// distance reported is D<sub>s</sub>.
    /// </para>
    /// <para>
    /// <b>Peak.</b> Step s is a peak when its z-score exceeds both neighbouring steps' (0 &lt; s &lt; steps − 1: the
    /// first and last distances have only one neighbour and are never peaks) and exceeds <paramref name="criticalZ"/>
    /// (1.96, two-sided 5 %). The first such step is chosen ("the distance associated with the first statistically
    /// significant peak", as Optimized Hot Spot Analysis does), with <see cref="DistanceBandChoice.Peak"/>.
    /// </para>
    /// <para>
    /// <b>Fallback</b> (Optimized Hot Spot Analysis when no peak is found): the mean over all n features of the
    /// distance to the k-th nearest other feature, k = ⌊0.05 n⌋ clamped to 3 … 30 and to at most n − 1; coincident
    /// features count here, since a band of that distance gives each feature k neighbours on average. ArcGIS then caps
    /// it at one standard distance; that cap is not applied here. Reported as <see cref="DistanceBandChoice.KthNeighbor"/>.
    /// </para>
    /// <para>
    /// <b>Complexity.</b> O(n log n) for the nearest-neighbour distances and the fallback, and O(n log n + P·S) for the
    /// profile, P the neighbour pairs within the largest band and S the steps; memory O(n·S). On 100,000 hexagons of a
    /// full grid the tenth band holds about 360 neighbours per cell (36 million pairs, never stored): about three
    /// seconds on two cores.
    /// </para>
    /// </remarks>
    /// <param name="points">The features' locations (hexagon centres), in planar coordinates (metres).</param>
    /// <param name="values">The features' values (counts), finite.</param>
    /// <param name="steps">The number of distances in the profile, ≥ 1 (ArcGIS's default 10).</param>
    /// <param name="criticalZ">The z-score a peak must exceed (1.96 for 5 %, two-sided).</param>
    /// <returns>The distance, how it was chosen, the k of the fallback, the start, the increment and the profile.</returns>
    /// <exception cref="ArgumentException">
    /// The numbers of points and values differ, a coordinate or value is not finite, or there are fewer than two
    /// distinct locations.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is less than 1 or <paramref name="criticalZ"/> is not finite.</exception>
    public static DistanceBandChoice DistanceBand(
        IReadOnlyList<(double X, double Y)> points, IReadOnlyList<double> values, int steps = 10, double criticalZ = 1.96)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(values);
        if (steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "There must be at least one distance.");
        }

        if (!double.IsFinite(criticalZ))
        {
            throw new ArgumentOutOfRangeException(nameof(criticalZ), criticalZ, "The critical z-score must be finite.");
        }

        if (values.Count != points.Count)
        {
            throw new ArgumentException($"There are {values.Count} values for {points.Count} points.", nameof(values));
        }

        var locations = DistinctLocations(points);
        var (mean, max) = WithoutOutliers(SampledNearestDistances(locations));
        double start = max, increment = mean;

        const double Widening = 1 + 1e-9;
        var distances = new double[steps];
        var bands = new double[steps];
        for (int s = 0; s < steps; s++)
        {
            distances[s] = start + (s * increment);
            bands[s] = distances[s] * Widening;
        }

        var morans = IncrementalSpatialAutocorrelation.Compute(points, values, bands);
        var profile = new IncrementalMoranStep[steps];
        for (int s = 0; s < steps; s++)
        {
            profile[s] = new IncrementalMoranStep(distances[s], morans[s].I, morans[s].Z, morans[s].P);
        }

        int n = points.Count;
        int k = Math.Min(Math.Clamp(n / 20, 3, 30), n - 1);
        int peak = FirstPeak(profile, criticalZ);
        return peak >= 0
            ? new DistanceBandChoice(profile[peak].Distance, DistanceBandChoice.Peak, k, start, increment, profile)
            : new DistanceBandChoice(MeanKthNeighborDistance(points, k), DistanceBandChoice.KthNeighbor, k, start, increment, profile);
    }

    /// <summary>The first interior step whose z-score exceeds the critical value and both neighbouring steps' z-scores; −1 if none.</summary>
    private static int FirstPeak(IncrementalMoranStep[] profile, double criticalZ)
    {
        for (int s = 1; s < profile.Length - 1; s++)
        {
            double z = profile[s].Z;
            if (z > criticalZ && z > profile[s - 1].Z && z > profile[s + 1].Z)
            {
                return s;
            }
        }

        return -1;
    }

    /// <summary>The mean distance from each point to its k-th nearest other point (coincident points included).</summary>
    private static double MeanKthNeighborDistance(IReadOnlyList<(double X, double Y)> points, int k)
    {
        var tree = new KdTree(points);
        Span<int> nearest = k <= 64 ? stackalloc int[k] : new int[k];
        double sum = 0;
        for (int i = 0; i < points.Count; i++)
        {
            tree.Nearest(i, k, nearest);
            var (x, y) = points[i];
            var (kx, ky) = points[nearest[k - 1]];
            sum += Math.Sqrt(((kx - x) * (kx - x)) + ((ky - y) * (ky - y)));
        }

        return sum / points.Count;
    }

    /// <summary>
    /// The distinct locations of the points, in (x, y) order: the coordinates sorted by x, each run of equal x by y,
    /// and repeated pairs dropped.
    /// </summary>
    private static (double[] X, double[] Y) DistinctLocations(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        int n = points.Count;
        var xs = new double[n];
        var ys = new double[n];
        for (int i = 0; i < n; i++)
        {
            (xs[i], ys[i]) = points[i];
            if (!double.IsFinite(xs[i]) || !double.IsFinite(ys[i]))
            {
                throw new ArgumentException($"Point {i} has a coordinate that is not a finite number.", nameof(points));
            }
        }

        Array.Sort(xs, ys);
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && xs[end] == xs[start])
            {
                end++;
            }

            Array.Sort(ys, start, end - start);
            start = end;
        }

        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (count == 0 || xs[i] != xs[count - 1] || ys[i] != ys[count - 1])
            {
                xs[count] = xs[i];
                ys[count] = ys[i];
                count++;
            }
        }

        if (count < 2)
        {
            throw new ArgumentException($"There are {count} distinct locations; at least two are needed for nearest-neighbour distances.", nameof(points));
        }

        if (count < n)
        {
            Array.Resize(ref xs, count);
            Array.Resize(ref ys, count);
        }

        return (xs, ys);
    }

    /// <summary>
    /// The distance from each sampled location to the nearest other location: all of them when there are at most
    /// <see cref="SampleSize"/>, otherwise the locations at ⌊s · U / SampleSize⌋, s = 0 … SampleSize − 1.
    /// </summary>
    private static double[] SampledNearestDistances((double[] X, double[] Y) locations)
    {
        var (xs, ys) = locations;
        int count = xs.Length;
        int sampled = Math.Min(count, SampleSize);
        var tree = new KdTree(xs, ys);
        var distances = new double[sampled];
        Span<int> nearest = stackalloc int[1];
        for (int s = 0; s < sampled; s++)
        {
            int i = (int)((long)s * count / sampled);
            tree.Nearest(i, 1, nearest);
            double dx = xs[nearest[0]] - xs[i], dy = ys[nearest[0]] - ys[i];
            distances[s] = Math.Sqrt((dx * dx) + (dy * dy));
        }

        return distances;
    }

    /// <summary>
    /// The mean and the largest of the distances that are not locational outliers: more than
    /// <see cref="OutlierDeviations"/> population standard deviations above the mean of all of them (and, so that
    /// rounding on a lattice makes no outliers, above it by more than a relative 10<sup>−9</sup> of the mean).
    /// </summary>
    private static (double Mean, double Max) WithoutOutliers(double[] distances)
    {
        double mean = Mean(distances, double.PositiveInfinity);
        double squares = 0;
        foreach (double d in distances)
        {
            squares += (d - mean) * (d - mean);
        }

        double cutOff = mean + (OutlierDeviations * Math.Sqrt(squares / distances.Length)) + (1e-9 * mean);
        double max = 0;
        foreach (double d in distances)
        {
            max = d <= cutOff ? Math.Max(max, d) : max;
        }

        return (Mean(distances, cutOff), max);
    }

    /// <summary>The mean of the values at most <paramref name="cutOff"/>, as a reference value plus the mean deviation (exact when they are equal).</summary>
    private static double Mean(double[] values, double cutOff)
    {
        double reference = values[0], sum = 0;
        int count = 0;
        foreach (double v in values)
        {
            if (v <= cutOff)
            {
                sum += v - reference;
                count++;
            }
        }

        return reference + (sum / count);
    }
}
