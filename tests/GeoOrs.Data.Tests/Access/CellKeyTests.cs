using GeoOrs.Analysis.Privacy;
using GeoOrs.Data.Access;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Access;

public class CellKeyTests
{
    [Fact]
    public async Task Sql_perturbation_is_CellKeyPerturbation()
    {
        var dataSource = await PostGis.DataSourceAsync();
        long[] counts = [0, 1, 2, 3, 9, 10, 11, 14, 250, 1_000_000];
        var random = new Random(11);
        long[] sums = [0, -1, int.MinValue, int.MaxValue, 4294967296L * 3, .. Enumerable.Range(0, 300).Select(_ => random.NextInt64(-50_000_000_000L, 50_000_000_000L))];
        await using var command = dataSource.CreateCommand("""
            SELECT c.n, s.k, geoors_public_count(c.n, s.k, 'cell', 'secret'::bytea)
            FROM unnest($1::bigint[]) AS c(n) CROSS JOIN unnest($2::bigint[]) AS s(k)
            WHERE c.n > 0
            UNION ALL
            SELECT u.i, NULL, geoors_perturb(0, u.i / 1000.0) FROM generate_series(0, 999) AS u(i)
            """);
        command.Parameters.AddWithValue(counts);
        command.Parameters.AddWithValue(sums);
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var expected = reader.IsDBNull(1)
                ? CellKeyPerturbation.Perturb(0, reader.GetInt64(0) / 1000.0)
                : CellKeyPerturbation.Perturb(reader.GetInt64(0), CellKeyPerturbation.CellKey(reader.GetInt64(1)));
            Assert.Equal(expected, reader.GetInt64(2));
            rows++;
        }

        Assert.Equal((counts.Length - 1) * sums.Length + 1000, rows);
    }

    [Fact]
    public async Task Empty_cells_are_keyed_by_their_name_and_the_secret()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE a <> 0), count(*) FILTER (WHERE a <> b), count(*) FILTER (WHERE a <> c), count(*)
            FROM (SELECT geoors_public_count(0, 0, 'counties:' || i, 's1') AS a, geoors_public_count(0, 0, 'counties:' || i, 's1') AS b,
                         geoors_public_count(0, 0, 'counties:' || i, 's2') AS c
                  FROM generate_series(1, 4000) i) t
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (nonzero, unstable, secretChanges, total) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        Assert.Equal(0, unstable); // the same name and secret, the same value
        Assert.InRange(nonzero / (double)total, 0.16, 0.24); // 20 % of empty cells are published as 1–4
        Assert.InRange(secretChanges, 1, total); // another secret, other values
    }

    [Fact]
    public void The_public_note_names_the_tables_largest_noise()
    {
        Assert.Contains($"±{CellKeyPerturbation.MaxNoise},", Disclosure.Text, StringComparison.Ordinal);
        Assert.Contains($"±{CellKeyPerturbation.MaxNoise},", Disclosure.LegendLine, StringComparison.Ordinal);
        Assert.Equal(CellKeyPerturbation.MaxNoise, Disclosure.Note["max_noise"]);
    }
}
