using System.Globalization;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;

namespace GeoOrs.Server.Cli;

/// <summary><c>geoors tiles …</c>: tile SQL for other clients.</summary>
internal static class TilesCommand
{
    public static int Sql(string layer, string z, string[] options)
    {
        if (!VectorTileLayers.All.TryGetValue(layer, out var definition))
        {
            Console.Error.WriteLine($"geoors: no tile layer is named '{layer}' (layers: {string.Join(", ", VectorTileLayers.All.Keys)})");
            return 2;
        }

        if (!int.TryParse(z, NumberStyles.None, CultureInfo.InvariantCulture, out var zoom) || zoom > 24)
        {
            Console.Error.WriteLine($"geoors: '{z}' is not a zoom (0..24)");
            return 2;
        }

        if (!TryQuery(options, definition.Parameters, out var query, out var error))
        {
            Console.Error.WriteLine($"geoors: {error}");
            return 2;
        }

        Console.WriteLine(TileSqlText.ForPgbench(definition, zoom, query));
        return 0;
    }

    /// <summary>Reads <c>--from D --to D --drug X --fatal B</c> as a layer query.</summary>
    public static bool TryQuery(string[] options, IReadOnlyList<string> allowed, out LayerQuery query, out string? error)
    {
        var pairs = new List<KeyValuePair<string, string?[]>>();
        for (var i = 0; i < options.Length; i += 2)
        {
            if (!options[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= options.Length)
            {
                query = LayerQuery.All;
                error = $"expected --name value, got '{options[i]}'";
                return false;
            }

            pairs.Add(new(options[i][2..], [options[i + 1]]));
        }

        return LayerQuery.TryParse(pairs, allowed, out query, out error);
    }
}
