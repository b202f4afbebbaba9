namespace Engine.Search;

/// <summary>
/// The k best distinct identities of each query of a block, each scored by its best row: the identities of the
/// rows in the total order (<see cref="ResultOrder"/>), keeping each identity's first row. Exact with no
/// image-level k to guess: a row below the k-th kept identity's score can neither enter nor improve a kept
/// identity, and an identity pushed out earlier can only come back with a better row, which is then its best.
/// </summary>
internal sealed class IdentitySelection : ISelection, IThresholds, IGroupedSelection
{
    private readonly int _k;
    private readonly float[] _scores;
    private readonly long[] _ids;
    private readonly int[] _identities;
    private readonly int[] _counts;
    private readonly int[] _worst;
    private readonly float[] _thresholds;
    private readonly long[]? _rowIds;
    private readonly int[] _rowIdentities;

    /// <param name="queries">Queries in the block.</param>
    /// <param name="k">Identities per query.</param>
    /// <param name="rowIds">Id of each row position, or null when the id is the position.</param>
    /// <param name="rowIdentities">Identity of each row position.</param>
    public IdentitySelection(int queries, int k, IReadOnlyList<long>? rowIds, IReadOnlyList<int> rowIdentities)
    {
        _k = k;
        _scores = new float[(long)queries * k];
        _ids = new long[(long)queries * k];
        _identities = new int[(long)queries * k];
        _counts = new int[queries];
        _worst = new int[queries];
        _thresholds = new float[queries];
        _thresholds.AsSpan().Fill(float.NegativeInfinity);
        // Copied to arrays (a few hundred KB per block): the lookups run for every score that reaches a threshold,
        // and a List behind an interface costs a call each.
        _rowIds = rowIds?.ToArray();
        _rowIdentities = [.. rowIdentities];
    }

    public float Threshold(int query) => _thresholds[query];

    public float[] Thresholds => _thresholds;

    public void Offer(int query, float score, int row) =>
        OfferIdentity(query, score, _rowIds is null ? row : _rowIds[row], _rowIdentities[row]);

    public bool HoldsGroupAbove(int query, int row, double score)
    {
        int identity = _rowIdentities[row];
        int baseIndex = query * _k;
        for (int i = 0; i < _counts[query]; i++)
        {
            if (_identities[baseIndex + i] == identity)
                return _scores[baseIndex + i] > score;
        }
        return false;
    }

    /// <summary>Offers one identity's candidate (the merge of per-thread selections uses this).</summary>
    public void OfferIdentity(int query, float score, long id, int identity)
    {
        int baseIndex = query * _k;
        var scores = _scores.AsSpan(baseIndex, _k);
        var ids = _ids.AsSpan(baseIndex, _k);
        var identities = _identities.AsSpan(baseIndex, _k);
        int count = _counts[query];
        // A loop over at most k: IndexOf's vectorized search costs a call and more than it saves at this length.
        int at = 0;
        while (at < count && identities[at] != identity)
            at++;
        if (at < count)
        {
            if (!ResultOrder.Before(score, id, scores[at], ids[at]))
                return;
        }
        else if (count < _k)
        {
            at = count++;
            _counts[query] = count;
        }
        else
        {
            at = _worst[query];
            if (!ResultOrder.Before(score, id, scores[at], ids[at]))
                return;
        }
        scores[at] = score;
        ids[at] = id;
        identities[at] = identity;
        if (count < _k)
            return;
        // k is small next to the rows scanned and this path runs only for rows that reach the threshold.
        int worst = 0;
        for (int i = 1; i < _k; i++)
        {
            if (ResultOrder.Before(scores[worst], ids[worst], scores[i], ids[i]))
                worst = i;
        }
        _worst[query] = worst;
        _thresholds[query] = scores[worst];
    }

    /// <summary>Offers every identity this selection holds for <paramref name="query"/> to <paramref name="target"/>'s query <paramref name="targetQuery"/>.</summary>
    public void MergeInto(int query, IdentitySelection target, int targetQuery)
    {
        for (int i = 0; i < _counts[query]; i++)
        {
            int at = query * _k + i;
            target.OfferIdentity(targetQuery, _scores[at], _ids[at], _identities[at]);
        }
    }

    /// <summary>Writes query <paramref name="query"/>'s identities best first; missing ones are (−∞, −1, −1).</summary>
    public void Write(int query, Span<float> scores, Span<int> identities, Span<long> ids)
    {
        int count = _counts[query];
        var entries = new (float Score, long Id, int Identity)[count];
        for (int i = 0; i < count; i++)
        {
            int at = query * _k + i;
            entries[i] = (_scores[at], _ids[at], _identities[at]);
        }
        entries.AsSpan().Sort(static (a, b) =>
            ResultOrder.Before(a.Score, a.Id, b.Score, b.Id) ? -1 : ResultOrder.Before(b.Score, b.Id, a.Score, a.Id) ? 1 : 0);
        for (int i = 0; i < count; i++)
            (scores[i], ids[i], identities[i]) = entries[i];
        scores[count..].Fill(float.MinValue);
        ids[count..].Fill(-1);
        identities[count..].Fill(-1);
    }
}
