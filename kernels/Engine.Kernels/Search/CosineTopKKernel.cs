using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Engine.Kernels.Search;

/// <summary>
/// Cosine top-k on a GPU in two kernels per chunk of the database: <see cref="Scores"/> computes a 64-query ×
/// 64-row tile per group from shared-memory tiles of queries and rows, 4 × 4 scores per thread in registers;
/// <see cref="Merge"/> keeps each query's best k by a bitonic sort, in shared memory, of its current best and
/// a window of the chunk's scores. Only a chunk's scores (queries × chunk rows) exist at a time, never the
/// query × database matrix.
/// </summary>
/// <remarks>
/// Every score is the same chain of fused multiply-adds over the dimensions in order as the CPU path's
/// (<c>s = fma(q[d], x[d], s)</c> from d = 0), so both give the same float32 scores and the same ids. The
/// database arrives in the CPU path's panel layout (64 rows per panel, dimension-major), so a group's row
/// tile is one panel and its loads are coalesced.
/// </remarks>
public static class CosineTopKKernel
{
    /// <summary>Threads per group of both kernels.</summary>
    public const int GroupSize = 256;

    /// <summary>Queries and rows per <see cref="Scores"/> tile (rows: one panel).</summary>
    public const int Tile = 64;

    /// <summary>Dimensions per shared-memory step: 2 × 64 × 16 floats = 8 KB of shared memory.</summary>
    public const int TileDims = 16;

    /// <summary>Entries <see cref="Merge"/> sorts at most: k rounded up to a power of two (≤ 2048) plus as many new scores.</summary>
    public const int MaxSort = 4096;

