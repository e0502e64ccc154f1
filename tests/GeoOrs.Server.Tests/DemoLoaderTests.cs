using GeoOrs.Data;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Server.Tests;

/// <summary><c>serve --demo</c> loads the real Tempe and Allegheny files and a synthetic set, once.</summary>
public class DemoLoaderTests
{
    private static async Task<List<(string Sender, int Accepted, int Rejected)>> DemoBatchesAsync(string connectionString)
    {
        await using var dataSource = GeoOrsDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT sender, accepted, rejected FROM ingest_batches WHERE sender LIKE 'demo:%' AND status = 'committed' ORDER BY id");
        var batches = new List<(string, int, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            batches.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
        }

        return batches;
    }

    private static GeoOrsFactory DemoServer(string connectionString) => new(new Dictionary<string, string?>
    {
        ["Database:ConnectionString"] = connectionString,
        ["Demo:Enabled"] = "true",
        ["Demo:SyntheticOverdoses"] = "3000",
        ["Demo:SyntheticSeizures"] = "300",
    });

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Demo_loads_real_and_synthetic_files_once()
    {
        await using var scratch = await PostGis.CreateScratchDatabaseAsync();
        List<(string Sender, int Accepted, int Rejected)> batches = [];
        await using (var first = DemoServer(scratch.ConnectionString))
        {
            using var client = first.CreateClient("admin");
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (batches.Count < 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                batches = await DemoBatchesAsync(scratch.ConnectionString);
            }
        }

        Assert.Equal(["demo:tempe", "demo:allegheny", "demo:synthetic-overdoses", "demo:synthetic-seizures"], batches.Select(b => b.Sender));
        Assert.Equal(2743, batches[0].Accepted + batches[0].Rejected);
        Assert.Equal(7176, batches[1].Accepted);
        Assert.Equal(3000, batches[2].Accepted);
        Assert.Equal(300, batches[3].Accepted);

        await using (var second = DemoServer(scratch.ConnectionString))
        {
            using var client = second.CreateClient("admin");
            await Task.Delay(3000);
        }

        Assert.Equal(4, (await DemoBatchesAsync(scratch.ConnectionString)).Count);
    }
}
