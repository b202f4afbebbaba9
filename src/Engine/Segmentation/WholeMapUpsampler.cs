using System.Runtime.Intrinsics.X86;

namespace Engine.Segmentation;

/// <summary>
/// The fast mode's upsampling of the whole low-resolution map, a run of output rows at a time, with the bits of
/// <see cref="UpsampleAxis.Row"/> (PyTorch's channels-last bilinear: float32 weights, float64 sum left to right).
/// </summary>
/// <remarks>
/// Why it is faster than gathering the map once and calling <see cref="UpsampleAxis.Row"/>: the two low-resolution
/// rows an output row reads are gathered at the column indices already widened to float64, once per low-resolution
/// row and per worker (about f output rows reuse them, in column blocks that stay in L1); the output is written with
/// streaming stores; and the sum is x₀₀w₀₀ then three fused multiply-adds. A
/// float32 value times a float32 weight is exact in float64 (24 + 24 significant bits ≤ 53), so rounding the product
/// before the add (as PyTorch does) and not rounding it (a fused multiply-add) give the same bits.
/// </remarks>
internal sealed class WholeMapUpsampler(UpsampleAxis rows, UpsampleAxis cols, int lowWidth, int width)
{
    /// <summary>One worker's gathered rows: two slots, each a low-resolution row at the I0 and I1 column indices.</summary>
    public sealed class Scratch(int width)
    {
        public readonly double[][] At0 = [new double[width], new double[width]];
        public readonly double[][] At1 = [new double[width], new double[width]];
        public readonly int[] Source = [-1, -1];
    }

    public Scratch CreateScratch() => new(width);

    /// <summary>Columns per block: the block's four gathered source rows (4 × 512 float64) stay in the L1 cache while every output row between the same two source rows reads them.</summary>
    private const int Block = 512;

    /// <summary>
    /// Output rows [<paramref name="u0"/>, <paramref name="u1"/>) of the upsampled <paramref name="low"/>, each
    /// <c>width</c> values, row u at <paramref name="output"/> + u·width.
    /// </summary>
    public unsafe void Rows(ReadOnlySpan<float> low, int u0, int u1, Scratch scratch, float* output)
    {
        for (int u = u0; u < u1;)
        {
            int i0 = rows.I0[u], i1 = rows.I1[u];
            int end = u + 1;
            while (end < u1 && rows.I0[end] == i0 && rows.I1[end] == i1)
                end++;
            int top = Slot(low, i0, scratch, -1);
            int bottom = Slot(low, i1, scratch, top);
            fixed (double* x00 = scratch.At0[top], x01 = scratch.At1[top], x10 = scratch.At0[bottom], x11 = scratch.At1[bottom])
            fixed (float* c0 = cols.L0, c1 = cols.L1)
            {
                if (!rows.Bilinear)
                {
                    for (int r = u; r < end; r++)
                        Narrow(x00, output + (long)r * width, width);
                    u = end;
                    continue;
                }
                int blocks = (width + Block - 1) / Block + 1;
                for (int k = 0; k < blocks; k++)
                {
                    for (int r = u; r < end; r++)
                    {
                        float* o = output + (long)r * width;
                        // Block edges at this row's 64-byte boundaries, so that only a row's first pixels miss the streaming stores.
                        int lead = (int)((64 - ((nint)o & 63)) & 63) / sizeof(float);
                        int from = k == 0 ? 0 : Math.Min(width, lead + k * Block), to = Math.Min(width, lead + (k + 1) * Block);
                        if (from < to)
                            Bilinear(x00 + from, x01 + from, x10 + from, x11 + from, c0 + from, c1 + from, rows.L0[r], rows.L1[r], o + from, to - from);
                    }
                }
            }
            u = end;
        }
    }

    /// <summary>The slot holding low-resolution row <paramref name="source"/>, gathering it into the slot other than <paramref name="keep"/> when neither holds it.</summary>
    private int Slot(ReadOnlySpan<float> low, int source, Scratch scratch, int keep)
    {
        for (int s = 0; s < 2; s++)
        {
            if (scratch.Source[s] == source)
                return s;
        }
        // Replace the slot not in use by this row (the top row's), else the one holding the lower source row:
        // rows are visited top to bottom within a worker's chunk.
        int slot = keep >= 0 ? 1 - keep : scratch.Source[0] < scratch.Source[1] ? 0 : 1;
        var src = low.Slice(source * lowWidth, lowWidth);
        var at0 = scratch.At0[slot];
        var at1 = scratch.At1[slot];
        var i0 = cols.I0;
        var i1 = cols.I1;
        for (int v = 0; v < width; v++)
        {
            at0[v] = src[i0[v]];
            at1[v] = src[i1[v]];
        }
        scratch.Source[slot] = source;
        return slot;
    }

