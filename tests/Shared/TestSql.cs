using Npgsql;

namespace GeoOrs.Tests;

/// <summary>Statements the tests run on a database directly (set-up, checks), outside GeoOrs's own code.</summary>
internal static class TestSql
{
    /// <summary>Runs <paramref name="sql"/> with no command timeout (a migration or a recount may be long).</summary>
    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>, its parameters <c>$1</c>, <c>$2</c>, … taken from <paramref name="values"/>.</summary>
    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}
