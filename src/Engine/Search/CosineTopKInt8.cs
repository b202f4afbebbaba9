using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Search;

/// <summary>
/// The approximate search (<see cref="CosineIndex.SearchApproximate"/>): an int8 scan finds, per query, every
/// row that can still be in the exact top k, and only those are scored exactly in float32 — so the result equals
/// <see cref="CosineIndex.Search(ReadOnlySpan{float}, int, IProgress{long}?, Compute.ComputeContext?, CancellationToken)"/> bit for bit.
/// </summary>
/// <remarks>
/// <para>The bound. With the row <c>x = s_r x̂ + e_x</c> and the query <c>q = s_q q̂ + e_q</c> (per-vector symmetric
/// scales, <c>|e|</c> at most half a step, measured), the real dot product differs from the approximate
/// <c>ã = s_q s_r (q̂ · x̂)</c> by <c>q · e_x + s_r (e_q · x̂)</c>, so by at most
/// <c>Q = ‖q‖₁ · max|e_x| + max|e_q| · ‖s_r x̂‖₁</c>. The exact path's float32 score (one FMA chain over D
/// dimensions) differs from the real dot product by at most <c>F = γ_D ‖q‖₂ ‖x‖₂</c>, <c>γ_D = D u / (1 − D u)</c>,
/// <c>u = 2⁻²⁴</c>; and the approximate score as computed in float (int → float, two products) differs from ã by at
/// most <c>A = γ_3 · D · max|s_q q̂| · max|s_r x̂|</c>. So <c>|exact − approximate| ≤ B = Q + F + A</c> for every
/// (query, row), with row maxima taken over the database; B is inflated by a relative 10⁻⁶ for the double
/// arithmetic of the bound itself (its errors are ~2⁻⁵³ relative, far below the F term), plus (D + 3) · 2⁻¹⁵⁰ for
/// roundings in the subnormal range, where the relative bounds do not hold.</para>
/// <para>Why identical. Let a_k be the k-th best approximate score. A row with <c>a &lt; a_k − 2B</c> scores exactly
/// <c>≤ a + B &lt; a_k − B ≤</c> the exact score of each of the k rows whose approximate score is ≥ a_k: it is
/// strictly below k rows and cannot be in the top k in any tie order. Every other row is a candidate and is
/// re-scored with the exact path's arithmetic, and the candidates are selected in the same total order (score
/// descending, id ascending): the same k results, ties included.</para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class CosineTopKInt8
{
    private const int TileQueries = CosineTopK.TileQueries;

    /// <summary>Bytes of packed int16 query pairs a block keeps hot while int8 panels stream past.</summary>
    private const int QueryBlockBytes = 256 << 10;

    private const double Unit = 1.0 / (1 << 24);

    /// <summary>Searches <paramref name="queryCount"/> prepared queries; writes k scores and ids per query.</summary>
    public static void Run(PanelStore exact, Int8PanelStore store, IReadOnlyList<long>? rowIds, float[] queries,
        int queryCount, int k, float[] scores, long[] ids, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if (queryCount == 0)
            return;
        int dim = store.Dimension;
        int workers = Environment.ProcessorCount;
        int maxBlock = Math.Max(TileQueries, QueryBlockBytes / (store.Pairs * sizeof(int)) / TileQueries * TileQueries);
        int block = Math.Min(maxBlock, RoundUp((queryCount + workers - 1) / workers, TileQueries));
        int blocks = (queryCount + block - 1) / block;
        long done = 0;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = workers }, b =>
        {
            int first = b * block;
            int count = Math.Min(block, queryCount - first);
            int padded = RoundUp(count, TileQueries);
            var candidates = new CandidateSelection(padded, k);
            var packed = new int[padded * store.Pairs];
            var queryScales = new float[padded];
            for (int i = 0; i < count; i++)
            {
                var q = queries.AsSpan((first + i) * dim, dim);
                queryScales[i] = Quantize(q, packed.AsSpan(i * store.Pairs, store.Pairs), out double bound, store);
                candidates.SetBound(i, bound);
            }
            // Padded queries never take a candidate.
            candidates.Thresholds.AsSpan(count).Fill(float.PositiveInfinity);
            fixed (int* qp = packed)
                Scan(store, qp, padded, queryScales, candidates, cancellationToken);
            if (cancellationToken.IsCancellationRequested)
                return;
            var row = new float[dim];
            for (int i = 0; i < count; i++)
            {
                var q = queries.AsSpan((first + i) * dim, dim);
                var selection = new TopKSelection(1, k, rowIds);
                foreach (int r in candidates.Final(i))
                {
                    exact.CopyRow(r, row);
                    selection.Offer(0, ExactScore(q, row), r);
                }
                long at = (long)(first + i) * k;
                selection.Write(0, scores.AsSpan((int)at, k), ids.AsSpan((int)at, k));
            }
            progress?.Report(Interlocked.Add(ref done, count));
        });
        // The workers stop at the next panel once cancelled; what they left is incomplete.
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The exact path's score: one FMA chain from d = 0, as every lane of <see cref="CosineTopK"/>.</summary>
    internal static float ExactScore(ReadOnlySpan<float> q, ReadOnlySpan<float> x)
    {
        float s = 0;
        for (int d = 0; d < q.Length; d++)
            s = MathF.FusedMultiplyAdd(q[d], x[d], s);
        return s;
    }

    /// <summary>
    /// Quantizes a query to int16 pairs (values in [−127, 127]) and returns its scale; <paramref name="bound"/> is B,
    /// the most the approximate score can differ from the exact one for any row (see the class remarks).
    /// </summary>
    internal static float Quantize(ReadOnlySpan<float> q, Span<int> pairs, out double bound, Int8PanelStore store)
    {
        float max = 0;
        foreach (float v in q)
            max = Math.Max(max, Math.Abs(v));
        float scale = max > 0 ? max / 127f : 1f;
        double error = 0, l1 = 0, l2 = 0, abs = 0;
        pairs.Clear();
        for (int d = 0; d < q.Length; d++)
        {
            int v = (int)Math.Clamp(Math.Round(q[d] / (double)scale), -127, 127);
            pairs[d / 2] |= (d & 1) == 0 ? (ushort)(short)v : v << 16;
            double dequantized = (double)scale * v;
            error = Math.Max(error, Math.Abs(q[d] - dequantized));
            l1 += Math.Abs(q[d]);
            l2 += (double)q[d] * q[d];
            abs = Math.Max(abs, Math.Abs(dequantized));
        }
        int dim = q.Length;
        double gammaD = dim * Unit / (1 - dim * Unit), gamma3 = 3 * Unit / (1 - 3 * Unit);
        double quantization = l1 * store.MaxError + error * store.MaxL1;
        double exactRounding = gammaD * Math.Sqrt(l2) * store.MaxL2;
        double approximateRounding = gamma3 * dim * abs * store.MaxAbs;
        // The γ bounds are relative and hold for normal numbers; a result in the subnormal range may be off by half
        // its spacing, 2⁻¹⁵⁰, per rounding: D of them in the exact chain, 3 in the approximate score.
        double underflow = (dim + 3) * Math.ScaleB(1.0, -150);
        bound = (quantization + exactRounding + approximateRounding) * (1 + 1e-6) + underflow;
        return scale;
    }

    /// <summary>Every int8 panel against every tile of the block: panel-outer, so a panel serves the block from cache.</summary>
    private static void Scan(Int8PanelStore store, int* queries, int padded, float[] queryScales, CandidateSelection candidates,
        CancellationToken cancellationToken)
    {
        int* dots = stackalloc int[TileQueries * PanelStore.Width];
        fixed (float* rowScales = store.Scales)
        {
            for (long p = 0; p < store.Panels && !cancellationToken.IsCancellationRequested; p++)
            {
                sbyte* panel = store.Panel(p);
                long rowBase = p * PanelStore.Width;
                int valid = (int)Math.Min(PanelStore.Width, store.Count - rowBase);
                for (int t = 0; t < padded; t += TileQueries)
                {
                    int* q = queries + (long)t * store.Pairs;
                    if (Avx512BW.IsSupported)
                        Tile512(q, store.Pairs, panel, dots);
                    else
                        TileScalar(q, store.Pairs, panel, dots);
                    Offer(dots, rowScales + rowBase, queryScales, t, candidates, (int)rowBase, valid);
                }
            }
        }
    }

    /// <summary>
    /// 6 queries × 64 rows of int32 dot products in 24 zmm accumulators: per pair of dimensions, four 32-byte
    /// loads widened to int16 (16 rows × 2 dimensions each) and 24 <c>vpmaddwd</c> + adds. Integer arithmetic is
    /// exact, so every path gives the same dots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile512(int* q, int pairs, sbyte* panel, int* dots)
    {
        Vector512<int> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<int> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<int> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<int> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<int> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<int> a50 = default, a51 = default, a52 = default, a53 = default;
        int* q0 = q, q1 = q + pairs, q2 = q + 2 * pairs, q3 = q + 3 * pairs, q4 = q + 4 * pairs, q5 = q + 5 * pairs;
        sbyte* b = panel;
        for (int d = 0; d < pairs; d++, b += PanelStore.Width * 2)
        {
            var b0 = Avx512BW.ConvertToVector512Int16(Vector256.LoadAligned(b));
            var b1 = Avx512BW.ConvertToVector512Int16(Vector256.LoadAligned(b + 32));
            var b2 = Avx512BW.ConvertToVector512Int16(Vector256.LoadAligned(b + 64));
            var b3 = Avx512BW.ConvertToVector512Int16(Vector256.LoadAligned(b + 96));
            var x = Vector512.Create(q0[d]).AsInt16();
            a00 += Avx512BW.MultiplyAddAdjacent(x, b0); a01 += Avx512BW.MultiplyAddAdjacent(x, b1);
            a02 += Avx512BW.MultiplyAddAdjacent(x, b2); a03 += Avx512BW.MultiplyAddAdjacent(x, b3);
            x = Vector512.Create(q1[d]).AsInt16();
            a10 += Avx512BW.MultiplyAddAdjacent(x, b0); a11 += Avx512BW.MultiplyAddAdjacent(x, b1);
            a12 += Avx512BW.MultiplyAddAdjacent(x, b2); a13 += Avx512BW.MultiplyAddAdjacent(x, b3);
            x = Vector512.Create(q2[d]).AsInt16();
            a20 += Avx512BW.MultiplyAddAdjacent(x, b0); a21 += Avx512BW.MultiplyAddAdjacent(x, b1);
            a22 += Avx512BW.MultiplyAddAdjacent(x, b2); a23 += Avx512BW.MultiplyAddAdjacent(x, b3);
            x = Vector512.Create(q3[d]).AsInt16();
            a30 += Avx512BW.MultiplyAddAdjacent(x, b0); a31 += Avx512BW.MultiplyAddAdjacent(x, b1);
            a32 += Avx512BW.MultiplyAddAdjacent(x, b2); a33 += Avx512BW.MultiplyAddAdjacent(x, b3);
            x = Vector512.Create(q4[d]).AsInt16();
            a40 += Avx512BW.MultiplyAddAdjacent(x, b0); a41 += Avx512BW.MultiplyAddAdjacent(x, b1);
            a42 += Avx512BW.MultiplyAddAdjacent(x, b2); a43 += Avx512BW.MultiplyAddAdjacent(x, b3);
            x = Vector512.Create(q5[d]).AsInt16();
            a50 += Avx512BW.MultiplyAddAdjacent(x, b0); a51 += Avx512BW.MultiplyAddAdjacent(x, b1);
            a52 += Avx512BW.MultiplyAddAdjacent(x, b2); a53 += Avx512BW.MultiplyAddAdjacent(x, b3);
        }
        a00.Store(dots); a01.Store(dots + 16); a02.Store(dots + 32); a03.Store(dots + 48);
        a10.Store(dots + 64); a11.Store(dots + 80); a12.Store(dots + 96); a13.Store(dots + 112);
        a20.Store(dots + 128); a21.Store(dots + 144); a22.Store(dots + 160); a23.Store(dots + 176);
        a30.Store(dots + 192); a31.Store(dots + 208); a32.Store(dots + 224); a33.Store(dots + 240);
        a40.Store(dots + 256); a41.Store(dots + 272); a42.Store(dots + 288); a43.Store(dots + 304);
        a50.Store(dots + 320); a51.Store(dots + 336); a52.Store(dots + 352); a53.Store(dots + 368);
    }

    /// <summary>The path without AVX-512BW: the same integer dots one at a time.</summary>
    internal static void TileScalar(int* q, int pairs, sbyte* panel, int* dots)
    {
        for (int r = 0; r < TileQueries; r++)
        {
            for (int lane = 0; lane < PanelStore.Width; lane++)
            {
                int s = 0;
                for (int d = 0; d < pairs; d++)
                {
                    int packed = q[r * pairs + d];
                    sbyte* x = panel + (long)d * PanelStore.Width * 2 + lane * 2;
                    s += (short)packed * x[0] + (packed >> 16) * x[1];
                }
                dots[r * PanelStore.Width + lane] = s;
            }
        }
    }

    /// <summary>Approximate scores of a tile, <c>(float)dot · s_r · s_q</c>, offered where they reach the query's threshold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Offer(int* dots, float* rowScales, float[] queryScales, int queryBase, CandidateSelection candidates,
        int rowBase, int valid)
    {
        ulong validMask = valid >= 64 ? ulong.MaxValue : (1UL << valid) - 1;
        for (int r = 0; r < TileQueries; r++)
        {
            int query = queryBase + r;
            var scale = Vector512.Create(queryScales[query]);
            var threshold = Vector512.Create(candidates.Thresholds[query]);
            int* dot = dots + r * PanelStore.Width;
            ulong mask = 0;
            for (int v = 0; v < 4; v++)
            {
                var a = Vector512.ConvertToSingle(Vector512.Load(dot + 16 * v)) * Vector512.Load(rowScales + 16 * v) * scale;
                mask |= Vector512.GreaterThanOrEqual(a, threshold).ExtractMostSignificantBits() << (16 * v);
            }
            mask &= validMask;
            while (mask != 0)
            {
                int lane = BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                // The same float arithmetic as the vector lane, in the same order.
                float a = (float)dot[lane] * rowScales[lane] * queryScales[query];
                candidates.Offer(query, a, rowBase + lane);
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
