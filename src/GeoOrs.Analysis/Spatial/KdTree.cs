namespace GeoOrs.Analysis.Spatial;

/// <summary>
/// A static two-dimensional k-d tree (Bentley, <i>Multidimensional binary search trees used for
/// associative searching</i>, CACM 18(9), 1975) over points, for k-nearest-neighbour and fixed-radius
/// queries with exact tie handling: among points at equal distance the lower index comes first.
/// </summary>
/// <remarks>
/// The tree is implicit: a permutation of the point indices where the median of each range is the
/// node, the lower half its left subtree and the upper half its right subtree, split on the axis of
/// larger extent. Building costs O(n log n), a query O(log n + output) for well-spread points.
/// </remarks>
internal sealed class KdTree
{
    private const int LeafSize = 8;

    private readonly double[] _x;
    private readonly double[] _y;
    private readonly int[] _order;
    private readonly byte[] _axis; // split axis of the node at each position: 0 = x, 1 = y

    public KdTree(IReadOnlyList<(double X, double Y)> points)
        : this(Coordinates(points))
    {
    }

    /// <summary>A tree over the points (x[i], y[i]) that keeps the two arrays (not copied; the caller has checked them and must not change them).</summary>
    public KdTree(double[] x, double[] y)
        : this((x, y))
    {
    }

    private KdTree((double[] X, double[] Y) coordinates)
    {
        (_x, _y) = coordinates;
        if (_x.Length != _y.Length)
        {
            throw new ArgumentException("The coordinate arrays differ in length.", nameof(coordinates));
        }

        int n = _x.Length;
        _order = new int[n];
        for (int i = 0; i < n; i++)
        {
            _order[i] = i;
        }

        _axis = new byte[n];
        Build(0, n);
    }

    public int Count => _x.Length;

    /// <summary>
    /// Writes the k points nearest to point <paramref name="query"/> (itself excluded) into
    /// <paramref name="result"/>, ordered by distance then index.
    /// </summary>
    public void Nearest(int query, int k, Span<int> result)
    {
        var heap = new NeighborHeap(k);
        SearchNearest(0, Count, _x[query], _y[query], query, ref heap);
        heap.DrainSorted(result);
    }

    /// <summary>Adds to <paramref name="result"/> every point other than <paramref name="query"/> within squared distance <paramref name="radiusSquared"/> (inclusive).</summary>
    public void WithinRadius(int query, double radiusSquared, List<int> result) =>
        SearchRadius(0, Count, _x[query], _y[query], query, radiusSquared, result);

    /// <summary>
    /// Counts the points other than <paramref name="query"/> within squared distance
    /// <paramref name="radiusSquared"/> (inclusive), stopping once the count reaches
    /// <paramref name="stopAt"/> (the result is then at least <paramref name="stopAt"/>).
    /// </summary>
    public long CountWithinRadius(int query, double radiusSquared, long stopAt)
    {
        long count = 0;
        CountRadius(0, Count, _x[query], _y[query], query, radiusSquared, stopAt, ref count);
        return count;
    }

    /// <summary>As <see cref="CountWithinRadius(int, double, long)"/>, around a location (x, y) that need not be one of the points.</summary>
    public long CountWithinRadius(double x, double y, double radiusSquared, long stopAt)
    {
        long count = 0;
        CountRadius(0, Count, x, y, -1, radiusSquared, stopAt, ref count);
        return count;
    }

    /// <summary>Adds to <paramref name="result"/> every point within squared distance <paramref name="radiusSquared"/> (inclusive) of the location (x, y), which need not be one of the points.</summary>
    public void WithinRadius(double x, double y, double radiusSquared, List<int> result) =>
        SearchRadius(0, Count, x, y, -1, radiusSquared, result);

    private static (double[] X, double[] Y) Coordinates(IReadOnlyList<(double X, double Y)> points)
    {
        int n = points.Count;
        var xs = new double[n];
        var ys = new double[n];
        for (int i = 0; i < n; i++)
        {
            var (x, y) = points[i];
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                throw new ArgumentException($"Point {i} has a coordinate that is not a finite number.", nameof(points));
            }

            xs[i] = x;
            ys[i] = y;
        }

