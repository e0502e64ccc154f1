using System.Globalization;
using System.Text;
using GeoOrs.Analysis.Projections;
using GeoOrs.Data.Csv;
using NetTopologySuite.Features;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Boundaries;

/// <summary>What one boundary load read and wrote.</summary>
/// <param name="States">State polygons loaded.</param>
/// <param name="Counties">County polygons loaded.</param>
/// <param name="Populations">County × year population rows loaded.</param>
/// <param name="Hidtas">HIDTA regions with at least one member county.</param>
/// <param name="Memberships">HIDTA × county rows.</param>
/// <param name="Warnings">Rows that were passed over, with the reason (e.g. a FIPS code that is no county).</param>
/// <param name="TimeZones">The file each county's time zone came from.</param>
public sealed record BoundaryLoadResult(int States, int Counties, int Populations, int Hidtas, int Memberships, IReadOnlyList<string> Warnings, string TimeZones)
{
    /// <summary>The counties whose time zone this load set or changed.</summary>
    public int ZonesChanged { get; init; }

    /// <summary>The stored events (overdoses and seizures) whose local day moved with their county's new zone.</summary>
    public long EventsRedated { get; init; }
}

/// <summary>
/// Loads the boundary layers from a folder: the Census cartographic boundary shapefiles of states
/// (<c>*state*.shp</c>) and counties (<c>*county*.shp</c>), the Census county population estimates
/// (<c>co-est*.csv</c>), each county's IANA time zone (<c>*timezones*.csv</c>) and HIDTA membership
/// lists (<c>hidta/*.csv</c>). Geometry is transformed to EPSG:4326 from each file's <c>.prj</c>.
/// </summary>
/// <remarks>
/// The load is one transaction under an advisory lock, so it is all-or-nothing and concurrent loads
/// serialise. It is idempotent: rows are upserted by their natural keys, and HIDTA membership is
/// replaced whole by what the folder says, with each region's polygon the <c>ST_Union</c> of its counties.
/// A load that sets or changes a county's time zone gives that county's stored events their local day
/// again and rebuilds the aggregates and cluster cells in the same transaction (docs/adr/0021-local-days.md).
/// </remarks>
public static class BoundaryLoader
{
    private const long LockKey = 0x47656f4f727342; // "GeoOrsB"

    /// <summary>
    /// Taken exclusively by a load that changes a county's time zone, and shared by every ingest batch
    /// for its whole transaction, so that the load's recount of the events' local days and the days a
    /// batch computes from the zones never overlap.
    /// </summary>
    internal const long ZoneLockKey = 0x47656f4f72735a; // "GeoOrsZ"

