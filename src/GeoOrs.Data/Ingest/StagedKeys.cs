namespace GeoOrs.Data.Ingest;

/// <summary>
/// The keys a batch has moved into a staging table so far, so that each staged row can say whether
/// its key was staged before (<c>again</c>). The batch's merge then takes the rows staged first as
/// they are and adds up only the rows staged again — few when a batch is in time order, as exports
/// are — instead of grouping every staged row. Past <paramref name="capacity"/> keys the set stops
/// growing and every row whose key it does not hold counts as staged again, which is always correct
/// (the rows staged first keep unique keys) and keeps the memory of a huge batch bounded.
/// </summary>
/// <typeparam name="TKey">The staging table's key.</typeparam>
/// <param name="capacity">The most keys remembered.</param>
internal sealed class StagedKeys<TKey>(int capacity)
    where TKey : notnull
{
    private readonly HashSet<TKey> _seen = [];

    /// <summary>Whether any row has been staged again (the merge must add rows up).</summary>
    public bool AnyAgain { get; private set; }

    /// <summary>Records a key as staged; true when it certainly had not been staged before.</summary>
    public bool First(TKey key)
    {
        var first = _seen.Count < capacity && _seen.Add(key);
        AnyAgain |= !first;
        return first;
    }
}
