using GeoOrs.Analysis.Hotspots;

namespace GeoOrs.Analysis.Density;

/// <summary>A hexagon of a density surface: its cell, centre, density and the weight within the kernel's reach of its centre.</summary>
/// <param name="Q">Axial column.</param>
/// <param name="R">Axial row.</param>
/// <param name="X">Centre, planar x.</param>
/// <param name="Y">Centre, planar y.</param>
/// <param name="Density">Σ wᵢ·K(dᵢ) at the centre, per unit of area.</param>
/// <param name="Weight">Σ wᵢ over the points within the bandwidth of the centre.</param>
public readonly record struct DensityCell(int Q, int R, double X, double Y, double Density, double Weight);

/// <summary>
/// Kernel density with the quartic kernel (as <see cref="KernelDensity"/>: K(d) = 3/(π h²)·(1 − (d/h)²)²
/// for d &lt; h, Silverman 1986 §4.2) evaluated at the centres of a hexagon grid, for every cell
/// whose centre lies within the bandwidth of a point; with each cell, the weight of the points that
/// reach it, which says how many events a cell's value summarises.
/// </summary>
/// <remarks>
/// Each point visits the cells within hexagon distance ⌈h / (s·√3/2)⌉ + 1 of its own cell (s the
/// spacing; two centres k cells apart are at least k·s·√3/2 apart), so the cost is the number of
/// points times about 3.6·(h/s)² cells.
/// </remarks>
public static class HexDensity
{
    /// <summary>Evaluates the density of weighted points at the hexagon centres they reach.</summary>
    /// <param name="points">Planar points.</param>
    /// <param name="weights">One finite, non-negative weight per point.</param>
    /// <param name="bandwidth">The kernel's radius h, &gt; 0.</param>
    /// <param name="grid">The hexagon grid.</param>
    /// <returns>The cells reached, ordered by (r, q).</returns>
    /// <exception cref="ArgumentException">The counts differ or a weight is negative or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The bandwidth is not positive and finite.</exception>
    public static IReadOnlyList<DensityCell> Compute(IReadOnlyList<(double X, double Y)> points, IReadOnlyList<double> weights, double bandwidth, HexGrid grid)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(grid);
        if (points.Count != weights.Count)
        {
            throw new ArgumentException("One weight per point is needed.", nameof(weights));
        }

        if (!(bandwidth > 0) || double.IsInfinity(bandwidth))
        {
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "The bandwidth must be positive and finite.");
        }

        var reach = (int)Math.Ceiling(bandwidth / (grid.Spacing * Math.Sqrt(3) / 2)) + 1;
        var h2 = bandwidth * bandwidth;
        var scale = 3 / (Math.PI * h2);
        var cells = new Dictionary<(int Q, int R), (double Density, double Weight)>();
        for (var i = 0; i < points.Count; i++)
        {
            var w = weights[i];
            if (!(w >= 0) || double.IsInfinity(w))
            {
                throw new ArgumentException($"Weight {i} is negative or not finite.", nameof(weights));
            }

            if (w == 0)
            {
                continue;
            }

            var (x, y) = points[i];
            var (q0, r0) = grid.CellOf(x, y);
            for (var dq = -reach; dq <= reach; dq++)
            {
                for (var dr = Math.Max(-reach, -dq - reach); dr <= Math.Min(reach, -dq + reach); dr++)
                {
                    var (cx, cy) = grid.Center(q0 + dq, r0 + dr);
                    var d2 = ((cx - x) * (cx - x)) + ((cy - y) * (cy - y));
                    if (d2 >= h2)
                    {
                        continue;
                    }

                    var u = 1 - (d2 / h2);
                    var key = (q0 + dq, r0 + dr);
                    var (density, weight) = cells.GetValueOrDefault(key);
                    cells[key] = (density + (w * scale * u * u), weight + w);
                }
            }
        }

        return [.. cells.OrderBy(c => c.Key.R).ThenBy(c => c.Key.Q).Select(c =>
        {
            var (cx, cy) = grid.Center(c.Key.Q, c.Key.R);
            return new DensityCell(c.Key.Q, c.Key.R, cx, cy, c.Value.Density, c.Value.Weight);
        })];
    }
}
