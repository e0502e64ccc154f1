namespace GeoOrs.Data.Synthetic;

/// <summary>
/// What a synthetic seizure found: the drug (the vocabulary plus <c>marijuana</c>) and a
/// plausible quantity in a unit usual for that drug.
/// </summary>
/// <remarks>
/// Quantities are log-normal around a median per drug and unit (e.g. fentanyl: pills with median
/// 300, grams with median 60, kilograms with median 3; methamphetamine: pounds with median 8;
/// marijuana: pounds with median 25), capped at 1,000× the median. Ports of entry see more
/// fentanyl and methamphetamine and less marijuana than the interior. The figures are
/// illustrative, not estimates.
/// </remarks>
internal sealed class SeizureContents
{
    private static readonly double[] InteriorDrugWeights =
    [
        // fentanyl, heroin, prescription_opioid, other_opioid, cocaine, methamphetamine, xylazine, benzodiazepine, other, unknown, marijuana
        0.16, 0.05, 0.05, 0.01, 0.14, 0.22, 0.01, 0.02, 0.03, 0.01, 0.30,
    ];

    private static readonly double[] PortDrugWeights =
    [
        0.34, 0.06, 0.01, 0.00, 0.12, 0.34, 0.00, 0.00, 0.01, 0.02, 0.10,
    ];

    // Per drug index: (unit, weight, median, log-σ, decimals).
    private static readonly (string Unit, double Weight, double Median, double Sigma, int Decimals)[][] Amounts =
    [
        [("pills", 0.40, 300, 1.5, 0), ("g", 0.40, 60, 1.3, 1), ("kg", 0.20, 3, 0.9, 2)],
        [("g", 0.60, 40, 1.2, 1), ("kg", 0.40, 2, 0.8, 2)],
        [("pills", 0.80, 120, 1.2, 0), ("dosage_units", 0.20, 500, 1.0, 0)],
        [("g", 0.60, 15, 1.0, 1), ("ml", 0.20, 100, 0.8, 0), ("pills", 0.20, 60, 1.0, 0)],
        [("kg", 0.55, 4, 1.0, 2), ("g", 0.45, 30, 1.2, 1)],
        [("lb", 0.50, 8, 1.0, 2), ("kg", 0.30, 6, 1.0, 2), ("g", 0.20, 25, 1.1, 1)],
        [("g", 0.50, 80, 1.0, 1), ("kg", 0.30, 1, 0.8, 2), ("ml", 0.20, 500, 0.8, 0)],
        [("pills", 0.80, 200, 1.2, 0), ("dosage_units", 0.20, 300, 1.0, 0)],
        [("g", 0.70, 50, 1.3, 1), ("pills", 0.30, 100, 1.2, 0)],
        [("g", 0.80, 30, 1.3, 1), ("pills", 0.20, 50, 1.2, 0)],
        [("lb", 0.70, 25, 1.3, 2), ("oz", 0.20, 4, 0.8, 2), ("kg", 0.10, 20, 1.0, 2)],
    ];

    private readonly AliasTable _interior = new(InteriorDrugWeights);
    private readonly AliasTable _ports = new(PortDrugWeights);
    private readonly AliasTable[] _units = [.. Amounts.Select(a => new AliasTable([.. a.Select(u => u.Weight)]))];

    /// <summary>Appends <c>drug,quantity,unit</c> (without a leading or trailing separator).</summary>
    /// <param name="line">The line being built.</param>
    /// <param name="random">The random stream.</param>
    /// <param name="atPort">Whether the seizure is at a port of entry.</param>
    public void Append(CsvLineBuilder line, SyntheticRandom random, bool atPort)
    {
        int drug = (atPort ? _ports : _interior).Sample(random);
        var (unit, _, median, sigma, decimals) = Amounts[drug][_units[drug].Sample(random)];
        double smallest = Math.Pow(10, -decimals);
        double quantity = Math.Clamp(random.NextLogNormal(median, sigma), smallest, median * 1000);
        line.Append(DrugVocabulary.Names[drug]);
        line.Append(',');
        line.AppendTrimmed(quantity, decimals);
        line.Append(',');
        line.Append(unit);
    }
}
