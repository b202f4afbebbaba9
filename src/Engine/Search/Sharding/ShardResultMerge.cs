namespace Engine.Search.Sharding;

/// <summary>
/// The exact k-way merge of the shards' results of one query batch: for each query the k best of all shards' results
/// in the total order (score descending, then id ascending), padded with (float.MinValue, −1) as
/// <see cref="CosineIndex.Search"/> pads. When every row of the whole index is in exactly one shard and each shard
/// returned at least k results (or all its rows), this is the whole index's result bit for bit.
/// </summary>
public static class ShardResultMerge
{
    /// <summary>Merges <paramref name="shards"/>' results (each query's results best first, as a search returns them).</summary>
    /// <param name="shards">One result per shard, all for the same queries; each may have any k.</param>
    /// <param name="k">Results per query in the merged result, 1 … <see cref="CosineIndex.MaxK"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="shards"/> is empty, or the results are for different numbers of queries.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, <see cref="CosineIndex.MaxK"/>].</exception>
    public static SearchResult Merge(IReadOnlyList<SearchResult> shards, int k)
    {
        if (shards.Count == 0)
            throw new ArgumentException("There are no shard results to merge.", nameof(shards));
        if (k < 1 || k > CosineIndex.MaxK)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {CosineIndex.MaxK}].");
        int queries = shards[0].Queries;
        foreach (var shard in shards)
        {
            if (shard.Queries != queries)
                throw new ArgumentException($"The shard results are for {queries} and {shard.Queries} queries; they must be for the same queries.", nameof(shards));
        }
        var scores = new float[(long)queries * k];
        var ids = new long[(long)queries * k];
        var next = new int[shards.Count];
        for (int q = 0; q < queries; q++)
        {
            Array.Clear(next);
            for (int rank = 0; rank < k; rank++)
            {
                // Shards are few (tens) and k small, so a linear pick of the best head beats a heap's bookkeeping.
                int best = -1;
                float bestScore = 0;
                long bestId = 0;
                for (int s = 0; s < shards.Count; s++)
                {
                    var shard = shards[s];
                    if (next[s] >= shard.K)
                        continue;
                    long at = (long)q * shard.K + next[s];
                    if (shard.Ids[at] < 0)
                        continue;
                    if (best < 0 || ResultOrder.Before(shard.Scores[at], shard.Ids[at], bestScore, bestId))
                        (best, bestScore, bestId) = (s, shard.Scores[at], shard.Ids[at]);
                }
                long to = (long)q * k + rank;
                if (best < 0)
                {
                    scores[to] = float.MinValue;
                    ids[to] = -1;
                    continue;
                }
                scores[to] = bestScore;
                ids[to] = bestId;
                next[best]++;
            }
        }
        return new SearchResult(scores, ids, queries, k);
    }
}
