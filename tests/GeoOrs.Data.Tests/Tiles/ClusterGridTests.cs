using GeoOrs.Analysis.Tiles;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Tiles;

/// <summary>
/// Ingest puts each event in its cluster cells in C# (<see cref="ClusterGrid"/>), while a tile and the
/// recount put events in cells in SQL (<c>geoors_grid_*</c>, <c>geoors_event_cell</c>): the two must
/// agree on every point, cell edges included, or a tile would count an event twice or not at all.
/// </summary>
public class ClusterGridTests
{
    [Fact]
    public async Task Sql_puts_every_point_in_the_cells_ClusterGrid_puts_it_in()
    {
        var random = new Random(15);
        var points = new List<(double Lon, double Lat)>
        {
            // On cell edges at every level: longitudes that are binary fractions of the world, the equator.
            (-90, 40), (0, 0), (-180, 10), (179.999999, -10), (-78.75, 39.2904), (-76.6122, 0), (-157.8583, 21.3069),
            (-76.6122, 39.2904), (-103.58, 31.85), (-149.9003, 61.2181), (180, 85.0511287798066), (-180, -85.0511287798066),
            (-45, 89.9), (45, -89.9), (-76.640625, 39.26),
        };
        for (var i = 0; i < 2000; i++)
        {
            // Around the continental US, with some coordinates rounded as agencies send them.
            var (lon, lat) = (-125 + (random.NextDouble() * 58), 24 + (random.NextDouble() * 26));
            points.Add(i % 3 == 0 ? (Math.Round(lon, 3), Math.Round(lat, 3)) : (lon, lat));
        }

        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT p.i, l.level, m.masked, geoors_grid_u(p.lon), geoors_grid_v(p.lat), c.cell, c.px, c.py
            FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
            CROSS JOIN unnest($3::integer[]) AS l(level)
            CROSS JOIN (VALUES (false), (true)) AS m(masked)
            CROSS JOIN LATERAL geoors_event_cell(p.lon, p.lat, l.level, m.masked) c
            ORDER BY 1, 2, 3
            """);
        command.Parameters.AddWithValue(points.Select(p => p.Lon).ToArray());
        command.Parameters.AddWithValue(points.Select(p => p.Lat).ToArray());
        command.Parameters.AddWithValue(ClusterGrid.Levels.ToArray());
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (lon, lat) = points[(int)reader.GetInt64(0) - 1];
            var (level, masked) = (reader.GetInt32(1), reader.GetBoolean(2));
            var (u, v) = (ClusterGrid.U(lon), ClusterGrid.V(lat));
            Assert.Equal(u, reader.GetDouble(3));
            Assert.Equal(v, reader.GetDouble(4));
            Assert.Equal(ClusterGrid.Key(masked, ClusterGrid.CellOf(lon, lat, level)), reader.GetInt32(5));
            Assert.Equal(ClusterGrid.Position(u, v), (reader.GetDouble(6), reader.GetDouble(7)));
            rows++;
        }

        Assert.Equal(points.Count * ClusterGrid.Levels.Count * 2, rows);
    }
}
