using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Compute;

namespace Engine.Volumes;

// The fused uint16 path for tiles read in place from a band of rows, as VolumeTiler cuts them.
public static partial class PatchNormalization
{
    /// <summary>
    /// The fused uint16 path over a tile that lies in a band of rows rather than in a patch of its own: channel c,
    /// row r of the tile starts at <c>source + c × channelStride + r × rowStride</c>, and only
    /// <paramref name="rows"/> × <paramref name="columns"/> of its <paramref name="tile"/> × <paramref name="tile"/>
    /// lie inside the slice — the rest is the zero padding, counted in the statistics without being read.
    /// </summary>
    /// <remarks>
    /// The first pass reads the band once, summing and packing the tile's rows into a per-thread scratch; the
    /// second reads the scratch. Reading the band twice measured 3× slower: every 512-byte tile row of a band
    /// lies on a page of its own, so each pass over a tile missed the TLB thousands of times.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void NormalizeWindow(ushort* source, long channelStride, int rowStride, int channels,
        int rows, int columns, int tile, float divisor, float* output)
    {
        long n = (long)channels * tile * tile;
        long padding = n - (long)channels * rows * columns;
        double shift = source[0] / divisor;
        var sums = new WindowSums();
        long packed = (long)channels * rows * columns;
        if (t_scratch is null || t_scratch.Length < packed)
            t_scratch = GC.AllocateUninitializedArray<ushort>((int)packed);
        fixed (ushort* scratch = t_scratch)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int r = 0; r < rows; r++)
                    sums.Add(source + c * channelStride + (long)r * rowStride, scratch + ((long)c * rows + r) * columns, columns, divisor, shift);
            }
            // Each padded zero adds (0 − shift) to the sum and shift² to the squares.
            double sum = sums.Sum - padding * shift;
            double squares = sums.Squares + padding * shift * shift;
            var (mean, scale) = MeanAndScale(sum, squares, n, shift);
            float paddingValue = (float)(-mean * scale);
            for (int c = 0; c < channels; c++)
            {
                for (int r = 0; r < tile; r++)
                {
                    var target = new Span<float>(output + ((long)c * tile + r) * tile, tile);
                    if (r >= rows)
                    {
                        target.Fill(paddingValue);
                        continue;
                    }
                    WriteScaled(scratch + ((long)c * rows + r) * columns, columns, divisor, mean, scale, target, nonTemporal: false);
                    target[columns..].Fill(paddingValue);
                }
            }
        }
    }

    /// <summary>One tile's samples packed by <see cref="NormalizeWindow"/>; one per thread, reused.</summary>
    [ThreadStatic]
    private static ushort[]? t_scratch;

    /// <summary>
    /// Shifted float64 sums of uint16 values converted and divided in float32, as <see cref="Sums"/> over floats;
    /// also copies the values to <c>copy</c> unless it is null.
    /// </summary>
    private struct WindowSums
    {
        public double Sum;
        public double Squares;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Add(ushort* values, ushort* copy, int length, float divisor, double shift)
        {
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
                i = AddVectors<Width512, Vector512<ushort>, Vector512<float>, Vector512<double>>(values, copy, length, divisor, shift);
            else if (Vector256.IsHardwareAccelerated)
                i = AddVectors<Width256, Vector256<ushort>, Vector256<float>, Vector256<double>>(values, copy, length, divisor, shift);
            for (; i < length; i++)
            {
                if (copy != null)
                    copy[i] = values[i];
                double x = values[i] / divisor - shift;
                Sum += x;
                Squares = Math.FusedMultiplyAdd(x, x, Squares);
            }
        }

        /// <summary>The whole vectors of <see cref="Add"/>; returns how many values they took.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private unsafe int AddVectors<TWidth, TUShorts, TFloats, TDoubles>(ushort* values, ushort* copy, int length, float divisor, double shift)
            where TWidth : IVectorMemory<TUShorts, ushort>, IVectorArithmetic<TFloats, float>, IVectorArithmetic<TDoubles, double>,
                IVectorWidening<TUShorts, TFloats>, IVectorWidening<TFloats, TDoubles>
            where TUShorts : struct
            where TFloats : struct
            where TDoubles : struct
        {
            int i = 0, width = Unsafe.SizeOf<TUShorts>() / sizeof(ushort);
            var s = TWidth.Create(shift);
            var d = TWidth.Create(divisor);
            TDoubles sum = default, squares = default, squares2 = default;
            for (; i <= length - width; i += width)
            {
                var raw = TWidth.LoadUnsafe(in values[i], 0);
                if (copy != null)
                    TWidth.StoreUnsafe(raw, ref copy[i], 0);
                var (low, high) = TWidth.Widen(raw);
                var (a, b) = TWidth.Widen(TWidth.Divide(low, d));
                var (e, f) = TWidth.Widen(TWidth.Divide(high, d));
                a = TWidth.Subtract(a, s);
                b = TWidth.Subtract(b, s);
                e = TWidth.Subtract(e, s);
                f = TWidth.Subtract(f, s);
                sum = TWidth.Add(sum, TWidth.Add(TWidth.Add(a, b), TWidth.Add(e, f)));
                squares = TWidth.FusedMultiplyAdd(a, a, TWidth.FusedMultiplyAdd(b, b, squares));
                squares2 = TWidth.FusedMultiplyAdd(e, e, TWidth.FusedMultiplyAdd(f, f, squares2));
            }
            Sum += TWidth.Sum(sum);
            Squares += TWidth.Sum(TWidth.Add(squares, squares2));
            return i;
        }
    }

    /// <summary>
    /// output = (float)((x / divisor − mean) × scale) with scale = 1 / (std + ε), in float64: one float64 rounding
    /// more than the division, which moves an output across a float32 rounding boundary about once in 2²⁸.
    /// <paramref name="nonTemporal"/> streams the output past the caches, for outputs beyond L2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WriteScaled(ushort* values, int length, float divisor, double mean, double scale, Span<float> output, bool nonTemporal)
    {
        int i = 0;
        fixed (float* y = output)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                var m = Vector512.Create(mean);
                var k = Vector512.Create(scale);
                var d = Vector512.Create(divisor);
                if (nonTemporal)
                {
                    // Scalar up to a 64-byte boundary, then whole cache lines stored past the caches.
                    int head = Math.Min((int)((64 - ((nuint)y & 63)) & 63) / sizeof(float), length);
                    for (; i < head; i++)
                        y[i] = (float)((values[i] / divisor - mean) * scale);
                    for (; i <= length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
                    {
                        var (first, second) = Scaled(Vector512.Load(values + i), d, m, k);
                        first.StoreAlignedNonTemporal(y + i);
                        second.StoreAlignedNonTemporal(y + i + Vector512<float>.Count);
                    }
                }
                for (; i <= length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
                {
                    var (first, second) = Scaled(Vector512.Load(values + i), d, m, k);
                    first.Store(y + i);
                    second.Store(y + i + Vector512<float>.Count);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                var m = Vector256.Create(mean);
                var k = Vector256.Create(scale);
                var d = Vector256.Create(divisor);
                for (; i <= length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
                {
                    var (low, high) = Vector256.Widen(Vector256.Load(values + i));
                    var (a, b) = Vector256.Widen(Vector256.ConvertToSingle(low) / d);
                    Vector256.Narrow((a - m) * k, (b - m) * k).Store(y + i);
                    var (e, f) = Vector256.Widen(Vector256.ConvertToSingle(high) / d);
                    Vector256.Narrow((e - m) * k, (f - m) * k).Store(y + i + Vector256<float>.Count);
                }
            }
            for (; i < length; i++)
                y[i] = (float)((values[i] / divisor - mean) * scale);
        }
    }

    /// <summary>32 uint16 values → (float)((x / divisor − mean) × scale), the division in float32 and the rest in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> First, Vector512<float> Second) Scaled(Vector512<ushort> raw, Vector512<float> divisor,
        Vector512<double> mean, Vector512<double> scale)
    {
        var (low, high) = Vector512.Widen(raw);
        var (a, b) = Vector512.Widen(Vector512.ConvertToSingle(low) / divisor);
        var (e, f) = Vector512.Widen(Vector512.ConvertToSingle(high) / divisor);
        return (Vector512.Narrow((a - mean) * scale, (b - mean) * scale), Vector512.Narrow((e - mean) * scale, (f - mean) * scale));
    }
}
