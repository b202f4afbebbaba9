using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Engine.Compute;

namespace Engine.Segmentation;

/// <summary>PyTorch's source indices and weights along one axis of an integer-factor upsampling.</summary>
internal sealed class UpsampleAxis
{
    public UpsampleAxis(int inSize, int factor, StitchUpsampling upsampling, bool alignCorners)
        : this(inSize, inSize * factor, factor, upsampling, alignCorners)
    {
    }

    private UpsampleAxis(int inSize, int outSize, int factor, StitchUpsampling upsampling, bool alignCorners)
    {
        Factor = factor;
        Bilinear = upsampling == StitchUpsampling.Bilinear;
        I0 = new int[outSize];
        I1 = new int[outSize];
        L0 = new float[outSize];
        L1 = new float[outSize];
        for (int d = 0; d < outSize; d++)
        {
            if (outSize == inSize)
            {
                // PyTorch copies when the size does not change (both modes).
                I0[d] = I1[d] = d;
                L0[d] = 1;
            }
            else if (Bilinear)
            {
                float scale = alignCorners ? (outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f) : (float)(1.0 / factor);
                double src = alignCorners ? (double)scale * d : Math.Max((double)scale * (d + 0.5) - 0.5, 0);
                int i0 = (int)src;
                I0[d] = i0;
                I1[d] = i0 < inSize - 1 ? i0 + 1 : i0;
                L1[d] = (float)(src - i0);
                L0[d] = 1f - L1[d];
            }
            else
            {
                float scale = (float)(1.0 / factor);
                I0[d] = I1[d] = outSize == 2 * inSize ? d >> 1 : Math.Min((int)MathF.Floor(d * scale), inSize - 1);
                L0[d] = 1;
            }
        }
    }

    /// <summary>
    /// A bilinear align_corners axis from <paramref name="inSize"/> to any <paramref name="outSize"/>, smaller
    /// included (torch's formulas hold for downsampling too: label tiles to the model's 1/32 grid). Its
    /// <see cref="Factor"/> is 0: it is not an integer-factor upsampling.
    /// </summary>
    public static UpsampleAxis AlignedBilinear(int inSize, int outSize) =>
        new(inSize, outSize, 0, StitchUpsampling.Bilinear, alignCorners: true);

    public int Factor { get; }

    public bool Bilinear { get; }

    public int[] I0 { get; }

    public int[] I1 { get; }

    public float[] L0 { get; }

    public float[] L1 { get; }

    /// <summary>
    /// Gathers source rows [<paramref name="rowFrom"/>, <paramref name="rowTo"/>) at this (column) axis' indices:
    /// g0[i, v] = x[i, I0[v]], g1[i, v] = x[i, I1[v]]. One gather per window row instead of four per output pixel.
    /// </summary>
    public void Gather(ReadOnlySpan<float> image, int width, int rowFrom, int rowTo, Span<float> g0, Span<float> g1)
    {
        int outW = I0.Length;
        for (int i = rowFrom; i < rowTo; i++)
        {
            var src = image.Slice(i * width, width);
            var d0 = g0.Slice(i * outW, outW);
            var d1 = g1.Slice(i * outW, outW);
            for (int v = 0; v < outW; v++)
            {
                d0[v] = src[I0[v]];
                d1[v] = src[I1[v]];
            }
        }
    }

    /// <summary>
    /// Output row <paramref name="u"/>, columns [<paramref name="v0"/>, <paramref name="v1"/>), of the image whose
    /// rows <paramref name="cols"/> gathered into <paramref name="g0"/>/<paramref name="g1"/>; written to
    /// <paramref name="dst"/>[0 … v1 − v0).
    /// </summary>
    public static void Row(UpsampleAxis rows, UpsampleAxis cols, ReadOnlySpan<float> g0, ReadOnlySpan<float> g1,
        int u, int v0, int v1, Span<float> dst) => Row<Assign>(rows, cols, g0, g1, u, v0, v1, dst);

