using Engine.Search;

namespace Engine.Tests.Search;

/// <summary>The int8 approximate search must give <see cref="CosineIndex.Search(ReadOnlySpan{float}, int, IProgress{long}?, Compute.ComputeContext?, CancellationToken)"/>'s results bit for bit.</summary>
public unsafe class ApproximateSearchTests
{
    private static void AssertIdentical(CosineIndex index, float[] queries, int k)
    {
        var exact = index.Search(queries, k);
        var approximate = index.SearchApproximate(queries, k);
        Assert.Equal(exact.Ids, approximate.Ids);
        Assert.Equal(exact.Scores.Select(BitConverter.SingleToInt32Bits), approximate.Scores.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData("random", 10, true)]
    [InlineData("few", 50, false)]
    [InlineData("ties", 8, false)]
    [InlineData("short", 5, false)]
    public void Golden_cases_equal_the_exact_search_bit_for_bit(string name, int k, bool normalize)
    {
        using var index = new CosineIndex(SearchGolden.Dim(name + "_db"), normalize);
        index.Add(SearchGolden.Floats(name + "_db"));
        var queries = SearchGolden.Floats(name + "_queries");
        AssertIdentical(index, queries, k);
        if (name == "random")
            SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("random_scores"), SearchGolden.Longs("random_ids"), index.SearchApproximate(queries, k));
    }

