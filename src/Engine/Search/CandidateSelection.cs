namespace Engine.Search;

/// <summary>
/// The approximate scan's per-query state: the k best approximate scores so far (a min-heap, a_k at the root),
/// the bound B, and every row whose approximate score reached <c>a_k − 2B</c> when it was seen. a_k only rises,
/// so the rows kept are a superset of those that reach the final <c>a_k − 2B</c>; <see cref="Final"/> filters them.
/// </summary>
internal sealed class CandidateSelection
{
    private readonly int _k;
    private readonly float[] _heap;
    private readonly int[] _counts;
    private readonly double[] _bounds;
    private readonly List<(int Row, float Score)>[] _candidates;

    public CandidateSelection(int queries, int k)
    {
        _k = k;
        _heap = new float[(long)queries * k];
        _counts = new int[queries];
        _bounds = new double[queries];
        _candidates = new List<(int, float)>[queries];
        for (int i = 0; i < queries; i++)
            _candidates[i] = [];
        Thresholds = new float[queries];
        Thresholds.AsSpan().Fill(float.NegativeInfinity);
    }

    /// <summary>Approximate scores strictly below this are not candidates: a float at or below <c>a_k − 2B</c>.</summary>
    public float[] Thresholds { get; }

    public void SetBound(int query, double bound) => _bounds[query] = bound;

    public void Offer(int query, float score, int row)
    {
        if (score < Thresholds[query])
            return;
        _candidates[query].Add((row, score));
        var heap = _heap.AsSpan(query * _k, _k);
        int count = _counts[query];
        if (count < _k)
        {
            int i = count++;
            while (i > 0 && heap[(i - 1) >> 1] > score)
            {
                heap[i] = heap[(i - 1) >> 1];
                i = (i - 1) >> 1;
            }
            heap[i] = score;
            _counts[query] = count;
        }
        else if (score > heap[0])
        {
            int at = 0;
            while (true)
            {
                int child = 2 * at + 1;
                if (child >= _k)
                    break;
                if (child + 1 < _k && heap[child + 1] < heap[child])
                    child++;
                if (heap[child] >= score)
                    break;
                heap[at] = heap[child];
                at = child;
            }
            heap[at] = score;
        }
        else
            return;
        if (count == _k)
            Thresholds[query] = RoundDown(heap[0] - 2 * _bounds[query]);
    }

    /// <summary>The rows that can be in the exact top k: approximate score ≥ a_k − 2B (all rows seen when fewer than k).</summary>
    public IEnumerable<int> Final(int query)
    {
        double floor = _counts[query] < _k ? double.NegativeInfinity : _heap[query * _k] - 2 * _bounds[query];
        foreach (var (row, score) in _candidates[query])
        {
            if (score >= floor)
                yield return row;
        }
    }

    /// <summary>The largest float not above <paramref name="value"/>, so a float compare keeps every row the real compare keeps.</summary>
    private static float RoundDown(double value)
    {
        float f = (float)value;
        return f > value ? MathF.BitDecrement(f) : f;
    }
}