        return (xs, ys);
    }

    private void Build(int lo, int hi)
    {
        while (hi - lo > LeafSize)
        {
            double minX = double.PositiveInfinity, maxX = double.NegativeInfinity;
            double minY = double.PositiveInfinity, maxY = double.NegativeInfinity;
            for (int p = lo; p < hi; p++)
            {
                int i = _order[p];
                minX = Math.Min(minX, _x[i]);
                maxX = Math.Max(maxX, _x[i]);
                minY = Math.Min(minY, _y[i]);
                maxY = Math.Max(maxY, _y[i]);
            }

            byte axis = maxX - minX >= maxY - minY ? (byte)0 : (byte)1;
            int mid = lo + ((hi - lo) / 2);
            Select(lo, hi - 1, mid, axis == 0 ? _x : _y);
            _axis[mid] = axis;
            Build(lo, mid);
            lo = mid + 1;
        }
    }

    /// <summary>Partially sorts _order[lo..hi] (inclusive) so that position k holds the k-th smallest key (<see cref="Selection"/>).</summary>
    private void Select(int lo, int hi, int k, double[] key) => Selection.Select(_order, lo, hi, k, new ByKey(key));

    /// <summary>Points by one coordinate.</summary>
    private readonly struct ByKey(double[] key) : IOrderOfIds
    {
        public bool Before(int a, int b) => key[a] < key[b];
    }

    private void SearchNearest(int lo, int hi, double qx, double qy, int query, ref NeighborHeap heap)
    {
        if (hi - lo <= LeafSize)
        {
            for (int p = lo; p < hi; p++)
            {
                Offer(_order[p], qx, qy, query, ref heap);
            }

            return;
        }

        int mid = lo + ((hi - lo) / 2);
        int node = _order[mid];
        double delta = _axis[mid] == 0 ? qx - _x[node] : qy - _y[node];
        Offer(node, qx, qy, query, ref heap);
        if (delta < 0)
        {
            SearchNearest(lo, mid, qx, qy, query, ref heap);
            if (!heap.IsFull || delta * delta <= heap.WorstDistance)
            {
                SearchNearest(mid + 1, hi, qx, qy, query, ref heap);
            }
        }
        else
        {
            SearchNearest(mid + 1, hi, qx, qy, query, ref heap);
            if (!heap.IsFull || delta * delta <= heap.WorstDistance)
            {
                SearchNearest(lo, mid, qx, qy, query, ref heap);
            }
        }
    }

    private void Offer(int i, double qx, double qy, int query, ref NeighborHeap heap)
    {
        if (i != query)
        {
            double dx = _x[i] - qx, dy = _y[i] - qy;
            heap.Offer((dx * dx) + (dy * dy), i);
        }
    }

    private void SearchRadius(int lo, int hi, double qx, double qy, int query, double r2, List<int> result)
    {
        while (true)
        {
            if (hi - lo <= LeafSize)
            {
                for (int p = lo; p < hi; p++)
                {
                    AddIfWithin(_order[p], qx, qy, query, r2, result);
                }

                return;
            }

            int mid = lo + ((hi - lo) / 2);
            int node = _order[mid];
            double delta = _axis[mid] == 0 ? qx - _x[node] : qy - _y[node];
            AddIfWithin(node, qx, qy, query, r2, result);
            bool far = delta * delta <= r2;
            if (delta < 0)
            {
                if (far)
                {
                    SearchRadius(mid + 1, hi, qx, qy, query, r2, result);
                }

                hi = mid;
            }
            else
            {
                if (far)
                {
                    SearchRadius(lo, mid, qx, qy, query, r2, result);
                }

                lo = mid + 1;
            }
        }
    }

    private void CountRadius(int lo, int hi, double qx, double qy, int query, double r2, long stopAt, ref long count)
    {
        while (count < stopAt)
        {
            if (hi - lo <= LeafSize)
            {
                for (int p = lo; p < hi; p++)
                {
                    count += IsWithin(_order[p], qx, qy, query, r2) ? 1 : 0;
                }

                return;
            }

            int mid = lo + ((hi - lo) / 2);
            int node = _order[mid];
            double delta = _axis[mid] == 0 ? qx - _x[node] : qy - _y[node];
            count += IsWithin(node, qx, qy, query, r2) ? 1 : 0;
            bool far = delta * delta <= r2;
            if (delta < 0)
            {
                if (far)
                {
                    CountRadius(mid + 1, hi, qx, qy, query, r2, stopAt, ref count);
                }

                hi = mid;
            }
            else
            {
                if (far)
                {
                    CountRadius(lo, mid, qx, qy, query, r2, stopAt, ref count);
                }

                lo = mid + 1;
            }
        }
    }

    private bool IsWithin(int i, double qx, double qy, int query, double r2)
    {
        if (i == query)
        {
            return false;
        }

        double dx = _x[i] - qx, dy = _y[i] - qy;
        return (dx * dx) + (dy * dy) <= r2;
    }

    private void AddIfWithin(int i, double qx, double qy, int query, double r2, List<int> result)
    {
        if (i != query)
        {
            double dx = _x[i] - qx, dy = _y[i] - qy;
            if ((dx * dx) + (dy * dy) <= r2)
            {
                result.Add(i);
            }
        }
    }

    /// <summary>A bounded max-heap of (squared distance, index) keeping the k smallest pairs in lexicographic order.</summary>
    private struct NeighborHeap
    {
        private readonly double[] _distance;
        private readonly int[] _index;
        private int _count;

        public NeighborHeap(int capacity)
        {
            _distance = new double[capacity];
            _index = new int[capacity];
        }

        public readonly bool IsFull => _count == _index.Length;

        public readonly double WorstDistance => _distance[0];

        public void Offer(double distance, int index)
        {
            if (_count < _index.Length)
            {
                int c = _count++;
                _distance[c] = distance;
                _index[c] = index;
                SiftUp(c);
            }
            else if (Worse(_distance[0], _index[0], distance, index))
            {
                _distance[0] = distance;
                _index[0] = index;
                SiftDown(0, _count);
            }
        }

        /// <summary>Empties the heap into <paramref name="result"/>, nearest first.</summary>
        public void DrainSorted(Span<int> result)
        {
            for (int end = _count - 1; end >= 0; end--)
            {
                result[end] = _index[0];
                Swap(0, end);
                SiftDown(0, end);
            }

            _count = 0;
        }

        /// <summary>Whether (d1, i1) comes after (d2, i2): farther, or as far with a higher index.</summary>
        private static bool Worse(double d1, int i1, double d2, int i2) => d1 > d2 || (d1 == d2 && i1 > i2);

        private readonly void SiftUp(int c)
        {
            while (c > 0)
            {
                int parent = (c - 1) / 2;
                if (!Worse(_distance[c], _index[c], _distance[parent], _index[parent]))
                {
                    return;
                }

                Swap(c, parent);
                c = parent;
            }
        }

        private readonly void SiftDown(int c, int count)
        {
            while (true)
            {
                int largest = c, left = (2 * c) + 1, right = left + 1;
                if (left < count && Worse(_distance[left], _index[left], _distance[largest], _index[largest]))
                {
                    largest = left;
                }

                if (right < count && Worse(_distance[right], _index[right], _distance[largest], _index[largest]))
                {
                    largest = right;
                }

                if (largest == c)
                {
                    return;
                }

                Swap(c, largest);
                c = largest;
            }
        }

        private readonly void Swap(int a, int b)
        {
            (_distance[a], _distance[b]) = (_distance[b], _distance[a]);
            (_index[a], _index[b]) = (_index[b], _index[a]);
        }
    }
}
