using GeoOrs.Data;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GeoOrs.Analysis.Hotspots;
using GeoOrs.Analysis.Spatial;
using GeoOrs.Data.Synthetic;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The scheduled analysis jobs on their own database: the synthetic generator's planted spikes and
/// hot spots are found by the runs the schedule fires.
/// </summary>
public class AnalysisJobsTests
{
    private static readonly DateOnly End = new(2025, 3, 31);

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Scheduled_jobs_find_the_planted_spikes_and_hotspots()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        var dir = Directory.CreateTempSubdirectory("geoors-signals-");
        try
        {
            var options = new SyntheticOptions
            {
                Overdoses = 50_000, Seizures = 0, Seed = 7, Start = End.AddDays(-89), End = End, Spikes = 4, Hotspots = 4,
                ShapefilesDirectory = PostGis.Shapefiles,
            };
            SyntheticManifest manifest;
            await using (var overdoses = new StreamWriter(Path.Combine(dir.FullName, "overdoses.csv")))
            await using (var seizures = new StreamWriter(Path.Combine(dir.FullName, "seizures.csv")))
            {
                manifest = SyntheticEvents.Generate(options, overdoses, seizures);
            }

            Assert.Equal(4, manifest.Spikes.Count);
            Assert.Equal(4, manifest.Hotspots.Count);

            await using var factory = GeoOrsFactory.WithScheduler(new Dictionary<string, string?>
            {
                ["Database:ConnectionString"] = scratch.ConnectionString,
                ["Scheduling:HotspotsCron"] = "0/5 * * * * ?",
                ["Scheduling:EmergingCron"] = "0/5 * * * * ?",
                ["Scheduling:SpikesCron"] = "0/5 * * * * ?",
                ["Analysis:AsOf"] = End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["Analysis:HotspotDays"] = "90",
                ["Analysis:SpikeDays"] = "80",
                ["Analysis:EmergingWeeks"] = "12",
                ["Analysis:LargeIngestEvents"] = "10000",
            });
            using var admin = factory.CreateClient("admin");
            using var body = new StringContent(await File.ReadAllTextAsync(Path.Combine(dir.FullName, "overdoses.csv")), Encoding.UTF8, "text/csv");
            using (var ingest = await admin.PostAsync(new Uri("/api/ingest/overdoses", UriKind.Relative), body))
            {
                Assert.Equal(HttpStatusCode.Created, ingest.StatusCode);
            }

            var ingested = DateTime.UtcNow;
            await using var dataSource = GeoOrsDataSource.Create(scratch.ConnectionString);
            var spikesRun = await SucceededRunAfterAsync(dataSource, "spikes", ingested);
            var hotspotsRun = await SucceededRunAfterAsync(dataSource, "hotspots", ingested);
            var emergingRun = await SucceededRunAfterAsync(dataSource, "emerging", ingested);

            // Every planted spike day alerts with EARS C2 for its county, on the county's local days: the
            // generator plants them there, and the spike job counts them there (demo_planted_spikes_same_local_days).
            foreach (var spike in manifest.Spikes)
            {
                await using var command = dataSource.CreateCommand(
                    "SELECT array_agg(day ORDER BY day) FROM alerts WHERE area_kind = 'county' AND area_id = $1 AND method = 'ears_c2'");
                command.Parameters.AddWithValue(spike.CountyGeoid);
                var days = await command.ExecuteScalarAsync() as DateOnly[] ?? [];
                for (var day = spike.Start; day <= spike.End; day = day.AddDays(1))
                {
                    Assert.True(days.Contains(day), $"no EARS C2 alert for {spike.CountyName} on {day:yyyy-MM-dd}; alerts on {string.Join(", ", days)}");
                }
            }

            // Every planted hot spot lies in (or beside) a hexagon that is hot at 99 % confidence.
            var parameters = await ParametersAsync(dataSource, hotspotsRun);
            var hexes = await HexCellsAsync(dataSource, hotspotsRun, "hex");
            foreach (var hotspot in manifest.Hotspots)
            {
                var state = hotspot.CountyGeoid[..2];
                var grid = new HexGrid(parameters.GetProperty("states").GetProperty(state).GetProperty("hex_cell_meters").GetDouble());
                var (x, y) = EqualArea.Project(hotspot.Lon, hotspot.Lat);
                var near = hexes.Where(h => h.Key.StartsWith(state + ":", StringComparison.Ordinal)
                    && Distance(grid, h.Key, x, y) <= (hotspot.RadiusKm * 1000) + grid.Spacing).ToList();
                Assert.True(near.Any(h => h.Value.Bin == 3),
                    $"no hot hexagon at {hotspot.CountyName} ({hotspot.Lon}, {hotspot.Lat}) with {parameters.GetProperty("states").GetProperty(state)}: {string.Join("; ", near.Select(h => $"{h.Key} n={h.Value.Events} z={h.Value.Z:F2} bin={h.Value.Bin}"))}");
            }

            // Planted hot spots last the whole period: emerging hot spot analysis calls their hexagons hot.
            var emergingParameters = await ParametersAsync(dataSource, emergingRun);
            var emerging = await HexCellsAsync(dataSource, emergingRun, "emerging");
            foreach (var hotspot in manifest.Hotspots)
            {
                var state = hotspot.CountyGeoid[..2];
                var emergingGrid = new HexGrid(emergingParameters.GetProperty("states").GetProperty(state).GetProperty("hex_cell_meters").GetDouble());
                var (x, y) = EqualArea.Project(hotspot.Lon, hotspot.Lat);
                var near = emerging.Where(h => h.Key.StartsWith(state + ":", StringComparison.Ordinal)
                    && Distance(emergingGrid, h.Key, x, y) <= (hotspot.RadiusKm * 1000) + emergingGrid.Spacing).ToList();
                Assert.True(near.Any(h => EmergingHotSpotCategories.TryParse(h.Value.Category, out var c) && c.IsHot()),
                    $"no emerging hot spot at {hotspot.CountyName}: {string.Join("; ", near.Select(h => $"{h.Key} n={h.Value.Events} {h.Value.Category}"))}");
            }

            // The runs are listed with their parameters and summaries.
            using var runs = await admin.GetAsync(new Uri($"/api/hotspots/runs/{hotspotsRun}?scale=hex&limit=5", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, runs.StatusCode);
            using var run = JsonDocument.Parse(await runs.Content.ReadAsStringAsync());
            Assert.Equal("succeeded", run.RootElement.GetProperty("run").GetProperty("status").GetString());
            Assert.Equal(5, run.RootElement.GetProperty("cells").GetArrayLength());
            Assert.True(spikesRun > 0);

            // The ingest of 50,000 overdoses started a hot spot run of its own (recorded once it holds
            // the job's lock, which the scheduled runs may hold first: waited for).
            var deadline = DateTime.UtcNow.AddSeconds(180);
            long ingestRuns;
            do
            {
                await using var reasons = dataSource.CreateCommand("SELECT count(*) FROM analysis_runs WHERE kind = 'hotspots' AND reason = 'ingest'");
                ingestRuns = (long)(await reasons.ExecuteScalarAsync())!;
                if (ingestRuns == 0)
                {
                    await Task.Delay(500);
                }
            }
            while (ingestRuns == 0 && DateTime.UtcNow < deadline);

            Assert.True(ingestRuns >= 1, "the large ingest started no hot spot run");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static double Distance(HexGrid grid, string cell, double x, double y)
    {
        var parts = cell[(cell.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',');
        var (cx, cy) = grid.Center(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        return Math.Sqrt(((cx - x) * (cx - x)) + ((cy - y) * (cy - y)));
    }

    /// <summary>
    /// The newest run of the kind that succeeded after <paramref name="after"/>; <paramref name="lastDay"/>
    /// and <paramref name="reason"/> tell a test's own run from other tests' on a shared database.
    /// </summary>
    internal static async Task<long> SucceededRunAfterAsync(
        NpgsqlDataSource dataSource, string kind, DateTime after, int seconds = 180, string? lastDay = null, string? reason = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = dataSource.CreateCommand("""
                SELECT max(id) FROM analysis_runs WHERE kind = $1 AND status = 'succeeded' AND started_at > $2
                  AND ($3::text IS NULL OR parameters->>'last_day' = $3) AND ($4::text IS NULL OR reason = $4)
                """);
            command.Parameters.AddWithValue(kind);
            command.Parameters.AddWithValue(after);
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)lastDay ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            if (await command.ExecuteScalarAsync() is long id)
            {
                return id;
            }

            await Task.Delay(500);
        }

        await using var runs = dataSource.CreateCommand("SELECT string_agg(kind || ' ' || status || ' ' || coalesce(summary::text, ''), E'\\n') FROM analysis_runs");
        Assert.Fail($"no {kind} run succeeded within {seconds} s; runs:\n{await runs.ExecuteScalarAsync()}");
        return 0;
    }

    private static async Task<JsonElement> ParametersAsync(NpgsqlDataSource dataSource, long run)
    {
        await using var command = dataSource.CreateCommand("SELECT parameters::text FROM analysis_runs WHERE id = $1");
        command.Parameters.AddWithValue(run);
        return JsonDocument.Parse((string)(await command.ExecuteScalarAsync())!).RootElement.Clone();
    }

    internal static async Task<Dictionary<string, (int Events, double? Z, int? Bin, string? Category)>> HexCellsAsync(NpgsqlDataSource dataSource, long run, string scale)
    {
        await using var command = dataSource.CreateCommand("SELECT cell_id, events, z, bin, category FROM hotspot_cells WHERE run_id = $1 AND scale = $2");
        command.Parameters.AddWithValue(run);
        command.Parameters.AddWithValue(scale);
        var cells = new Dictionary<string, (int, double?, int?, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            cells[reader.GetString(0)] = (reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetInt16(3), reader.IsDBNull(4) ? null : reader.GetString(4));
        }

        return cells;
    }
}
