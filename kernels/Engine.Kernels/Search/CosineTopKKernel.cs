using ILGPU.Runtime.Cuda;

namespace Engine.Kernels.Search;

/// <summary>
/// Cosine top-k on a GPU with the selection fused into the scoring. <see cref="Search"/>: a group takes 64 queries
/// and one slice of the database; per panel of 64 rows it computes the 64 × 64 scores in registers (4 × 4 a
/// thread), offers each score that beats its query's current k-th best to that query's queue in shared memory,
/// and the group then merges each non-empty queue into its query's sorted best-k list, which are the only
/// global memory the selection uses (a bounded staging buffer: queries × slices × k). <see cref="MergeSlices"/>
/// merges the slices' lists of a query into one. In the spirit of FAISS's BlockSelect: a cheap threshold test
/// per score in registers, group-wide merges only for the few scores that pass.
/// </summary>
/// <remarks>
/// <para>Every score is the same chain of fused multiply-adds over the dimensions in order as the CPU path's
/// (<c>s = fma(q[d], x[d], s)</c> from d = 0), so both give the same float32 scores and the same ids. The database
/// is in the CPU path's panel layout (64 rows per panel, dimension-major), so a group's row tile is one panel and
/// its loads are coalesced.</para>
/// <para>Lists hold (score, row) pairs in the total order: score descending, then id ascending, then row
/// ascending (rows with equal score and id are indistinguishable in a result); empty entries (−∞, −1) last.</para>
/// </remarks>
public static class CosineTopKKernel
{
    /// <summary>Threads per group of <see cref="Search"/>.</summary>
    public const int GroupSize = 256;

    /// <summary>Queries and rows per tile (rows: one panel).</summary>
    public const int Tile = 64;

    /// <summary>Dimensions per shared-memory step: 2 × 64 × 16 floats = 8 KB of shared memory.</summary>
    public const int TileDims = 16;

    /// <summary>
    /// Candidates a query's queue holds: one panel's rows, so the queues, merged after every panel, never overflow.
    /// 64 queries × 64 × 8 bytes = 32 KB, which with the 8 KB of tiles stays within the 48 KB every CUDA GPU gives a group.
    /// </summary>
    public const int QueueLength = Tile;

    /// <summary>Threads per group of <see cref="MergeSlices"/>: one a queue entry.</summary>
    public const int MergeGroupSize = QueueLength;

