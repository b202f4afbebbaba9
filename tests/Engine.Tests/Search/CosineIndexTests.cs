using Engine.Search;

namespace Engine.Tests.Search;

public sealed class CosineIndexTests
{
    [Fact]
    public void Normalized_search_matches_faiss_IndexFlatIP()
    {
        int dim = SearchGolden.Dim("random_db");
        using var index = new CosineIndex(dim, normalize: true);
        index.Add(SearchGolden.Floats("random_db"));
        var result = index.Search(SearchGolden.Floats("random_queries"), 10);
        int nearTies = SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("random_scores"), SearchGolden.Longs("random_ids"), result);
        Assert.True(nearTies <= 1, $"{nearTies} of 40 queries differ from FAISS in near ties");
    }

    [Fact]
    public void Normalization_equals_faiss_normalize_L2_to_float32_rounding()
    {
        int dim = SearchGolden.Dim("random_db");
        var db = SearchGolden.Floats("random_db");
        var faiss = SearchGolden.Floats("random_db_normalized");
        CosineIndex.NormalizeL2(db, dim);
        int exact = 0;
        for (int i = 0; i < db.Length; i++)
        {
            // Relative 1e-6 (8 float32 ulps): the norm's float32 sum in another order than FAISS's compiler chose.
            Assert.True(Math.Abs(db[i] - faiss[i]) <= 1e-6f * Math.Abs(faiss[i]), $"element {i}: {db[i]} vs {faiss[i]}");
            exact += db[i] == faiss[i] ? 1 : 0;
        }
        Assert.True(exact > db.Length * 0.8, $"only {exact} of {db.Length} elements are bit-equal to FAISS's");
    }

    [Fact]
    public void Few_queries_odd_dimension_and_large_k_match_faiss()
    {
        using var index = new CosineIndex(SearchGolden.Dim("few_db"));
        index.Add(SearchGolden.Floats("few_db"));
        var result = index.Search(SearchGolden.Floats("few_queries"), 50);
        SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("few_scores"), SearchGolden.Longs("few_ids"), result);
    }

    [Fact]
    public void Duplicated_rows_tie_exactly_and_are_ordered_by_id()
    {
        using var index = new CosineIndex(SearchGolden.Dim("ties_db"));
        index.Add(SearchGolden.Floats("ties_db"));
        var result = index.Search(SearchGolden.Floats("ties_queries"), 8);
        var faissScores = SearchGolden.Floats("ties_scores");
        var faissIds = SearchGolden.Longs("ties_ids");
        int k = 8;
        for (int q = 0; q < result.Queries; q++)
        {
            for (int i = 0; i < k; i++)
            {
                int at = q * k + i;
                Assert.True(Math.Abs(result.Scores[at] - faissScores[at]) <= SearchGolden.ScoreTolerance);
                if (i > 0)
                {
                    // Total order: descending scores, and ascending ids among equal scores.
                    Assert.True(result.Scores[at - 1] > result.Scores[at]
                        || (result.Scores[at - 1] == result.Scores[at] && result.Ids[at - 1] < result.Ids[at]),
                        $"query {q} rank {i} breaks the total order");
                }
            }
            // The three copies of a row score identically and FAISS returns the same three groups (k = 8: 2 full
            // groups + 2 of the third, where FAISS may take any 2 of the 3 copies; ours takes the lowest ids).
            Assert.Equal(result.Scores[q * k], result.Scores[q * k + 2]);
            var ours = result.Ids.AsSpan(q * k, 6).ToArray().Order().ToArray();
            var theirs = faissIds.AsSpan(q * k, 6).ToArray().Order().ToArray();
            Assert.Equal(theirs, ours);
        }
    }

    [Fact]
    public void Ids_and_remove_match_faiss_IndexIDMap()
    {
        using var index = new CosineIndex(SearchGolden.Dim("idmap_db"));
        index.Add(SearchGolden.Floats("idmap_db"), SearchGolden.Longs("idmap_ids"));
        var removed = SearchGolden.Longs("idmap_removed");
        Assert.Equal(removed.Length, index.Remove(removed));
        Assert.Equal(260, index.Count);
        var result = index.Search(SearchGolden.Floats("idmap_queries"), 12);
        SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("idmap_scores"), SearchGolden.Longs("idmap_ids_out"), result);
    }

    [Fact]
    public void Fewer_rows_than_k_are_padded_as_faiss_pads()
    {
        using var index = new CosineIndex(8);
        index.Add(SearchGolden.Floats("short_db"));
        var result = index.Search(SearchGolden.Floats("short_queries"), 5);
        Assert.Equal(SearchGolden.Longs("short_ids"), result.Ids);
        var faissScores = SearchGolden.Floats("short_scores");
        for (int i = 0; i < faissScores.Length; i++)
            Assert.True(Math.Abs(faissScores[i] - result.Scores[i]) <= SearchGolden.ScoreTolerance * Math.Max(1, Math.Abs(faissScores[i])));
    }

    [Fact]
    public void Remove_without_ids_renumbers_rows_like_IndexFlat()
    {
        var rows = RandomRows(10, 4, seed: 1);
        using var index = new CosineIndex(4);
        index.Add(rows);
        Assert.Equal(2, index.Remove([3, 7, 99]));
        Assert.Equal(8, index.Count);
        var row = new float[4];
        index.CopyRow(3, row);
        Assert.Equal(rows.AsSpan(4 * 4, 4).ToArray(), row);
        Assert.Equal(3, index.IdAt(3));
        index.Reset();
        Assert.Equal(0, index.Count);
        index.Add(rows.AsSpan(0, 8), [5, 6]);
        Assert.True(index.HasIds);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(64, 20)]
    [InlineData(130, 200)]
    public void Every_split_of_the_scan_gives_the_brute_force_answer(int dim, int queries)
    {
        // 1,000 rows: 16 panels, the last one partial; 200 queries take the query split, few take the database split.
        var rows = RandomRows(1000, dim, seed: dim);
        var q = RandomRows(queries, dim, seed: dim + 1);
        using var index = new CosineIndex(dim);
        index.Add(rows);
        var result = index.Search(q, 9);
        var expected = BruteForce(rows, q, dim, 9);
        Assert.Equal(expected.Ids, result.Ids);
        Assert.Equal(expected.Scores, result.Scores);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    public void No_queries_give_an_empty_result(int rows)
    {
        using var index = new CosineIndex(3);
        index.Add(RandomRows(rows, 3, seed: 8), identities: new int[rows]);
        var result = index.Search([], 4);
        Assert.Equal(0, result.Queries);
        Assert.Empty(result.Ids);
        Assert.Empty(index.SearchIdentities([], 2).Identities);
    }

    [Fact]
    public void Save_and_Load_round_trip_and_refuse_other_versions()
    {
        var rows = RandomRows(100, 5, seed: 3);
        using var folder = new TempFolder();
        using var index = new CosineIndex(5, normalize: true);
        index.Add(rows, Enumerable.Range(0, 100).Select(i => 1000L + i).ToArray(), Enumerable.Range(0, 100).Select(i => i % 7).ToArray());
        index.Save(folder.File("a.index"));
        using var loaded = CosineIndex.Load(folder.File("a.index"));
        Assert.Equal(index.Count, loaded.Count);
        Assert.True(loaded.Normalize && loaded.HasIds && loaded.HasIdentities);
        var q = RandomRows(3, 5, seed: 4);
        Assert.Equal(index.Search(q, 4).Ids, loaded.Search(q, 4).Ids);
        Assert.Equal(index.SearchIdentities(q, 3).Identities, loaded.SearchIdentities(q, 3).Identities);

        var bytes = File.ReadAllBytes(folder.File("a.index"));
        bytes[20] = 3;
        File.WriteAllBytes(folder.File("v3.index"), bytes);
        var error = Assert.Throws<InvalidDataException>(() => CosineIndex.Load(folder.File("v3.index")));
        Assert.Contains("format version 3", error.Message);
        File.WriteAllBytes(folder.File("short.index"), File.ReadAllBytes(folder.File("a.index"))[..200]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => CosineIndex.Load(folder.File("short.index"))).Message);
        File.WriteAllText(folder.File("text.index"), "hello");
        Assert.Contains("not a CosineIndex file", Assert.Throws<InvalidDataException>(() => CosineIndex.Load(folder.File("text.index"))).Message);
    }

    [Fact]
    public void Bad_input_gets_an_error_naming_it()
    {
        using var index = new CosineIndex(3, normalize: true);
        Assert.Contains("empty", Assert.Throws<InvalidOperationException>(() => index.Search(new float[3] { 1, 0, 0 }, 1)).Message);
        Assert.Contains("row 1 holds NaN at column 2", Assert.Throws<ArgumentException>(() => index.Add([1, 0, 0, 0, 1, float.NaN])).Message);
        Assert.Contains("row 0 holds Infinity", Assert.Throws<ArgumentException>(() => index.Add([float.PositiveInfinity, 0, 0])).Message);
        Assert.Contains("row 1 is all zeros", Assert.Throws<ArgumentException>(() => index.Add([1, 0, 0, 0, 0, 0])).Message);
        Assert.Contains("not a multiple of the index dimension 3", Assert.Throws<ArgumentException>(() => index.Add([1, 0])).Message);
        index.Add([1, 0, 0, 0, 1, 0]);
        Assert.Contains("not a multiple", Assert.Throws<ArgumentException>(() => index.Search([1, 0, 0, 0], 1)).Message);
        Assert.Contains("queries row 0 is all zeros", Assert.Throws<ArgumentException>(() => index.Search([0, 0, 0], 1)).Message);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 0, 0], 0)).ParamName);
        Assert.Contains("2048", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 0, 0], 2049)).Message);
        Assert.Contains("ids", Assert.Throws<ArgumentException>(() => index.Add([1, 0, 0], [4])).Message);
        Assert.Contains("no identity labels", Assert.Throws<InvalidOperationException>(() => index.SearchIdentities([1, 0, 0], 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineIndex(0));
    }

    [Fact]
    public void Largest_dimension_and_k_run()
    {
        var rows = RandomRows(2100, 4096, seed: 5);
        using var index = new CosineIndex(4096);
        index.Add(rows);
        var result = index.Search(rows.AsSpan(0, 4096 * 2), CosineIndex.MaxK);
        Assert.Equal(0, result.Ids[0]);
        Assert.Equal(1, result.Ids[CosineIndex.MaxK]);
        Assert.Equal(CosineIndex.MaxK, result.Ids.AsSpan(0, CosineIndex.MaxK).ToArray().Distinct().Count());

        // 8.6 M floats: the loader reads them in several chunks.
        using var folder = new TempFolder();
        index.Save(folder.File("large.index"));
        using var loaded = CosineIndex.Load(folder.File("large.index"));
        var again = loaded.Search(rows.AsSpan(0, 4096 * 2), 100);
        Assert.Equal(result.Ids.AsSpan(0, 100).ToArray(), again.Ids.AsSpan(0, 100).ToArray());
        Assert.Equal(result.Scores.AsSpan(0, 100).ToArray(), again.Scores.AsSpan(0, 100).ToArray());
        var last = new float[4096];
        loaded.CopyRow(2099, last);
        Assert.Equal(rows.AsSpan(2099 * 4096, 4096).ToArray(), last);
    }

    internal static float[] RandomRows(int rows, int dim, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * dim];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>The reference: every score by the same FMA chain, then a full sort in the total order.</summary>
    internal static SearchResult BruteForce(float[] rows, float[] queries, int dim, int k)
    {
        int n = rows.Length / dim, count = queries.Length / dim;
        var scores = new float[count * k];
        var ids = new long[count * k];
        for (int q = 0; q < count; q++)
        {
            var all = new (float Score, long Id)[n];
            for (int r = 0; r < n; r++)
                all[r] = (Dot(queries.AsSpan(q * dim, dim), rows.AsSpan(r * dim, dim)), r);
            var best = all.OrderByDescending(e => e.Score).ThenBy(e => e.Id).Take(k).ToArray();
            for (int i = 0; i < k; i++)
                (scores[q * k + i], ids[q * k + i]) = i < best.Length ? best[i] : (float.MinValue, -1);
        }
        return new SearchResult(scores, ids, count, k);
    }

    internal static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float s = 0;
        for (int d = 0; d < a.Length; d++)
            s = MathF.FusedMultiplyAdd(a[d], b[d], s);
        return s;
    }
}
