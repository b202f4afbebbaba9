namespace Engine.Search;

/// <summary>
/// The prefilter scan's per-query state: an approximate selection (the same kind as the exact one, fed approximate
/// scores), the bound B, and every row whose approximate score reached <c>a_k − 2B</c> when it was seen, where a_k
/// is the approximate selection's threshold (the k-th best row's, or the k-th best identity's, approximate score).
/// a_k only rises, so the rows kept are a superset of those that reach the final <c>a_k − 2B</c>;
/// <see cref="Final"/> filters them. A query whose candidates exceed the cap stops collecting: it is
/// <see cref="Overflowed"/>, to be searched exactly.
/// </summary>
internal sealed class CandidateSelection<TSelection> where TSelection : ISelection, IThresholds
{
    private readonly TSelection _approximate;
    private readonly int _maxCandidates;
    private readonly double[] _bounds;
    private readonly List<(int Row, float Score)>[] _candidates;
    private readonly bool[] _overflowed;

    /// <param name="approximate">A selection for the block's queries, fed the approximate scores.</param>
    /// <param name="queries">Queries in the block.</param>
    /// <param name="maxCandidates">Candidates a query may collect before it overflows.</param>
    public CandidateSelection(TSelection approximate, int queries, int maxCandidates)
    {
        _approximate = approximate;
        _maxCandidates = maxCandidates;
        _bounds = new double[queries];
        _candidates = new List<(int, float)>[queries];
        for (int i = 0; i < queries; i++)
            _candidates[i] = [];
        _overflowed = new bool[queries];
        Thresholds = new float[queries];
        Thresholds.AsSpan().Fill(float.NegativeInfinity);
    }

    /// <summary>Approximate scores strictly below this are not candidates: a float at or below <c>a_k − 2B</c>.</summary>
    public float[] Thresholds { get; }

    public void SetBound(int query, double bound) => _bounds[query] = bound;

    /// <summary>True when the query's candidates passed the cap: its candidates are dropped.</summary>
    public bool Overflowed(int query) => _overflowed[query];

    public void Offer(int query, float score, int row)
    {
        if (score < Thresholds[query])
            return;
        var candidates = _candidates[query];
        if (candidates.Count == _maxCandidates)
        {
            _overflowed[query] = true;
            Thresholds[query] = float.PositiveInfinity;
            candidates.Clear();
            candidates.TrimExcess();
            return;
        }
        candidates.Add((row, score));
        if (score >= _approximate.Threshold(query))
        {
            _approximate.Offer(query, score, row);
            Thresholds[query] = RoundDown(_approximate.Threshold(query) - 2 * _bounds[query]);
        }
    }

    /// <summary>The rows that can change the exact result: approximate score ≥ the final <c>a_k − 2B</c> (every row seen while a_k is −∞).</summary>
    public IEnumerable<int> Final(int query)
    {
        float floor = Thresholds[query];
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
