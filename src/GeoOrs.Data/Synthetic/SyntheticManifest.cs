using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GeoOrs.Data.Synthetic;

/// <summary>
/// What a generator run wrote: the options, the counts and the planted signals, serialised as
/// <c>synthetic.json</c> beside the CSV files (snake_case, with <c>"synthetic": true</c>).
/// </summary>
/// <param name="Options">The options of the run.</param>
/// <param name="Sources">The boundary data used.</param>
/// <param name="Counts">The rows written.</param>
/// <param name="Spikes">The planted spikes.</param>
/// <param name="Hotspots">The planted hotspots.</param>
/// <param name="Corridors">The names of the (approximate) interstate corridors seizures were placed along.</param>
/// <param name="PortsOfEntry">The ports of entry seizures were placed at.</param>
public sealed record SyntheticManifest(
    SyntheticOptions Options,
    SyntheticSources Sources,
    SyntheticCounts Counts,
    IReadOnlyList<PlantedSpike> Spikes,
    IReadOnlyList<PlantedHotspot> Hotspots,
    IReadOnlyList<string> Corridors,
    IReadOnlyList<string> PortsOfEntry)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NewLine = "\n",
    };

    /// <summary>Always true: the events are synthetic, not real data.</summary>
    [JsonPropertyOrder(-2)]
    public bool Synthetic => true;

    /// <summary>The generator and its version; a new version may write different events for the same options.</summary>
    [JsonPropertyOrder(-1)]
    public string Generator => SyntheticEvents.GeneratorName;

    /// <summary>The manifest as indented JSON (snake_case property names, <c>\n</c> line ends, a final line end).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    /// <summary>Writes <see cref="ToJson"/> to a file as UTF-8 without a byte-order mark.</summary>
    /// <param name="path">The file (typically <c>synthetic.json</c>), replaced if it exists.</param>
    public void WriteJson(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));
}
