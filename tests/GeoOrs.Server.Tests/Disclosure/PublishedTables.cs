using System.Globalization;
using System.Net;
using System.Text.Json;
using GeoOrs.Analysis.Privacy;
using Npgsql;

namespace GeoOrs.Server.Tests.Disclosure;

/// <summary>The four overdose counts every area publishes.</summary>
internal enum Measure
{
    Overdoses,
    Fatal,
    Nonfatal,
    Naloxone,
}

/// <summary>A window of whole months, by index: month 0 is the first month of the data.</summary>
internal readonly record struct Window(int First, int Last)
{
    public int Months => Last - First + 1;

    public bool Contains(int month) => month >= First && month <= Last;

    public override string ToString() => $"{First}..{Last}";
}

/// <summary>A published figure: county ('c'), state ('s') or HIDTA ('h'), its area, window and measure.</summary>
internal readonly record struct Cell(char Level, string Area, Window Window, Measure Measure);

/// <summary>
/// Everything the public can read of some months, as a scripted attacker collects it through the
/// public API (no key): every county from OGC API – Features, every state and HIDTA region from the
/// z0 vector tiles, for every window the public may ask (each month, and every twelve consecutive
/// months); and the truth, counted from the events as an administrator sees them.
/// </summary>
internal sealed class PublishedTables
{
    public static readonly Measure[] Measures = [Measure.Overdoses, Measure.Fatal, Measure.Nonfatal, Measure.Naloxone];

    private readonly Dictionary<(string County, int Month), int[]> _truth = [];

    private PublishedTables(DateOnly firstMonth, int months)
    {
        FirstMonth = firstMonth;
        MonthCount = months;
    }

    /// <summary>The first day of month 0.</summary>
    public DateOnly FirstMonth { get; }

    /// <summary>How many months the data spans.</summary>
    public int MonthCount { get; }

    /// <summary>Every published figure: its value, or null where withheld.</summary>
    public Dictionary<Cell, long?> Published { get; } = [];

    /// <summary>Counties by state.</summary>
    public Dictionary<string, List<string>> CountiesOfState { get; } = [];

    /// <summary>Member counties by HIDTA region.</summary>
    public Dictionary<string, List<string>> MembersOfHidta { get; } = [];

    /// <summary>HIDTA regions by member county.</summary>
    public Dictionary<string, List<string>> HidtasOfCounty { get; } = [];

    /// <summary>The windows the public may ask: each month, then every twelve consecutive months.</summary>
    public IEnumerable<Window> Windows => Enumerable.Range(0, MonthCount).Select(m => new Window(m, m))
        .Concat(Enumerable.Range(11, Math.Max(0, MonthCount - 11)).Select(e => new Window(e - 11, e)));

    /// <summary>The true value of a county figure.</summary>
    public long Truth(string county, Window window, Measure measure)
    {
        long sum = 0;
        for (var m = window.First; m <= window.Last; m++)
        {
            if (_truth.TryGetValue((county, m), out var counts))
            {
                sum += counts[(int)measure];
            }
        }

        return sum;
    }

    /// <summary>The true value of any figure.</summary>
    public long Truth(Cell cell) => cell.Level switch
    {
        'c' => Truth(cell.Area, cell.Window, cell.Measure),
        's' => CountiesOfState[cell.Area].Sum(c => Truth(c, cell.Window, cell.Measure)),
        _ => MembersOfHidta[cell.Area].Sum(c => Truth(c, cell.Window, cell.Measure)),
    };

    /// <summary>The member counties of a figure's area.</summary>
    public IReadOnlyList<string> Members(Cell cell) => cell.Level switch
    {
        'c' => [cell.Area],
        's' => CountiesOfState[cell.Area],
        _ => MembersOfHidta[cell.Area],
    };

    public (DateOnly From, DateOnly To) Dates(Window window) =>
        (FirstMonth.AddMonths(window.First), FirstMonth.AddMonths(window.Last + 1).AddDays(-1));

