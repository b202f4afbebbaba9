using Engine.Search;

namespace Engine.Tests.Search;

/// <summary>
/// The int8 prefilter (<see cref="CosineTopKInt8"/>) must give the exact scan's rows and identities bit for bit: on
/// random data, on near-ties it cannot resolve, at the largest k, and when queries fall back to the exact scan.
/// </summary>
public class PrefilterTests
{
    /// <summary>The search run by the exact scan alone, then by the prefilter.</summary>
    private static (T Exact, T Filtered) Both<T>(CosineIndex index, Func<CosineIndex, T> search)
    {
        index.Prefilter = PrefilterPolicy.Never;
        var exact = search(index);
        index.Prefilter = PrefilterPolicy.Always;
        return (exact, search(index));
    }

    private static IEnumerable<int> Bits(float[] scores) => scores.Select(BitConverter.SingleToInt32Bits);

    private static void AssertIdentitiesIdentical(CosineIndex index, float[] queries, int k)
    {
        var (exact, filtered) = Both(index, i => i.SearchIdentities(queries, k));
        Assert.Equal(exact.Identities, filtered.Identities);
        Assert.Equal(exact.Ids, filtered.Ids);
        Assert.Equal(Bits(exact.Scores), Bits(filtered.Scores));
    }

    private static void AssertRowsIdentical(CosineIndex index, float[] queries, int k)
    {
        var (exact, filtered) = Both(index, i => i.Search(queries, k));
        Assert.Equal(exact.Ids, filtered.Ids);
        Assert.Equal(Bits(exact.Scores), Bits(filtered.Scores));
    }

    private static float[] Gaussian(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();

    /// <summary>Identity-like data: rows around a few hundred centres, queries near some of them.</summary>
    [Theory]
    [InlineData(128, 3000, 60, 5, 300)]
    [InlineData(37, 1000, 25, 10, 40)]
    [InlineData(64, 700, 13, 2048, 500)]
    public void Identities_equal_the_exact_scan_on_clustered_data(int dim, int rows, int queryCount, int k, int individuals)
    {
        var random = new Random(dim + rows);
        var centres = Gaussian(random, individuals * dim);
        var noise = Gaussian(random, rows * dim);
        var db = new float[rows * dim];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            labels[r] = random.Next(individuals);
            for (int d = 0; d < dim; d++)
                db[r * dim + d] = centres[labels[r] * dim + d] + 0.5f * noise[r * dim + d];
        }
        var queries = Gaussian(random, queryCount * dim);
        for (int q = 0; q < queryCount; q++)
        {
            int centre = random.Next(individuals);
            for (int d = 0; d < dim; d++)
                queries[q * dim + d] = centres[centre * dim + d] + 0.5f * queries[q * dim + d];
        }
        using var index = new CosineIndex(dim, normalize: true);
        index.Add(db, identities: labels);
        AssertIdentitiesIdentical(index, queries, k);
        AssertRowsIdentical(index, queries, Math.Min(k, 50));
    }

    /// <summary>
    /// Many rows within the bound of the k-th identity: near-duplicates of a few bases (differences far below an int8
    /// step) under many identities, exact duplicates across identities (ties broken by id), and queries equal to a base.
    /// </summary>
    [Fact]
    public void Near_ties_and_exact_ties_across_identities_equal_the_exact_scan()
    {
        const int dim = 48, rows = 1200, queryCount = 19;
        var random = new Random(48);
        var bases = Enumerable.Range(0, 6).Select(_ => Gaussian(random, dim)).ToArray();
        var db = new float[rows * dim];
        var labels = new int[rows];
        var ids = new long[rows];
        for (int r = 0; r < rows; r++)
        {
            var b = bases[r % bases.Length];
            bool duplicate = r % 7 == 0;
            for (int d = 0; d < dim; d++)
                db[r * dim + d] = b[d] + (duplicate ? 0 : (float)(random.NextDouble() - 0.5) * 1e-4f);
            labels[r] = random.Next(150);
            ids[r] = 10_000 - 3L * r;
        }
        var queries = new float[queryCount * dim];
        for (int q = 0; q < queryCount; q++)
            Array.Copy(q < bases.Length ? bases[q] : Gaussian(random, dim), 0, queries, q * dim, dim);
        using var index = new CosineIndex(dim, normalize: true);
        index.Add(db, ids, labels);
        foreach (int k in new[] { 1, 5, 40 })
        {
            AssertIdentitiesIdentical(index, queries, k);
            AssertRowsIdentical(index, queries, k);
        }
    }