    /// <summary>Nearest: the gathered row is the output row.</summary>
    private static unsafe void Narrow(double* x, float* o, int n)
    {
        for (int v = 0; v < n; v++)
            o[v] = (float)x[v];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Bilinear(double* x00, double* x01, double* x10, double* x11, float* w0, float* w1,
        float h0, float h1, float* o, int n)
    {
        int v = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            // Non-temporal stores from the first 64-byte boundary: the map is far larger than the caches, and a
            // streaming store does not read the line it overwrites.
            int lead = Math.Min(n, (int)((64 - ((nint)o & 63)) & 63) / sizeof(float));
            for (; v < lead; v++)
                o[v] = (float)(x00[v] * (h0 * w0[v]) + x01[v] * (h0 * w1[v]) + x10[v] * (h1 * w0[v]) + x11[v] * (h1 * w1[v]));
            var h0h = Vector256.Create(h0);
            var h1h = Vector256.Create(h1);
            for (; v <= n - 16; v += 16)
            {
                // The weights are float32 products, as PyTorch's, made 8 at a time and widened exactly.
                var c0 = Vector256.Load(w0 + v);
                var c1 = Vector256.Load(w1 + v);
                var lo = Vector512.Load(x00 + v) * Avx512F.ConvertToVector512Double(h0h * c0);
                lo = Vector512.FusedMultiplyAdd(Vector512.Load(x01 + v), Avx512F.ConvertToVector512Double(h0h * c1), lo);
                lo = Vector512.FusedMultiplyAdd(Vector512.Load(x10 + v), Avx512F.ConvertToVector512Double(h1h * c0), lo);
                lo = Vector512.FusedMultiplyAdd(Vector512.Load(x11 + v), Avx512F.ConvertToVector512Double(h1h * c1), lo);
                c0 = Vector256.Load(w0 + v + 8);
                c1 = Vector256.Load(w1 + v + 8);
                var hi = Vector512.Load(x00 + v + 8) * Avx512F.ConvertToVector512Double(h0h * c0);
                hi = Vector512.FusedMultiplyAdd(Vector512.Load(x01 + v + 8), Avx512F.ConvertToVector512Double(h0h * c1), hi);
                hi = Vector512.FusedMultiplyAdd(Vector512.Load(x10 + v + 8), Avx512F.ConvertToVector512Double(h1h * c0), hi);
                hi = Vector512.FusedMultiplyAdd(Vector512.Load(x11 + v + 8), Avx512F.ConvertToVector512Double(h1h * c1), hi);
                Avx512F.StoreAlignedNonTemporal(o + v, Vector512.Narrow(lo, hi));
            }
            Sse.StoreFence();
        }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            var h0v = Vector256.Create(h0);
            var h1v = Vector256.Create(h1);
            for (; v <= n - 8; v += 8)
            {
                var c0 = Vector256.Load(w0 + v);
                var c1 = Vector256.Load(w1 + v);
                var w00 = h0v * c0;
                var w01 = h0v * c1;
                var w10 = h1v * c0;
                var w11 = h1v * c1;
                var lo = Vector256.Load(x00 + v) * Vector256.WidenLower(w00);
                lo = Vector256.FusedMultiplyAdd(Vector256.Load(x01 + v), Vector256.WidenLower(w01), lo);
                lo = Vector256.FusedMultiplyAdd(Vector256.Load(x10 + v), Vector256.WidenLower(w10), lo);
                lo = Vector256.FusedMultiplyAdd(Vector256.Load(x11 + v), Vector256.WidenLower(w11), lo);
                var hi = Vector256.Load(x00 + v + 4) * Vector256.WidenUpper(w00);
                hi = Vector256.FusedMultiplyAdd(Vector256.Load(x01 + v + 4), Vector256.WidenUpper(w01), hi);
                hi = Vector256.FusedMultiplyAdd(Vector256.Load(x10 + v + 4), Vector256.WidenUpper(w10), hi);
                hi = Vector256.FusedMultiplyAdd(Vector256.Load(x11 + v + 4), Vector256.WidenUpper(w11), hi);
                Vector256.Narrow(lo, hi).Store(o + v);
            }
        }
        for (; v < n; v++)
            o[v] = (float)(x00[v] * (h0 * w0[v]) + x01[v] * (h0 * w1[v]) + x10[v] * (h1 * w0[v]) + x11[v] * (h1 * w1[v]));
    }
}
