namespace GeoOrs.Analysis.Spatial;

/// <summary>An order on item ids, for <see cref="Selection"/>.</summary>
internal interface IOrderOfIds
{
    /// <summary>Whether item <paramref name="a"/> comes strictly before item <paramref name="b"/>.</summary>
    bool Before(int a, int b);
}

/// <summary>
/// Hoare's selection (C. A. R. Hoare, <i>Algorithm 65: FIND</i>, CACM 4(7), 1961): rearranges a range
/// of item ids so that position k holds the id a full sort would put there, the ids before it not
/// after it in the order and those after it not before it, in O(n) expected comparisons. The order
/// is a struct, so each comparison is inlined rather than called through a delegate.
/// </summary>
internal static class Selection
{
    /// <summary>Partially sorts <paramref name="ids"/>[<paramref name="lo"/>..<paramref name="hi"/>] (inclusive) about position <paramref name="k"/>.</summary>
    /// <typeparam name="TOrder">The order.</typeparam>
    /// <param name="ids">The item ids.</param>
    /// <param name="lo">The range's first position.</param>
    /// <param name="hi">The range's last position.</param>
    /// <param name="k">The position to settle.</param>
    /// <param name="order">The order.</param>
    public static void Select<TOrder>(int[] ids, int lo, int hi, int k, TOrder order)
        where TOrder : struct, IOrderOfIds
    {
        while (hi > lo)
        {
            var pivot = ids[lo + ((hi - lo) / 2)];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (order.Before(ids[i], pivot))
                {
                    i++;
                }

                while (order.Before(pivot, ids[j]))
                {
                    j--;
                }

                if (i <= j)
                {
                    (ids[i], ids[j]) = (ids[j], ids[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return;
            }
        }
    }
}
