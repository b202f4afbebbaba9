using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Search;

/// <summary>
/// The CPU path of the search: a register-blocked micro-kernel computes a tile of <see cref="TileQueries"/> queries
/// × one panel of <see cref="PanelStore.Width"/> rows in registers, and tests the tile's scores against each
/// query's current k-th best before they leave the registers; only a score that reaches it goes to the selection.
/// </summary>
/// <remarks>
/// Every score is one chain of fused multiply-adds over the dimensions in order, <c>s = fma(q[d], x[d], s)</c>
/// from d = 0, on every path (Vector512, Vector256, scalar, and the ILGPU kernel), so every path gives the same
/// float32 score to the last bit and hence the same ids, ties included.
/// </remarks>
// The slow path's score buffers are written before they are read; zeroing them on every tile is waste.
[SkipLocalsInit]
internal static unsafe partial class CosineTopK
{
    /// <summary>
    /// Queries per micro-kernel tile. 6 queries × 4 Vector512 columns = 24 accumulators, plus 4 column loads and
    /// the broadcast query element: 29 of the 32 zmm registers, so nothing spills.
    /// </summary>
    public const int TileQueries = 6;

    /// <summary>
    /// Bytes of queries a block keeps hot while panels stream past: about a quarter of a 1–2 MB L2, so the
    /// block and the current panel (up to 64 × 4096 × 4 bytes at the largest dimension) share L2.
    /// </summary>
    private const int QueryBlockBytes = 256 << 10;

    /// <summary>
    /// Fewest queries per block for the query split: below this a panel fetched from memory serves too few
    /// queries, and splitting the database across cores (then merging) keeps every core busy instead.
    /// </summary>
    private const int MinSplitQueries = 48;

    /// <summary>
    /// Most panels per work item when the database is split across cores (a small database gets smaller items,
    /// at least four per core, so the cores finish together).
    /// </summary>
    private const int MaxPanelsPerChunk = 64;

    /// <summary>Blocks per core the query split aims for, so the cores finish together.</summary>
    private const int BlocksPerWorker = 4;

    /// <summary>
    /// Smallest block made only for balance: a panel streamed from memory still serves ~100 queries (at d = 128,
    /// 32 KB of panel per 1.6 MFLOP), far more than memory bandwidth needs.
    /// </summary>
    private const int BalancedQueries = 96;

