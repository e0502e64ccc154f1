namespace GeoOrs.Data.Tests;

/// <summary>
/// The cache behind the county index and areas: one build per version, a new build when the version
/// changes, and callers that find it stale at the same time waiting for one build, not making their own.
/// </summary>
public class VersionedCacheTests
{
    /// <summary>A source whose version a test sets, counting the builds made from it.</summary>
    private sealed class Source
    {
        public long Version;
        public int Builds;
        public TaskCompletionSource? Gate;
    }

    private static VersionedCache<Source, string> Cache() => new(
        (source, _) => Task.FromResult(source.Version),
        async (source, version, _) =>
        {
            Interlocked.Increment(ref source.Builds);
            if (source.Gate is { } gate)
            {
                await gate.Task;
            }

            return $"built from {version}";
        });

    [Fact]
    public async Task Same_version_is_built_once_and_a_new_version_again()
    {
        var source = new Source { Version = 1 };
        var cache = Cache();

        var first = await cache.GetAsync(source);
        var second = await cache.GetAsync(source);
        Assert.Equal("built from 1", first);
        Assert.Same(first, second);
        Assert.Equal(1, source.Builds);

        source.Version = 2;
        Assert.Equal("built from 2", await cache.GetAsync(source));
        Assert.Equal(2, source.Builds);
    }

    [Fact]
    public async Task Callers_that_find_it_stale_together_share_one_build()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source { Version = 7, Gate = gate };
        var cache = Cache();

        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => cache.GetAsync(source))).ToList();
        while (Volatile.Read(ref source.Builds) == 0)
        {
            await Task.Delay(5);
        }

        gate.SetResult();
        var values = await Task.WhenAll(callers);
        Assert.All(values, v => Assert.Same(values[0], v));
        Assert.Equal(1, source.Builds);
    }
}
