namespace GeoOrs.Analysis.Planning;

/// <summary>
/// An upper bound on the maximal covering optimum from the Lagrangian relaxation of the coverage
/// constraints, minimised by subgradient optimisation (Galvão &amp; ReVelle, <i>A Lagrangean heuristic for
/// the maximal covering location problem</i>, European Journal of Operational Research 88(1), 1996;
/// subgradient steps after Held, Wolfe &amp; Crowder, <i>Validation of subgradient optimization</i>,
/// Mathematical Programming 6, 1974).
/// </summary>
/// <remarks>
/// <para>
/// <b>The problem</b> (Church &amp; ReVelle 1974) over the open demand: maximise Σ<sub>i</sub> w<sub>i</sub> y<sub>i</sub>
/// subject to y<sub>i</sub> ≤ Σ<sub>j∈N_i</sub> x<sub>j</sub> for every demand i (N<sub>i</sub>: the candidates
/// covering i), Σ<sub>j</sub> x<sub>j</sub> = p, x<sub>j</sub> ∈ {0, 1}, 0 ≤ y<sub>i</sub> ≤ 1.
/// </para>
/// <para>
/// <b>The relaxation.</b> Moving the coverage constraints into the objective with multipliers
/// λ<sub>i</sub> ≥ 0 gives L(λ) = max Σ<sub>i</sub> (w<sub>i</sub> − λ<sub>i</sub>) y<sub>i</sub> + Σ<sub>j</sub> C<sub>j</sub>(λ) x<sub>j</sub>
/// over the remaining constraints, with C<sub>j</sub>(λ) = Σ<sub>i∈cov(j)</sub> λ<sub>i</sub> (swapping the
/// order of the double sum Σ<sub>i</sub> λ<sub>i</sub> Σ<sub>j∈N_i</sub> x<sub>j</sub>). For every feasible
/// (x, y) the added term −Σ λ<sub>i</sub>(y<sub>i</sub> − Σ<sub>N_i</sub> x<sub>j</sub>) is ≥ 0, so
/// L(λ) ≥ the optimum for every λ ≥ 0 (weak duality). The maximisation separates: y<sub>i</sub> = 1 exactly
/// when w<sub>i</sub> &gt; λ<sub>i</sub>, and x picks the p candidates of largest C<sub>j</sub>, so
/// </para>
/// <para>L(λ) = Σ<sub>i</sub> max(0, w<sub>i</sub> − λ<sub>i</sub>) + (sum of the p largest C<sub>j</sub>(λ)).</para>
/// <para>
/// Raising λ<sub>i</sub> above w<sub>i</sub> only raises the C<sub>j</sub>, so λ is kept in [0, w<sub>i</sub>]
/// (Galvão &amp; ReVelle 1996) and the first term is Σ (w<sub>i</sub> − λ<sub>i</sub>). λ = w gives the sum of
/// the p largest single-site coverages; λ = 0 the whole open demand. The subproblem has the integrality
/// property, so the best L equals the bound of the linear relaxation.
/// </para>
/// <para>
/// <b>Subgradient optimisation.</b> A subgradient of L at λ is s<sub>i</sub> = a<sub>i</sub> − y<sub>i</sub>,
/// with a<sub>i</sub> the number of the subproblem's sites covering i. Each iteration steps
/// λ ← clamp(λ − t s, 0, w) with t = π (L(λ) − LB) / ‖s‖² (Held, Wolfe &amp; Crowder 1974), LB the best
/// solution value known, π starting at 2 and halved after 20 iterations without a lower L; it starts
/// from λ = w/2 and stops after a fixed number of iterations, or early when s = 0 or L(λ) − LB is within
/// 10⁻¹² of the open demand (then the bound proves LB optimal). Every L(λ) is a valid bound; the lowest
/// is returned. As in Galvão &amp; ReVelle's heuristic, the subproblem's p sites are a feasible solution:
/// each is evaluated, raises LB when it beats the best known, and the best of them is returned as a
/// starting point for the swap search.
/// </para>
/// </remarks>
internal sealed class LagrangianBound
{
    private const int Patience = 20;

    private readonly CoverageSets _sets;
    private readonly int _p;
    private readonly double[] _lambda;
    private readonly double[] _c;
    private readonly int[] _order;
    private readonly int[] _a;

