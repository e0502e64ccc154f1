namespace GeoOrs.Data.Ingest;

/// <summary>
/// The partial sums of a batch's tally, written to temporary files in key order whenever the tally
/// in memory is full, and merged back at the end of the batch (an external merge sort: Knuth, TAOCP
/// vol. 3, §5.4.1, a k-way merge of sorted runs through a priority queue). The database then gets
/// each key once and inserts the sums as they are, instead of adding up the same key's partial sums
/// from many flushes — which, for a batch in random time order, cost as much as the inserts
/// themselves. Memory stays bounded by the tally's own limit; the files go when this is disposed.
/// </summary>
/// <typeparam name="TKey">The tally's key.</typeparam>
/// <typeparam name="TValue">The sums of a key.</typeparam>
/// <param name="order">The keys' order.</param>
/// <param name="write">Writes one key and its sums.</param>
/// <param name="read">Reads one key and its sums.</param>
/// <param name="add">Adds the second sums to the first and returns the total (it may reuse the first).</param>
internal sealed class SpilledRuns<TKey, TValue>(
    IComparer<TKey> order,
    Action<BinaryWriter, TKey, TValue> write,
    Func<BinaryReader, KeyValuePair<TKey, TValue>> read,
    Func<TValue, TValue, TValue> add) : IDisposable
    where TKey : notnull
{
    private const int BufferBytes = 1 << 16;
    private readonly List<(string Path, int Count)> _runs = [];

    /// <summary>How many runs are on disk.</summary>
    public int Runs => _runs.Count;

    /// <summary>The runs' files.</summary>
    public IEnumerable<string> Files => _runs.Select(run => run.Path);

    /// <summary>Writes the tally in key order to a run of its own and empties it.</summary>
    /// <param name="pending">The tally.</param>
    public void Spill(Dictionary<TKey, TValue> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (pending.Count == 0)
        {
            return;
        }

        var keys = SortedKeys(pending);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"geoors-tally-{Guid.NewGuid():N}.run");
        _runs.Add((path, keys.Length)); // before the file exists: Dispose removes it whatever happens next
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes))
        using (var writer = new BinaryWriter(stream))
        {
            foreach (var key in keys)
            {
                write(writer, key, pending[key]);
            }
        }

        pending.Clear();
    }

    /// <summary>
    /// Every key spilled or still in <paramref name="pending"/>, once, with its sums added up, in key
    /// order. <paramref name="pending"/> is emptied once all are read.
    /// </summary>
    /// <param name="pending">The tally's last part, still in memory.</param>
    /// <returns>The keys and their sums.</returns>
    public IEnumerable<KeyValuePair<TKey, TValue>> Merge(Dictionary<TKey, TValue> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var sources = new List<IEnumerator<KeyValuePair<TKey, TValue>>>(_runs.Count + 1);
        try
        {
            sources.AddRange(_runs.Select(run => ReadRun(run.Path, run.Count).GetEnumerator()));
            var last = SortedKeys(pending);
            sources.Add(last.Select(key => new KeyValuePair<TKey, TValue>(key, pending[key])).GetEnumerator());

            var queue = new PriorityQueue<int, TKey>(sources.Count, order);
            for (var i = 0; i < sources.Count; i++)
            {
                if (sources[i].MoveNext())
                {
                    queue.Enqueue(i, sources[i].Current.Key);
                }
            }

            while (queue.TryDequeue(out var source, out var key))
            {
                var sums = sources[source].Current.Value;
                if (sources[source].MoveNext())
                {
                    queue.Enqueue(source, sources[source].Current.Key);
                }

                while (queue.TryPeek(out var next, out var nextKey) && order.Compare(nextKey, key) == 0)
                {
                    queue.Dequeue();
                    sums = add(sums, sources[next].Current.Value);
                    if (sources[next].MoveNext())
                    {
                        queue.Enqueue(next, sources[next].Current.Key);
                    }
                }

                yield return new KeyValuePair<TKey, TValue>(key, sums);
            }

            pending.Clear();
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }
    }

    /// <summary>Removes the runs' files.</summary>
    public void Dispose()
    {
        foreach (var (path, _) in _runs)
        {
            File.Delete(path); // no error when it is not there
        }

        _runs.Clear();
    }

    /// <summary>The tally's keys in order (the keys only: a fraction of the entries' memory).</summary>
    private TKey[] SortedKeys(Dictionary<TKey, TValue> pending)
    {
        var keys = pending.Keys.ToArray();
        Array.Sort(keys, order);
        return keys;
    }

    private IEnumerable<KeyValuePair<TKey, TValue>> ReadRun(string path, int count)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes / 4);
        using var reader = new BinaryReader(stream);
        for (var i = 0; i < count; i++)
        {
            yield return read(reader);
        }
    }
}
