using System.Numerics;

namespace Engine.Search;

/// <summary>
/// The prefilter scan's per-query state for one block of queries, reused from block to block by one worker. Each
/// (query, row) pair it is offered has its own bound <c>B_qr</c> (<see cref="Int8Errors.Bound"/>), so the pair's
/// exact score lies in <c>[a − B_qr, a + B_qr]</c> around its approximate score a. A selection of the same kind as
/// the exact one (k rows, or k distinct identities) is fed the lower ends: its threshold L, the k-th best lower end,
/// is at most the exact score of k rows (k identities' rows). A row whose upper end is below L cannot change the
/// exact result; every other row is a candidate. L only rises, so the rows kept are a superset of those whose upper
/// end reaches the final L, and <see cref="FinalPairs"/> filters them. A query whose candidates exceed the cap stops
/// collecting: it is <see cref="Overflowed"/>, to be searched exactly.
/// </summary>
internal sealed unsafe class CandidateSelection<TSelection> where TSelection : ISelection, IThresholds
{
    private readonly Int8Errors[] _rowErrors;
    private readonly int _dimension;
    private readonly int _maxCandidates;
    private readonly Int8Errors.QueryBound[] _queryBounds;
    private readonly double[] _widestBounds;
    private readonly int[] _counts;
    private Candidate[] _candidates = new Candidate[1024];
    private int _length;
    private long[] _pairs = [];
    private TSelection? _lowerEnds;
    private float[] _floors = [];

    /// <param name="store">The int8 rows: their errors give each pair's bound.</param>
    /// <param name="queries">Most queries in a block.</param>
    /// <param name="maxCandidates">Candidates a query may collect before it overflows.</param>
    public CandidateSelection(Int8PanelStore store, int queries, int maxCandidates)
    {
        _rowErrors = store.RowErrors;
        _dimension = store.Dimension;
        _maxCandidates = maxCandidates;
        _queryBounds = new Int8Errors.QueryBound[queries];
        _widestBounds = new double[queries];
        _counts = new int[queries];
        Thresholds = new float[queries];
        NegatedBelows = new float[queries];
    }

    /// <summary>
    /// The scan's screen: approximate scores strictly below this are not offered, a float at or below
    /// <c>L − max_r B_qr</c>, so every row that can be a candidate passes it (+∞ for padding and overflowed queries).
    /// </summary>
    public float[] Thresholds { get; }

    /// <summary>
    /// What the tile's screen compares with (<c>CosineTopKInt8.Passing</c>): −t⁻, minus the float below each
    /// query's threshold t, kept with the thresholds so that the tiles, far more than the changes, do no rounding.
    /// </summary>
    public float[] NegatedBelows { get; }

    /// <summary>Starts a block of <paramref name="queries"/> queries whose lower ends go to <paramref name="lowerEnds"/>.</summary>
    public void Start(TSelection lowerEnds, int queries)
    {
        _lowerEnds = lowerEnds;
        _floors = lowerEnds.Thresholds;
        _length = 0;
        _counts.AsSpan(0, queries).Clear();
        Thresholds.AsSpan(0, queries).Fill(float.NegativeInfinity);
        NegatedBelows.AsSpan(0, queries).Fill(CosineTopKInt8.NegatedBelow(float.NegativeInfinity));
        // Padding queries start overflowed: never offered a row, even a +∞ score.
        _counts.AsSpan(queries).Fill(_maxCandidates + 1);
        Thresholds.AsSpan(queries).Fill(float.PositiveInfinity);
        NegatedBelows.AsSpan(queries).Fill(CosineTopKInt8.NegatedBelow(float.PositiveInfinity));
    }

    /// <summary>Sets a query's errors; <paramref name="widestBound"/> is its bound with the rows' maxima, at least every B_qr.</summary>
    public void SetQuery(int query, in Int8Errors errors, double widestBound)
    {
        _queryBounds[query] = new Int8Errors.QueryBound(errors, _dimension);
        _widestBounds[query] = widestBound;
    }

    /// <summary>True when the query's candidates passed the cap: its candidates are dropped.</summary>
    public bool Overflowed(int query) => _counts[query] > _maxCandidates;

    /// <summary>
    /// Offers the rows of <paramref name="lanes"/> (bits of a panel's 64 lanes, from <paramref name="rowBase"/>) with
    /// their approximate scores (<see cref="CosineTopKInt8.Score"/> of <paramref name="dots"/>) to one query.
    /// </summary>
    public void Offer(int query, ulong lanes, int rowBase, int* dots, CosineTopKInt8.TileScreen screen, float queryScale)
    {
        ref float threshold = ref Thresholds[query];
        ref int count = ref _counts[query];
        ref readonly var queryBound = ref _queryBounds[query];
        float floor = _floors[query];
        while (lanes != 0)
        {
            int lane = BitOperations.TrailingZeroCount(lanes);
            lanes &= lanes - 1;
            float score = CosineTopKInt8.Score(dots, screen, queryScale, lane);
            // The tile screened with the threshold it started with; it may have risen since (at the first panel,
            // from −∞), and checking it costs less than the bound.
            if (score < threshold)
                continue;
            int row = rowBase + lane;
            // The ends in double: their 2⁻⁵³ relative rounding is far below B's exact-rounding term (≥ u·|a|), so
            // they compare with floats as the real ends would; only the lower end offered is rounded, downwards.
            double bound = queryBound.Of(_rowErrors[row]);
            double upper = score + bound;
            if (upper < floor)
                continue;
            if (++count > _maxCandidates)
            {
                threshold = float.PositiveInfinity;
                NegatedBelows[query] = CosineTopKInt8.NegatedBelow(threshold);
                return;
            }
            if (_length == _candidates.Length)
                Array.Resize(ref _candidates, 2 * _length);
            _candidates[_length++] = new Candidate(row, query, upper);
            double lower = score - bound;
            if (lower >= floor)
            {
                _lowerEnds!.Offer(query, Int8Errors.RoundDown(lower), row);
                // Often L stays (a row of an identity already held, and no better): nothing to round again.
                if (_floors[query] != floor)
                {
                    floor = _floors[query];
                    threshold = Int8Errors.RoundDown(floor - _widestBounds[query]);
                    NegatedBelows[query] = CosineTopKInt8.NegatedBelow(threshold);
                }
            }
        }
    }

    /// <summary>
    /// The (row, query) pairs that can change the exact result, row in the high 32 bits: the candidates of queries
    /// that did not overflow whose upper end reaches the final L; for groups (<see cref="IGroupedSelection"/>), less
    /// those whose upper end is below the lower end their own group holds: they score exactly below a row of their
    /// group, so they are not its best row, and that row (its lower end at least L) is kept. In the order offered, so
    /// by panel: each float panel's pairs come together.
    /// </summary>
    public ReadOnlySpan<long> FinalPairs()
    {
        if (_pairs.Length < _length)
            _pairs = new long[Math.Max(_length, 2 * _pairs.Length)];
        var groups = _lowerEnds as IGroupedSelection;
        int count = 0;
        foreach (var c in _candidates.AsSpan(0, _length))
        {
            if (c.Upper >= _floors[c.Query] && !Overflowed(c.Query) && groups?.HoldsGroupAbove(c.Query, c.Row, c.Upper) != true)
                _pairs[count++] = ((long)c.Row << 32) | (uint)c.Query;
        }
        return _pairs.AsSpan(0, count);
    }

    private readonly record struct Candidate(int Row, int Query, double Upper);
}
