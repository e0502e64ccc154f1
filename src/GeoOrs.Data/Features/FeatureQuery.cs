using GeoOrs.Data.Layers;

namespace GeoOrs.Data.Features;

/// <summary>
/// What a request asks of a collection's items besides paging: a bbox, and either the events'
/// <c>datetime</c> and property filters or, for a collection of area measures, the layer's window.
/// </summary>
public sealed record FeatureQuery
{
    /// <summary>No filter.</summary>
    public static FeatureQuery All { get; } = new();

    /// <summary>West, south, east, north in degrees, or null.</summary>
    public double[]? Bbox { get; init; }

    /// <summary>The events' time interval, or null for all time.</summary>
    public TimeInterval? Time { get; init; }

    /// <summary>Filter name (of <see cref="FeatureCollection.Filters"/>) → its value (text or bool).</summary>
    public IReadOnlyDictionary<string, object> Filters { get; init; } = new Dictionary<string, object>();

    /// <summary>The window and filters of a collection with a <see cref="FeatureCollection.Layer"/>.</summary>
    public LayerQuery Measures { get; init; } = LayerQuery.All;

    /// <summary>Whose view of the data the query reads (the public's unless told otherwise).</summary>
    public Access.AccessView View { get; init; } = Access.AccessView.Public;

    /// <summary>
    /// Reads a collection's own parameters (<see cref="FeatureCollection.Parameters"/>; the caller
    /// has taken out <see cref="FeatureCollection.CommonParameters"/>): every name must be known,
    /// given once, and valid. <c>drug</c>, <c>fatal</c>, <c>from</c> and <c>to</c> are read as
    /// <see cref="LayerQuery.TryParse"/> reads them.
    /// </summary>
    /// <param name="collection">The collection.</param>
    /// <param name="parameters">The parameters (name, values).</param>
    /// <param name="bbox">The bbox the caller read, or null.</param>
    /// <param name="query">The query when valid.</param>
    /// <param name="error">Why it is not, else null.</param>
    /// <returns>Whether the parameters are valid.</returns>
    public static bool TryParse(
        FeatureCollection collection, IEnumerable<KeyValuePair<string, string?[]>> parameters, double[]? bbox, out FeatureQuery query, out string? error)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(parameters);
        query = All;
        error = null;
        var allowed = collection.Parameters;
        var layerParameters = new List<KeyValuePair<string, string?[]>>();
        string? datetime = null;
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in parameters)
        {
            if (!allowed.Contains(name))
            {
                error = $"unknown parameter '{name}'; this collection takes {string.Join(", ", FeatureCollection.CommonParameters.Concat(allowed))}";
                return false;
            }

            if (values.Length != 1 || values[0] is not { } value)
            {
                error = $"'{name}' must be given once";
                return false;
            }

            if (name == "datetime")
            {
                datetime = value;
            }
            else if (LayerQuery.Names.Contains(name))
            {
                layerParameters.Add(new(name, values));
            }
            else if (value.Length == 0)
            {
                error = $"'{name}' is empty";
                return false;
            }
            else
            {
                texts[name] = value;
            }
        }

        if (!LayerQuery.TryParse(layerParameters, LayerQuery.Names, out var layerQuery, out error))
        {
            return false;
        }

        if (collection.Layer is not null)
        {
            if (datetime is not null)
            {
                if (layerQuery.From is not null || layerQuery.To is not null)
                {
                    error = "give the window as 'datetime' or as 'from' and 'to', not both";
                    return false;
                }

                if (!TimeInterval.TryParseDays(datetime, out var from, out var to, out error))
                {
                    return false;
                }

                layerQuery = layerQuery with { From = from, To = to };
            }

            query = new FeatureQuery { Bbox = bbox, Measures = layerQuery };
            return true;
        }

        TimeInterval? time = null;
        if (datetime is not null)
        {
            if (!TimeInterval.TryParse(datetime, out var interval, out error))
            {
                return false;
            }

            time = interval;
        }

        var filters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in texts)
        {
            filters[name] = value;
        }

        if (layerQuery.Drug is { } drug)
        {
            filters["drug"] = drug;
        }

        if (layerQuery.Fatal is { } fatal)
        {
            filters["fatal"] = fatal;
        }

        query = new FeatureQuery { Bbox = bbox, Time = time, Filters = filters };
        return true;
    }
}
