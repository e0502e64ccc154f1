using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Migrations;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Boundaries;

public class BoundaryLoaderTests
{

    [Fact]
    public async Task Census_files_load_every_county_and_state()
    {
        var dataSource = await PostGis.DataSourceAsync();
        Assert.Equal(3220L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM counties"));
        Assert.Equal(52L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM states"));
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM counties WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326"));
    }

    [Theory]
    [InlineData("17031", "America/Chicago")] // Cook, Illinois
    [InlineData("04013", "America/Phoenix")] // Maricopa, Arizona: no daylight saving time
    [InlineData("18089", "America/Chicago")] // Lake, Indiana: Central time
    [InlineData("18097", "America/Indiana/Indianapolis")] // Marion, Indiana: Eastern time
    [InlineData("72127", "America/Puerto_Rico")] // San Juan
    [InlineData("15003", "Pacific/Honolulu")] // Honolulu
    public async Task Every_county_has_the_time_zone_its_residents_keep(string geoid, string zone)
    {
        var dataSource = await PostGis.DataSourceAsync();
        Assert.Equal(zone, await TestSql.ScalarAsync<string>(dataSource, "SELECT time_zone FROM counties WHERE geoid = $1", geoid));
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM counties WHERE time_zone IS NULL"));
    }

    [Fact]
    public async Task A_time_zone_table_that_leaves_out_a_county_fails_the_load_and_writes_nothing()
    {
        var shipped = await File.ReadAllLinesAsync(Path.Combine(PostGis.Shapefiles, "county_timezones.csv"));
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        var file = Path.GetTempFileName();
        try
        {
            // Cook County's row left out.
            await File.WriteAllLinesAsync(file, shipped.Where(l => !l.StartsWith("17031,", StringComparison.Ordinal)));
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles, file));
            Assert.Contains("17031 (Cook)", error.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was loaded", error.Message, StringComparison.Ordinal);
            Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM counties"));
            Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM boundary_loads"));

            // A zone that is no IANA zone.
            await File.WriteAllLinesAsync(file, shipped.Select(l => l.StartsWith("17031,", StringComparison.Ordinal) ? "17031,Cook,America/Chikago" : l));
            error = await Assert.ThrowsAsync<InvalidDataException>(() => BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles, file));
            Assert.Contains("'America/Chikago' (county 17031) is not an IANA time zone", error.Message, StringComparison.Ordinal);

            // A county twice.
            await File.WriteAllLinesAsync(file, [.. shipped, "17031,Cook,America/New_York"]);
            error = await Assert.ThrowsAsync<InvalidDataException>(() => BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles, file));
            Assert.Contains("county 17031 is listed again", error.Message, StringComparison.Ordinal);
            Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM counties"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_replacement_time_zone_table_replaces_the_shipped_one_and_a_row_for_no_county_is_a_warning()
    {
        var shipped = await File.ReadAllLinesAsync(Path.Combine(PostGis.Shapefiles, "county_timezones.csv"));
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
        await Migrator.MigrateAsync(dataSource);
        await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);
        var file = Path.GetTempFileName();
        try
        {
            // Starke County, Indiana (18149), which moved between Central and Eastern time more than once.
            await File.WriteAllLinesAsync(file, [
                .. shipped.Select(l => l.StartsWith("18149,", StringComparison.Ordinal) ? "18149,Starke,America/Indiana/Knox" : l),
                "99999,Nowhere,America/Chicago"]);
            var result = await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles, file);

            Assert.Equal(Path.GetFullPath(file), result.TimeZones);
            Assert.Contains(result.Warnings, w => w.Contains("99999 is not a county", StringComparison.Ordinal));
            Assert.Equal("America/Indiana/Knox", await TestSql.ScalarAsync<string>(dataSource, "SELECT time_zone FROM counties WHERE geoid = '18149'"));
            Assert.Equal("America/Chicago", await TestSql.ScalarAsync<string>(dataSource, "SELECT time_zone FROM counties WHERE geoid = '17031'"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Population_joins_the_2018_counties()
    {
        var dataSource = await PostGis.DataSourceAsync();
        Assert.Equal(593490, await TestSql.ScalarAsync<int>(dataSource, "SELECT population FROM county_population WHERE geoid = '24510' AND year = 2019"));
        // Every county but Puerto Rico's 78 municipios has a 2019 estimate.
        Assert.Equal(3220L - 78L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM county_population WHERE year = 2019"));
    }

    [Fact]
    public async Task Point_in_baltimore_city_is_county_24510_in_the_washington_baltimore_hidta()
    {
        var dataSource = await PostGis.DataSourceAsync();
        var json = await BoundaryQueries.LookupAsync(dataSource, -76.6122, 39.2904);
        Assert.NotNull(json);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("24510", doc.RootElement.GetProperty("county").GetProperty("geoid").GetString());
        Assert.Contains(doc.RootElement.GetProperty("hidta").EnumerateArray(), h => h.GetProperty("id").GetString() == "washington-baltimore");
    }

    [Fact]
    public async Task County_with_hole_keeps_the_hole_and_the_city_inside_is_its_own_county()
    {
        var dataSource = await PostGis.DataSourceAsync();
        // Fairfax County (51059) surrounds the independent city of Fairfax (51600).
        Assert.True(await TestSql.ScalarAsync<bool>(dataSource, "SELECT ST_NRings(geom) > ST_NumGeometries(geom) FROM counties WHERE geoid = '51059'"));
        var json = await BoundaryQueries.LookupAsync(dataSource, -77.3064, 38.8462);
        using var doc = System.Text.Json.JsonDocument.Parse(json!);
        Assert.Equal("51600", doc.RootElement.GetProperty("county").GetProperty("geoid").GetString());
    }

    [Fact]
    public async Task Point_on_state_line_goes_to_the_lowest_geoid_of_the_counties_it_touches()
    {
        var dataSource = await PostGis.DataSourceAsync();
        // A vertex of Baltimore County, MD (24005) that York County, PA (42133) shares.
        await using var command = dataSource.CreateCommand("""
            SELECT ST_X(p.geom), ST_Y(p.geom)
            FROM counties a, counties b, LATERAL ST_DumpPoints(a.geom) p
            WHERE a.geoid = '24005' AND b.geoid = '42133' AND ST_Intersects(p.geom, b.geom)
            LIMIT 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the two counties share no vertex");
        var (x, y) = (reader.GetDouble(0), reader.GetDouble(1));

        var json = await BoundaryQueries.LookupAsync(dataSource, x, y);
        using var doc = System.Text.Json.JsonDocument.Parse(json!);
        Assert.Equal("24005", doc.RootElement.GetProperty("county").GetProperty("geoid").GetString());
    }

    [Fact]
    public async Task Hidta_region_is_the_union_of_its_counties()
    {
        var dataSource = await PostGis.DataSourceAsync();
        var ratio = await TestSql.ScalarAsync<double>(dataSource, """
            SELECT ST_Area(r.geom::geography) / sum(ST_Area(c.geom::geography))
            FROM hidta_regions r JOIN hidta_counties m ON m.hidta_id = r.id JOIN counties c ON c.geoid = m.geoid
            WHERE r.id = 'washington-baltimore' GROUP BY r.geom
            """);
        Assert.InRange(ratio, 0.999, 1.001);
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM hidta_regions WHERE geom IS NULL OR NOT ST_IsValid(geom)"));
    }

    [Fact]
    public async Task Old_hidta_names_are_folded_into_the_current_ones()
    {
        var dataSource = await PostGis.DataSourceAsync();
        Assert.Equal(0L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM hidta_regions WHERE name LIKE '%(%' OR id IN ('oregon', 'atlanta')"));
        Assert.True(await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM hidta_counties WHERE hidta_id = 'oregon-idaho'") >= 14);
    }

    [Fact]
    public async Task Loading_twice_changes_nothing()
    {
        var dataSource = await PostGis.DataSourceAsync();
        const string Fingerprint = """
            SELECT (SELECT md5(string_agg(geoid || ST_AsEWKB(geom)::text, ',' ORDER BY geoid)) FROM counties),
                   (SELECT md5(string_agg(hidta_id || geoid, ',' ORDER BY hidta_id, geoid)) FROM hidta_counties),
                   (SELECT md5(string_agg(id || ST_AsEWKB(geom)::text, ',' ORDER BY id)) FROM hidta_regions),
                   (SELECT md5(string_agg(geoid || year || population, ',' ORDER BY geoid, year)) FROM county_population)
            """;
        async Task<List<string>> PrintAsync()
        {
            var rows = new List<string>();
            await using var command = dataSource.CreateCommand(Fingerprint);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                rows.Add(reader.GetString(i));
            }

            return rows;
        }

        var before = await PrintAsync();
        var result = await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);
        var after = await PrintAsync();

        Assert.Equal(before, after);
        Assert.Equal(3220, result.Counties);
        Assert.Equal(52, result.States);
    }

    [Fact]
    public async Task A_users_own_membership_list_replaces_the_shipped_one()
    {
        var dir = Directory.CreateTempSubdirectory("geoors-boundaries-");
        try
        {
            foreach (var file in Directory.GetFiles(PostGis.Shapefiles))
            {
                File.CreateSymbolicLink(Path.Combine(dir.FullName, Path.GetFileName(file)), file);
            }

            Directory.CreateDirectory(Path.Combine(dir.FullName, "hidta"));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "hidta", "official.csv"),
                "hidta,fips,as_of\r\nChesapeake Test,24510,2026-01-01\r\nChesapeake Test,24005,2026-01-01\r\nChesapeake Test,99999,2026-01-01\r\n");

            await using var scratch = await PostGis.CreateScratchDatabaseAsync();
            await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
            await Migrator.MigrateAsync(dataSource);
            await BoundaryLoader.LoadAsync(dataSource, PostGis.Shapefiles);
            await using (var insert = dataSource.CreateCommand("""
                INSERT INTO overdose_events (source_agency, external_id, occurred_at, geom, location_precision, fatal, county_fips, hidta_id)
                VALUES ('a', 'baltimore', now(), ST_SetSRID(ST_MakePoint(-76.61, 39.29), 4326), 'exact', false, '24510', 'washington-baltimore'),
                       ('a', 'loving', now(), ST_SetSRID(ST_MakePoint(-103.58, 31.85), 4326), 'exact', false, '48301', NULL)
                """))
            {
                await insert.ExecuteNonQueryAsync();
            }

            var result = await BoundaryLoader.LoadAsync(dataSource, dir.FullName);

            Assert.Equal(1, result.Hidtas);
            Assert.Equal(2, result.Memberships);
            Assert.Contains(result.Warnings, w => w.Contains("99999", StringComparison.Ordinal));
            Assert.Equal("chesapeake-test", await TestSql.ScalarAsync<string>(dataSource, "SELECT id FROM hidta_regions"));
            Assert.Equal("chesapeake-test", await TestSql.ScalarAsync<string>(dataSource, "SELECT hidta_id FROM overdose_events WHERE external_id = 'baltimore'"));
            Assert.Equal(1L, await TestSql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM overdose_events WHERE hidta_id IS NULL"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Missing_folder_is_a_clear_error()
    {
        var dataSource = await PostGis.DataSourceAsync();
        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => BoundaryLoader.LoadAsync(dataSource, "/nonexistent/geoors"));
        Assert.Contains("/nonexistent/geoors", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Washington/Baltimore", "washington-baltimore")]
    [InlineData("Southwest Border - New Mexico", "southwest-border-new-mexico")]
    [InlineData("New York/New Jersey", "new-york-new-jersey")]
    public void Slug_is_stable_lowercase_and_hyphenated(string name, string slug) =>
        Assert.Equal(slug, BoundaryLoader.Slug(name));
}