    /// <summary>
    /// Reads the truth and the geography from the database, and every public figure through
    /// <paramref name="client"/>: the counties within <paramref name="bbox"/> (west, south, east,
    /// north; every county when null), every state and HIDTA region.
    /// </summary>
    public static async Task<PublishedTables> CollectAsync(HttpClient client, NpgsqlDataSource dataSource, DateOnly firstMonth, int months, double[]? bbox = null)
    {
        var tables = new PublishedTables(firstMonth, months);
        await using (var command = dataSource.CreateCommand("""
            SELECT e.county_fips,
                   ((extract(year FROM geoors_local_day(e.occurred_at, e.county_fips)) - $1) * 12 + extract(month FROM geoors_local_day(e.occurred_at, e.county_fips)) - $2)::int,
                   count(*), count(*) FILTER (WHERE e.fatal), count(*) FILTER (WHERE NOT e.fatal), count(*) FILTER (WHERE e.naloxone_administered)
            FROM overdose_events e WHERE e.county_fips IS NOT NULL GROUP BY 1, 2
            """))
        {
            command.Parameters.AddWithValue(firstMonth.Year);
            command.Parameters.AddWithValue(firstMonth.Month);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables._truth[(reader.GetString(0), reader.GetInt32(1))] =
                    [(int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4), (int)reader.GetInt64(5)];
            }
        }

        await using (var command = dataSource.CreateCommand("SELECT statefp::text, geoid::text FROM counties ORDER BY geoid"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Add(tables.CountiesOfState, reader.GetString(0), reader.GetString(1));
            }
        }

        await using (var command = dataSource.CreateCommand("SELECT hidta_id, geoid::text FROM hidta_counties ORDER BY hidta_id, geoid"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Add(tables.MembersOfHidta, reader.GetString(0), reader.GetString(1));
                Add(tables.HidtasOfCounty, reader.GetString(1), reader.GetString(0));
            }
        }

