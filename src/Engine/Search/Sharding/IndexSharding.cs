namespace Engine.Search.Sharding;

/// <summary>
/// Splits an index into shards by row range. Each shard keeps the rows' ids (positions of the whole index when it
/// numbers rows by position), so <see cref="ShardResultMerge.Merge"/> of the shards' results equals the whole
/// index's result bit for bit: a row's score depends only on the row and the query, and ties are broken by id.
/// </summary>
public static class IndexSharding
{
    /// <summary>
    /// Contiguous, balanced ranges covering <paramref name="rows"/> rows: the first <c>rows mod shards</c> shards
    /// hold one row more than the others.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is negative, or <paramref name="shards"/> is not in [1, max(1, rows)].</exception>
    public static ShardRange[] RowRanges(long rows, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (shards < 1 || shards > Math.Max(1, rows))
            throw new ArgumentOutOfRangeException(nameof(shards), shards, $"The shard count must be in [1, {Math.Max(1, rows)}] for {rows} rows: every shard holds at least one row.");
        var ranges = new ShardRange[shards];
        long size = rows / shards, larger = rows % shards, start = 0;
        for (int s = 0; s < shards; s++)
        {
            long count = size + (s < larger ? 1 : 0);
            ranges[s] = new ShardRange(s, start, count);
            start += count;
        }
        return ranges;
    }

    /// <summary>
    /// Copies <paramref name="index"/> into <paramref name="shards"/> indexes by row range (<see cref="RowRanges"/>),
    /// each holding its rows as stored (normalized already, so not normalized again) with their ids.
    /// </summary>
    /// <returns>The shards, in order; the caller disposes them.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shards"/> is not in [1, rows].</exception>
    public static CosineIndex[] Split(CosineIndex index, int shards)
    {
        var ranges = RowRanges(index.Count, shards);
        var parts = new CosineIndex[shards];
        foreach (var range in ranges)
        {
            // The rows are normalized already: the shard must not normalize them a second time, but its queries must be.
            var rows = new float[range.Count * index.Dimension];
            var ids = new long[range.Count];
            var identities = index.HasIdentities ? new int[range.Count] : [];
            for (long r = 0; r < range.Count; r++)
            {
                index.CopyRow(range.Start + r, rows.AsSpan((int)(r * index.Dimension), index.Dimension));
                ids[r] = index.IdAt(range.Start + r);
                if (index.HasIdentities)
                    identities[r] = index.IdentityAt(range.Start + r);
            }
            var shard = new CosineIndex(index.Dimension, index.Normalize);
            shard.AddStored(rows, ids, identities);
            parts[range.Shard] = shard;
        }
        return parts;
    }
}
