namespace GeoOrs.Data;

/// <summary>
/// One value built from a source's data and kept for as long as the data's version stays the same
/// (the county index and areas, built once per boundary load). The version is asked on every call,
/// which is cheap; the value is built again only when the version has changed, by one caller at a
/// time, while the others wait and then take what it built.
/// </summary>
/// <typeparam name="TSource">Where the version and the data are read (the database).</typeparam>
/// <typeparam name="T">What is built.</typeparam>
/// <param name="versionOf">Reads the data's current version.</param>
/// <param name="build">Builds the value of a version.</param>
internal sealed class VersionedCache<TSource, T>(
    Func<TSource, CancellationToken, Task<long>> versionOf, Func<TSource, long, CancellationToken, Task<T>> build)
    where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Entry? _current;

    /// <summary>The value for the source's current version, built when the one kept is of another version (or none is).</summary>
    /// <param name="source">Where the version and the data are read.</param>
    /// <param name="cancellationToken">Cancels the reads and the build.</param>
    /// <returns>The value.</returns>
    public async Task<T> GetAsync(TSource source, CancellationToken cancellationToken = default)
    {
        var version = await versionOf(source, cancellationToken).ConfigureAwait(false);
        if (_current is { } current && current.Version == version)
        {
            return current.Value;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } built && built.Version == version)
            {
                return built.Value;
            }

            var value = await build(source, version, cancellationToken).ConfigureAwait(false);
            _current = new Entry(version, value);
            return value;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A value and its version, replaced together (one reference written at once).</summary>
    private sealed record Entry(long Version, T Value);
}