        foreach (var window in tables.Windows)
        {
            var (from, to) = tables.Dates(window);
            var range = $"from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}";
            var within = bbox is null ? "" : FormattableString.Invariant($"&bbox={bbox[0]},{bbox[1]},{bbox[2]},{bbox[3]}");
            using (var response = await client.GetAsync(new Uri($"/ogc/collections/county-aggregates/items?limit=10000&{range}{within}", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                foreach (var feature in json.RootElement.GetProperty("features").EnumerateArray())
                {
                    var p = feature.GetProperty("properties");
                    var geoid = p.GetProperty("geoid").GetString()!;
                    foreach (var measure in Measures)
                    {
                        var value = p.GetProperty(Name(measure));
                        tables.Published[new Cell('c', geoid, window, measure)] = value.ValueKind == JsonValueKind.Null ? null : value.GetInt64();
                    }
                }
            }

            foreach (var (layer, level, key) in new[] { ("states", 's', "statefp"), ("hidta", 'h', "id") })
            {
                using var response = await client.GetAsync(new Uri($"/tiles/{layer}/0/0/0.mvt?{range}", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var tile = MvtDecoder.Decode(await response.Content.ReadAsByteArrayAsync()).Single();
                foreach (var feature in tile.Items)
                {
                    var id = (string)feature.Properties[key];
                    foreach (var measure in Measures)
                    {
                        tables.Published[new Cell(level, id, window, measure)] =
                            feature.Properties.TryGetValue(Name(measure), out var v) ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;
                    }
                }
            }
        }

        return tables;

        static void Add(Dictionary<string, List<string>> map, string key, string value)
        {
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            list.Add(value);
        }
    }

    /// <summary>
    /// What the public would read of the same events under one draw of record keys, computed as the
    /// server computes it (<see cref="CellKeyPerturbation"/>, whose SQL twin a test holds equal) rather
    /// than collected through the API: every county, state and HIDTA figure of every public window.
    /// A cell's key is the sum of its records' keys, so the events of a county and month are kept as
    /// four groups (fatal or not, naloxone or not), each with the sum of its keys; a cell of no event
    /// gets its own key, as the database's keyed hash of the cell's name gives it.
    /// </summary>
    /// <param name="groups">Per county and month: the events fatal with naloxone, fatal without, non-fatal with, non-fatal without.</param>
    /// <param name="months">How many months.</param>
    /// <param name="countiesOfState">Counties by state.</param>
    /// <param name="membersOfHidta">Member counties by HIDTA region.</param>
    /// <param name="random">The draw of record keys.</param>
    public static PublishedTables Simulate(
        IReadOnlyDictionary<(string County, int Month), int[]> groups, int months,
        IReadOnlyDictionary<string, List<string>> countiesOfState, IReadOnlyDictionary<string, List<string>> membersOfHidta, Random random)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(random);
        var tables = new PublishedTables(new DateOnly(2000, 1, 1), months);
        foreach (var (state, counties) in countiesOfState)
        {
            tables.CountiesOfState[state] = counties;
        }

        foreach (var (hidta, members) in membersOfHidta)
        {
            tables.MembersOfHidta[hidta] = members;
            foreach (var county in members)
            {
                if (!tables.HidtasOfCounty.TryGetValue(county, out var list))
                {
                    tables.HidtasOfCounty[county] = list = [];
                }

                list.Add(hidta);
            }
        }

        // Each group's key sum: uniform over 32 bits when it holds a record (a sum of uniform keys mod 2^32).
        var keys = new Dictionary<(string, int), long[]>();
        foreach (var (at, g) in groups)
        {
            tables._truth[at] = [g[0] + g[1] + g[2] + g[3], g[0] + g[1], g[2] + g[3], g[0] + g[2]];
            keys[at] = [.. g.Select(n => n == 0 ? 0L : random.NextInt64(1L << 32))];
        }

        foreach (var window in tables.Windows)
        {
            var county = new Dictionary<string, (long[] N, long[] K)>();
            foreach (var c in countiesOfState.Values.SelectMany(c => c))
            {
                var n = new long[4];
                var k = new long[4];
                for (var m = window.First; m <= window.Last; m++)
                {
                    if (groups.TryGetValue((c, m), out var g))
                    {
                        var gk = keys[(c, m)];
                        for (var i = 0; i < 4; i++)
                        {
                            n[i] += g[i];
                            k[i] += gk[i];
                        }
                    }
                }

                county[c] = (n, k);
            }

            void Publish(char level, string area, IEnumerable<string> members)
            {
                var n = new long[4];
                var k = new long[4];
                foreach (var c in members)
                {
                    for (var i = 0; i < 4; i++)
                    {
                        n[i] += county[c].N[i];
                        k[i] += county[c].K[i];
                    }
                }

                foreach (var measure in Measures)
                {
                    int[] parts = measure switch
                    {
                        Measure.Overdoses => [0, 1, 2, 3],
                        Measure.Fatal => [0, 1],
                        Measure.Nonfatal => [2, 3],
                        _ => [0, 2],
                    };
                    var count = parts.Sum(i => n[i]);
                    var key = count > 0 ? CellKeyPerturbation.CellKey(parts.Sum(i => k[i])) : random.NextDouble();
                    var shown = CellKeyPerturbation.Perturb(count, key);
                    tables.Published[new Cell(level, area, window, measure)] = CellKeyPerturbation.Withheld(shown) ? null : shown;
                }
            }

            foreach (var c in county.Keys)
            {
                Publish('c', c, [c]);
            }

            foreach (var (state, counties) in countiesOfState)
            {
                Publish('s', state, counties);
            }

            foreach (var (hidta, members) in membersOfHidta)
            {
                Publish('h', hidta, members);
            }
        }

        return tables;
    }

    public static string Name(Measure measure) => measure switch
    {
        Measure.Overdoses => "overdoses",
        Measure.Fatal => "fatal",
        Measure.Nonfatal => "nonfatal",
        _ => "naloxone",
    };
}
