namespace GeoOrs.Server.Tests.Disclosure;

/// <summary>One way to work a figure out from published ones: the estimate and the published figures it used.</summary>
internal sealed record Derivation(string Kind, long Estimate, IReadOnlySet<Cell> Used);

/// <summary>What the attack found.</summary>
/// <param name="SmallCells">County figures whose true value is 1–9, in the attacked scope.</param>
/// <param name="Determined">Those two independent derivations agree on, at their true value.</param>
/// <param name="ExactlyPublished">Those the public sees as their true value (without derivation).</param>
/// <param name="Examples">A few determined figures, for the report.</param>
internal sealed record AttackResult(int SmallCells, int Determined, int ExactlyPublished, IReadOnlyList<string> Examples)
{
    public double DeterminedShare => SmallCells == 0 ? 0 : Determined / (double)SmallCells;
}

/// <summary>
/// A scripted differencing attacker over <see cref="PublishedTables"/>. For every county figure
/// (a county, a public window, a measure) it derives the value every way it can from published
/// figures: the figure itself; measure identities (overdoses = fatal + non-fatal); the state and
/// each HIDTA region minus their other counties; a month as a twelve-month window minus its other
/// eleven months, or as the difference of consecutive twelve-month windows plus the month that left;
/// a twelve-month window as the sum of its months or from its neighbouring windows. A second round
/// composes: figures that two independent derivations agree on are taken as known and used in every
/// derivation again. A small true value (1–9) counts as determined when two derivations that share no
/// published figure agree with each other and with the truth (the threshold fixed by the issue).
/// </summary>
internal sealed class DifferencingAttack(PublishedTables tables)
{
    private readonly Dictionary<Cell, long> _recovered = [];

    public AttackResult Run(IReadOnlyCollection<string> states)
    {
        var targets = new List<Cell>();
        foreach (var state in states)
        {
            foreach (var county in tables.CountiesOfState[state])
            {
                foreach (var window in tables.Windows)
                {
                    foreach (var measure in PublishedTables.Measures)
                    {
                        targets.Add(new Cell('c', county, window, measure));
                    }
                }
            }
        }

        // Round 1: what the attacker can agree on is taken as known (right or wrong).
        foreach (var cell in targets.Where(c => tables.Published[c] is null))
        {
            if (Agreed(Derive(cell)) is { } agreed)
            {
                _recovered[cell] = agreed;
            }
        }

        // Round 2: derive again with the recovered figures, and judge against the truth.
        int small = 0, determined = 0, exact = 0;
        var examples = new List<string>();
        foreach (var cell in targets)
        {
            var truth = tables.Truth(cell);
            if (truth is < 1 or > 9)
            {
                continue;
            }

            small++;
            if (tables.Published[cell] == truth)
            {
                exact++;
            }

            var derivations = Derive(cell).Where(d => d.Estimate == truth).ToList();
            if (IndependentPair(derivations) is { } pair)
            {
                determined++;
                if (examples.Count < 5)
                {
                    examples.Add($"{cell.Area} {cell.Window} {cell.Measure} = {truth}: {pair.A.Kind} and {pair.B.Kind}");
                }
            }
        }

        return new AttackResult(small, determined, exact, examples);
    }

