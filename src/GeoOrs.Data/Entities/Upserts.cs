using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GeoOrs.Data.Entities;

/// <summary>
/// Setting a row that may or may not exist, with LINQ: update it where it is, else add it. Two
/// callers adding the same key at once: the second insert meets the first's key and becomes an update.
/// </summary>
public static class Upserts
{
    /// <summary>Runs <paramref name="update"/>; when it changed no row, adds <paramref name="create"/>'s entity.</summary>
    /// <typeparam name="T">The entity.</typeparam>
    /// <param name="db">The context.</param>
    /// <param name="update">The update (an <c>ExecuteUpdateAsync</c>), returning the rows it changed.</param>
    /// <param name="create">The entity to add when no row was there.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>Whether the row was added (rather than updated).</returns>
    public static async Task<bool> UpdateOrAddAsync<T>(
        this GeoOrsDbContext db, Func<CancellationToken, Task<int>> update, Func<T> create, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(create);
        for (var attempt = 0; ; attempt++)
        {
            if (await update(cancellationToken).ConfigureAwait(false) > 0)
            {
                return false;
            }

            var entry = db.Add(create());
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                entry.State = EntityState.Detached;
                return true;
            }
            catch (DbUpdateException e) when (attempt == 0 && IsUniqueViolation(e))
            {
                entry.State = EntityState.Detached;
            }
        }
    }

    /// <summary>Whether saving failed on a unique key another transaction took first.</summary>
    /// <param name="e">The failure.</param>
    /// <returns>Whether it is a unique violation.</returns>
    public static bool IsUniqueViolation(DbUpdateException e) =>
        e?.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
