namespace GeoOrs.Data.Synthetic;

/// <summary>
/// The per-seed state of every county: its overdose rate (population times an overdispersion
/// multiplier) and its town centres.
/// </summary>
/// <remarks>
/// The multiplier is log-normal with σ = 0.45 on the log scale and mean 1,
/// <c>exp(0.45·Z − 0.45²/2)</c>: most counties lie within 0.4–2.2× their population's share,
/// as real county overdose rates vary far more than Poisson noise would.
/// </remarks>
internal sealed class CountyModel
{
    /// <summary>The log-scale spread of the rate multiplier.</summary>
    public const double Overdispersion = 0.45;

    private readonly double[] _rates;
    private readonly CountyPlacer[] _placers;

    /// <summary>Draws the counties' multipliers and town centres.</summary>
    /// <param name="geography">The counties.</param>
    /// <param name="setup">The seed's set-up stream.</param>
    public CountyModel(SyntheticGeography geography, SyntheticRandom setup)
    {
        Geography = geography;
        var counties = geography.Counties;
        _rates = new double[counties.Count];
        _placers = new CountyPlacer[counties.Count];
        for (int i = 0; i < counties.Count; i++)
        {
            double multiplier = Math.Exp((Overdispersion * setup.NextGaussian()) - (Overdispersion * Overdispersion / 2));
            _rates[i] = counties[i].Population * multiplier;
            _placers[i] = new CountyPlacer(counties[i], setup);
        }

        Rates = new AliasTable(_rates);
        Population = new AliasTable([.. counties.Select(c => (double)c.Population)]);
    }

    /// <summary>The counties.</summary>
    public SyntheticGeography Geography { get; }

    /// <summary>Draws a county in proportion to its overdose rate.</summary>
    public AliasTable Rates { get; }

    /// <summary>Draws a county in proportion to its population.</summary>
    public AliasTable Population { get; }

    /// <summary>The counties' placers, by county index.</summary>
    public IReadOnlyList<CountyPlacer> Placers => _placers;

    /// <summary>A county's share of the background overdoses.</summary>
    /// <param name="county">The county index.</param>
    /// <returns>Its rate over the total.</returns>
    public double Share(int county) => _rates[county] / Rates.Total;
}