    /// <summary>
    /// Scores of one tile: group (x, y) computes panel <c>firstPanel + x</c> against queries <c>64·y …</c>; thread
    /// (tx, ty) of the 16 × 16 owns queries <c>ty + 16i</c> and rows <c>tx + 16j</c>. Rows past
    /// <paramref name="rowCount"/> score −∞, so the merge never takes them.
    /// </summary>
    /// <param name="panels">The packed database: per panel, <c>dim × 64</c> floats, dimension-major.</param>
    /// <param name="dim">Floats per row.</param>
    /// <param name="queries">Row-major queries, padded with zero rows to a multiple of 64.</param>
    /// <param name="firstPanel">The chunk's first panel.</param>
    /// <param name="rowCount">Rows in the database.</param>
    /// <param name="scores">Receives <c>scores[query · stride + row − 64·firstPanel]</c>.</param>
    /// <param name="stride">Floats per query row of <paramref name="scores"/>.</param>
    public static void Scores(ArrayView<float> panels, int dim, ArrayView<float> queries, int firstPanel, int rowCount,
        ArrayView<float> scores, int stride)
    {
        var qs = SharedMemory.Allocate<float>(Tile * TileDims);
        var xs = SharedMemory.Allocate<float>(Tile * TileDims);
        int tid = Group.IdxX;
        int tx = tid % 16, ty = tid / 16;
        long panel = firstPanel + Grid.IdxX;
        long panelBase = panel * Tile * dim;
        long queryBase = (long)Grid.IdxY * Tile;
        float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        for (int d0 = 0; d0 < dim; d0 += TileDims)
        {
            int steps = dim - d0 < TileDims ? dim - d0 : TileDims;
            for (int e = tid; e < Tile * TileDims; e += GroupSize)
            {
                int qRow = e / TileDims, qd = e % TileDims;
                qs[e] = qd < steps ? queries[(queryBase + qRow) * dim + d0 + qd] : 0f;
                int xd = e / Tile, lane = e % Tile;
                xs[e] = xd < steps ? panels[panelBase + (long)(d0 + xd) * Tile + lane] : 0f;
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
        long column = (long)Grid.IdxX * Tile + tx;
        long row = panel * Tile + tx;
        Store(scores, stride, queryBase + ty, column, row, rowCount, a00, a01, a02, a03);
        Store(scores, stride, queryBase + ty + 16, column, row, rowCount, a10, a11, a12, a13);
        Store(scores, stride, queryBase + ty + 32, column, row, rowCount, a20, a21, a22, a23);
        Store(scores, stride, queryBase + ty + 48, column, row, rowCount, a30, a31, a32, a33);
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

    private static void Store(ArrayView<float> scores, int stride, long query, long column, long row, int rowCount,
        float s0, float s1, float s2, float s3)
    {
        long at = query * stride + column;
        scores[at] = row < rowCount ? s0 : float.NegativeInfinity;
        scores[at + 16] = row + 16 < rowCount ? s1 : float.NegativeInfinity;
        scores[at + 32] = row + 32 < rowCount ? s2 : float.NegativeInfinity;
        scores[at + 48] = row + 48 < rowCount ? s3 : float.NegativeInfinity;
    }

    /// <summary>
    /// Group q folds <paramref name="columns"/> scores of query q (starting at row <paramref name="firstRow"/>) into
    /// its best <paramref name="keep"/> (a power of two ≥ k), kept best first in <paramref name="bestScores"/> and
    /// <paramref name="bestRows"/> (row positions; −1 with −∞ for none yet). Each window of
    /// <c>sortSize − keep</c> scores is sorted together with the best in shared memory, in the total order
    /// (score descending, then id ascending).
    /// </summary>
    /// <param name="scores">The chunk's scores from <see cref="Scores"/>.</param>
    /// <param name="stride">Floats per query row of <paramref name="scores"/>.</param>
    /// <param name="columns">Scores of the chunk per query.</param>
    /// <param name="firstRow">Row position of the chunk's first column.</param>
    /// <param name="rowCount">Rows in the database; columns past it are the last panel's padding.</param>
    /// <param name="ids">Id of each row position; ignored when <paramref name="hasIds"/> is 0 (the id is the position).</param>
    /// <param name="hasIds">1 when <paramref name="ids"/> applies.</param>
    /// <param name="bestScores">Per query, <paramref name="keep"/> scores.</param>
    /// <param name="bestRows">Per query, <paramref name="keep"/> row positions.</param>
    /// <param name="keep">Results kept per query, a power of two.</param>
    /// <param name="sortSize">Entries per sort, a power of two ≤ <see cref="MaxSort"/> and &gt; <paramref name="keep"/>.</param>
    public static void Merge(ArrayView<float> scores, int stride, int columns, int firstRow, int rowCount,
        ArrayView<long> ids, int hasIds, ArrayView<float> bestScores, ArrayView<int> bestRows, int keep, int sortSize)
    {
        var keys = SharedMemory.Allocate<float>(MaxSort);
        var rows = SharedMemory.Allocate<int>(MaxSort);
        int tid = Group.IdxX;
        long query = Grid.IdxX;
        for (int i = tid; i < keep; i += GroupSize)
        {
            keys[i] = bestScores[query * keep + i];
            rows[i] = bestRows[query * keep + i];
        }
        int window = sortSize - keep;
        for (int start = 0; start < columns; start += window)
        {
            for (int i = tid; i < window; i += GroupSize)
            {
                int column = start + i;
                // The last panel's padding lanes are no rows: −1, so the order never looks up their ids.
                bool real = column < columns && firstRow + column < rowCount;
                keys[keep + i] = real ? scores[query * stride + column] : float.NegativeInfinity;
                rows[keep + i] = real ? firstRow + column : -1;
            }
            Group.Barrier();
            for (int size = 2; size <= sortSize; size <<= 1)
            {
                for (int half = size >> 1; half > 0; half >>= 1)
                {
                    for (int t = tid; t < sortSize / 2; t += GroupSize)
                    {
                        int lo = 2 * half * (t / half) + t % half, hi = lo + half;
                        bool bestFirst = (lo & size) == 0;
                        bool hiBefore = Before(keys[hi], rows[hi], keys[lo], rows[lo], ids, hasIds);
                        bool loBefore = Before(keys[lo], rows[lo], keys[hi], rows[hi], ids, hasIds);
                        if (bestFirst ? hiBefore : loBefore)
                        {
                            float k = keys[lo]; keys[lo] = keys[hi]; keys[hi] = k;
                            int r = rows[lo]; rows[lo] = rows[hi]; rows[hi] = r;
                        }
                    }
                    Group.Barrier();
                }
            }
        }
        for (int i = tid; i < keep; i += GroupSize)
        {
            bestScores[query * keep + i] = keys[i];
            bestRows[query * keep + i] = rows[i];
        }
    }

    /// <summary>The total order: a before b when its score is larger, or equal with a smaller id; no row (−1) last.</summary>
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
        return idA < idB;
    }
}
