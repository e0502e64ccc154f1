namespace GeoOrs.Server.Hosting;

/// <summary>
/// A query parameter that a handler reads from <see cref="HttpRequest.Query"/> itself (to refuse the
/// names it does not take, with a 400 naming them). An endpoint keeps its parameters in one list: the
/// handler checks names against it and <see cref="ApiDocument.WithQuery"/> describes it in the document.
/// </summary>
/// <param name="Name">The parameter's name as sent.</param>
/// <param name="Type">Its JSON schema type: <c>string</c>, <c>integer</c>, <c>number</c> or <c>boolean</c>.</param>
/// <param name="Description">What it selects, with its default.</param>
/// <param name="Format">Its format (<c>date</c>, <c>date-time</c>), or null.</param>
/// <param name="Values">The values it takes when they are a closed set, or null.</param>
internal sealed record QueryParameter(string Name, string Type, string Description, string? Format = null, IReadOnlyList<string>? Values = null)
{
    /// <summary>Whether <paramref name="name"/> is one of <paramref name="parameters"/>.</summary>
    public static bool Takes(IReadOnlyList<QueryParameter> parameters, string name) => parameters.Any(p => p.Name == name);

    /// <summary>The parameters' names as a phrase: <c>a, b and c</c>.</summary>
    public static string Phrase(IReadOnlyList<QueryParameter> parameters) => parameters.Count switch
    {
        0 => "none",
        1 => parameters[0].Name,
        _ => $"{string.Join(", ", parameters.SkipLast(1).Select(p => p.Name))} and {parameters[^1].Name}",
    };

    /// <summary>The window and filters of the area layers (<see cref="Data.Layers.LayerQuery.Names"/>).</summary>
    public static IReadOnlyList<QueryParameter> Layer { get; } =
    [
        new("from", "string", "The first day counted, YYYY-MM-DD. The public asks only fixed windows of whole months (docs/ACCESS.md).", "date"),
        new("to", "string", "The last day counted, YYYY-MM-DD.", "date"),
        new("drug", "string", "Only events of this drug of the vocabulary."),
        new("fatal", "boolean", "true for fatal overdoses only, false for non-fatal only; both when left out."),
    ];
}