    /// <summary>Loads (or reloads) every boundary layer from <paramref name="directory"/>.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="directory">The folder, laid out as the repository's <c>shapefiles/</c>.</param>
    /// <param name="timeZones">
    /// A county time zone table to use instead of the folder's <c>*timezones*.csv</c> (columns
    /// <c>geoid</c> and <c>tz</c>), or null.
    /// </param>
    /// <param name="cancellationToken">Cancels the load; nothing is written then.</param>
    /// <returns>What was loaded.</returns>
    /// <exception cref="FileNotFoundException">A required file is missing.</exception>
    /// <exception cref="InvalidDataException">
    /// A file cannot be read, or the time zone table leaves out a county or names a zone that is not
    /// an IANA zone; nothing is written then.
    /// </exception>
    public static async Task<BoundaryLoadResult> LoadAsync(
        NpgsqlDataSource dataSource, string directory, string? timeZones = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var statesShp = CensusFiles.FindOne(directory, "*state*.shp");
        var countiesShp = CensusFiles.FindOne(directory, "*county*.shp");
        var populationCsv = CensusFiles.FindOne(directory, "co-est*.csv");
        var zonesCsv = timeZones ?? CensusFiles.FindOne(directory, "*timezones*.csv");
        var zoneRows = ReadTimeZones(zonesCsv);
        var warnings = new List<string>();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock($1)", cancellationToken, LockKey).ConfigureAwait(false);
        if (await ZonesWillChangeAsync(connection, zoneRows, cancellationToken).ConfigureAwait(false))
        {
            // Before any write of this load: batches in flight finish first, new ones wait for the commit.
            await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock($1)", cancellationToken, ZoneLockKey).ConfigureAwait(false);
        }

        var states = await LoadShapesAsync(connection, statesShp, "states", cancellationToken).ConfigureAwait(false);
        var counties = await LoadShapesAsync(connection, countiesShp, "counties", cancellationToken).ConfigureAwait(false);
        var populations = await LoadPopulationAsync(connection, populationCsv, cancellationToken).ConfigureAwait(false);
        var changedZones = await LoadTimeZonesAsync(connection, zonesCsv, zoneRows, warnings, cancellationToken).ConfigureAwait(false);
        var redated = await RecountLocalDaysAsync(connection, changedZones, cancellationToken).ConfigureAwait(false);
        var (hidtas, memberships) = await LoadHidtaAsync(connection, Path.Combine(directory, "hidta"), warnings, cancellationToken).ConfigureAwait(false);

        await ExecuteAsync(connection,
            "INSERT INTO boundary_loads (source_dir, states, counties, populations, hidtas, memberships) VALUES ($1, $2, $3, $4, $5, $6)",
            cancellationToken, Path.GetFullPath(directory), states, counties, populations, hidtas, memberships).ConfigureAwait(false);
        await ExecuteAsync(connection, "SELECT geoors_refresh_tile_shapes(), geoors_refresh_county_density(), geoors_bump('boundaries')", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // The planner's statistics now, not at autovacuum's next pass: without them the first tiles
        // over freshly loaded counties are planned for empty tables and take tens of seconds.
        await ExecuteAsync(connection,
            "ANALYZE states, counties, county_population, hidta_regions, hidta_counties, tile_shapes, county_density",
            cancellationToken).ConfigureAwait(false);
        return new BoundaryLoadResult(states, counties, populations, hidtas, memberships, warnings, Path.GetFullPath(zonesCsv))
        {
            ZonesChanged = changedZones.Count,
            EventsRedated = redated,
        };
    }

    /// <summary>
    /// Counts the loaded states, counties and counties without a time zone, to tell whether a load is
    /// needed.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The counts.</returns>
    public static async Task<(long States, long Counties, long WithoutTimeZone)> CountAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM states), (SELECT count(*) FROM counties), (SELECT count(*) FROM counties WHERE time_zone IS NULL)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The latest boundary load's id (0 before the first): the version of what is built from the boundaries.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The id.</returns>
    internal static async Task<long> LatestLoadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(id), 0) FROM boundary_loads");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Reads a county time zone table: a header with <c>geoid</c> and <c>tz</c> (others, such as
    /// <c>name</c>, are ignored), one row a county, each county once.
    /// </summary>
    private static List<(string Geoid, string Zone)> ReadTimeZones(string path)
    {
        var rows = new List<(string, string)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var line = 1;
        foreach (var row in ReadTable(path))
        {
            line++;
            if (!row.TryGetValue("geoid", out var geoid) || !row.TryGetValue("tz", out var zone))
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: a county time zone table needs the columns geoid and tz");
            }

            geoid = geoid.Trim();
            zone = zone.Trim();
            if (geoid.Length is 0 or > 5 || !geoid.All(char.IsAsciiDigit))
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} row {line}: '{geoid}' is not a 5-digit county FIPS code");
            }

            geoid = geoid.PadLeft(5, '0');
            if (zone.Length == 0)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} row {line}: county {geoid} has no time zone");
            }

            if (seen.TryGetValue(geoid, out var first))
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} row {line}: county {geoid} is listed again (first at row {first})");
            }

            seen[geoid] = line;
            rows.Add((geoid, zone));
        }

        return rows;
    }

    /// <summary>
    /// Whether the table gives a county already stored another zone than it has (or a zone where it has
    /// none): the events of such a county are recounted, under <see cref="ZoneLockKey"/>. A county new
    /// in this load has no events yet.
    /// </summary>
    private static async Task<bool> ZonesWillChangeAsync(NpgsqlConnection connection, List<(string Geoid, string Zone)> rows, CancellationToken cancellationToken)
    {
        var zones = rows.ToDictionary(r => r.Geoid, r => r.Zone, StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT geoid, time_zone FROM counties", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var stored = reader.IsDBNull(1) ? null : reader.GetString(1);
            if (zones.TryGetValue(reader.GetString(0), out var zone) && !string.Equals(zone, stored, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Gives the stored events of the counties whose zone changed their local day in the new zone, and
    /// when any day moved, rebuilds the daily and monthly aggregates and the cluster cells from the
    /// events and bumps the events' data versions (so the layers' caches drop at commit). Returns how
    /// many events moved.
    /// </summary>
    private static async Task<long> RecountLocalDaysAsync(NpgsqlConnection connection, List<string> changed, CancellationToken cancellationToken)
    {
        if (changed.Count == 0)
        {
            return 0;
        }

        long moved;
        await using (var recount = new NpgsqlCommand(SqlText.Get("boundaries_recount_local_days"), connection) { CommandTimeout = 0 })
        {
            recount.Parameters.AddWithValue(changed.ToArray());
            moved = (long)(await recount.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (moved > 0)
        {
            await using var rebuild = new NpgsqlCommand(
                "SELECT geoors_rebuild_aggregates(), geoors_rebuild_cells(), geoors_bump('overdoses'), geoors_bump('seizures')", connection) { CommandTimeout = 0 };
            await rebuild.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return moved;
    }

    /// <summary>
    /// Sets each county's time zone from the table. A county the table leaves out, or a zone that
    /// PostgreSQL's time zone database does not know, fails the load; a row for no county is a warning.
    /// Returns the counties whose zone was set or changed.
    /// </summary>
    private static async Task<List<string>> LoadTimeZonesAsync(
        NpgsqlConnection connection, string path, List<(string Geoid, string Zone)> rows, List<string> warnings, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, "CREATE TEMP TABLE zones_in (geoid text PRIMARY KEY, tz text NOT NULL) ON COMMIT DROP", cancellationToken)
            .ConfigureAwait(false);
        await using (var copy = await connection.BeginBinaryImportAsync("COPY zones_in (geoid, tz) FROM STDIN (FORMAT BINARY)", cancellationToken)
            .ConfigureAwait(false))
        {
            foreach (var (geoid, zone) in rows)
            {
                await copy.WriteRowAsync(cancellationToken, geoid, zone).ConfigureAwait(false);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        var missing = new List<string>();
        var unknown = new List<string>();
        await using (var check = new NpgsqlCommand(SqlText.Get("boundaries_check_time_zones"), connection))
        await using (var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (kind, geoid, detail) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                switch (kind)
                {
                    case "missing":
                        missing.Add($"{geoid} ({detail})");
                        break;
                    case "unknown":
                        unknown.Add($"'{detail}' (county {geoid})");
                        break;
                    default:
                        warnings.Add($"{Path.GetFileName(path)}: {geoid} is not a county in the boundary file; its zone {detail} is passed over");
                        break;
                }
            }
        }

        if (unknown.Count > 0)
        {
            throw new InvalidDataException(
                $"{Path.GetFileName(path)}: {Listed(unknown)} {(unknown.Count == 1 ? "is not an IANA time zone" : "are not IANA time zones")} " +
                "(e.g. America/Chicago); nothing was loaded");
        }

        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"{Path.GetFileName(path)} gives no time zone for {missing.Count} {(missing.Count == 1 ? "county" : "counties")}: {Listed(missing)}; " +
                "days are counted on each county's own calendar, so every county needs its zone; nothing was loaded");
        }

        var changed = new List<string>();
        await using (var set = new NpgsqlCommand(SqlText.Get("boundaries_set_time_zones"), connection))
        await using (var reader = await set.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                changed.Add(reader.GetString(0));
            }
        }

        return changed;
    }

    /// <summary>The first ten items, and how many more.</summary>
    private static string Listed(List<string> items) =>
        string.Join(", ", items.Take(10)) + (items.Count > 10 ? $" and {items.Count - 10} more" : "");

    private static async Task<int> LoadShapesAsync(NpgsqlConnection connection, string shp, string table, CancellationToken cancellationToken)
    {
        using var file = CensusFiles.OpenShapefile(shp);
        var toWgs84 = Reprojection.ToWgs84(string.IsNullOrWhiteSpace(file.Projection)
            ? throw new InvalidDataException($"{Path.GetFileName(shp)}: the .prj file is missing, so its coordinates cannot be placed")
            : file.Projection);

        await ExecuteAsync(connection,
            "CREATE TEMP TABLE shapes_in (geoid text, statefp text, countyfp text, stusps text, name text, lsad text, " +
            "aland bigint, awater bigint, geom geometry) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
        var rows = 0;
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY shapes_in (geoid, statefp, countyfp, stusps, name, lsad, aland, awater, geom) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            foreach (var feature in CensusFiles.Features(file, shp))
            {
                var a = feature.Attributes;
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Text(a, "GEOID"), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Text(a, "STATEFP"), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Text(a, "COUNTYFP"), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Text(a, "STUSPS"), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Text(a, "NAME"), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Text(a, "LSAD"), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Number(a, "ALAND"), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Number(a, "AWATER"), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(toWgs84(feature.Geometry), NpgsqlDbType.Geometry, cancellationToken).ConfigureAwait(false);
                rows++;
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, SqlText.Get(table == "states" ? "boundaries_upsert_states" : "boundaries_upsert_counties"), cancellationToken)
            .ConfigureAwait(false);
        await ExecuteAsync(connection, "DROP TABLE shapes_in", cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>Loads every county × year estimate of the Census <c>co-est</c> file.</summary>
    private static async Task<int> LoadPopulationAsync(NpgsqlConnection connection, string csvPath, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection,
            "CREATE TEMP TABLE population_in (geoid text, year integer, population integer) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY population_in (geoid, year, population) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var (geoid, year, population) in CensusFiles.ReadPopulation(csvPath))
            {
                await copy.WriteRowAsync(cancellationToken, geoid, year, population).ConfigureAwait(false);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var upsert = new NpgsqlCommand(SqlText.Get("boundaries_upsert_population"), connection);
        upsert.Parameters.AddWithValue(Path.GetFileName(csvPath));
        return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads every membership CSV in <paramref name="hidtaDir"/> (columns <c>hidta</c> and <c>fips</c>,
    /// optionally <c>as_of</c> or <c>date</c>, and <c>source_url</c>); <c>aliases.csv</c> maps old or
    /// abbreviated HIDTA names to the current one. A county listed for a HIDTA in any file is a member.
    /// </summary>
    private static async Task<(int Hidtas, int Memberships)> LoadHidtaAsync(
        NpgsqlConnection connection, string hidtaDir, List<string> warnings, CancellationToken cancellationToken)
    {
        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var aliasFile = Path.Combine(hidtaDir, "aliases.csv");
        if (File.Exists(aliasFile))
        {
            foreach (var row in ReadTable(aliasFile))
            {
                aliases[row["alias"]] = row["hidta"];
            }
        }

        // (hidta name, fips) → (latest as_of, its source)
        var members = new Dictionary<(string Hidta, string Fips), (string? AsOf, string? Source)>();
        string[] files = Directory.Exists(hidtaDir)
            ? [.. Directory.GetFiles(hidtaDir, "*.csv").Where(f => !f.Equals(aliasFile, StringComparison.Ordinal)).Order(StringComparer.Ordinal)]
            : [];
        foreach (var file in files)
        {
            foreach (var row in ReadTable(file))
            {
                if (!row.TryGetValue("hidta", out var name) || !row.TryGetValue("fips", out var fips))
                {
                    throw new InvalidDataException($"{Path.GetFileName(file)}: a HIDTA membership file needs the columns hidta and fips");
                }

                name = aliases.GetValueOrDefault(name.Trim(), name.Trim());
                fips = fips.Trim().PadLeft(5, '0');
                var asOf = row.GetValueOrDefault("as_of") ?? row.GetValueOrDefault("date");
                var source = row.GetValueOrDefault("source_url");
                var key = (name, fips);
                if (!members.TryGetValue(key, out var seen) || string.CompareOrdinal(asOf, seen.AsOf) > 0)
                {
                    members[key] = (asOf, source);
                }
            }
        }

        await ExecuteAsync(connection,
            "CREATE TEMP TABLE hidta_in (id text, name text, geoid text, as_of text, source text) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY hidta_in (id, name, geoid, as_of, source) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var ((name, fips), (asOf, source)) in members)
            {
                await copy.WriteRowAsync(cancellationToken, Slug(name), name, fips, asOf, source).ConfigureAwait(false);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var unknown = new NpgsqlCommand(
            "SELECT DISTINCT h.geoid, h.name FROM hidta_in h LEFT JOIN counties c ON c.geoid = h.geoid WHERE c.geoid IS NULL ORDER BY 1", connection))
        await using (var reader = await unknown.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                warnings.Add($"HIDTA {reader.GetString(1)}: FIPS {reader.GetString(0)} is not a county in the boundary file; passed over");
            }
        }

        await using var replace = new NpgsqlCommand(SqlText.Get("boundaries_replace_hidta"), connection);
        await using var result = await replace.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await result.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (checked((int)result.GetInt64(0)), checked((int)result.GetInt64(1)));
    }

    /// <summary>A stable identifier from a HIDTA's name: "Washington/Baltimore" → "washington-baltimore".</summary>
    /// <param name="name">The HIDTA's name.</param>
    /// <returns>Lower-case letters and digits joined by single hyphens.</returns>
    public static string Slug(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var slug = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        return slug.ToString().TrimEnd('-');
    }

    private static IEnumerable<Dictionary<string, string>> ReadTable(string path)
    {
        using var csv = new CsvReader(new StreamReader(path, Utf8OrLatin1.Encoding));
        var header = csv.Read() ?? [];
        while (csv.Read() is { } row)
        {
            if (row.Length != header.Length)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} line {csv.RecordLine}: {row.Length} fields where the header has {header.Length}");
            }

            var record = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Length; i++)
            {
                record[header[i].Trim()] = row[i];
            }

            yield return record;
        }
    }

    private static string? Text(IAttributesTable attributes, string name) =>
        attributes.Exists(name) ? attributes[name]?.ToString()?.Trim() : null;

    private static long? Number(IAttributesTable attributes, string name) =>
        attributes.Exists(name) && attributes[name] is { } value ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : null;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
