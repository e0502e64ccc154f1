namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// How the weights of a <see cref="SpatialWeights"/> matrix are scaled (the <c>style</c> argument of
/// R spdep's <c>nb2listw</c>: <c>"B"</c> and <c>"W"</c>).
/// </summary>
public enum WeightStyle
{
    /// <summary>Every neighbour has weight 1 (spdep style <c>"B"</c>).</summary>
    Binary,

    /// <summary>
    /// Each feature's weights are 1 / (number of its neighbours), so every row sums to 1 (spdep style
    /// <c>"W"</c>); an island's empty row stays empty.
    /// </summary>
    RowStandardized,
}
