using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Engine.Compute;
using Engine.Kernels.Volumes;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Volumes;

/// <summary>
/// Per-patch normalization <c>(x − mean) / (std + 1e-6)</c>, mean and std over each whole patch (C, H, W), std
/// unbiased as <c>torch.Tensor.std()</c> computes it by default — the ink-detection solutions' input
/// normalization. Also fused with the uint16 → float32 conversion and scaling of raw scan values.
/// </summary>
/// <remarks>
/// The statistics are accumulated in float64 in one pass (sums of values shifted by the patch's first value,
/// which keeps the variance exact when the spread is tiny beside the mean), and each output is
/// <c>(float)((x − mean) / (std + 1e-6))</c> evaluated in float64: the float64 reference formula rounded once to
/// float32, which tests/data/volumes matches within one float32 ulp.
/// </remarks>
public static class PatchNormalization
{
    /// <summary>Added to the standard deviation, as in the reference formula, so a constant patch gives zeros.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>Values converted at a time on the uint16 path: 16 KB of floats stay in L1 between its two passes.</summary>
    private const int ChunkLength = 4096;

    /// <summary>Normalizes each patch of <paramref name="patches"/> into <paramref name="output"/>.</summary>
    /// <param name="patches">B patches of <paramref name="patchLength"/> values each, one after another.</param>
    /// <param name="patchLength">Values per patch (C × H × W), at least 2 (the unbiased std divides by n − 1).</param>
    /// <param name="output">Receives the normalized patches; may be the same memory as <paramref name="patches"/> (in place).</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="patchLength"/> is below 2.</exception>
    /// <exception cref="ArgumentException">The lengths are not whole patches or differ, or the spans partly overlap.</exception>
    public static void Normalize(ReadOnlySpan<float> patches, int patchLength, Span<float> output, ComputeContext? compute = null)
    {
        int count = Check(patches.Length, patchLength, output.Length);
        if (patches.Overlaps(output, out int offset) && offset != 0)
            throw new ArgumentException("output partly overlaps patches; pass the same memory to normalize in place, or separate memory.", nameof(output));
        if (compute is { UsesKernels: true })
        {
            NormalizeKernel(compute, patches, patchLength, 1f, output);
            return;
        }
        unsafe
        {
            fixed (float* source = patches)
            fixed (float* target = output)
            {
                nint s = (nint)source, t = (nint)target;
                Parallel.For(0, count, p => NormalizePatch(
                    new ReadOnlySpan<float>((float*)s + (long)p * patchLength, patchLength),
                    new Span<float>((float*)t + (long)p * patchLength, patchLength)));
            }
        }
    }

