namespace Engine.Volumes;

/// <summary>
/// Per-patch normalization <c>(x − mean) / (std + 1e-6)</c>, mean and std over each whole patch (C, H, W), std
/// unbiased as <c>torch.Tensor.std()</c> computes it by default — the ink-detection solutions' input
/// normalization. Also fused with the uint16 → float32 conversion and scaling of raw scan values.
/// </summary>
/// <remarks>
/// The statistics are accumulated in float64 in one pass (sums of values shifted by the patch's first value,
/// which keeps the variance exact when the spread is tiny beside the mean), and each output is
/// <c>(float)((x − mean) × (1 / (std + 1e-6)))</c> evaluated in float64: the float64 reference formula rounded to
/// float32, which tests/data/volumes matches within one float32 ulp.
/// </remarks>
public static partial class PatchNormalization
{
    /// <summary>Added to the standard deviation, as in the reference formula, so a constant patch gives zeros.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>
    /// Patches of at least this many values (1 MB of output, beyond L2) are written with non-temporal stores: the
    /// output would leave the caches before it is read anyway, and streaming it saves reading each line first.
    /// </summary>
    private const int NonTemporalLength = 1 << 18;

    /// <summary>Normalizes each patch of <paramref name="patches"/> into <paramref name="output"/>.</summary>
    /// <param name="patches">B patches of <paramref name="patchLength"/> values each, one after another.</param>
    /// <param name="patchLength">Values per patch (C × H × W), at least 2 (the unbiased std divides by n − 1).</param>
    /// <param name="output">Receives the normalized patches; may be the same memory as <paramref name="patches"/> (in place).</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="patchLength"/> is below 2.</exception>
    /// <exception cref="ArgumentException">The lengths are not whole patches or differ, or the spans partly overlap.</exception>
    public static void Normalize(ReadOnlySpan<float> patches, int patchLength, Span<float> output, ComputeContext? compute = null)
    {
        Check(patches.Length, patchLength, output.Length);
        if (patches.Overlaps(output, out int offset) && offset != 0)
            throw new ArgumentException("output partly overlaps patches; pass the same memory to normalize in place, or separate memory.", nameof(output));
        if (compute is { UsesKernels: true })
        {
            NormalizeKernel(compute, patches, patchLength, 1f, output);
            return;
        }
        EachPatch(patches, patchLength, output, NormalizePatch);
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
        Check(patches.Length, patchLength, output.Length);
        if (!(divisor > 0 && float.IsFinite(divisor)))
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "The divisor must be positive and finite.");
        if (compute is { UsesKernels: true })
        {
            NormalizeKernel(compute, patches, patchLength, divisor, output);
            return;
        }
        EachPatch(patches, patchLength, output, (patch, target) => NormalizePatch(patch, divisor, target));
    }

    private delegate void PatchNormalizer<T>(ReadOnlySpan<T> patch, Span<float> output);

    /// <summary>Runs <paramref name="normalize"/> on the patches in parallel, each into its place in <paramref name="output"/>.</summary>
    private static unsafe void EachPatch<T>(ReadOnlySpan<T> patches, int patchLength, Span<float> output, PatchNormalizer<T> normalize)
        where T : unmanaged
    {
        fixed (T* source = patches)
        fixed (float* target = output)
        {
            nint s = (nint)source, t = (nint)target;
            Parallel.For(0, patches.Length / patchLength, p => normalize(
                new ReadOnlySpan<T>((T*)s + (long)p * patchLength, patchLength),
                new Span<float>((float*)t + (long)p * patchLength, patchLength)));
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

    private static void Check(int length, int patchLength, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patchLength, 2);
        if (length % patchLength != 0)
            throw new ArgumentException($"patches holds {length} values, not a whole number of {patchLength}-value patches.", "patches");
        if (outputLength != length)
            throw new ArgumentException($"output holds {outputLength} values but patches holds {length}; they must match.", "output");
    }

    internal static void NormalizePatch(ReadOnlySpan<float> patch, Span<float> output)
    {
        var sums = new Sums(patch[0]);
        sums.Add(patch);
        var (mean, std) = sums.MeanAndStd(patch.Length);
        Write(patch, mean, 1 / (std + Epsilon), output);
    }

    /// <summary>
    /// The fused uint16 path: one pass for the sums and one for the output, each converting and dividing 32 values
    /// at a time in registers (as <see cref="NormalizeWindow"/> does for a tile in a band).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void NormalizePatch(ReadOnlySpan<ushort> patch, float divisor, Span<float> output)
    {
        fixed (ushort* values = patch)
        {
            double shift = values[0] / divisor;
            var sums = new WindowSums();
            sums.Add(values, null, patch.Length, divisor, shift);
            var (mean, scale) = MeanAndScale(sums.Sum, sums.Squares, patch.Length, shift);
            WriteScaled(values, patch.Length, divisor, mean, scale, output, nonTemporal: patch.Length >= NonTemporalLength);
        }
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
                // Six independent accumulators, 32 values an iteration: one chain of FMAs would wait on its own
                // latency (4 cycles) for every 8 values; this keeps the pass at memory speed.
                var s = Vector512.Create(shift);
                Vector512<double> sum = default, sum2 = default, squares = default, squares2 = default, squares3 = default, squares4 = default;
                for (; i <= values.Length - 2 * Vector512<float>.Count; i += 2 * Vector512<float>.Count)
                {
                    var (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                    var (c, d) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)(i + Vector512<float>.Count)));
                    a -= s;
                    b -= s;
                    c -= s;
                    d -= s;
                    sum += a + b;
                    sum2 += c + d;
                    squares = Vector512.FusedMultiplyAdd(a, a, squares);
                    squares2 = Vector512.FusedMultiplyAdd(b, b, squares2);
                    squares3 = Vector512.FusedMultiplyAdd(c, c, squares3);
                    squares4 = Vector512.FusedMultiplyAdd(d, d, squares4);
                }
                for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                {
                    var (a, b) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                    a -= s;
                    b -= s;
                    sum += a + b;
                    squares = Vector512.FusedMultiplyAdd(a, a, squares);
                    squares2 = Vector512.FusedMultiplyAdd(b, b, squares2);
                }
                _sum += Vector512.Sum(sum + sum2);
                _squares += Vector512.Sum((squares + squares2) + (squares3 + squares4));
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

        public readonly (double Mean, double Std) MeanAndStd(long n) => PatchNormalization.MeanAndStd(_sum, _squares, n, shift);
    }

    /// <summary>Mean and unbiased std of n values from the sum and sum of squares of the values minus <paramref name="shift"/>.</summary>
    private static (double Mean, double Std) MeanAndStd(double sum, double squares, long n, double shift)
    {
        double meanShifted = sum / n;
        // Σd² − n·d̄², never below 0: rounding can leave a tiny negative for a constant patch.
        double variance = Math.Max(squares - sum * meanShifted, 0) / (n - 1);
        return (shift + meanShifted, Math.Sqrt(variance));
    }

    /// <summary>The mean and the factor 1 / (std + ε) the output passes multiply by.</summary>
    private static (double Mean, double Scale) MeanAndScale(double sum, double squares, long n, double shift)
    {
        var (mean, std) = MeanAndStd(sum, squares, n, shift);
        return (mean, 1 / (std + Epsilon));
    }

    /// <summary>
    /// output = (float)((x − mean) × scale) with scale = 1 / (std + ε), in float64. The float64 product is within
    /// 1.5 float64 ulps of the quotient (x − mean) / (std + ε), 2²⁹ times finer than a float32 ulp, so its float32
    /// rounding is the quotient's or the float32 next to it (when the quotient lies within that distance of a
    /// rounding boundary): within the one float32 ulp of the float64 formula that tests/data/volumes checks, and
    /// a vector multiply instead of a float64 vector division (several times its throughput).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Write(ReadOnlySpan<float> values, double mean, double scale, Span<float> output)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        ref float y = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(mean);
            var k = Vector512.Create(scale);
            if (values.Length >= NonTemporalLength)
            {
                unsafe
                {
                    fixed (float* target = output)
                    {
                        // Scalar up to a 64-byte boundary, then whole cache lines stored past the caches.
                        int head = Math.Min((int)((64 - ((nuint)target & 63)) & 63) / sizeof(float), values.Length);
                        for (; i < head; i++)
                            target[i] = (float)((Unsafe.Add(ref x, i) - mean) * scale);
                        for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                        {
                            var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                            Vector512.Narrow((lower - m) * k, (upper - m) * k).StoreAlignedNonTemporal(target + i);
                        }
                    }
                }
            }
            for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                Vector512.Narrow((lower - m) * k, (upper - m) * k).StoreUnsafe(ref y, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(mean);
            var k = Vector256.Create(scale);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                Vector256.Narrow((lower - m) * k, (upper - m) * k).StoreUnsafe(ref y, (nuint)i);
            }
        }
        for (; i < values.Length; i++)
            Unsafe.Add(ref y, i) = (float)((Unsafe.Add(ref x, i) - mean) * scale);
    }
}
