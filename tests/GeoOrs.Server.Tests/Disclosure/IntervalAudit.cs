using System.Globalization;
using GeoOrs.Analysis.Privacy;
using Google.OrTools.LinearSolver;

namespace GeoOrs.Server.Tests.Disclosure;

/// <summary>One withheld figure's feasible range.</summary>
internal sealed record Interval(Cell Cell, long Truth, long Low, long High)
{
    /// <summary>For an unprotected figure, the published figures whose bounds pin it (the binding constraints).</summary>
    public string Pinned { get; init; } = "";

    /// <summary>The audit's rule: the range includes 0 or spans at least 5 values.</summary>
    public bool Protected => Low <= 0 || High - Low + 1 >= 5;
}

/// <summary>
/// The interval audit of withheld figures: the smallest and largest true value each withheld county
/// figure can take given everything published for the same months and their neighbours in time and
/// space, as linear programmes (GLOP). The unknowns are every county's fatal, non-fatal and naloxone
/// counts per month over the counties of the audited states and of every HIDTA region touching them
/// (overdoses = fatal + non-fatal, naloxone ≤ overdoses, all ≥ 0). Each published figure bounds the
/// sum of its unknowns by what the perturbation table allows (<see cref="CellKeyPerturbation.Possible"/>):
/// a published 0 means 0–6, a published p ≥ 10 means p − 6 … p + 6 (at least 6), a withheld figure
/// 0–15. The programme's
/// bounds are rounded inwards to integers; they contain the integer programme's.
/// </summary>
internal static class IntervalAudit
{
    public static List<Interval> Run(PublishedTables tables, IReadOnlyCollection<string> states, int? maxCells = null)
    {
        var counties = new HashSet<string>(states.SelectMany(s => tables.CountiesOfState[s]));
        var hidtas = counties.SelectMany(c => tables.HidtasOfCounty.GetValueOrDefault(c) ?? []).ToHashSet();
        foreach (var h in hidtas)
        {
            counties.UnionWith(tables.MembersOfHidta[h]);
        }

        using var solver = Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("GLOP is not available");
        var fatal = new Dictionary<(string, int), Variable>();
        var nonfatal = new Dictionary<(string, int), Variable>();
        var naloxone = new Dictionary<(string, int), Variable>();
        foreach (var county in counties)
        {
            for (var m = 0; m < tables.MonthCount; m++)
            {
                var f = fatal[(county, m)] = solver.MakeNumVar(0, double.PositiveInfinity, $"f_{county}_{m}");
                var n = nonfatal[(county, m)] = solver.MakeNumVar(0, double.PositiveInfinity, $"n_{county}_{m}");
                var x = naloxone[(county, m)] = solver.MakeNumVar(0, double.PositiveInfinity, $"x_{county}_{m}");
                var atMost = solver.MakeConstraint(double.NegativeInfinity, 0); // naloxone ≤ overdoses
                atMost.SetCoefficient(x, 1);
                atMost.SetCoefficient(f, -1);
                atMost.SetCoefficient(n, -1);
            }
        }

        IEnumerable<Variable> Terms(Cell cell)
        {
            foreach (var county in tables.Members(cell))
            {
                for (var m = cell.Window.First; m <= cell.Window.Last; m++)
                {
                    if (cell.Measure is Measure.Overdoses or Measure.Fatal)
                    {
                        yield return fatal[(county, m)];
                    }

                    if (cell.Measure is Measure.Overdoses or Measure.Nonfatal)
                    {
                        yield return nonfatal[(county, m)];
                    }

                    if (cell.Measure is Measure.Naloxone)
                    {
                        yield return naloxone[(county, m)];
                    }
                }
            }
        }

        var published = new List<(Constraint Constraint, Cell Cell, long? Value)>();
        foreach (var (cell, value) in tables.Published)
        {
            var inside = cell.Level switch
            {
                'c' => counties.Contains(cell.Area),
                's' => states.Contains(cell.Area),
                _ => hidtas.Contains(cell.Area),
            };
            if (!inside)
            {
                continue;
            }

            var (low, high) = CellKeyPerturbation.Possible(value);
            var constraint = solver.MakeConstraint(low, high);
            published.Add((constraint, cell, value));
            foreach (var variable in Terms(cell))
            {
                constraint.SetCoefficient(variable, 1);
            }
        }

        var withheld = tables.Published
            .Where(p => p.Key.Level == 'c' && p.Value is null && states.Contains(p.Key.Area[..2]))
            .Select(p => (Cell: p.Key, Truth: tables.Truth(p.Key)))
            .Where(p => p.Truth is >= 1 and <= 9)
            .OrderBy(p => p.Cell.Area, StringComparer.Ordinal).ThenBy(p => p.Cell.Window.First).ThenBy(p => p.Cell.Window.Last).ThenBy(p => p.Cell.Measure)
            .Take(maxCells ?? int.MaxValue)
            .ToList();

        var objective = solver.Objective();
        var intervals = new List<Interval>();
        foreach (var (cell, truth) in withheld)
        {
            objective.Clear();
            foreach (var variable in Terms(cell))
            {
                objective.SetCoefficient(variable, 1);
            }

            var pinned = new List<string>();
            double Bound(bool maximise)
            {
                objective.SetOptimizationDirection(maximise);
                Assert.Equal(Solver.ResultStatus.OPTIMAL, solver.Solve());
                pinned.AddRange(published.Where(p => Math.Abs(p.Constraint.DualValue()) > 1e-9)
                    .Select(p => $"{(maximise ? "max" : "min")} {p.Cell.Level}{p.Cell.Area} {p.Cell.Window} {p.Cell.Measure}={p.Value?.ToString(CultureInfo.InvariantCulture) ?? "w"}"));
                return objective.Value();
            }

            var low = (long)Math.Ceiling(Bound(false) - 1e-6);
            var high = (long)Math.Floor(Bound(true) + 1e-6);
            var interval = new Interval(cell, truth, low, high);
            intervals.Add(interval.Protected ? interval : interval with { Pinned = string.Join("; ", pinned) });
        }

        return intervals;
    }
}
