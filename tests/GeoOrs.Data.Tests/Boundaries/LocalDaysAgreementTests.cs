using GeoOrs.Analysis.Calendar;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Boundaries;

/// <summary>
/// The local date C# gives an instant (<see cref="LocalDays"/>, for ingest's tallies) is the one
/// PostgreSQL gives it (<c>AT TIME ZONE</c>, for the recount and the window filters), in every zone
/// of the shipped county table, every half hour of a year with its two DST changes.
/// </summary>
public class LocalDaysAgreementTests
{
    [Fact]
    public async Task Csharp_and_postgresql_agree_on_every_local_date_in_every_shipped_zone()
    {
        var zones = (await File.ReadAllLinesAsync(Path.Combine(PostGis.Shapefiles, "county_timezones.csv")))
            .Skip(1).Select(l => l[(l.LastIndexOf(',') + 1)..]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("America/Phoenix", zones);
        Assert.True(zones.Length >= 20, $"{zones.Length} zones");

        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT z, t, (t AT TIME ZONE z)::date
            FROM unnest($1::text[]) AS z,
                 generate_series(timestamptz '2024-01-01 00:15Z', timestamptz '2025-01-01 00:00Z', interval '30 minutes') AS t
            """);
        command.Parameters.AddWithValue(zones);
        var resolved = zones.ToDictionary(z => z, LocalDays.Zone, StringComparer.Ordinal);
        var compared = 0;
        var differ = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var zone = reader.GetString(0);
            var at = new DateTimeOffset(reader.GetDateTime(1));
            var expected = reader.GetFieldValue<DateOnly>(2);
            var local = LocalDays.Of(at, resolved[zone]);
            if (local != expected && differ.Count < 10)
            {
                differ.Add($"{zone} {at:O}: C# {local}, PostgreSQL {expected}");
            }

            compared++;
        }

        Assert.Empty(differ);
        Assert.Equal(zones.Length * 17_568, compared);
    }
}