    /// <summary>
    /// Scans every row of <paramref name="store"/> for every query and feeds the selections. Queries are split
    /// across cores in blocks; with too few queries for that, the panels are split and each worker's selection
    /// merged.
    /// </summary>
    /// <param name="store">The packed database.</param>
    /// <param name="queries">Row-major queries, <paramref name="queryCount"/> × dimension.</param>
    /// <param name="queryCount">Number of queries.</param>
    /// <param name="create">Makes a selection for a block of that many (tile-padded) queries.</param>
    /// <param name="merge">Folds (source, source query) into (target, target query).</param>
    /// <param name="write">Writes (selection, block query) as global query.</param>
    /// <param name="progress">Receives the running count of queries done.</param>
    /// <param name="cancellationToken">Checked before every panel; a cancelled run throws <see cref="OperationCanceledException"/>.</param>
    public static void Run<TSelection>(PanelStore store, ReadOnlySpan<float> queries, int queryCount,
        Func<int, TSelection> create, Action<TSelection, int, TSelection, int> merge, Action<TSelection, int, int> write,
        IProgress<long>? progress, CancellationToken cancellationToken = default) where TSelection : class, ISelection, IThresholds
    {
        if (queryCount == 0)
            return;
        int dim = store.Dimension;
        int workers = Environment.ProcessorCount;
        int maxBlock = Math.Max(TileQueries, QueryBlockBytes / (dim * sizeof(float)) / TileQueries * TileQueries);
        // At least BlocksPerWorker blocks a core when the queries allow blocks of BalancedQueries: a core that
        // the machine takes away for a while then delays one small block, not half the search.
        int blocks = Math.Max((queryCount + maxBlock - 1) / maxBlock, Math.Min(BlocksPerWorker * workers, queryCount / BalancedQueries));
        blocks = (Math.Max(blocks, 1) + workers - 1) / workers * workers;
        int block = RoundUp((queryCount + blocks - 1) / blocks, TileQueries);
        fixed (float* q = queries)
        {
            nint qp = (nint)q;
            if (block >= MinSplitQueries || store.Panels <= 1 || workers == 1)
                RunQuerySplit(store, (float*)qp, queryCount, block, create, write, progress, cancellationToken);
            else
                RunDatabaseSplit(store, (float*)qp, queryCount, create, merge, write, progress, cancellationToken);
        }
        // The workers stop at the next panel once cancelled; what they left is incomplete.
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void RunQuerySplit<TSelection>(PanelStore store, float* queries, int queryCount, int block,
        Func<int, TSelection> create, Action<TSelection, int, int> write, IProgress<long>? progress, CancellationToken cancellationToken)
        where TSelection : class, ISelection, IThresholds
    {
        int blocks = (queryCount + block - 1) / block;
        long done = 0;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
        {
            int first = b * block;
            int count = Math.Min(block, queryCount - first);
            var padded = PadQueries(queries, first, count, store.Dimension);
            var selection = create(padded.Length / store.Dimension);
            fixed (float* p = padded)
                ScanPanels(store, p, padded.Length / store.Dimension, count, selection, 0, store.Panels, cancellationToken);
            for (int i = 0; i < count; i++)
                write(selection, i, first + i);
            progress?.Report(Interlocked.Add(ref done, count));
        });
    }

