using Npgsql;

namespace GeoOrs.Data.Jobs;

/// <summary>
/// Keeps a job from running twice at once across every process on the database: a PostgreSQL
/// session advisory lock named after the job, held on a connection of its own for as long as the
/// run lasts. PostgreSQL releases it when that session ends, so a process that dies (SIGKILL, a
/// lost host once its connection is dropped) frees it at once, and a run of any length keeps it:
/// there is no timeout after which a second run could take it over (docs/adr/0013-hangfire-jobs.md).
/// </summary>
public sealed class JobRunLock : IAsyncDisposable
{
    /// <summary>The first key of every job lock (the second is the job name's hash): "GeoO".</summary>
    private const int Space = 0x47656f4f;

    private readonly NpgsqlConnection _connection;
    private readonly string _job;

    private JobRunLock(NpgsqlConnection connection, string job)
    {
        _connection = connection;
        _job = job;
    }

    /// <summary>Waits until no other process runs <paramref name="job"/>, then holds its lock.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="job">The job's name.</param>
    /// <param name="poll">How often to look again while another process holds it.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public static async Task<JobRunLock> AcquireAsync(NpgsqlDataSource dataSource, string job, TimeSpan poll, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", connection))
                {
                    command.Parameters.AddWithValue(Space);
                    command.Parameters.AddWithValue(job);
                    if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                    {
                        return new JobRunLock(connection, job);
                    }
                }

                await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Releases the lock and the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, hashtext($2))", _connection);
            command.Parameters.AddWithValue(Space);
            command.Parameters.AddWithValue(_job);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // the session is gone, and the lock with it
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