    private LagrangianBound(CoverageSets sets, int p)
    {
        _sets = sets;
        _p = p;
        _lambda = new double[sets.DemandCount];
        _c = new double[sets.CandidateCount];
        _order = new int[sets.CandidateCount];
        _a = new int[sets.DemandCount];
    }

    /// <summary>Minimises L(λ) by subgradient steps.</summary>
    /// <param name="sets">The coverage sets.</param>
    /// <param name="p">The number of sites, 1 ≤ p &lt; the number of candidates.</param>
    /// <param name="lowerBound">The value of the best solution known.</param>
    /// <param name="iterations">The most subgradient iterations.</param>
    /// <param name="cancellationToken">Stops the work (checked at every iteration).</param>
    /// <returns>
    /// The lowest L(λ) found, the iterations run, and the best subproblem solution with its value
    /// (<see langword="null"/> when no iteration ran).
    /// </returns>
    public static (double Bound, int Iterations, int[]? BestPrimal, double BestPrimalValue) Compute(
        CoverageSets sets, int p, double lowerBound, int iterations, CancellationToken cancellationToken = default)
    {
        var state = new LagrangianBound(sets, p);
        return state.Run(lowerBound, iterations, cancellationToken);
    }

    private (double Bound, int Iterations, int[]? BestPrimal, double BestPrimalValue) Run(double lowerBound, int iterations, CancellationToken cancellationToken)
    {
        var w = _sets.Weight;
        int n = w.Length;
        double open = 0;
        for (int i = 0; i < n; i++)
        {
            open += w[i];
            _lambda[i] = w[i] / 2;
        }

        double tolerance = 1e-12 * open;
        double best = open; // L(0)
        double lb = lowerBound;
        int[]? bestPrimal = null;
        double bestPrimalValue = double.NegativeInfinity;
        double pi = 2;
        int stale = 0, iteration = 0;
        while (iteration < iterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iteration++;
            double value = Evaluate();
            if (value < best)
            {
                best = value;
                stale = 0;
            }
            else if (++stale >= Patience)
            {
                pi /= 2;
                stale = 0;
            }

            // The subproblem's sites as a solution, and a_i for the subgradient.
            Array.Clear(_a);
            double primal = 0;
            for (int q = 0; q < _p; q++)
            {
                foreach (int i in _sets.Covered(_order[q]))
                {
                    if (_a[i]++ == 0)
                    {
                        primal += w[i];
                    }
                }
            }

            if (primal > bestPrimalValue)
            {
                bestPrimal = _order[.._p];
                bestPrimalValue = primal;
            }

            lb = Math.Max(lb, primal);

            if (best - lb <= tolerance)
            {
                break;
            }

            double norm = 0;
            for (int i = 0; i < n; i++)
            {
                int s = _a[i] - (w[i] > _lambda[i] ? 1 : 0);
                norm += s * s;
            }

            if (norm == 0)
            {
                break;
            }

            double step = pi * (value - lb) / norm;
            for (int i = 0; i < n; i++)
            {
                int s = _a[i] - (w[i] > _lambda[i] ? 1 : 0);
                if (s != 0)
                {
                    _lambda[i] = Math.Clamp(_lambda[i] - (step * s), 0, w[i]);
                }
            }
        }

        return (best, iteration, bestPrimal, bestPrimalValue);
    }

    /// <summary>L(λ) for the current λ; leaves the p sites of largest C<sub>j</sub> first in _order.</summary>
    private double Evaluate()
    {
        var w = _sets.Weight;
        double value = 0;
        for (int i = 0; i < w.Length; i++)
        {
            value += w[i] - _lambda[i];
        }

        for (int j = 0; j < _c.Length; j++)
        {
            double c = 0;
            foreach (int i in _sets.Covered(j))
            {
                c += _lambda[i];
            }

            _c[j] = c;
            _order[j] = j;
        }

        SelectLargest(_p);
        for (int q = 0; q < _p; q++)
        {
            value += _c[_order[q]];
        }

        return value;
    }

    /// <summary>Rearranges _order so its first <paramref name="count"/> entries are the candidates of largest C (Hoare's selection; ties to the lower index).</summary>
    private void SelectLargest(int count) => Spatial.Selection.Select(_order, 0, _order.Length - 1, count - 1, new LargestFirst(_c));

    /// <summary>Candidates by C, largest first, ties to the lower index.</summary>
    private readonly struct LargestFirst(double[] c) : Spatial.IOrderOfIds
    {
        public bool Before(int a, int b) => c[a] > c[b] || (c[a] == c[b] && a < b);
    }
}
