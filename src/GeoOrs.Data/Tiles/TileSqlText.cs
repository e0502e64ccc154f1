using System.Globalization;
using System.Text.RegularExpressions;
using GeoOrs.Analysis.Tiles;
using GeoOrs.Data.Layers;
using Npgsql;

namespace GeoOrs.Data.Tiles;

/// <summary>A layer's tile SQL as text for other clients (pgbench, psql): z, x and y left as <c>:z :x :y</c>, the query's values written in.</summary>
public static partial class TileSqlText
{
    /// <summary>The SQL GeoOrs runs for tiles of <paramref name="layer"/> at zoom <paramref name="z"/> with <paramref name="query"/>.</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="z">The zoom (the SQL differs by zoom band).</param>
    /// <param name="query">The window and filters, written in as literals.</param>
    /// <returns>The SQL with pgbench variables <c>:z</c>, <c>:x</c>, <c>:y</c>.</returns>
    public static string ForPgbench(VectorTileLayer layer, int z, LayerQuery query)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(query);
        using var command = new NpgsqlCommand();
        VectorTileLayer.Bind(command.Parameters, new TileId(z, 0, 0), query);
        var literals = command.Parameters.ToDictionary(p => p.ParameterName, p => p.ParameterName is "z" or "x" or "y" ? ":" + p.ParameterName : Literal(p));
        return ParameterName().Replace(layer.SqlFor(z, query.View), m => literals.TryGetValue(m.Groups[1].Value, out var literal) ? literal : m.Value);
    }

    private static string Literal(NpgsqlParameter parameter) => parameter.Value switch
    {
        null or DBNull => $"NULL::{parameter.NpgsqlDbType.ToString().ToLowerInvariant()}",
        DateOnly d => $"'{d:yyyy-MM-dd}'::date",
        DateTime t => $"'{t:yyyy-MM-dd HH:mm:ss}+00'::timestamptz",
        int i => i.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string s => $"{Text(s)}::text",
        string[] a => a.Length == 0 ? "'{}'::text[]" : $"ARRAY[{string.Join(", ", a.Select(Text))}]::text[]",
        byte[] b => $"'\\x{Convert.ToHexStringLower(b)}'::bytea",
        var v => throw new NotSupportedException($"no literal for {v.GetType()}"),
    };

    private static string Text(string s) => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'";

    [GeneratedRegex(@"@([a-z_0-9]+)\b")]
    private static partial Regex ParameterName();
}