    /// <summary>
    /// Group (x, y) scores queries <c>64·x …</c> against the panels of slice y and keeps each query's best
    /// <paramref name="k"/> of the slice in <c>bestScores/bestRows[((y · queryCount) + query) · k …]</c>, sorted.
    /// Thread (tx, ty) of the 16 × 16 owns queries <c>ty + 16i</c> and rows <c>tx + 16j</c> of a tile.
    /// </summary>
    /// <param name="panels">The packed database: per panel, <c>dim × 64</c> floats, dimension-major.</param>
    /// <param name="dim">Floats per row.</param>
    /// <param name="rowCount">Rows in the database; the last panel's lanes past it are no rows.</param>
    /// <param name="ids">Id of each row; ignored when <paramref name="hasIds"/> is 0 (the id is the row).</param>
    /// <param name="hasIds">1 when <paramref name="ids"/> applies.</param>
    /// <param name="queries">Row-major queries, <paramref name="queryCount"/> × <paramref name="dim"/>.</param>
    /// <param name="queryCount">Number of queries.</param>
    /// <param name="k">Results kept per query and slice.</param>
    /// <param name="panelsPerSlice">Panels of each slice (the last slice may have fewer).</param>
    /// <param name="bestScores">Staging: per slice and query, <paramref name="k"/> scores.</param>
    /// <param name="bestRows">Staging: per slice and query, <paramref name="k"/> rows (−1: none).</param>
    public static void Search(ArrayView<float> panels, int dim, int rowCount, ArrayView<long> ids, int hasIds,
        ArrayView<float> queries, int queryCount, int k, int panelsPerSlice, ArrayView<float> bestScores, ArrayView<int> bestRows)
    {
        var qs = SharedMemory.Allocate<float>(Tile * TileDims);
        var xs = SharedMemory.Allocate<float>(Tile * TileDims);
        var queueScores = SharedMemory.Allocate<float>(Tile * QueueLength);
        var queueRows = SharedMemory.Allocate<int>(Tile * QueueLength);
        var queued = SharedMemory.Allocate<int>(Tile);
        var thresholdScores = SharedMemory.Allocate<float>(Tile);
        var thresholdRows = SharedMemory.Allocate<int>(Tile);
        int tid = Group.IdxX;
        int tx = tid % 16, ty = tid / 16;
        int queryBase = Grid.IdxX * Tile;
        int tileQueries = queryCount - queryBase < Tile ? queryCount - queryBase : Tile;
        long firstList = ((long)Grid.IdxY * queryCount + queryBase) * k;
        long firstPanel = (long)Grid.IdxY * panelsPerSlice;
        long panelCount = ((long)rowCount + Tile - 1) / Tile;
        long endPanel = firstPanel + panelsPerSlice < panelCount ? firstPanel + panelsPerSlice : panelCount;

        for (long e = tid; e < (long)tileQueries * k; e += GroupSize)
        {
            bestScores[firstList + e] = float.NegativeInfinity;
            bestRows[firstList + e] = -1;
        }
        if (tid < Tile)
        {
            queued[tid] = 0;
            thresholdScores[tid] = float.NegativeInfinity;
            thresholdRows[tid] = -1;
        }
        Group.Barrier();

        for (long panel = firstPanel; panel < endPanel; panel++)
        {
            long panelBase = panel * Tile * dim;
            float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
            float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
            for (int d0 = 0; d0 < dim; d0 += TileDims)
            {
                int steps = dim - d0 < TileDims ? dim - d0 : TileDims;
                for (int e = tid; e < Tile * TileDims; e += GroupSize)
                {
                    int qRow = e / TileDims, qd = e % TileDims;
                    qs[e] = qd < steps && qRow < tileQueries ? queries[(long)(queryBase + qRow) * dim + d0 + qd] : 0f;
                    int xd = e / Tile, xLane = e % Tile;
                    xs[e] = xd < steps ? panels[panelBase + (long)(d0 + xd) * Tile + xLane] : 0f;
                }
                Group.Barrier();
                for (int dd = 0; dd < steps; dd++)
                {
                    float q0 = qs[ty * TileDims + dd], q1 = qs[(ty + 16) * TileDims + dd];
                    float q2 = qs[(ty + 32) * TileDims + dd], q3 = qs[(ty + 48) * TileDims + dd];
                    float x0 = xs[dd * Tile + tx], x1 = xs[dd * Tile + tx + 16];
                    float x2 = xs[dd * Tile + tx + 32], x3 = xs[dd * Tile + tx + 48];
                    a00 = Fma(q0, x0, a00); a01 = Fma(q0, x1, a01);
                    a02 = Fma(q0, x2, a02); a03 = Fma(q0, x3, a03);
                    a10 = Fma(q1, x0, a10); a11 = Fma(q1, x1, a11);
                    a12 = Fma(q1, x2, a12); a13 = Fma(q1, x3, a13);
                    a20 = Fma(q2, x0, a20); a21 = Fma(q2, x1, a21);
                    a22 = Fma(q2, x2, a22); a23 = Fma(q2, x3, a23);
                    a30 = Fma(q3, x0, a30); a31 = Fma(q3, x1, a31);
                    a32 = Fma(q3, x2, a32); a33 = Fma(q3, x3, a33);
                }
                Group.Barrier();
            }

            int row = (int)(panel * Tile) + tx;
            var queue = new Queues(queueScores, queueRows, queued, thresholdScores, thresholdRows, ids, hasIds, rowCount, tileQueries);
            queue.Offer(ty, row, a00, a01, a02, a03);
            queue.Offer(ty + 16, row, a10, a11, a12, a13);
            queue.Offer(ty + 32, row, a20, a21, a22, a23);
            queue.Offer(ty + 48, row, a30, a31, a32, a33);
            Group.Barrier();

            // Query by query with the whole group: after the first k rows few scores pass, and most queues are empty.
            for (int q = 0; q < tileQueries; q++)
            {
                int candidates = queued[q];
                if (candidates > 0)
                {
                    long list = firstList + (long)q * k;
                    MergeQueue(queueScores, queueRows, q * QueueLength, candidates, bestScores, bestRows, list, k, ids, hasIds, tid, GroupSize);
                    if (tid == 0)
                    {
                        thresholdScores[q] = bestScores[list + k - 1];
                        thresholdRows[q] = bestRows[list + k - 1];
                        queued[q] = 0;
                    }
                }
            }
            Group.Barrier();
        }
    }