    /// <summary>Every derivation of a county figure from what is published or recovered.</summary>
    public List<Derivation> Derive(Cell target)
    {
        var found = new List<Derivation>();
        void Add(string kind, IReadOnlyList<(Cell Cell, int Sign)> terms)
        {
            long estimate = 0;
            foreach (var (cell, sign) in terms)
            {
                if (cell == target || Known(cell) is not { } value)
                {
                    return;
                }

                estimate += sign * value;
            }

            found.Add(new Derivation(kind, estimate, terms.Select(t => t.Cell).ToHashSet()));
        }

        Cell With(Cell c, Measure m) => c with { Measure = m };
        Cell At(Window w) => target with { Window = w };

        if (tables.Published[target] is { } direct)
        {
            found.Add(new Derivation("published", direct, new HashSet<Cell> { target }));
        }

        // Measure identities.
        switch (target.Measure)
        {
            case Measure.Nonfatal:
                Add("overdoses - fatal", [(With(target, Measure.Overdoses), 1), (With(target, Measure.Fatal), -1)]);
                break;
            case Measure.Fatal:
                Add("overdoses - nonfatal", [(With(target, Measure.Overdoses), 1), (With(target, Measure.Nonfatal), -1)]);
                break;
            case Measure.Overdoses:
                Add("fatal + nonfatal", [(With(target, Measure.Fatal), 1), (With(target, Measure.Nonfatal), 1)]);
                break;
        }

        // Geographic complements.
        var state = target.Area[..2]; // a county's FIPS code starts with its state's
        Add("state - counties", [(new Cell('s', state, target.Window, target.Measure), 1),
            .. tables.CountiesOfState[state].Where(c => c != target.Area).Select(c => (new Cell('c', c, target.Window, target.Measure), -1))]);
        foreach (var hidta in tables.HidtasOfCounty.GetValueOrDefault(target.Area) ?? [])
        {
            Add($"hidta {hidta} - counties", [(new Cell('h', hidta, target.Window, target.Measure), 1),
                .. tables.MembersOfHidta[hidta].Where(c => c != target.Area).Select(c => (new Cell('c', c, target.Window, target.Measure), -1))]);
        }

        // Time complements.
        var last = tables.MonthCount - 1;
        Window Month(int m) => new(m, m);
        Window Year(int end) => new(end - 11, end);
        if (target.Window.Months == 1)
        {
            var m = target.Window.First;
            for (var e = Math.Max(m, 11); e <= Math.Min(m + 11, last); e++)
            {
                Add($"12 months to {e} - other months", [(At(Year(e)), 1),
                    .. Enumerable.Range(e - 11, 12).Where(j => j != m).Select(j => (At(Month(j)), -1))]);
            }

            if (m >= 12)
            {
                Add("window difference + month that left", [(At(Year(m)), 1), (At(Year(m - 1)), -1), (At(Month(m - 12)), 1)]);
            }

            if (m + 12 <= last && m + 11 >= 11)
            {
                Add("month that came - window difference", [(At(Month(m + 12)), 1), (At(Year(m + 12)), -1), (At(Year(m + 11)), 1)]);
            }
        }
        else
        {
            var e = target.Window.Last;
            Add("sum of months", [.. Enumerable.Range(e - 11, 12).Select(j => (At(Month(j)), 1))]);
            if (e - 1 >= 11)
            {
                Add("previous window + month - month", [(At(Year(e - 1)), 1), (At(Month(e)), 1), (At(Month(e - 12)), -1)]);
            }

            if (e + 1 <= last)
            {
                Add("next window - month + month", [(At(Year(e + 1)), 1), (At(Month(e + 1)), -1), (At(Month(e - 11)), 1)]);
            }
        }

        return found;
    }

    private long? Known(Cell cell) =>
        tables.Published.TryGetValue(cell, out var value) && value is { } v ? v : _recovered.TryGetValue(cell, out var r) ? r : null;

    /// <summary>A value two derivations that share no published figure agree on, if any.</summary>
    private static long? Agreed(List<Derivation> derivations)
    {
        foreach (var group in derivations.GroupBy(d => d.Estimate))
        {
            if (group.Key is >= 0 and <= 13 && IndependentPair([.. group]) is not null)
            {
                return group.Key;
            }
        }

        return null;
    }

    private static (Derivation A, Derivation B)? IndependentPair(List<Derivation> derivations)
    {
        for (var i = 0; i < derivations.Count; i++)
        {
            for (var j = i + 1; j < derivations.Count; j++)
            {
                if (!derivations[i].Used.Overlaps(derivations[j].Used))
                {
                    return (derivations[i], derivations[j]);
                }
            }
        }

        return null;
    }
}
