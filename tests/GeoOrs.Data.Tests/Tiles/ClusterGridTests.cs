using GeoOrs.Analysis.Tiles;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Tiles;

/// <summary>
/// Ingest puts each event in its cluster cells in C# (<see cref="ClusterGrid"/>), while a tile and the
/// recount put events in cells in SQL (<c>geoors_grid_*</c>, <c>geoors_event_cells</c>): the two must
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
            SELECT p.i, l.level, geoors_grid_u(p.lon), geoors_grid_v(p.lat), c.tx, c.ty, c.q, c.cx, c.cy, c.px, c.py
            FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
            CROSS JOIN unnest($3::integer[]) AS l(level)
            CROSS JOIN LATERAL geoors_event_cells(p.lon, p.lat, l.level) c
            ORDER BY 1, 2
            """);
        command.Parameters.AddWithValue(points.Select(p => p.Lon).ToArray());
        command.Parameters.AddWithValue(points.Select(p => p.Lat).ToArray());
        command.Parameters.AddWithValue(ClusterGrid.Levels.ToArray());
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (lon, lat) = points[(int)reader.GetInt64(0) - 1];
            var level = reader.GetInt32(1);
            var (u, v) = (ClusterGrid.U(lon), ClusterGrid.V(lat));
            Assert.Equal(u, reader.GetDouble(2));
            Assert.Equal(v, reader.GetDouble(3));
            var cell = ClusterGrid.CellOf(lon, lat, level);
            Assert.Equal(cell, new GridCell((short)level, reader.GetInt32(4), reader.GetInt32(5), reader.GetInt16(6), reader.GetInt16(7), reader.GetInt16(8)));
            Assert.Equal(ClusterGrid.Position(u, v), (reader.GetDouble(9), reader.GetDouble(10)));
            rows++;
        }

        Assert.Equal(points.Count * ClusterGrid.Levels.Count, rows);
    }
}