    /// <summary>
    /// Group q (<see cref="MergeGroupSize"/> threads) merges the sorted lists of query q from slices 1 … <paramref name="slices"/> − 1 into
    /// slice 0's, a queue's length at a time, stopping at a slice's first entry that cannot enter.
    /// </summary>
    /// <param name="bestScores">The staging scores <see cref="Search"/> wrote.</param>
    /// <param name="bestRows">The staging rows <see cref="Search"/> wrote.</param>
    /// <param name="queryCount">Number of queries.</param>
    /// <param name="k">Results per query and slice.</param>
    /// <param name="slices">Slices <see cref="Search"/> ran with.</param>
    /// <param name="ids">Id of each row; ignored when <paramref name="hasIds"/> is 0.</param>
    /// <param name="hasIds">1 when <paramref name="ids"/> applies.</param>
    public static void MergeSlices(ArrayView<float> bestScores, ArrayView<int> bestRows, int queryCount, int k, int slices,
        ArrayView<long> ids, int hasIds)
    {
        var queueScores = SharedMemory.Allocate<float>(QueueLength);
        var queueRows = SharedMemory.Allocate<int>(QueueLength);
        int tid = Group.IdxX;
        long target = (long)Grid.IdxX * k;
        for (int slice = 1; slice < slices; slice++)
        {
            long source = ((long)slice * queryCount + Grid.IdxX) * k;
            for (int chunk = 0; chunk < k; chunk += QueueLength)
            {
                if (!Before(bestScores[source + chunk], bestRows[source + chunk], bestScores[target + k - 1], bestRows[target + k - 1], ids, hasIds))
                    break;
                int length = k - chunk < QueueLength ? k - chunk : QueueLength;
                if (tid < length)
                {
                    queueScores[tid] = bestScores[source + chunk + tid];
                    queueRows[tid] = bestRows[source + chunk + tid];
                }
                Group.Barrier();
                int candidates = CountRows(queueRows, 0, length);
                MergeQueue(queueScores, queueRows, 0, candidates, bestScores, bestRows, target, k, ids, hasIds, tid, MergeGroupSize);
            }
        }
    }

    /// <summary>The queues of a group's queries and the thresholds a score must beat to enter one.</summary>
    private readonly struct Queues(ArrayView<float> scores, ArrayView<int> rows, ArrayView<int> queued,
        ArrayView<float> thresholdScores, ArrayView<int> thresholdRows, ArrayView<long> ids, int hasIds, int rowCount, int tileQueries)
    {
        /// <summary>Offers the scores of rows <c>row, row + 16, row + 32, row + 48</c> for query <paramref name="query"/>.</summary>
        public void Offer(int query, int row, float s0, float s1, float s2, float s3)
        {
            if (query >= tileQueries)
                return;
            Offer(query, row, s0);
            Offer(query, row + 16, s1);
            Offer(query, row + 32, s2);
            Offer(query, row + 48, s3);
        }

        private void Offer(int query, int row, float score)
        {
            if (row < rowCount && Before(score, row, thresholdScores[query], thresholdRows[query], ids, hasIds))
            {
                int slot = Atomic.Add(ref queued[query], 1);
                scores[query * QueueLength + slot] = score;
                rows[query * QueueLength + slot] = row;
            }
        }
    }

