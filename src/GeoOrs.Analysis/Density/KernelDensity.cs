namespace GeoOrs.Analysis.Density;

/// <summary>
/// Kernel density of points on a regular grid with the quartic (biweight) kernel, as the Kernel
/// Density tool of ArcGIS Spatial Analyst computes it (Silverman BW, Density Estimation for
/// Statistics and Data Analysis, Chapman &amp; Hall 1986, §4.2 for the two-dimensional
/// biweight kernel; Esri, "How Kernel Density works", ArcGIS Desktop help, 10.2.1 and later).
/// </summary>
/// <remarks>
/// <para>
/// Each point i with weight wᵢ spreads K(d) = 3/(π h²)·(1 − (d/h)²)² over the disc of radius h
/// (the bandwidth) around it, and 0 beyond; the kernel integrates to 1 over the plane
/// (∫₀ʰ K(r)·2πr dr = 1), so a grid's values are a density per unit of area in the coordinates'
/// squared units (per m² for metres), and their sum times the cell area is Σwᵢ up to the
/// discretisation and to what falls off the grid. Coordinates must be projected (planar): the
/// distance is Euclidean.
/// </para>
/// <para>
/// Each cell's value is the density at its centre. Each point only visits the cells whose centres
/// can lie within h of it, so the cost is the number of points times (2h/cellSize)², not the
/// number of points times the number of cells.
/// </para>
/// </remarks>
public static class KernelDensity
{
    /// <summary>
    /// The default search radius (bandwidth) of ArcGIS Kernel Density since 10.2.1:
    /// h = 0.9·min(SD, √(1/ln 2)·Dm)·n^(−0.2), Silverman's rule of thumb (Silverman 1986, §3.4.2,
    /// h = 0.9·min(σ, IQR/1.34)·n^(−1/5)) adapted to two dimensions and made robust to outliers by the median distance.
    /// </summary>
    /// <remarks>
    /// With the mean centre (x̄, ȳ), SD = √(Σ(xᵢ − x̄)²/n + Σ(yᵢ − ȳ)²/n) is the standard distance
    /// (divisor n, as ArcGIS's Standard Distance tool) and Dm the median of the distances from the
    /// mean centre (for an even n the mean of the two middle distances). √(1/ln 2)·Dm is the
    /// standard distance a bivariate normal with that median distance would have: its distance
    /// from the centre is Rayleigh-distributed with median σ√(2 ln 2) and standard distance σ√2.
    /// Returns 0 when all the points coincide (choose a bandwidth yourself then).
    /// </remarks>
    /// <param name="points">At least one point with finite planar coordinates.</param>
    /// <returns>The bandwidth in the points' units.</returns>
    /// <exception cref="ArgumentException">There are no points, or a coordinate is not finite.</exception>
    public static double DefaultBandwidth(IReadOnlyList<(double X, double Y)> points) => DefaultBandwidth(points, null);

    /// <summary>
    /// The default bandwidth with a weight (ArcGIS's population field) per point: the mean centre,
    /// the standard distance and the median distance are weighted, and n is the sum of the weights.
    /// </summary>
    /// <remarks>
    /// The weighted median is the distance at which the cumulative weight, distances ascending,
    /// reaches half the total; where it reaches exactly half at the end of a distance, the mean of
    /// that distance and the next (so unit weights give the ordinary median). Weights much larger
    /// or smaller than 1 shrink or widen the bandwidth through n^(−0.2), as in ArcGIS.
    /// </remarks>
    /// <param name="points">At least one point with finite planar coordinates.</param>
    /// <param name="weights">One finite, non-negative weight per point, summing to more than 0; null for weights of 1.</param>
    /// <returns>The bandwidth in the points' units.</returns>
    /// <exception cref="ArgumentException">There are no points, a coordinate or a weight is invalid, or the counts differ.</exception>
    public static double DefaultBandwidth(IReadOnlyList<(double X, double Y)> points, IReadOnlyList<double>? weights)
    {
        CheckInput(points, weights);
        var n = points.Count;
        if (n == 0)
        {
            throw new ArgumentException("At least one point is needed.", nameof(points));
        }

        double total = 0, sx = 0, sy = 0;
        for (var i = 0; i < n; i++)
        {
            var w = weights?[i] ?? 1;
            total += w;
            sx += w * points[i].X;
            sy += w * points[i].Y;
        }
        if (!(total > 0))
        {
            throw new ArgumentException("The weights must sum to more than 0.", nameof(weights));
        }
        var cx = sx / total;
        var cy = sy / total;

        var distances = new (double D, double W)[n];
        var squares = 0.0;
        for (var i = 0; i < n; i++)
        {
            var w = weights?[i] ?? 1;
            var dx = points[i].X - cx;
            var dy = points[i].Y - cy;
            var d2 = (dx * dx) + (dy * dy);
            squares += w * d2;
            distances[i] = (Math.Sqrt(d2), w);
        }
        var standardDistance = Math.Sqrt(squares / total);
        var median = WeightedMedian(distances, total);
        return 0.9 * Math.Min(standardDistance, Math.Sqrt(1 / Math.Log(2)) * median) * Math.Pow(total, -0.2);
    }