    /// <summary>Rows all within the bound of each other: every query's candidates pass the cap and it is scanned exactly.</summary>
    [Fact]
    public void Queries_with_too_many_candidates_fall_back_to_the_exact_scan()
    {
        const int dim = 16, rows = 2000, k = 3;
        var random = new Random(3);
        var centre = Gaussian(random, dim);
        var db = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            for (int d = 0; d < dim; d++)
                db[r * dim + d] = centre[d] + (float)(random.NextDouble() - 0.5) * 1e-3f;
        }
        var labels = Enumerable.Range(0, rows).Select(r => r % 97).ToArray();
        using var index = new CosineIndex(dim, normalize: true);
        index.Add(db, identities: labels);
        Assert.True(rows > CosineTopKInt8.MaxCandidates(rows, k));
        var queries = Gaussian(random, 8 * dim);
        AssertIdentitiesIdentical(index, queries, k);
        AssertRowsIdentical(index, queries, k);
    }

    /// <summary>Rows quantized as they are added, over several Adds, equal a copy quantized at once, and the search after a Remove is still exact.</summary>
    [Fact]
    public void Quantizing_at_each_add_equals_quantizing_at_once()
    {
        const int dim = CosineIndex.MinPrefilterDimension;
        var random = new Random(20);
        var db = Gaussian(random, 250 * dim);
        var labels = Enumerable.Range(0, 250).Select(r => r % 31).ToArray();
        using var index = new CosineIndex(dim);
        foreach (var (from, to) in new[] { (0, 70), (70, 64 + 70), (134, 250) })
            index.Add(db.AsSpan(from * dim, (to - from) * dim), identities: labels.AsSpan(from, to - from));
        using var once = new Int8PanelStore(index.Store);
        using var added = new Int8PanelStore(dim);
        using (var first = SliceStore(index, 70))
            added.Append(first);
        using (var second = SliceStore(index, 134))
            added.Append(second);
        added.Append(index.Store);
        var query = Gaussian(random, dim);
        Assert.Equal(ApproximateSearchTests.ApproximateScores(once, query, out double onceBound),
            ApproximateSearchTests.ApproximateScores(added, query, out double addedBound));
        Assert.Equal(onceBound, addedBound);
        var queries = Gaussian(random, 9 * dim);
        AssertIdentitiesIdentical(index, queries, 4);
        index.Add(db.AsSpan(0, 10 * dim), identities: labels.AsSpan(0, 10));
        AssertIdentitiesIdentical(index, queries, 4);
        index.Remove([3, 100, 200]);
        AssertIdentitiesIdentical(index, queries, 4);
    }

    private static PanelStore SliceStore(CosineIndex index, int rows)
    {
        var store = new PanelStore(index.Dimension);
        var row = new float[index.Dimension];
        for (int r = 0; r < rows; r++)
        {
            index.CopyRow(r, row);
            store.Append(row);
        }
        return store;
    }

    [Fact]
    public void Golden_faiss_cases_equal_the_exact_scan()
    {
        foreach (var (name, k, normalize) in new[] { ("random", 10, true), ("few", 50, false), ("ties", 8, false), ("short", 5, false) })
        {
            using var index = new CosineIndex(SearchGolden.Dim(name + "_db"), normalize);
            index.Add(SearchGolden.Floats(name + "_db"));
            AssertRowsIdentical(index, SearchGolden.Floats(name + "_queries"), k);
            if (name == "random")
                SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("random_scores"), SearchGolden.Longs("random_ids"), index.Search(SearchGolden.Floats(name + "_queries"), k));
        }
    }

    /// <summary>
    /// What lets the prefilter drop a candidate for identities: a row whose score bound is below the score held for
    /// its own identity (strictly: a tie may still be the identity's best row by id), never a row of another one.
    /// </summary>
    [Fact]
    public void A_row_is_dropped_only_below_its_own_identitys_held_score()
    {
        // Rows 0–2 of identity 7, row 3 of identity 9; query 1 holds identity 7 at row 1's 0.75.
        var selection = new IdentitySelection(2, 2, null, [7, 7, 7, 9]);
        selection.Offer(1, 0.75f, 1);
        Assert.True(selection.HoldsGroupAbove(1, 0, 0.7499));
        Assert.False(selection.HoldsGroupAbove(1, 2, 0.75));
        Assert.False(selection.HoldsGroupAbove(1, 2, 0.8));
        Assert.False(selection.HoldsGroupAbove(1, 3, 0.1));
        Assert.False(selection.HoldsGroupAbove(0, 0, 0.1));
    }
}