    /// <summary>
    /// The group merges <paramref name="candidates"/> (score, row) pairs of a queue (unsorted, distinct rows, none in
    /// the list, at most <paramref name="threads"/>) into the sorted list of <paramref name="k"/> at
    /// <paramref name="list"/>: the queue is sorted in place by rank, each entry's place in the merged list found by
    /// binary search, the list's entries behind the first newcomer moved down from the back (a group's width at a
    /// time, all reads before the writes), then the queue's entries written into the gaps. Entries that end past k
    /// drop out. Every thread of the group calls it, with the same arguments but <paramref name="thread"/>.
    /// </summary>
    private static void MergeQueue(ArrayView<float> queueScores, ArrayView<int> queueRows, int queue, int candidates,
        ArrayView<float> listScores, ArrayView<int> listRows, long list, int k, ArrayView<long> ids, int hasIds, int thread, int threads)
    {
        bool holds = thread < candidates;
        float score = 0;
        int row = -1, rank = 0;
        if (holds)
        {
            score = queueScores[queue + thread];
            row = queueRows[queue + thread];
            rank = Rank(score, row, queueScores, queueRows, queue, candidates, ids, hasIds);
        }
        Group.Barrier();
        if (holds)
        {
            queueScores[queue + rank] = score;
            queueRows[queue + rank] = row;
        }
        Group.Barrier();

        int filled = CountRows(listRows, list, k);
        int to = holds ? rank + CountBefore(score, row, listScores, listRows, list, filled, ids, hasIds) : k;
        int firstMoved = CountBefore(queueScores[queue], queueRows[queue], listScores, listRows, list, filled, ids, hasIds);
        // Every search of the list is done before any thread writes it.
        Group.Barrier();
        for (int top = filled - 1; top >= firstMoved; top -= threads)
        {
            int i = top - thread;
            float movedScore = 0;
            int movedRow = -1, movedTo = k;
            if (i >= firstMoved)
            {
                movedScore = listScores[list + i];
                movedRow = listRows[list + i];
                movedTo = i + CountBefore(movedScore, movedRow, queueScores, queueRows, queue, candidates, ids, hasIds);
            }
            Group.Barrier();
            if (movedTo < k)
            {
                listScores[list + movedTo] = movedScore;
                listRows[list + movedTo] = movedRow;
            }
            Group.Barrier();
        }
        if (to < k)
        {
            listScores[list + to] = score;
            listRows[list + to] = row;
        }
        Group.Barrier();
    }

    /// <summary>Entries of the queue before (score, row): its index once the queue is sorted.</summary>
    private static int Rank(float score, int row, ArrayView<float> scores, ArrayView<int> rows, int start, int length,
        ArrayView<long> ids, int hasIds)
    {
        int rank = 0;
        for (int t = 0; t < length; t++)
        {
            if (Before(scores[start + t], rows[start + t], score, row, ids, hasIds))
                rank++;
        }
        return rank;
    }

    /// <summary>Entries of a sorted run before (score, row), by binary search.</summary>
    private static int CountBefore(float score, int row, ArrayView<float> scores, ArrayView<int> rows, long start, int length,
        ArrayView<long> ids, int hasIds)
    {
        int lo = 0, hi = length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (Before(scores[start + mid], rows[start + mid], score, row, ids, hasIds))
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>Entries of a sorted run that hold a row (the empty ones, row −1, are last), by binary search.</summary>
    private static int CountRows(ArrayView<int> rows, long start, int length)
    {
        int lo = 0, hi = length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (rows[start + mid] >= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>The total order: a before b when its score is larger, or equal with a smaller id, or also an equal id with a smaller row; no row (−1) last.</summary>
    private static bool Before(float scoreA, int rowA, float scoreB, int rowB, ArrayView<long> ids, int hasIds)
    {
        if (rowA < 0)
            return false;
        if (rowB < 0)
            return true;
        if (scoreA != scoreB)
            return scoreA > scoreB;
        long idA = hasIds != 0 ? ids[rowA] : rowA;
        long idB = hasIds != 0 ? ids[rowB] : rowB;
        return idA != idB ? idA < idB : rowA < rowB;
    }

    /// <summary>
    /// A fused multiply-add, one rounding, as the CPU path's vector FMA: PTX's <c>fma.rn.f32</c> on CUDA, elsewhere
    /// (the CPU accelerator) the same result from float64 arithmetic. ILGPU compiles
    /// <see cref="MathF.FusedMultiplyAdd"/> to an unresolved external function, so it cannot be used.
    /// </summary>
    private static float Fma(float a, float b, float c)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("fma.rn.f32 %0, %1, %2, %3;", out float result, a, b, c);
            return result;
        }
        return FmaByDouble(a, b, c);
    }

    /// <summary>
    /// fma(a, b, c) in float32 without an FMA instruction: the product of two floats is exact in float64, the sum's
    /// rounding error is recovered exactly (TwoSum), and the float64 sum is rounded to odd when inexact, so the final
    /// rounding to float32 is the correct one (round-to-odd with 53 ≥ 24 + 2 bits, Boldo and Melquiond, 2008).
    /// </summary>
    public static float FmaByDouble(float a, float b, float c)
    {
        double product = (double)a * b;
        double sum = product + c;
        double virtualC = sum - product;
        double error = (product - (sum - virtualC)) + (c - virtualC);
        ulong bits = Interop.FloatAsInt(sum);
        if (error != 0 && (bits & 1) == 0)
            bits = (error > 0) == (sum > 0) ? bits + 1 : bits - 1;
        return (float)Interop.IntAsFloat(bits);
    }
}
