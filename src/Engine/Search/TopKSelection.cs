using System.Runtime.CompilerServices;

namespace Engine.Search;

/// <summary>
/// The k best rows of each query of a block: one binary heap per query with the worst kept result at the root,
/// so a candidate costs one comparison unless it enters. Exact ties are broken by id (<see cref="ResultOrder"/>),
/// so the result does not depend on the order rows are scanned in or on how the scan is split across threads.
/// </summary>
internal sealed class TopKSelection : ISelection, IThresholds
{
    private readonly int _k;
    private readonly float[] _scores;
    private readonly long[] _ids;
    private readonly int[] _counts;
    private readonly float[] _thresholds;
    private readonly IReadOnlyList<long> _rowIds;
    private readonly bool _rowIsId;

    /// <param name="queries">Queries in the block.</param>
    /// <param name="k">Results per query.</param>
    /// <param name="rowIds">Id of each row position, or null when the id is the position.</param>
    public TopKSelection(int queries, int k, IReadOnlyList<long>? rowIds)
    {
        _k = k;
        _scores = new float[(long)queries * k];
        _ids = new long[(long)queries * k];
        _counts = new int[queries];
        _thresholds = new float[queries];
        _thresholds.AsSpan().Fill(float.NegativeInfinity);
        _rowIds = rowIds ?? [];
        _rowIsId = rowIds is null;
    }

    public float Threshold(int query) => _thresholds[query];

    public float[] Thresholds => _thresholds;

    public void Offer(int query, float score, int row) => OfferId(query, score, _rowIsId ? row : _rowIds[row]);

    /// <summary>Offers a result by id (the merge of per-thread selections uses this).</summary>
    public void OfferId(int query, float score, long id)
    {
        int baseIndex = query * _k;
        var scores = _scores.AsSpan(baseIndex, _k);
        var ids = _ids.AsSpan(baseIndex, _k);
        int count = _counts[query];
        if (count < _k)
        {
            int at = SiftUp(scores, ids, count, score, id);
            scores[at] = score;
            ids[at] = id;
            _counts[query] = ++count;
            if (count == _k)
                _thresholds[query] = scores[0];
            return;
        }
        if (!ResultOrder.Before(score, id, scores[0], ids[0]))
            return;
        int hole = SiftDown(scores, ids, score, id);
        scores[hole] = score;
        ids[hole] = id;
        _thresholds[query] = scores[0];
    }

    /// <summary>
    /// Moves the kept results that rank before (<paramref name="score"/>, <paramref name="id"/>) down from the
    /// empty slot <paramref name="hole"/> toward the root (the parent must not rank before the child); returns the
    /// slot the new result goes in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SiftUp(Span<float> scores, Span<long> ids, int hole, float score, long id)
    {
        while (hole > 0)
        {
            int parent = (hole - 1) >> 1;
            if (!ResultOrder.Before(scores[parent], ids[parent], score, id))
                break;
            (scores[hole], ids[hole]) = (scores[parent], ids[parent]);
            hole = parent;
        }
        return hole;
    }

    /// <summary>
    /// Replaces the root (the worst kept result) of a full heap: moves the children that (<paramref name="score"/>,
    /// <paramref name="id"/>) ranks before up from the root; returns the slot the new result goes in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SiftDown(Span<float> scores, Span<long> ids, float score, long id)
    {
        int hole = 0;
        for (int child = 1; child < scores.Length; child = 2 * hole + 1)
        {
            if (child + 1 < scores.Length && ResultOrder.Before(scores[child], ids[child], scores[child + 1], ids[child + 1]))
                child++;
            if (!ResultOrder.Before(score, id, scores[child], ids[child]))
                break;
            (scores[hole], ids[hole]) = (scores[child], ids[child]);
            hole = child;
        }
        return hole;
    }

    /// <summary>Offers every result this selection holds for <paramref name="query"/> to <paramref name="target"/>'s query <paramref name="targetQuery"/>.</summary>
    public void MergeInto(int query, TopKSelection target, int targetQuery)
    {
        for (int i = 0; i < _counts[query]; i++)
            target.OfferId(targetQuery, _scores[query * _k + i], _ids[query * _k + i]);
    }

    /// <summary>Writes query <paramref name="query"/>'s results best first; missing results are (−∞, −1).</summary>
    public void Write(int query, Span<float> scores, Span<long> ids)
    {
        int count = _counts[query];
        _scores.AsSpan(query * _k, count).CopyTo(scores);
        _ids.AsSpan(query * _k, count).CopyTo(ids);
        SortBest(scores[..count], ids[..count]);
        scores[count..].Fill(float.MinValue);
        ids[count..].Fill(-1);
    }

    /// <summary>Sorts (score, id) pairs best first in the total order.</summary>
    internal static void SortBest(Span<float> scores, Span<long> ids)
    {
        if (scores.Length < 2)
            return;
        var entries = new (float Score, long Id)[scores.Length];
        for (int i = 0; i < entries.Length; i++)
            entries[i] = (scores[i], ids[i]);
        entries.AsSpan().Sort(static (a, b) =>
            ResultOrder.Before(a.Score, a.Id, b.Score, b.Id) ? -1 : ResultOrder.Before(b.Score, b.Id, a.Score, a.Id) ? 1 : 0);
        for (int i = 0; i < entries.Length; i++)
            (scores[i], ids[i]) = entries[i];
    }
}