    /// <summary>
    /// Converts uint16 patches to float32 (<c>x / divisor</c> in float32, as numpy's <c>x.astype(np.float32) / 65535.0</c>)
    /// and normalizes them, without materializing the float patches.
    /// </summary>
    /// <param name="patches">B patches of <paramref name="patchLength"/> uint16 values each.</param>
    /// <param name="patchLength">Values per patch (C × H × W), at least 2.</param>
    /// <param name="divisor">1 for raw values, 65535 or 255 to scale to [0, 1]; positive and finite.</param>
    /// <param name="output">Receives the normalized float32 patches.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="patchLength"/> is below 2 or <paramref name="divisor"/> is not positive and finite.</exception>
    /// <exception cref="ArgumentException">The lengths are not whole patches or differ.</exception>
    public static void Normalize(ReadOnlySpan<ushort> patches, int patchLength, float divisor, Span<float> output, ComputeContext? compute = null)
    {
        int count = Check(patches.Length, patchLength, output.Length);
        if (!(divisor > 0 && float.IsFinite(divisor)))
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "The divisor must be positive and finite.");
        if (compute is { UsesKernels: true })
        {
            NormalizeKernel(compute, patches, patchLength, divisor, output);
            return;
        }
        unsafe
        {
            fixed (ushort* source = patches)
            fixed (float* target = output)
            {
                nint s = (nint)source, t = (nint)target;
                Parallel.For(0, count, p => NormalizePatch(
                    new ReadOnlySpan<ushort>((ushort*)s + (long)p * patchLength, patchLength), divisor,
                    new Span<float>((float*)t + (long)p * patchLength, patchLength)));
            }
        }
    }

    /// <summary>Mean and unbiased standard deviation of one patch, accumulated as <see cref="Normalize(ReadOnlySpan{float}, int, Span{float}, ComputeContext?)"/> does.</summary>
    /// <param name="patch">The values, at least 2.</param>
    /// <returns>The mean and the standard deviation (divided by n − 1).</returns>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 values.</exception>
    public static (double Mean, double Std) Statistics(ReadOnlySpan<float> patch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patch.Length, 2, nameof(patch));
        var sums = new Sums(patch[0]);
        sums.Add(patch);
        return sums.MeanAndStd(patch.Length);
    }

    private static int Check(int length, int patchLength, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patchLength, 2);
        if (length % patchLength != 0)
            throw new ArgumentException($"patches holds {length} values, not a whole number of {patchLength}-value patches.", "patches");
        if (outputLength != length)
            throw new ArgumentException($"output holds {outputLength} values but patches holds {length}; they must match.", "output");
        return length / patchLength;
    }

    internal static void NormalizePatch(ReadOnlySpan<float> patch, Span<float> output)
    {
        var sums = new Sums(patch[0]);
        sums.Add(patch);
        var (mean, std) = sums.MeanAndStd(patch.Length);
        Write(patch, mean, std + Epsilon, output);
    }

    internal static void NormalizePatch(ReadOnlySpan<ushort> patch, float divisor, Span<float> output)
    {
        Span<float> chunk = stackalloc float[ChunkLength];
        var sums = new Sums(patch[0] / divisor);
        for (int start = 0; start < patch.Length; start += ChunkLength)
        {
            var part = Scale(patch.Slice(start, Math.Min(ChunkLength, patch.Length - start)), divisor, chunk);
            sums.Add(part);
        }
        var (mean, std) = sums.MeanAndStd(patch.Length);
        for (int start = 0; start < patch.Length; start += ChunkLength)
        {
            var part = Scale(patch.Slice(start, Math.Min(ChunkLength, patch.Length - start)), divisor, chunk);
            Write(part, mean, std + Epsilon, output.Slice(start, part.Length));
        }
    }

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
            double meanShifted = sum / n;
            double variance = Math.Max(squares - sum * meanShifted, 0) / (n - 1);
            double mean = shift + meanShifted;
            double scale = 1 / (Math.Sqrt(variance) + Epsilon);
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
                    WriteScaled(scratch + ((long)c * rows + r) * columns, columns, divisor, mean, scale, target);
                    target[columns..].Fill(paddingValue);
                }
            }
        }
    }

    /// <summary>One tile's samples packed by <see cref="NormalizeWindow"/>; one per thread, reused.</summary>
    [ThreadStatic]
    private static ushort[]? t_scratch;

    /// <summary>Shifted float64 sums of uint16 values converted and divided in float32, as <see cref="Sums"/> over floats.</summary>
    private struct WindowSums
    {
        public double Sum;
        public double Squares;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Add(ushort* values, ushort* copy, int length, float divisor, double shift)
        {
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var s = Vector512.Create(shift);
                var d = Vector512.Create(divisor);
                Vector512<double> sum = default, squares = default, squares2 = default;
                for (; i <= length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
                {
                    var raw = Vector512.Load(values + i);
                    raw.Store(copy + i);
                    var (low, high) = Vector512.Widen(raw);
                    var (a, b) = Vector512.Widen(Vector512.ConvertToSingle(low) / d);
                    var (e, f) = Vector512.Widen(Vector512.ConvertToSingle(high) / d);
                    a -= s;
                    b -= s;
                    e -= s;
                    f -= s;
                    sum += (a + b) + (e + f);
                    squares = Vector512.FusedMultiplyAdd(a, a, Vector512.FusedMultiplyAdd(b, b, squares));
                    squares2 = Vector512.FusedMultiplyAdd(e, e, Vector512.FusedMultiplyAdd(f, f, squares2));
                }
                Sum += Vector512.Sum(sum);
                Squares += Vector512.Sum(squares + squares2);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                var s = Vector256.Create(shift);
                var d = Vector256.Create(divisor);
                Vector256<double> sum = default, squares = default, squares2 = default;
                for (; i <= length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
                {
                    var raw = Vector256.Load(values + i);
                    raw.Store(copy + i);
                    var (low, high) = Vector256.Widen(raw);
                    var (a, b) = Vector256.Widen(Vector256.ConvertToSingle(low) / d);
                    var (e, f) = Vector256.Widen(Vector256.ConvertToSingle(high) / d);
                    a -= s;
                    b -= s;
                    e -= s;
                    f -= s;
                    sum += (a + b) + (e + f);
                    squares = Vector256.FusedMultiplyAdd(a, a, Vector256.FusedMultiplyAdd(b, b, squares));
                    squares2 = Vector256.FusedMultiplyAdd(e, e, Vector256.FusedMultiplyAdd(f, f, squares2));
                }
                Sum += Vector256.Sum(sum);
                Squares += Vector256.Sum(squares + squares2);
            }
            for (; i < length; i++)
            {
                copy[i] = values[i];
                double x = values[i] / divisor - shift;
                Sum += x;
                Squares = Math.FusedMultiplyAdd(x, x, Squares);
            }
        }
    }

    /// <summary>
    /// output = (float)((x / divisor − mean) × scale) with scale = 1 / (std + ε), in float64: one float64 rounding
    /// more than the division, which moves an output across a float32 rounding boundary about once in 2²⁸.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WriteScaled(ushort* values, int length, float divisor, double mean, double scale, Span<float> output)
    {
        int i = 0;
        fixed (float* y = output)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                var m = Vector512.Create(mean);
                var k = Vector512.Create(scale);
                var d = Vector512.Create(divisor);
                for (; i <= length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
                {
                    var (low, high) = Vector512.Widen(Vector512.Load(values + i));
                    var (a, b) = Vector512.Widen(Vector512.ConvertToSingle(low) / d);
                    Vector512.Narrow((a - m) * k, (b - m) * k).Store(y + i);
                    var (e, f) = Vector512.Widen(Vector512.ConvertToSingle(high) / d);
                    Vector512.Narrow((e - m) * k, (f - m) * k).Store(y + i + Vector512<float>.Count);
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

    /// <summary>uint16 → float32 divided by <paramref name="divisor"/>, rounded once, as numpy does it.</summary>
    internal static Span<float> Scale(ReadOnlySpan<ushort> values, float divisor, Span<float> destination)
    {
        var target = destination[..values.Length];
        TensorPrimitives.ConvertTruncating(values, target);
        if (divisor != 1f)
            TensorPrimitives.Divide(target, divisor, target);
        return target;
    }

    /// <summary>Sums of the values minus a shift and of their squares, in float64.</summary>
    private struct Sums(double shift)
    {
        private double _sum;
        private double _squares;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(ReadOnlySpan<float> values)
        {
            ref float x = ref MemoryMarshal.GetReference(values);
            int i = 0;
            if (Vector512.IsHardwareAccelerated && values.Length >= Vector512<float>.Count)
            {
                var s = Vector512.Create(shift);
                Vector512<double> sum = default, squares = default;
                for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                {
                    var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                    lower -= s;
                    upper -= s;
                    sum += lower + upper;
                    squares = Vector512.FusedMultiplyAdd(lower, lower, Vector512.FusedMultiplyAdd(upper, upper, squares));
                }
                _sum += Vector512.Sum(sum);
                _squares += Vector512.Sum(squares);
            }
            else if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
            {
                var s = Vector256.Create(shift);
                Vector256<double> sum = default, squares = default;
                for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                    lower -= s;
                    upper -= s;
                    sum += lower + upper;
                    squares = Vector256.FusedMultiplyAdd(lower, lower, Vector256.FusedMultiplyAdd(upper, upper, squares));
                }
                _sum += Vector256.Sum(sum);
                _squares += Vector256.Sum(squares);
            }
            for (; i < values.Length; i++)
            {
                double d = Unsafe.Add(ref x, i) - shift;
                _sum += d;
                _squares = Math.FusedMultiplyAdd(d, d, _squares);
            }
        }

        public readonly (double Mean, double Std) MeanAndStd(long n)
        {
            double meanShifted = _sum / n;
            // Σd² − n·d̄², never below 0: rounding can leave a tiny negative for a constant patch.
            double variance = Math.Max(_squares - _sum * meanShifted, 0) / (n - 1);
            return (shift + meanShifted, Math.Sqrt(variance));
        }
    }

    /// <summary>output = (float)((x − mean) / denominator), evaluated in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Write(ReadOnlySpan<float> values, double mean, double denominator, Span<float> output)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        ref float y = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(mean);
            var d = Vector512.Create(denominator);
            for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                Vector512.Narrow((lower - m) / d, (upper - m) / d).StoreUnsafe(ref y, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(mean);
            var d = Vector256.Create(denominator);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                Vector256.Narrow((lower - m) / d, (upper - m) / d).StoreUnsafe(ref y, (nuint)i);
            }
        }
        for (; i < values.Length; i++)
            Unsafe.Add(ref y, i) = (float)((Unsafe.Add(ref x, i) - mean) / denominator);
    }

    private static void NormalizeKernel<T>(ComputeContext compute, ReadOnlySpan<T> patches, int patchLength, float divisor, Span<float> output)
        where T : unmanaged
    {
        int count = patches.Length / patchLength;
        lock (compute.LaunchGate)
        {
            using var input = compute.Upload(patches);
            using var result = compute.Accelerator.Allocate1D<float>(Math.Max(patches.Length, 1));
            var config = new KernelConfig(count, PatchNormalizationKernel.GroupSize);
            if (typeof(T) == typeof(float))
            {
                var kernel = compute.Kernel(PatchNormalizationKernel.NormalizeFloat,
                    a => a.LoadStreamKernel<ArrayView<float>, int, ArrayView<float>>(PatchNormalizationKernel.NormalizeFloat));
                kernel(config, ((MemoryBuffer1D<float, Stride1D.Dense>)(object)input).View, patchLength, result.View);
            }
            else
            {
                var kernel = compute.Kernel(PatchNormalizationKernel.NormalizeUInt16,
                    a => a.LoadStreamKernel<ArrayView<ushort>, int, float, ArrayView<float>>(PatchNormalizationKernel.NormalizeUInt16));
                kernel(config, ((MemoryBuffer1D<ushort, Stride1D.Dense>)(object)input).View, patchLength, divisor, result.View);
            }
            compute.Accelerator.Synchronize();
            result.View.BaseView.SubView(0, patches.Length).CopyToCPU(output);
        }
    }
}
