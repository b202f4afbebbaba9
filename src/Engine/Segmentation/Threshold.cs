using System.Numerics;
using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>
/// Turns a probability map into an ink mask: <c>ink = (values &gt; threshold) &amp; mask</c>, the second half of
/// percentile thresholding (<see cref="Quantile"/> gives the threshold).
/// </summary>
/// <remarks>
/// The comparison is exact in float64, as numpy ≥ 2 compares a float32 array with a float64 scalar. numpy 1.x
/// rounded the scalar to float32 first, which differs only for values equal to the float32 nearest above
/// the threshold when the threshold rounds up to it. A NaN value is never ink, as in numpy.
/// </remarks>
public static partial class Threshold
{
    /// <summary>Writes the ink mask (1 = ink, 0 = not) and returns the number of ink pixels.</summary>
    /// <param name="values">The probability map (or any values), row-major.</param>
    /// <param name="threshold">A value is ink when strictly greater than this.</param>
    /// <param name="mask">Fragment mask (non-zero = inside), or empty for none; pixels outside are never ink.</param>
    /// <param name="ink">Receives the mask; same length as <paramref name="values"/>. May not overlap the inputs.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <returns>The number of ink pixels.</returns>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static long Apply(ReadOnlySpan<float> values, double threshold, ReadOnlySpan<byte> mask, Span<byte> ink,
        ComputeContext? compute = null)
    {
        if (ink.Length != values.Length)
            throw new ArgumentException($"ink has {ink.Length} elements but values has {values.Length}; they must match.", nameof(ink));
        if (!mask.IsEmpty && mask.Length != values.Length)
            throw new ArgumentException($"mask has {mask.Length} elements but values has {values.Length}; they must match.", nameof(mask));
        float bound = FloatBound(threshold);
        return compute is { UsesKernels: true }
            ? ApplyKernel(compute, values, bound, ink, mask)
            : ApplySimd(values, bound, ink, mask);
    }

    /// <summary>Allocating overload of <see cref="Apply(ReadOnlySpan{float}, double, ReadOnlySpan{byte}, Span{byte}, ComputeContext?)"/>.</summary>
    /// <param name="values">The probability map (or any values), row-major.</param>
    /// <param name="threshold">A value is ink when strictly greater than this.</param>
    /// <param name="mask">Optional fragment mask (non-zero = inside); pixels outside are never ink.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <returns>The ink mask (1 = ink) and the number of ink pixels.</returns>
    /// <exception cref="ArgumentException">The mask's length differs from the values'.</exception>
    public static (byte[] Ink, long Positives) Apply(ReadOnlySpan<float> values, double threshold,
        ReadOnlySpan<byte> mask = default, ComputeContext? compute = null)
    {
        var ink = new byte[values.Length];
        long positives = Apply(values, threshold, mask, ink, compute);
        return (ink, positives);
    }

    /// <summary>
    /// The float32 <c>f</c> with <c>x &gt; f ⇔ x &gt; threshold</c> for every float32 x: the threshold itself when
    /// representable, else the float just below it. Lets the SIMD path and the kernels compare in float32.
    /// </summary>
    internal static float FloatBound(double threshold)
    {
        float bound = (float)threshold;
        return bound > threshold ? MathF.BitDecrement(bound) : bound;
    }

    private static unsafe long ApplySimd(ReadOnlySpan<float> values, float bound, Span<byte> ink, ReadOnlySpan<byte> mask)
    {
        long positives = 0;
        fixed (float* v = values)
        fixed (byte* m = mask)
        fixed (byte* o = ink)
        {
            nint vp = (nint)v, mp = (nint)m, op = (nint)o;
            ParallelChunks.For(values.Length, ParallelChunks.MapChunkLength, () => new long[1],
                (count, start, end) => count[0] += ApplyRange((float*)vp, (byte*)mp, (byte*)op, start, end, bound),
                count => positives += count[0]);
        }
        return positives;
    }

    /// <summary>
    /// One chunk. The work is memory-bound (5–6 bytes per value), so 256-bit vectors already keep up with
    /// memory; Vector512 would add nothing here.
    /// </summary>
    // Optimized from the first call: a one-shot command runs this loop only a few times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe long ApplyRange(float* values, byte* mask, byte* ink, int start, int end, float bound)
    {
        long count = 0;
        int i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            var boundV = Vector256.Create(bound);
            var one = Vector256.Create((byte)1);
            for (; i <= end - 32; i += 32)
            {
                var a = Vector256.GreaterThan(Vector256.Load(values + i), boundV).AsInt32();
                var b = Vector256.GreaterThan(Vector256.Load(values + i + 8), boundV).AsInt32();
                var c = Vector256.GreaterThan(Vector256.Load(values + i + 16), boundV).AsInt32();
                var d = Vector256.GreaterThan(Vector256.Load(values + i + 24), boundV).AsInt32();
                var bytes = Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, d)).AsByte();
                if (mask is not null)
                    bytes &= ~Vector256.Equals(Vector256.Load(mask + i), Vector256<byte>.Zero);
                count += BitOperations.PopCount(bytes.ExtractMostSignificantBits());
                (bytes & one).Store(ink + i);
            }
        }
        for (; i < end; i++)
        {
            bool isInk = values[i] > bound && (mask is null || mask[i] != 0);
            ink[i] = isInk ? (byte)1 : (byte)0;
            count += isInk ? 1 : 0;
        }
        return count;
    }
}