    private static void RunDatabaseSplit<TSelection>(PanelStore store, float* queries, int queryCount,
        Func<int, TSelection> create, Action<TSelection, int, TSelection, int> merge, Action<TSelection, int, int> write,
        IProgress<long>? progress, CancellationToken cancellationToken) where TSelection : class, ISelection, IThresholds
    {
        var padded = PadQueries(queries, 0, queryCount, store.Dimension);
        int paddedCount = padded.Length / store.Dimension;
        var result = create(paddedCount);
        long perChunk = Math.Clamp(store.Panels / (4L * Environment.ProcessorCount), 1, MaxPanelsPerChunk);
        long chunks = (store.Panels + perChunk - 1) / perChunk;
        long next = -1, panelsDone = 0;
        var gate = new Lock();
        int workers = (int)Math.Min(Environment.ProcessorCount, chunks);
        fixed (float* p = padded)
        {
            nint pp = (nint)p;
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
            {
                var selection = create(paddedCount);
                long chunk;
                while ((chunk = Interlocked.Increment(ref next)) < chunks)
                {
                    long start = chunk * perChunk, end = Math.Min(store.Panels, start + perChunk);
                    ScanPanels(store, (float*)pp, paddedCount, queryCount, selection, start, end, cancellationToken);
                    long panels = Interlocked.Add(ref panelsDone, end - start);
                    progress?.Report(queryCount * panels / store.Panels);
                }
                lock (gate)
                {
                    for (int i = 0; i < queryCount; i++)
                        merge(selection, i, result, i);
                }
            });
        }
        for (int i = 0; i < queryCount; i++)
            write(result, i, i);
    }

    /// <summary>Copies queries [first, first + count) into a buffer padded with zero rows to whole tiles.</summary>
    private static float[] PadQueries(float* queries, int first, int count, int dim)
    {
        var padded = GC.AllocateUninitializedArray<float>(RoundUp(count, TileQueries) * dim);
        new ReadOnlySpan<float>(queries + (long)first * dim, count * dim).CopyTo(padded);
        padded.AsSpan(count * dim).Clear();
        return padded;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>
    /// Panels [start, end) against every tile of a block: panel-outer, so a panel read from memory once serves
    /// the whole block from cache.
    /// </summary>
    private static void ScanPanels<TSelection>(PanelStore store, float* queries, int paddedCount, int realCount,
        TSelection selection, long start, long end, CancellationToken cancellationToken) where TSelection : class, ISelection, IThresholds
    {
        int dim = store.Dimension;
        var thresholds = selection.Thresholds;
        // Padded queries never take a result: +∞ is above every score a finite input can make.
        thresholds.AsSpan(realCount, paddedCount - realCount).Fill(float.PositiveInfinity);
        fixed (float* thr = thresholds)
        {
            for (long p = start; p < end && !cancellationToken.IsCancellationRequested; p++)
            {
                float* panel = store.Panel(p);
                long rowBase = p * PanelStore.Width;
                int valid = (int)Math.Min(PanelStore.Width, store.Count - rowBase);
                for (int t = 0; t < paddedCount; t += TileQueries)
                {
                    float* q = queries + (long)t * dim;
                    if (Vector512.IsHardwareAccelerated)
                        Tile512(q, dim, panel, thr + t, selection, t, (int)rowBase, valid);
                    else if (Vector256.IsHardwareAccelerated)
                        Tile256(q, dim, panel, thr + t, selection, t, (int)rowBase, valid);
                    else
                        TileScalar(q, dim, panel, thr + t, selection, t, (int)rowBase, valid);
                }
            }
        }
    }

    // Written per width rather than once over Width512/Width256: the register blocking differs (24 of 32 zmm, 12 of 16 ymm).
    /// <summary>
    /// 6 queries × 64 rows in 24 zmm accumulators; the dimension loop is innermost and each step is 4 panel
    /// loads, 6 broadcasts and 24 FMAs. The epilogue compares the accumulators with each query's threshold and
    /// leaves the registers only when a lane reaches it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile512(float* q, int dim, float* panel, float* thr, ISelection selection, int queryBase,
        int rowBase, int valid)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
        float* q0 = q, q1 = q + dim, q2 = q + 2 * dim, q3 = q + 3 * dim, q4 = q + 4 * dim, q5 = q + 5 * dim;
        float* b = panel;
        for (int d = 0; d < dim; d++, b += PanelStore.Width)
        {
            var b0 = Vector512.LoadAligned(b);
            var b1 = Vector512.LoadAligned(b + 16);
            var b2 = Vector512.LoadAligned(b + 32);
            var b3 = Vector512.LoadAligned(b + 48);
            Accumulate(q0[d], b0, b1, b2, b3, ref a00, ref a01, ref a02, ref a03);
            Accumulate(q1[d], b0, b1, b2, b3, ref a10, ref a11, ref a12, ref a13);
            Accumulate(q2[d], b0, b1, b2, b3, ref a20, ref a21, ref a22, ref a23);
            Accumulate(q3[d], b0, b1, b2, b3, ref a30, ref a31, ref a32, ref a33);
            Accumulate(q4[d], b0, b1, b2, b3, ref a40, ref a41, ref a42, ref a43);
            Accumulate(q5[d], b0, b1, b2, b3, ref a50, ref a51, ref a52, ref a53);
        }
        // The fused top-k test: all compares in registers and no call while an accumulator is live — a call
        // would make the JIT keep every accumulator on the stack inside the loop (System V saves no vector
        // register across calls), which measured about 3× slower. Each query gets a 64-bit mask of the lanes
        // that reach its threshold, so the slow path visits only those.
        ulong m0 = Reach512(a00, a01, a02, a03, thr[0]), m1 = Reach512(a10, a11, a12, a13, thr[1]);
        ulong m2 = Reach512(a20, a21, a22, a23, thr[2]), m3 = Reach512(a30, a31, a32, a33, thr[3]);
        ulong m4 = Reach512(a40, a41, a42, a43, thr[4]), m5 = Reach512(a50, a51, a52, a53, thr[5]);
        if ((m0 | m1 | m2 | m3 | m4 | m5) == 0)
            return;
        float* scores = stackalloc float[TileQueries * PanelStore.Width];
        a00.Store(scores); a01.Store(scores + 16); a02.Store(scores + 32); a03.Store(scores + 48);
        a10.Store(scores + 64); a11.Store(scores + 80); a12.Store(scores + 96); a13.Store(scores + 112);
        a20.Store(scores + 128); a21.Store(scores + 144); a22.Store(scores + 160); a23.Store(scores + 176);
        a30.Store(scores + 192); a31.Store(scores + 208); a32.Store(scores + 224); a33.Store(scores + 240);
        a40.Store(scores + 256); a41.Store(scores + 272); a42.Store(scores + 288); a43.Store(scores + 304);
        a50.Store(scores + 320); a51.Store(scores + 336); a52.Store(scores + 352); a53.Store(scores + 368);
        ulong* masks = stackalloc ulong[TileQueries];
        masks[0] = m0; masks[1] = m1; masks[2] = m2; masks[3] = m3; masks[4] = m4; masks[5] = m5;
        OfferTile(scores, PanelStore.Width, 0, masks, selection, queryBase, rowBase, valid);
    }

    /// <summary>One query's step of <see cref="Tile512"/>: its 64 accumulators += q · the panel's 64 values of one dimension.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float q, Vector512<float> b0, Vector512<float> b1, Vector512<float> b2, Vector512<float> b3,
        ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3)
    {
        var x = Vector512.Create(q);
        a0 = Vector512.FusedMultiplyAdd(x, b0, a0);
        a1 = Vector512.FusedMultiplyAdd(x, b1, a1);
        a2 = Vector512.FusedMultiplyAdd(x, b2, a2);
        a3 = Vector512.FusedMultiplyAdd(x, b3, a3);
    }

    /// <summary>Bit i set when lane i of one query's 64 scores reaches its threshold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Reach512(Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3,
        float threshold)
    {
        var t = Vector512.Create(threshold);
        return Vector512.GreaterThanOrEqual(s0, t).ExtractMostSignificantBits()
            | (Vector512.GreaterThanOrEqual(s1, t).ExtractMostSignificantBits() << 16)
            | (Vector512.GreaterThanOrEqual(s2, t).ExtractMostSignificantBits() << 32)
            | (Vector512.GreaterThanOrEqual(s3, t).ExtractMostSignificantBits() << 48);
    }

    /// <summary>
    /// The slow path: offers the flagged scores of a stored tile (6 queries × <paramref name="width"/> scores, for
    /// panel lanes from <paramref name="lane"/>), re-reading each query's threshold as it rises.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OfferTile(float* scores, int width, int lane, ulong* masks, ISelection selection, int queryBase,
        int rowBase, int valid)
    {
        int validLanes = Math.Clamp(valid - lane, 0, width);
        ulong validMask = validLanes >= 64 ? ulong.MaxValue : (1UL << validLanes) - 1;
        for (int r = 0; r < TileQueries; r++)
        {
            ulong bits = masks[r] & validMask;
            while (bits != 0)
            {
                int b = BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                float score = scores[r * width + b];
                if (score >= selection.Threshold(queryBase + r))
                    selection.Offer(queryBase + r, score, rowBase + lane + b);
            }
        }
    }

    /// <summary>The slow path: lanes [from, to) of a panel that may enter; the threshold is re-read as it rises.</summary>
    private static void OfferLanes(float* scores, int from, int to, ISelection selection, int query, int rowBase, int valid)
    {
        to = Math.Min(to, valid);
        for (int lane = from; lane < to; lane++)
        {
            if (scores[lane - from] >= selection.Threshold(query))
                selection.Offer(query, scores[lane - from], rowBase + lane);
        }
    }

    /// <summary>
    /// The Vector256 micro-kernel: 6 queries × 16 rows (12 ymm accumulators of the 16 registers), run four times
    /// across a 64-row panel. Same FMA chain per score as <see cref="Tile512"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile256(float* q, int dim, float* panel, float* thr, ISelection selection, int queryBase,
        int rowBase, int valid)
    {
        float* q0 = q, q1 = q + dim, q2 = q + 2 * dim, q3 = q + 3 * dim, q4 = q + 4 * dim, q5 = q + 5 * dim;
        float* scores = stackalloc float[TileQueries * 16];
        ulong* masks = stackalloc ulong[TileQueries];
        for (int lane = 0; lane < PanelStore.Width; lane += 16)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
            Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
            float* b = panel + lane;
            for (int d = 0; d < dim; d++, b += PanelStore.Width)
            {
                var b0 = Vector256.LoadAligned(b);
                var b1 = Vector256.LoadAligned(b + 8);
                Accumulate(q0[d], b0, b1, ref a00, ref a01);
                Accumulate(q1[d], b0, b1, ref a10, ref a11);
                Accumulate(q2[d], b0, b1, ref a20, ref a21);
                Accumulate(q3[d], b0, b1, ref a30, ref a31);
                Accumulate(q4[d], b0, b1, ref a40, ref a41);
                Accumulate(q5[d], b0, b1, ref a50, ref a51);
            }
            ulong m0 = Reach256(a00, a01, thr[0]), m1 = Reach256(a10, a11, thr[1]), m2 = Reach256(a20, a21, thr[2]);
            ulong m3 = Reach256(a30, a31, thr[3]), m4 = Reach256(a40, a41, thr[4]), m5 = Reach256(a50, a51, thr[5]);
            if ((m0 | m1 | m2 | m3 | m4 | m5) == 0)
                continue;
            a00.Store(scores); a01.Store(scores + 8); a10.Store(scores + 16); a11.Store(scores + 24);
            a20.Store(scores + 32); a21.Store(scores + 40); a30.Store(scores + 48); a31.Store(scores + 56);
            a40.Store(scores + 64); a41.Store(scores + 72); a50.Store(scores + 80); a51.Store(scores + 88);
            masks[0] = m0; masks[1] = m1; masks[2] = m2; masks[3] = m3; masks[4] = m4; masks[5] = m5;
            OfferTile(scores, 16, lane, masks, selection, queryBase, rowBase, valid);
        }
    }

    /// <summary>One query's step of <see cref="Tile256"/>: its 16 accumulators += q · the panel's 16 values of one dimension.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float q, Vector256<float> b0, Vector256<float> b1, ref Vector256<float> a0, ref Vector256<float> a1)
    {
        var x = Vector256.Create(q);
        a0 = Vector256.FusedMultiplyAdd(x, b0, a0);
        a1 = Vector256.FusedMultiplyAdd(x, b1, a1);
    }

    /// <summary>Bit i set when lane i of one query's 16 scores reaches its threshold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Reach256(Vector256<float> s0, Vector256<float> s1, float threshold)
    {
        var t = Vector256.Create(threshold);
        return Vector256.GreaterThanOrEqual(s0, t).ExtractMostSignificantBits()
            | (Vector256.GreaterThanOrEqual(s1, t).ExtractMostSignificantBits() << 8);
    }

    /// <summary>The path without SIMD: the same FMA chain one score at a time.</summary>
    internal static void TileScalar(float* q, int dim, float* panel, float* thr, ISelection selection, int queryBase,
        int rowBase, int valid)
    {
        float* scores = stackalloc float[PanelStore.Width];
        for (int r = 0; r < TileQueries; r++)
        {
            for (int lane = 0; lane < PanelStore.Width; lane++)
            {
                float s = 0;
                for (int d = 0; d < dim; d++)
                    s = MathF.FusedMultiplyAdd(q[r * dim + d], panel[(long)d * PanelStore.Width + lane], s);
                scores[lane] = s;
            }
            if (thr[r] != float.PositiveInfinity)
                OfferLanes(scores, 0, PanelStore.Width, selection, queryBase + r, rowBase, valid);
        }
    }
}
