namespace GeoOrs.Data.Tests.Synthetic;

/// <summary>The runs the synthetic-event tests share, generated once.</summary>
public sealed class SyntheticRunFixture
{
    /// <summary>5,000 overdoses and 500 seizures over 2023–2024, seed 7.</summary>
    internal SyntheticRun Small { get; } = SyntheticRun.Generate(SyntheticRun.Options2023To2024(5_000, 500, 7));

    /// <summary>
    /// 100,000 overdoses over 90 days, seed 11: the busiest counties expect dozens of overdoses a
    /// day, so a spike must be large to stand out.
    /// </summary>
    internal SyntheticRun Dense { get; } = SyntheticRun.Generate(new()
    {
        Overdoses = 100_000,
        Seizures = 0,
        Seed = 11,
        Start = new DateOnly(2024, 4, 1),
        End = new DateOnly(2024, 6, 29),
    });
}
