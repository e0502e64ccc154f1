using GeoOrs.Data.Ingest;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Ingest;

/// <summary>
/// The event-kind descriptor is the allow-list ingest builds its SQL from: every table and column it
/// names must be in the migrated schema, with the types the tallies write.
/// </summary>
public class EventKindInfoTests
{
    private static async Task<Dictionary<string, string>> ColumnsAsync(string table)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand(
            "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1");
        command.Parameters.AddWithValue(table);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns[reader.GetString(0)] = reader.GetString(1);
        }

        Assert.True(columns.Count > 0, $"no table {table}");
        return columns;
    }

    [Theory]
    [InlineData(EventKind.Overdoses)]
    [InlineData(EventKind.Seizures)]
    public async Task Every_column_the_copy_names_is_in_the_event_table(EventKind kind)
    {
        var info = EventKindInfo.Of(kind);
        Assert.Equal(kind, info.Kind);
        var columns = await ColumnsAsync(info.EventTable);
        var copied = info.CopySql[(info.CopySql.IndexOf('(', StringComparison.Ordinal) + 1)..info.CopySql.IndexOf(')', StringComparison.Ordinal)]
            .Split(", ");
        Assert.StartsWith($"COPY {info.EventTable} (id, {info.AgencyField}, external_id, {info.TimeField}, ", info.CopySql, StringComparison.Ordinal);
        Assert.All(copied, c => Assert.True(columns.ContainsKey(c), $"{info.EventTable} has no column {c}"));
        Assert.Equal(copied.Length, copied.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains(info.AgencyField, info.CanonicalFields);
        Assert.Contains(info.TimeField, info.CanonicalFields);
        Assert.NotEmpty(SqlText.Get($"ingest_{info.Name}_existing"));
    }

    [Theory]
    [InlineData(EventKind.Overdoses)]
    [InlineData(EventKind.Seizures)]
    public async Task Aggregate_and_cell_measures_are_the_tables_columns_with_the_types_the_tallies_write(EventKind kind)
    {
        var info = EventKindInfo.Of(kind);
        foreach (var grain in new[] { "daily", "monthly" })
        {
            var columns = await ColumnsAsync($"{info.Aggregates}_{grain}");
            Assert.All(info.CountMeasures, m => Assert.Equal("_int4", columns.GetValueOrDefault(m)));
            Assert.All(info.AmountMeasures, m => Assert.Equal("_float8", columns.GetValueOrDefault(m)));
            if (grain == "monthly")
            {
                Assert.All(info.CountMeasures, m => Assert.Equal("_int8", columns.GetValueOrDefault($"{m}_key")));
            }
        }

        var cells = await ColumnsAsync(info.CellTable);
        Assert.All(info.CellMeasures, m => Assert.True(cells.ContainsKey(m), $"{info.CellTable} has no column {m}"));
    }
}