    /// <summary>
    /// The kernel density at the centres of a grid of <paramref name="columns"/> ×
    /// <paramref name="rows"/> square cells whose lower-left corner is
    /// (<paramref name="minX"/>, <paramref name="minY"/>).
    /// </summary>
    /// <remarks>
    /// Cell [r, c] is centred on x = minX + (c + ½)·cellSize, y = minY + (rows − r − ½)·cellSize:
    /// row 0 is the top (largest y) row, as in an image. Its value is Σᵢ wᵢ·K(dᵢ) with
    /// K(d) = 3/(π h²)·(1 − (d/h)²)² for d &lt; h and 0 otherwise.
    /// </remarks>
    /// <param name="points">Points with finite planar coordinates, in the grid's units.</param>
    /// <param name="minX">The grid's left edge.</param>
    /// <param name="minY">The grid's bottom edge.</param>
    /// <param name="cellSize">The side of a cell, &gt; 0.</param>
    /// <param name="columns">The number of columns, ≥ 1.</param>
    /// <param name="rows">The number of rows, ≥ 1.</param>
    /// <param name="bandwidth">The kernel's radius h, &gt; 0 (see <see cref="DefaultBandwidth(IReadOnlyList{ValueTuple{double, double}})"/>).</param>
    /// <param name="weights">One finite, non-negative weight per point, or null for weights of 1.</param>
    /// <returns>The densities, indexed [row, column], per unit of area.</returns>
    /// <exception cref="ArgumentException">A coordinate or weight is invalid, or the counts differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The grid or the bandwidth is invalid.</exception>
    public static double[,] Grid(
        IReadOnlyList<(double X, double Y)> points,
        double minX,
        double minY,
        double cellSize,
        int columns,
        int rows,
        double bandwidth,
        IReadOnlyList<double>? weights = null)
    {
        CheckInput(points, weights);
        if (!double.IsFinite(minX))
        {
            throw new ArgumentOutOfRangeException(nameof(minX), minX, "The grid's origin must be finite.");
        }
        if (!double.IsFinite(minY))
        {
            throw new ArgumentOutOfRangeException(nameof(minY), minY, "The grid's origin must be finite.");
        }
        if (!(cellSize > 0) || double.IsInfinity(cellSize))
        {
            throw new ArgumentOutOfRangeException(nameof(cellSize), cellSize, "The cell size must be positive and finite.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (!(bandwidth > 0) || double.IsInfinity(bandwidth))
        {
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "The bandwidth must be positive and finite.");
        }

        var grid = new double[rows, columns];
        var h2 = bandwidth * bandwidth;
        var scale = 3 / (Math.PI * h2);
        var maxY = minY + (rows * cellSize);
        for (var i = 0; i < points.Count; i++)
        {
            var w = weights?[i] ?? 1;
            if (w == 0)
            {
                continue;
            }
            var (px, py) = points[i];

            // Columns whose centre x satisfies |x − px| < h: c + ½ within (px − minX ± h)/cellSize.
            var c0 = Math.Max(0, FirstIndex((px - bandwidth - minX) / cellSize));
            var c1 = Math.Min(columns - 1, LastIndex((px + bandwidth - minX) / cellSize));
            // Rows count down from the top edge: the centre of row r is r + ½ cells below maxY.
            var r0 = Math.Max(0, FirstIndex((maxY - py - bandwidth) / cellSize));
            var r1 = Math.Min(rows - 1, LastIndex((maxY - py + bandwidth) / cellSize));
            var weighted = w * scale;
            for (var r = r0; r <= r1; r++)
            {
                var dy = minY + ((rows - r - 0.5) * cellSize) - py;
                var rest = h2 - (dy * dy);
                if (rest <= 0)
                {
                    continue;
                }
                for (var c = c0; c <= c1; c++)
                {
                    var dx = minX + ((c + 0.5) * cellSize) - px;
                    var dx2 = dx * dx;
                    if (dx2 < rest)
                    {
                        var u = 1 - ((dx2 + (dy * dy)) / h2);
                        grid[r, c] += weighted * u * u;
                    }
                }
            }
        }
        return grid;
    }

    /// <summary>The first index k with k + ½ &gt; <paramref name="edge"/> (clamped to the int range).</summary>
    private static int FirstIndex(double edge) => (int)Math.Clamp(Math.Floor(edge - 0.5) + 1, int.MinValue, int.MaxValue);

    /// <summary>The last index k with k + ½ &lt; <paramref name="edge"/> (clamped to the int range).</summary>
    private static int LastIndex(double edge) => (int)Math.Clamp(Math.Ceiling(edge - 0.5) - 1, int.MinValue, int.MaxValue);

    private static double WeightedMedian((double D, double W)[] distances, double total)
    {
        Array.Sort(distances, static (a, b) => a.D.CompareTo(b.D));
        var half = total / 2;
        var cumulative = 0.0;
        for (var i = 0; i < distances.Length; i++)
        {
            cumulative += distances[i].W;
            if (cumulative > half)
            {
                return distances[i].D;
            }
            if (cumulative == half)
            {
                // Exactly half the weight at or below this distance: the mean with the next one that carries weight.
                for (var j = i + 1; j < distances.Length; j++)
                {
                    if (distances[j].W > 0)
                    {
                        return (distances[i].D + distances[j].D) / 2;
                    }
                }
                return distances[i].D;
            }
        }
        return distances[^1].D;
    }

    private static void CheckInput(IReadOnlyList<(double X, double Y)> points, IReadOnlyList<double>? weights)
    {
        ArgumentNullException.ThrowIfNull(points);
        for (var i = 0; i < points.Count; i++)
        {
            if (!double.IsFinite(points[i].X) || !double.IsFinite(points[i].Y))
            {
                throw new ArgumentException($"The point at index {i} has a coordinate that is not finite.", nameof(points));
            }
        }
        if (weights is null)
        {
            return;
        }
        if (weights.Count != points.Count)
        {
            throw new ArgumentException($"{weights.Count} weights for {points.Count} points.", nameof(weights));
        }
        for (var i = 0; i < weights.Count; i++)
        {
            if (!double.IsFinite(weights[i]) || weights[i] < 0)
            {
                throw new ArgumentException($"The weight at index {i} ({weights[i]}) is not a finite non-negative number.", nameof(weights));
            }
        }
    }
}
