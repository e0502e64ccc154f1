namespace GeoOrs.Data.Synthetic;

/// <summary>
/// The non-spatial, non-temporal fields of a synthetic overdose: outcome, naloxone, suspected
/// drugs, age band and sex, drawn from fixed, plausible distributions.
/// </summary>
/// <remarks>
/// The proportions are illustrative, loosely shaped after published US surveillance summaries
/// (fentanyl in most opioid overdoses, often with stimulants or xylazine; most patients 25–44 and
/// male); they are not estimates of anything. Fatal: 12 %. Naloxone given in 65 % of non-fatal
/// and 35 % of fatal events, unknown (empty) in 8 % and 15 %; 1–4 doses when given, 0 when not.
/// </remarks>
internal sealed class OverdoseFields
{
    /// <summary>The probability that an event is fatal.</summary>
    public const double FatalRate = 0.12;

    private static readonly string[] AgeBands =
    [
        "0-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
        "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+", "",
    ];

    private static readonly double[] AgeWeights =
    [
        0.3, 2.5, 8, 14, 16, 15, 12, 9, 8, 7, 4.5, 2.2, 1, 0.4, 0.2, 0.1, 3,
    ];

    private static readonly string[] Sexes = ["male", "female", "unknown"];

    private static readonly double[] SexWeights = [0.68, 0.30, 0.02];

    private static readonly string[] Doses = ["1", "2", "3", "4"];

    private static readonly double[] DoseWeights = [0.45, 0.33, 0.15, 0.07];

    // The drug most suspected, then the others seen with it.
    private static readonly int[] Primaries =
    [
        DrugVocabulary.Fentanyl, DrugVocabulary.Methamphetamine, DrugVocabulary.Cocaine, DrugVocabulary.Heroin,
        DrugVocabulary.PrescriptionOpioid, DrugVocabulary.OtherOpioid, DrugVocabulary.Benzodiazepine, DrugVocabulary.Other,
    ];

    private static readonly double[] PrimaryWeights = [0.66, 0.10, 0.07, 0.05, 0.06, 0.02, 0.02, 0.02];

    private static readonly (int Drug, double P)[][] CoInvolved =
    [
        [(DrugVocabulary.Cocaine, 0.22), (DrugVocabulary.Methamphetamine, 0.18), (DrugVocabulary.Xylazine, 0.16),
         (DrugVocabulary.Heroin, 0.08), (DrugVocabulary.Benzodiazepine, 0.07), (DrugVocabulary.PrescriptionOpioid, 0.03)],
        [(DrugVocabulary.Fentanyl, 0.35), (DrugVocabulary.Heroin, 0.08), (DrugVocabulary.Cocaine, 0.05), (DrugVocabulary.Benzodiazepine, 0.03)],
        [(DrugVocabulary.Fentanyl, 0.40), (DrugVocabulary.Methamphetamine, 0.05), (DrugVocabulary.Heroin, 0.05)],
        [(DrugVocabulary.Fentanyl, 0.45), (DrugVocabulary.Cocaine, 0.15), (DrugVocabulary.Methamphetamine, 0.10), (DrugVocabulary.Xylazine, 0.05)],
        [(DrugVocabulary.Benzodiazepine, 0.20), (DrugVocabulary.Fentanyl, 0.10)],
        [(DrugVocabulary.Benzodiazepine, 0.10)],
        [(DrugVocabulary.PrescriptionOpioid, 0.25), (DrugVocabulary.Fentanyl, 0.20)],
        [],
    ];

    private readonly AliasTable _ages = new(AgeWeights);
    private readonly AliasTable _sexes = new(SexWeights);
    private readonly AliasTable _doses = new(DoseWeights);
    private readonly AliasTable _primaries = new(PrimaryWeights);

    /// <summary>
    /// Appends <c>fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex</c>
    /// (without a leading or trailing separator).
    /// </summary>
    /// <param name="line">The line being built.</param>
    /// <param name="random">The random stream.</param>
    /// <param name="signature">A drug mask that replaces the usual mix in 75 % of events (a planted spike's batch), or 0.</param>
    public void Append(CsvLineBuilder line, SyntheticRandom random, int signature)
    {
        bool fatal = random.Chance(FatalRate);
        line.Append(fatal ? "true" : "false");
        line.Append(',');

        double u = random.NextDouble();
        double given = fatal ? 0.35 : 0.65;
        double unknown = fatal ? 0.15 : 0.08;
        if (u < given)
        {
            line.Append("true,");
            line.Append(Doses[_doses.Sample(random)]);
        }
        else if (u < given + unknown)
        {
            line.Append(',');
        }
        else
        {
            line.Append("false,0");
        }

        line.Append(',');
        line.Append(DrugVocabulary.List(signature != 0 && random.Chance(0.75) ? signature : SampleDrugs(random)));
        line.Append(',');
        line.Append(AgeBands[_ages.Sample(random)]);
        line.Append(',');
        line.Append(Sexes[_sexes.Sample(random)]);
    }

    /// <summary>Draws a suspected-drug mask: 2 % not recorded, 7 % unknown, else a primary drug and its co-involved drugs.</summary>
    private int SampleDrugs(SyntheticRandom random)
    {
        double u = random.NextDouble();
        if (u < 0.02)
        {
            return 0;
        }

        if (u < 0.09)
        {
            return 1 << DrugVocabulary.Unknown;
        }

        int which = _primaries.Sample(random);
        int mask = 1 << Primaries[which];
        foreach (var (drug, p) in CoInvolved[which])
        {
            if (random.Chance(p))
            {
                mask |= 1 << drug;
            }
        }

        return mask;
    }
}
