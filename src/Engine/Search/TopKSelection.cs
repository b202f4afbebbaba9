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
            // Sift up: the parent must not rank before the child (the root is the worst kept).
            int i = count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (!ResultOrder.Before(scores[parent], ids[parent], score, id))
                    break;
                scores[i] = scores[parent];
                ids[i] = ids[parent];
                i = parent;
            }
            scores[i] = score;
            ids[i] = id;
            _counts[query] = count;
            if (count == _k)
                _thresholds[query] = scores[0];
            return;
        }
        if (!ResultOrder.Before(score, id, scores[0], ids[0]))
            return;
        int at = 0;
        while (true)
        {
            int child = 2 * at + 1;
            if (child >= _k)
                break;
            if (child + 1 < _k && ResultOrder.Before(scores[child], ids[child], scores[child + 1], ids[child + 1]))
                child++;
            if (!ResultOrder.Before(score, id, scores[child], ids[child]))
                break;
            scores[at] = scores[child];
            ids[at] = ids[child];
            at = child;
        }
        scores[at] = score;
        ids[at] = id;
        _thresholds[query] = scores[0];
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
