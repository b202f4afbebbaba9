using Engine.Search;
using Engine.Search.Sharding;

namespace Engine.Tests.Search;

public class IndexShardingTests
{
    [Theory]
    [InlineData("random", 10, true)]
    [InlineData("few", 50, false)]
    [InlineData("ties", 8, false)]
    [InlineData("short", 5, false)]
    public void Merged_shard_results_equal_the_whole_index_bit_for_bit(string name, int k, bool normalize)
    {
        using var whole = new CosineIndex(SearchGolden.Dim(name + "_db"), normalize);
        whole.Add(SearchGolden.Floats(name + "_db"));
        var queries = SearchGolden.Floats(name + "_queries");
        var expected = whole.Search(queries, k);
        foreach (int shards in new[] { 1, 2, 3, 7 }.Where(s => s <= whole.Count))
            AssertBitEqual(expected, SearchSharded(whole, shards, queries, k), $"{name}, {shards} shards");
        // And the whole index is FAISS's answer, so the merged one is too.
        if (name == "random")
            SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("random_scores"), SearchGolden.Longs("random_ids"), SearchSharded(whole, 3, queries, k));
    }

    [Fact]
    public void Rows_with_their_own_ids_keep_them_in_every_shard()
    {
        using var whole = new CosineIndex(SearchGolden.Dim("idmap_db"));
        whole.Add(SearchGolden.Floats("idmap_db"), SearchGolden.Longs("idmap_ids"));
        whole.Remove(SearchGolden.Longs("idmap_removed"));
        var queries = SearchGolden.Floats("idmap_queries");
        var merged = SearchSharded(whole, 4, queries, 12);
        AssertBitEqual(whole.Search(queries, 12), merged, "idmap");
        SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("idmap_scores"), SearchGolden.Longs("idmap_ids_out"), merged);
    }

    [Fact]
    public void Exact_ties_across_shards_are_ordered_by_id()
    {
        // Rows 0, 2 and 4 are the same vector, so their scores tie exactly; they land in different shards.
        float[] rows = [1, 0, 0, 1, 1, 0, 0.5f, 0.5f, 1, 0];
        using var whole = new CosineIndex(2);
        whole.Add(rows);
        var merged = SearchSharded(whole, 5, [1, 0], 4);
        Assert.Equal([0L, 2, 4, 3], merged.Ids);
        AssertBitEqual(whole.Search([1, 0], 4), merged, "ties");
    }

    [Fact]
    public void Fewer_rows_than_k_pad_like_the_whole_index()
    {
        using var whole = new CosineIndex(2);
        whole.Add([1, 0, 0, 1, 1, 1]);
        var merged = SearchSharded(whole, 3, [1, 0.5f], 5);
        Assert.Equal([2L, 0, 1, -1, -1], merged.Ids);
        Assert.Equal(float.MinValue, merged.Scores[4]);
        AssertBitEqual(whole.Search([1, 0.5f], 5), merged, "short");
    }

    [Fact]
    public void Row_ranges_are_contiguous_and_balanced()
    {
        var ranges = IndexSharding.RowRanges(10, 4);
        Assert.Equal([new ShardRange(0, 0, 3), new ShardRange(1, 3, 3), new ShardRange(2, 6, 2), new ShardRange(3, 8, 2)], ranges);
        Assert.Equal(new[] { new ShardRange(0, 0, 1) }, IndexSharding.RowRanges(1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexSharding.RowRanges(3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexSharding.RowRanges(3, 0));
    }

    [Fact]
    public void Merge_rejects_results_for_different_queries()
    {
        var one = new SearchResult([1f], [0L], 1, 1);
        var two = new SearchResult([1f, 1f], [0L, 1L], 2, 1);
        Assert.Throws<ArgumentException>(() => ShardResultMerge.Merge([one, two], 1));
        Assert.Throws<ArgumentException>(() => ShardResultMerge.Merge([], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardResultMerge.Merge([one], 0));
    }

    private static SearchResult SearchSharded(CosineIndex whole, int shards, float[] queries, int k)
    {
        var parts = IndexSharding.Split(whole, shards);
        try
        {
            Assert.Equal(whole.Count, parts.Sum(p => p.Count));
            return ShardResultMerge.Merge(parts.Select(p => p.Search(queries, k)).ToArray(), k);
        }
        finally
        {
            foreach (var part in parts)
                part.Dispose();
        }
    }

    private static void AssertBitEqual(SearchResult expected, SearchResult actual, string what)
    {
        Assert.True(expected.Ids.AsSpan().SequenceEqual(actual.Ids), $"{what}: ids differ");
        Assert.True(expected.Scores.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Scores.Select(BitConverter.SingleToInt32Bits)), $"{what}: scores differ");
    }
}
