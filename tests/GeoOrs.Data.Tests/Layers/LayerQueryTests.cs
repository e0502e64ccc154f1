using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using Npgsql;

namespace GeoOrs.Data.Tests.Layers;

public class LayerQueryTests
{
    private static readonly string[] All = ["from", "to", "drug", "fatal"];

    private static LayerQuery Parse(params (string Name, string Value)[] pairs)
    {
        Assert.True(LayerQuery.TryParse(pairs.Select(p => new KeyValuePair<string, string?[]>(p.Name, [p.Value])), All, out var query, out var error), error);
        return query;
    }

    private static string? Error(params (string Name, string Value)[] pairs)
    {
        Assert.False(LayerQuery.TryParse(pairs.Select(p => new KeyValuePair<string, string?[]>(p.Name, [p.Value])), All, out _, out var error));
        return error;
    }

    private static Dictionary<string, object?> Bound(LayerQuery query)
    {
        using var command = new NpgsqlCommand();
        query.Bind(command.Parameters);
        return command.Parameters.ToDictionary(p => p.ParameterName, p => p.Value is DBNull ? null : p.Value);
    }

    [Fact]
    public void A_window_splits_into_whole_months_and_the_days_at_its_ends()
    {
        var p = Bound(Parse(("from", "2024-01-15"), ("to", "2024-04-10"), ("drug", "heroin"), ("fatal", "true")));
        Assert.Equal(new DateOnly(2024, 2, 1), p["m_from"]);
        Assert.Equal(new DateOnly(2024, 4, 1), p["m_to"]);
        Assert.Equal((new DateOnly(2024, 1, 15), new DateOnly(2024, 2, 1)), (p["d1_from"], p["d1_to"]));
        Assert.Equal((new DateOnly(2024, 4, 1), new DateOnly(2024, 4, 11)), (p["d2_from"], p["d2_to"]));
        Assert.Equal((new DateOnly(2024, 1, 15), new DateOnly(2024, 4, 11)), (p["day_from"], p["day_end"])); // local days, as the events' local_day
        Assert.Equal(3, p["slot"]); // heroin
        Assert.Equal(true, p["fatal"]);
    }

    [Fact]
    public void Whole_months_need_no_days_and_a_short_window_needs_no_months()
    {
        var whole = Bound(Parse(("from", "2024-02-01"), ("to", "2024-03-31")));
        Assert.Equal((new DateOnly(2024, 2, 1), new DateOnly(2024, 4, 1)), (whole["m_from"], whole["m_to"]));
        Assert.Equal(whole["d1_from"], whole["d1_to"]);
        Assert.Equal(whole["d2_from"], whole["d2_to"]);

        var days = Bound(Parse(("from", "2024-02-03"), ("to", "2024-02-20")));
        Assert.Equal(days["m_from"], days["m_to"]); // no month
        Assert.Equal((new DateOnly(2024, 2, 3), new DateOnly(2024, 2, 21)), (days["d1_from"], days["d1_to"]));
        Assert.Equal(days["d2_from"], days["d2_to"]);

        var open = Bound(LayerQuery.All);
        Assert.Equal(1, open["slot"]);
        Assert.Null(open["fatal"]);
        Assert.Null(open["drug"]);
    }

    [Fact]
    public void Keys_tell_queries_apart()
    {
        var keys = new[]
        {
            LayerQuery.All, Parse(("from", "2024-01-01")), Parse(("to", "2024-01-01")), Parse(("drug", "heroin")),
            Parse(("fatal", "true")), Parse(("fatal", "false")),
        }.Select(q => q.Key);
        Assert.Equal(6, keys.Distinct().Count());
        Assert.Equal(Parse(("drug", "heroin"), ("from", "2024-01-01")).Key, Parse(("from", "2024-01-01"), ("drug", "heroin")).Key);
    }

    [Fact]
    public void Bad_parameters_are_named_in_the_error()
    {
        Assert.Contains("'colour'", Error(("colour", "red")), StringComparison.Ordinal);
        Assert.Contains("YYYY-MM-DD", Error(("from", "2024-02-30")), StringComparison.Ordinal);
        Assert.Contains("after", Error(("from", "2024-03-01"), ("to", "2024-02-01")), StringComparison.Ordinal);
        Assert.Contains("fentanyl", Error(("drug", "fentanil")), StringComparison.Ordinal);
        Assert.Contains("true or false", Error(("fatal", "1")), StringComparison.Ordinal);
        Assert.False(LayerQuery.TryParse([new("fatal", ["true"])], ["from", "to", "drug"], out _, out var error));
        Assert.Contains("'fatal'", error, StringComparison.Ordinal);
        Assert.False(LayerQuery.TryParse([new("drug", ["heroin", "cocaine"])], All, out _, out error));
        Assert.Contains("once", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("counties", 5)]
    [InlineData("hidta", 12)]
    [InlineData("overdoses", 4)]
    [InlineData("overdoses", 14)]
    [InlineData("seizures", 9)]
    public void Pgbench_sql_keeps_only_the_tile_variables(string layer, int z)
    {
        var definition = VectorTileLayers.All[layer];
        var query = definition.Parameters.Contains("fatal") ? Parse(("from", "2024-01-15"), ("drug", "fentanyl"), ("fatal", "false")) : Parse(("from", "2024-01-15"));
        var sql = TileSqlText.ForPgbench(definition, z, query);
        Assert.DoesNotContain("@", sql, StringComparison.Ordinal);
        Assert.Contains("ST_TileEnvelope(:z, :x, :y)", sql, StringComparison.Ordinal);
        // pgbench reads every :name as a variable (not ::type): only the tile's may appear.
        Assert.All(System.Text.RegularExpressions.Regex.Matches(sql, "(?<!:):(?!:)[A-Za-z_][A-Za-z_0-9]*"), m => Assert.Contains(m.Value, new[] { ":z", ":x", ":y" }));
        Assert.Contains("'2024-01-15", sql, StringComparison.Ordinal);
    }
}