    [Fact]
    public void Ids_and_remove_equal_the_exact_search()
    {
        using var index = new CosineIndex(SearchGolden.Dim("idmap_db"));
        index.Add(SearchGolden.Floats("idmap_db"), SearchGolden.Longs("idmap_ids"));
        var queries = SearchGolden.Floats("idmap_queries");
        AssertIdentical(index, queries, 12);
        // The int8 copy made by that search must be dropped when rows change.
        index.Remove(SearchGolden.Longs("idmap_removed"));
        AssertIdentical(index, queries, 12);
        SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("idmap_scores"), SearchGolden.Longs("idmap_ids_out"), index.SearchApproximate(queries, 12));
    }

    /// <summary>
    /// Clusters of near-duplicate rows (differences far below an int8 step): the int8 scores order them wrongly —
    /// checked here, so the case is adversarial — and only the bound's margin brings the right rows back.
    /// </summary>
    [Theory]
    [InlineData(64, 1500, 37, 10)]
    [InlineData(33, 700, 13, 64)]
    public void Near_ties_that_int8_misorders_still_give_the_exact_result(int dim, int rows, int queryCount, int k)
    {
        var random = new Random(dim * 1000 + rows);
        var bases = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var db = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            var b = bases[r % bases.Length];
            for (int d = 0; d < dim; d++)
                db[r * dim + d] = b[d] + (float)(random.NextDouble() - 0.5) * 1e-4f;
        }
        var queries = new float[queryCount * dim];
        for (int i = 0; i < queries.Length; i++)
            queries[i] = i < dim ? bases[0][i] : (float)random.NextDouble() - 0.5f;
        using var index = new CosineIndex(dim, normalize: true);
        index.Add(db);
        var exact = index.Search(queries, k);

        // The int8 order alone (top k by approximate score) differs from the exact one for some query.
        var prepared = queries.ToArray();
        CosineIndex.NormalizeL2(prepared, dim);
        using var int8 = new Int8PanelStore(index.Store);
        bool differs = false;
        for (int q = 0; q < queryCount && !differs; q++)
        {
            var approximate = ApproximateScores(int8, prepared.AsSpan(q * dim, dim), out _);
            var top = Enumerable.Range(0, rows).OrderByDescending(r => approximate[r]).ThenBy(r => r).Take(k).Select(r => (long)r);
            differs = !top.SequenceEqual(exact.Ids.Skip(q * k).Take(k));
        }
        Assert.True(differs, "the data was meant to make int8 misorder the top k");
        AssertIdentical(index, queries, k);
    }

    /// <summary>Products in float32's subnormal range (where relative rounding bounds fail) and near its top.</summary>
    [Theory]
    [InlineData(1e-22f)]
    [InlineData(1e17f)]
    public void Extreme_magnitudes_still_equal_the_exact_search(float magnitude)
    {
        const int dim = 24, rows = 400;
        var random = new Random(17);
        var db = Enumerable.Range(0, rows * dim).Select(_ => magnitude * (float)(random.NextDouble() * 2 - 1)).ToArray();
        var queries = Enumerable.Range(0, 9 * dim).Select(_ => magnitude * (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var index = new CosineIndex(dim);
        index.Add(db);
        AssertIdentical(index, queries, 7);
    }

    [Fact]
    public void The_bound_holds_for_every_query_and_row()
    {
        const int dim = 37, rows = 300;
        var random = new Random(5);
        // Rows of very different scales and shapes (a spike, near-constant, wide), so the per-row scales matter.
        var db = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            float scale = MathF.Pow(10, random.Next(-3, 3));
            for (int d = 0; d < dim; d++)
                db[r * dim + d] = scale * (r % 3 == 0 && d == r % dim ? 50f : (float)(random.NextDouble() * 2 - 1));
        }
        using var index = new CosineIndex(dim);
        index.Add(db);
        using var int8 = new Int8PanelStore(index.Store);
        var row = new float[dim];
        for (int q = 0; q < 20; q++)
        {
            var query = Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1) * (q + 1)).ToArray();
            var approximate = ApproximateScores(int8, query, out double bound);
            CosineTopKInt8.Quantize(query, new int[int8.Quads], out var queryErrors);
            double worst = 0, widestRowBound = 0;
            for (int r = 0; r < rows; r++)
            {
                index.CopyRow(r, row);
                float exact = 0;
                for (int d = 0; d < dim; d++)
                    exact = MathF.FusedMultiplyAdd(query[d], row[d], exact);
                double error = Math.Abs(exact - (double)approximate[r]);
                double rowBound = Int8Errors.Bound(queryErrors, int8.RowErrors[r], dim);
                Assert.True(error <= rowBound, $"query {q}, row {r}: error {error} above the pair's bound {rowBound}");
                worst = Math.Max(worst, error);
                widestRowBound = Math.Max(widestRowBound, rowBound);
            }
            Assert.True(worst <= bound, $"query {q}: error {worst} above the bound {bound}");
            Assert.True(widestRowBound <= bound, $"query {q}: a pair's bound {widestRowBound} above the bound with the rows' maxima {bound}");
            Assert.True(worst > 0, "int8 should not be exact here");
        }
    }

    [Fact]
    public void The_vnni_tile_and_its_screen_equal_the_scalar_ones()
    {
        if (!System.Runtime.Intrinsics.X86.AvxVnni.IsSupported)
            return;
        const int quads = 19;
        var random = new Random(9);
        var queries = Enumerable.Range(0, CosineTopK.TileQueries * quads).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray();
        var panel = new sbyte[quads * PanelStore.Width * 4 + 64];
        random.NextBytes((byte[])(Array)panel);
        var corrections = Enumerable.Range(0, PanelStore.Width).Select(_ => random.Next(-300_000, 300_000)).ToArray();
        var rowScales = Enumerable.Range(0, PanelStore.Width).Select(_ => (float)random.NextDouble() * 1e-3f).ToArray();
        var queryScales = Enumerable.Range(0, CosineTopK.TileQueries).Select(_ => (float)random.NextDouble() * 1e-2f).ToArray();
        // Thresholds from none passing to all passing, one of them exactly a score (a tie passes).
        float[] thresholds = [float.NegativeInfinity, 0f, 0.5f, -0.2f, float.PositiveInfinity, 0f];
        var vector = new int[CosineTopK.TileQueries * PanelStore.Width];
        var scalar = new int[vector.Length];
        var vectorPassing = new ulong[CosineTopK.TileQueries];
        var scalarPassing = new ulong[CosineTopK.TileQueries];
        var floors = new float[CosineTopK.TileQueries];
        var reaching = new ulong[CosineTopK.TileQueries];
        fixed (int* q = queries, v = vector, s = scalar, c = corrections)
        fixed (float* rs = rowScales, qs = queryScales, t = thresholds, f = floors)
        fixed (ulong* vp = vectorPassing, sp = scalarPassing)
        fixed (sbyte* p = panel)
        {
            // TileVnni loads aligned: start the panel at a 64-byte boundary inside the array.
            sbyte* aligned = (sbyte*)(((nint)p + 63) & ~(nint)63);
            var screen = new CosineTopKInt8.TileScreen(c, rs);
            CosineTopKInt8.TileScalar(q, quads, aligned, c, s);
            t[5] = CosineTopKInt8.Score(s + 5 * PanelStore.Width, screen, qs[5], 17);
            for (int r = 0; r < CosineTopK.TileQueries; r++)
                f[r] = CosineTopKInt8.NegatedBelow(t[r]);
            CosineTopKInt8.TileVnni(q, quads, aligned, v, screen, qs, f, vp);
            CosineTopKInt8.ScreenScalar(s, screen, qs, f, sp);
            for (int r = 0; r < CosineTopK.TileQueries; r++)
            {
                for (int lane = 0; lane < PanelStore.Width; lane++)
                {
                    if (CosineTopKInt8.Score(s + r * PanelStore.Width, screen, qs[r], lane) >= t[r])
                        reaching[r] |= 1UL << lane;
                }
            }
        }
        Assert.Equal(scalar, vector);
        Assert.Contains(scalar, x => Math.Abs(x) > 100_000);
        Assert.Equal(scalarPassing, vectorPassing);
        // The screen passes every lane whose score reaches the threshold, the tie included.
        for (int r = 0; r < CosineTopK.TileQueries; r++)
            Assert.Equal(reaching[r], reaching[r] & scalarPassing[r]);
        Assert.Equal(ulong.MaxValue, scalarPassing[0]);
        Assert.Equal(0UL, scalarPassing[4]);
        Assert.NotEqual(0UL, scalarPassing[1]);
        Assert.NotEqual(ulong.MaxValue, scalarPassing[1]);
        Assert.NotEqual(0UL, scalarPassing[5] & (1UL << 17));
    }

    [Fact]
    public void Bad_input_gets_an_error_naming_it()
    {
        using var index = new CosineIndex(4);
        Assert.Throws<InvalidOperationException>(() => index.SearchApproximate(new float[4], 1));
        index.Add(new float[] { 1, 2, 3, 4 });
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => index.SearchApproximate(new float[4], 0)).ParamName);
        Assert.Equal("scan", Assert.Throws<ArgumentOutOfRangeException>(() => index.SearchApproximate(new float[4], 1, (ApproximateScan)7)).ParamName);
        Assert.Contains("queries", Assert.Throws<ArgumentException>(() => index.SearchApproximate(new float[] { 1, float.NaN, 0, 0 }, 1)).Message);
    }

    /// <summary>Every row's approximate score for one query, through the scalar tile (the VNNI tile is tested equal to it).</summary>
    internal static float[] ApproximateScores(Int8PanelStore int8, ReadOnlySpan<float> query, out double bound)
    {
        var packed = new int[CosineTopK.TileQueries * int8.Quads];
        float scale = CosineTopKInt8.Quantize(query, packed.AsSpan(0, int8.Quads), out var errors);
        bound = Int8Errors.Bound(errors, int8.MaxErrors, query.Length);
        var dots = new int[CosineTopK.TileQueries * PanelStore.Width];
        var scores = new float[int8.Count];
        fixed (int* q = packed, t = dots, corrections = int8.BiasCorrections)
        {
            for (long p = 0; p < int8.Panels; p++)
            {
                CosineTopKInt8.TileScalar(q, int8.Quads, int8.Panel(p), corrections + p * PanelStore.Width, t);
                for (int lane = 0; lane < PanelStore.Width && p * PanelStore.Width + lane < int8.Count; lane++)
                {
                    long r = p * PanelStore.Width + lane;
                    scores[r] = (float)dots[lane] * int8.Scales[r] * scale;
                }
            }
        }
        return scores;
    }
}