    /// <summary>As <see cref="Row"/>, but adds the row to <paramref name="dst"/> (a window's row into a sum, one rounding per add as numpy's +=).</summary>
    public static void AddRow(UpsampleAxis rows, UpsampleAxis cols, ReadOnlySpan<float> g0, ReadOnlySpan<float> g1,
        int u, int v0, int v1, Span<float> dst) => Row<Add>(rows, cols, g0, g1, u, v0, v1, dst);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Row<TStore>(UpsampleAxis rows, UpsampleAxis cols, ReadOnlySpan<float> g0, ReadOnlySpan<float> g1,
        int u, int v0, int v1, Span<float> dst) where TStore : struct, IRowStore
    {
        int outW = cols.I0.Length;
        int r0 = rows.I0[u] * outW, r1 = rows.I1[u] * outW;
        float h0 = rows.L0[u], h1 = rows.L1[u];
        fixed (float* a = g0, b = g1, w0 = cols.L0, w1 = cols.L1, o = dst)
        {
            float* x00 = a + r0, x01 = b + r0, x10 = a + r1, x11 = b + r1;
            float* target = o - v0;
            int v = v0;
            if (!rows.Bilinear)
            {
                // Nearest: the gathered row is the output row.
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; v <= v1 - 16; v += 16)
                        TStore.Store<Width512, Vector512<float>>(Vector512.Load(x00 + v), target + v);
                }
                for (; v < v1; v++)
                    TStore.Store(x00[v], target + v);
                return;
            }
            if (Vector512.IsHardwareAccelerated)
                v = Pixels<TStore, Width512, Vector512<float>, Vector512<double>>(x00, x01, x10, x11, w0, w1, h0, h1, target, v, v1);
            else if (Vector256.IsHardwareAccelerated)
                v = Pixels<TStore, Width256, Vector256<float>, Vector256<double>>(x00, x01, x10, x11, w0, w1, h0, h1, target, v, v1);
            for (; v < v1; v++)
                TStore.Store(Pixel(x00[v], x01[v], x10[v], x11[v], h0 * w0[v], h0 * w1[v], h1 * w0[v], h1 * w1[v]), target + v);
        }
    }

    /// <summary>
    /// The whole vectors of <see cref="Row{TStore}"/>'s bilinear pixels from <paramref name="v"/> on; returns where
    /// they end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Pixels<TStore, TWidth, TFloats, TDoubles>(float* x00, float* x01, float* x10, float* x11,
        float* w0, float* w1, float h0, float h1, float* target, int v, int v1)
        where TStore : struct, IRowStore
        where TWidth : IVectorArithmetic<TFloats, float>, IVectorArithmetic<TDoubles, double>,
            IVectorWidening<TFloats, TDoubles>, IVectorNarrowing<TDoubles, TFloats>
        where TFloats : struct
        where TDoubles : struct
    {
        int width = Unsafe.SizeOf<TFloats>() / sizeof(float);
        var h0v = TWidth.Create(h0);
        var h1v = TWidth.Create(h1);
        for (; v <= v1 - width; v += width)
        {
            var c0 = TWidth.LoadUnsafe(in w0[v], 0);
            var c1 = TWidth.LoadUnsafe(in w1[v], 0);
            var pixels = Blend<TWidth, TFloats, TDoubles>(
                TWidth.LoadUnsafe(in x00[v], 0), TWidth.LoadUnsafe(in x01[v], 0), TWidth.LoadUnsafe(in x10[v], 0), TWidth.LoadUnsafe(in x11[v], 0),
                TWidth.Multiply(h0v, c0), TWidth.Multiply(h0v, c1), TWidth.Multiply(h1v, c0), TWidth.Multiply(h1v, c1));
            TStore.Store<TWidth, TFloats>(pixels, target + v);
        }
        return v;
    }

    /// <summary>What <see cref="Row{TStore}"/> does with each computed value: write it, or add it.</summary>
    private interface IRowStore
    {
        static abstract unsafe void Store<TWidth, TFloats>(TFloats value, float* at)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct;

        static abstract unsafe void Store(float value, float* at);
    }

    private readonly struct Assign : IRowStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store<TWidth, TFloats>(TFloats value, float* at)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct
            => TWidth.StoreUnsafe(value, ref *at, 0);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(float value, float* at) => *at = value;
    }

    private readonly struct Add : IRowStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store<TWidth, TFloats>(TFloats value, float* at)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct
            => TWidth.StoreUnsafe(TWidth.Add(TWidth.LoadUnsafe(in *at, 0), value), ref *at, 0);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(float value, float* at) => *at += value;
    }

    /// <summary>PyTorch's channels-last bilinear sum: float32 weights, float64 sum left to right, one rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Pixel(float x00, float x01, float x10, float x11, float w00, float w01, float w10, float w11)
        => (float)((double)x00 * w00 + (double)x01 * w01 + (double)x10 * w10 + (double)x11 * w11);

    /// <summary>A vector of <see cref="Pixel"/>: each float32 value and weight widened, summed in float64, narrowed once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TFloats Blend<TWidth, TFloats, TDoubles>(TFloats x00, TFloats x01, TFloats x10, TFloats x11,
        TFloats w00, TFloats w01, TFloats w10, TFloats w11)
        where TWidth : IVectorArithmetic<TDoubles, double>, IVectorWidening<TFloats, TDoubles>, IVectorNarrowing<TDoubles, TFloats>
        where TFloats : struct
        where TDoubles : struct
    {
        var (x00Low, x00High) = TWidth.Widen(x00);
        var (x01Low, x01High) = TWidth.Widen(x01);
        var (x10Low, x10High) = TWidth.Widen(x10);
        var (x11Low, x11High) = TWidth.Widen(x11);
        var (w00Low, w00High) = TWidth.Widen(w00);
        var (w01Low, w01High) = TWidth.Widen(w01);
        var (w10Low, w10High) = TWidth.Widen(w10);
        var (w11Low, w11High) = TWidth.Widen(w11);
        return TWidth.Narrow(
            Sum<TWidth, TDoubles>(x00Low, x01Low, x10Low, x11Low, w00Low, w01Low, w10Low, w11Low),
            Sum<TWidth, TDoubles>(x00High, x01High, x10High, x11High, w00High, w01High, w10High, w11High));
    }

    /// <summary>
    /// x₀₀w₀₀ + x₀₁w₀₁ + x₁₀w₁₀ + x₁₁w₁₁ left to right on float64 lanes holding float32 values: the first product, then
    /// fused multiply-adds. A float32 × float32 product is exact in float64, so fusing it into the add rounds exactly
    /// as PyTorch's product-then-add does (see <see cref="WholeMapUpsampler"/>); separate products and adds where the
    /// CPU has no FMA, for speed alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TDoubles Sum<TWidth, TDoubles>(TDoubles x00, TDoubles x01, TDoubles x10, TDoubles x11,
        TDoubles w00, TDoubles w01, TDoubles w10, TDoubles w11)
        where TWidth : IVectorArithmetic<TDoubles, double>
        where TDoubles : struct
    {
        var sum = TWidth.Multiply(x00, w00);
        if (Fma.IsSupported)
            return TWidth.FusedMultiplyAdd(x11, w11, TWidth.FusedMultiplyAdd(x10, w10, TWidth.FusedMultiplyAdd(x01, w01, sum)));
        sum = TWidth.Add(sum, TWidth.Multiply(x01, w01));
        sum = TWidth.Add(sum, TWidth.Multiply(x10, w10));
        return TWidth.Add(sum, TWidth.Multiply(x11, w11));
    }
}
