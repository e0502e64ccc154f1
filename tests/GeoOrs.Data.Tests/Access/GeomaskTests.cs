using System.Text;
using GeoOrs.Analysis.Privacy;
using GeoOrs.Data.Access;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Access;

public class GeomaskTests
{
    [Fact]
    public async Task Sql_geomask_computes_what_DonutGeomask_computes()
    {
        var dataSource = await PostGis.DataSourceAsync();
        var secret = Encoding.UTF8.GetBytes("sql and c# agree");
        double[] densities = [0, 1, 150, 3000, 30000, double.NaN];
        (double Lon, double Lat)[] points = [(-77.0369, 38.9072), (-149.9003, 61.2181), (179.999, 51.9)];
        long[] ids = [.. Enumerable.Range(0, 500).Select(i => ((long)i * 7_919_000_003L) - 1_000_000_000_000L), long.MinValue, long.MaxValue];

        await using var command = dataSource.CreateCommand("""
            SELECT p.lon, p.lat, i.id, d.density, ST_X(m), ST_Y(m), ST_SRID(m)
            FROM unnest($1::float8[], $2::float8[]) AS p(lon, lat)
            CROSS JOIN unnest($3::bigint[]) AS i(id)
            CROSS JOIN unnest($4::float8[]) AS d(density)
            CROSS JOIN LATERAL geoors_geomask(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), i.id, d.density, $5) AS m
            """);
        command.Parameters.AddWithValue(points.Select(p => p.Lon).ToArray());
        command.Parameters.AddWithValue(points.Select(p => p.Lat).ToArray());
        command.Parameters.AddWithValue(ids);
        command.Parameters.AddWithValue(densities);
        command.Parameters.AddWithValue(secret);

        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (lon, lat) = DonutGeomask.Displace(reader.GetDouble(0), reader.GetDouble(1), reader.GetInt64(2), secret, reader.GetDouble(3));
            Assert.Equal(lon, reader.GetDouble(4), 1e-9);
            Assert.Equal(lat, reader.GetDouble(5), 1e-9);
            Assert.Equal(4326, reader.GetInt32(6));
            rows++;
        }

        Assert.Equal(points.Length * ids.Length * densities.Length, rows);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(10000)]
    [InlineData(double.NaN)]
    public async Task Sql_radii_are_DonutGeomask_radii(double density)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("SELECT inner_m, outer_m FROM geoors_geomask_radii($1)");
        command.Parameters.AddWithValue(density);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(DonutGeomask.Radii(density), (reader.GetDouble(0), reader.GetDouble(1)));
    }

    [Theory]
    [InlineData("11001")] // District of Columbia
    [InlineData("36061")] // New York County
    [InlineData("02290")] // Yukon-Koyukuk Census Area, Alaska: under one person per km²
    public async Task County_density_is_the_latest_population_over_the_land_area(string geoid)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT population FROM county_population WHERE geoid = $1 ORDER BY year DESC LIMIT 1),
                   (SELECT aland FROM counties WHERE geoid = $1),
                   (SELECT people_per_km2 FROM county_density WHERE geoid = $1)
            """);
        command.Parameters.AddWithValue(geoid);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var population = reader.GetInt32(0);
        var aland = reader.GetInt64(1);
        Assert.Equal(population / (aland / 1e6), reader.GetDouble(2), 1e-9);
    }

    [Fact]
    public async Task County_density_has_every_county_and_zero_where_there_is_no_population()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM counties),
                   (SELECT count(*) FROM county_density d JOIN counties c USING (geoid)),
                   (SELECT count(*) FROM county_density d JOIN counties c USING (geoid)
                    WHERE d.people_per_km2 = 0 AND c.aland > 0 AND EXISTS (SELECT 1 FROM county_population p WHERE p.geoid = d.geoid)),
                   (SELECT count(*) FROM counties c
                    WHERE NOT EXISTS (SELECT 1 FROM county_population p WHERE p.geoid = c.geoid)),
                   (SELECT count(*) FROM county_density d
                    WHERE d.people_per_km2 = 0 AND NOT EXISTS (SELECT 1 FROM county_population p WHERE p.geoid = d.geoid))
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
        Assert.Equal(0, reader.GetInt64(2)); // every county with a population and land has a density
        Assert.True(reader.GetInt64(3) > 0); // Puerto Rico's municipios have no estimate in the file
        Assert.Equal(reader.GetInt64(3), reader.GetInt64(4));
    }

    [Fact]
    public async Task The_secret_is_32_bytes_made_once_and_kept()
    {
        var dataSource = await PostGis.DataSourceAsync();
        var first = await GeomaskSecret.GetAsync(dataSource);
        var again = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => GeomaskSecret.GetAsync(dataSource)));

        Assert.Equal(32, first.Length);
        Assert.DoesNotContain(again, s => !s.AsSpan().SequenceEqual(first));
        Assert.NotEqual(new byte[32], first);
    }
}
