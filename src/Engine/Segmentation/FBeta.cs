using System.Numerics;
using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>
/// Scores a binary prediction against the truth globally, over all pixels at once (as the ink-detection
/// competition scored F0.5), not per image or per tile.
/// </summary>
public static partial class FBeta
{
    /// <summary>Counts and scores <paramref name="predicted"/> against <paramref name="truth"/>.</summary>
    /// <param name="predicted">The prediction, row-major (non-zero = positive).</param>
    /// <param name="truth">The ground truth, same length (non-zero = positive).</param>
    /// <param name="mask">Optional region to score (non-zero = counted); pixels outside count nowhere.</param>
    /// <param name="beta">β of the F-score; 0.5 weighs precision higher, as the ink-detection competition did.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <returns>The confusion counts and scores.</returns>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is not positive and finite.</exception>
    public static BinaryScores Score(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth,
        ReadOnlySpan<byte> mask = default, double beta = 0.5, ComputeContext? compute = null)
    {
        if (truth.Length != predicted.Length)
            throw new ArgumentException($"truth has {truth.Length} pixels but the prediction has {predicted.Length}; they must match.", nameof(truth));
        if (!mask.IsEmpty && mask.Length != predicted.Length)
            throw new ArgumentException($"mask has {mask.Length} pixels but the prediction has {predicted.Length}; they must match.", nameof(mask));
        if (!(beta > 0 && double.IsFinite(beta)))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be positive and finite.");

        var counts = compute is { UsesKernels: true }
            ? CountKernel(compute, predicted, truth, mask)
            : CountSimd(predicted, truth, mask);

        long tp = counts.TruePositives;
        long fp = counts.PredictedPositives - tp;
        long fn = counts.ActualPositives - tp;
        long tn = counts.Selected - tp - fp - fn;
        return new BinaryScores(tp, fp, fn, tn, beta);
    }

    private static unsafe ConfusionCounts CountSimd(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth, ReadOnlySpan<byte> mask)
    {
        var total = new ConfusionCounts();
        fixed (byte* p = predicted)
        fixed (byte* t = truth)
        fixed (byte* m = mask)
        {
            nint pp = (nint)p, tp = (nint)t, mp = (nint)m;
            ParallelChunks.For(predicted.Length, ParallelChunks.MapChunkLength, () => new StrongBox<ConfusionCounts>(),
                (local, start, end) => CountRange((byte*)pp, (byte*)tp, (byte*)mp, start, end, ref local.Value),
                local => total.Add(local.Value));
        }
        return total;
    }

    /// <summary>Memory-bound (2–3 bytes per pixel): 256-bit vectors keep up with memory.</summary>
    // Optimized from the first call: a one-shot command runs this loop only a few times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CountRange(byte* predicted, byte* truth, byte* mask, int start, int end, ref ConfusionCounts counts)
    {
        long truePositives = 0, predictedPositives = 0, actualPositives = 0, selected = 0;
        int i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= end - 32; i += 32)
            {
                var inside = mask is null ? Vector256<byte>.AllBitsSet : ~Vector256.Equals(Vector256.Load(mask + i), Vector256<byte>.Zero);
                var p = ~Vector256.Equals(Vector256.Load(predicted + i), Vector256<byte>.Zero) & inside;
                var t = ~Vector256.Equals(Vector256.Load(truth + i), Vector256<byte>.Zero) & inside;
                truePositives += BitOperations.PopCount((p & t).ExtractMostSignificantBits());
                predictedPositives += BitOperations.PopCount(p.ExtractMostSignificantBits());
                actualPositives += BitOperations.PopCount(t.ExtractMostSignificantBits());
                selected += BitOperations.PopCount(inside.ExtractMostSignificantBits());
            }
        }
        counts.TruePositives += truePositives;
        counts.PredictedPositives += predictedPositives;
        counts.ActualPositives += actualPositives;
        counts.Selected += selected;
        for (; i < end; i++)
        {
            if (mask is null || mask[i] != 0)
                counts.Add(predicted[i], truth[i]);
        }
    }
}
