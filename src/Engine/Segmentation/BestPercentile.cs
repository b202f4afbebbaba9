using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>
/// Scores every candidate percentile threshold of a probability map against the truth and picks the best:
/// an exact sweep in one pass over the pixels (plus the quantile passes), where a Nelder–Mead search would
/// evaluate one threshold at a time and may stop at a local optimum.
/// </summary>
public static partial class BestPercentile
{
    /// <summary>
    /// For each candidate q: threshold = <see cref="Quantile"/>(probabilities[mask], q), ink = probabilities &gt;
    /// threshold inside the mask, scored by <see cref="FBeta"/> against <paramref name="truth"/> over the mask.
    /// </summary>
    /// <param name="probabilities">The probability map, row-major.</param>
    /// <param name="truth">The ground truth, same length (non-zero = ink).</param>
    /// <param name="candidates">Candidate quantiles in [0, 1] (e.g. 0.80, 0.81, …, 0.99), at most 255.</param>
    /// <param name="mask">Optional fragment mask (non-zero = inside); the quantiles and scores use only pixels inside.</param>
    /// <param name="beta">β of the F-score.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <returns>Every candidate's threshold and scores, and the best one (highest F-β; the lower q on a tie).</returns>
    /// <exception cref="ArgumentException">Lengths differ, no candidate is given, or too many are; the quantile's own errors (a NaN, an empty mask).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A candidate is outside [0, 1], or <paramref name="beta"/> is not positive.</exception>
    public static PercentileSweep Find(ReadOnlySpan<float> probabilities, ReadOnlySpan<byte> truth,
        ReadOnlySpan<double> candidates, ReadOnlySpan<byte> mask = default, double beta = 0.5,
        ComputeContext? compute = null)
    {
        if (truth.Length != probabilities.Length)
            throw new ArgumentException($"truth has {truth.Length} pixels but probabilities has {probabilities.Length}; they must match.", nameof(truth));
        if (candidates.IsEmpty || candidates.Length > BestPercentileKernel.MaxCandidates)
            throw new ArgumentException($"{candidates.Length} candidates given; the sweep takes 1 to {BestPercentileKernel.MaxCandidates}.", nameof(candidates));
        if (!(beta > 0 && double.IsFinite(beta)))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be positive and finite.");

        var thresholds = Quantile.Compute(probabilities, candidates, mask, compute: compute);
        // Ascending bounds: a pixel is ink for exactly the thresholds below it, the first `below` of them.
        var order = Enumerable.Range(0, thresholds.Length).OrderBy(i => thresholds[i]).ToArray();
        var bounds = order.Select(i => Threshold.FloatBound(thresholds[i])).ToArray();

        var histograms = new long[2 * BestPercentileKernel.Bins];
        if (compute is { UsesKernels: true })
            CountKernel(compute, probabilities, truth, mask, bounds, histograms);
        else
            CountSimd(probabilities, truth, mask, bounds, histograms);

        long selected = 0, actualPositives = 0;
        for (int c = 0; c < BestPercentileKernel.Bins; c++)
        {
            selected += histograms[c];
            actualPositives += histograms[BestPercentileKernel.Bins + c];
        }
        var scores = new BinaryScores[candidates.Length];
        long predicted = 0, truePositives = 0;
        for (int rank = bounds.Length - 1; rank >= 0; rank--)
        {
            // Ink for threshold `rank` ⇔ more than `rank` thresholds lie below the pixel.
            predicted += histograms[rank + 1];
            truePositives += histograms[BestPercentileKernel.Bins + rank + 1];
            long fp = predicted - truePositives, fn = actualPositives - truePositives;
            scores[order[rank]] = new BinaryScores(truePositives, fp, fn, selected - truePositives - fp - fn, beta);
        }
        return new PercentileSweep(candidates.ToArray(), thresholds, scores);
    }

    private static unsafe void CountSimd(ReadOnlySpan<float> values, ReadOnlySpan<byte> truth, ReadOnlySpan<byte> mask,
        float[] bounds, long[] histograms)
    {
        var belowByBin = BoundsBelowByBin(bounds);
        fixed (float* v = values)
        fixed (byte* t = truth)
        fixed (byte* m = mask)
        {
            nint vp = (nint)v, tp = (nint)t, mp = (nint)m;
            ParallelChunks.For(values.Length, ParallelChunks.MapChunkLength, () => new uint[Spare + 1],
                (counts, start, end) => CountRange((float*)vp, (byte*)tp, (byte*)mp, start, end, bounds, belowByBin, counts),
                counts =>
                {
                    for (int c = 0; c < BestPercentileKernel.Bins; c++)
                    {
                        histograms[c] += counts[2 * c] + counts[2 * c + 1];
                        histograms[BestPercentileKernel.Bins + c] += counts[2 * c + 1];
                    }
                });
        }
    }

    /// <summary>Bin of the interleaved histogram that swallows pixels outside the mask.</summary>
    private const int Spare = 2 * BestPercentileKernel.Bins;

    /// <summary>Marks a top-16 key bin that holds a bound: its pixels need the exact comparisons.</summary>
    private const ushort Undecided = ushort.MaxValue;

    /// <summary>
    /// For each top-16 bin of float keys, how many bounds lie below every value of the bin, or
    /// <see cref="Undecided"/> when a bound falls inside it. At most one bin per bound is undecided, so almost
    /// every pixel gets its count from one table lookup whatever the number of candidates.
    /// </summary>
    private static ushort[] BoundsBelowByBin(float[] bounds)
    {
        var table = new ushort[1 << 16];
        var boundKeys = bounds.Select(b => (uint)(OrderedKey.FromFloat(b) >> 32)).ToArray();
        int below = 0;
        for (int bin = 0; bin < table.Length; bin++)
        {
            while (below < boundKeys.Length && boundKeys[below] >> 16 < (uint)bin)
                below++;
            table[bin] = below < boundKeys.Length && boundKeys[below] >> 16 == (uint)bin ? Undecided : (ushort)below;
        }
        // The last bin holds only NaNs, which exceed no bound.
        table[^1] = 0;
        return table;
    }

    /// <summary>
    /// Counts 16 pixels at a time. The histograms are interleaved (2c = a negative pixel with c bounds below it,
    /// 2c + 1 a positive one), so every pixel costs one increment and no branch; pixels outside the mask land
    /// in a spare bin.
    /// </summary>
    // Optimized from the first call: a one-shot command runs this loop only a few times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CountRange(float* values, byte* truth, byte* mask, int start, int end, float[] bounds,
        ushort[] belowByBin, uint[] counts)
    {
        uint* bins = stackalloc uint[16];
        fixed (uint* h = counts)
        fixed (ushort* table = belowByBin)
        {
            int i = start;
            for (; i <= end - 16; i += 16)
            {
                OrderedKeySimd.TopBins16(values + i, null, 0, bins);
                for (int j = 0; j < 16; j++)
                {
                    int below = table[bins[j]];
                    if (below == Undecided)
                        below = CountBelow(values[i + j], bounds);
                    // Branch-free: a random mask or truth would mispredict every other branch.
                    int bin = 2 * below + NonZero(truth[i + j]);
                    if (mask is not null)
                        bin = Spare + ((bin - Spare) & -NonZero(mask[i + j]));
                    h[bin]++;
                }
            }
            for (; i < end; i++)
            {
                int bin = 2 * CountBelow(values[i], bounds) + (truth[i] != 0 ? 1 : 0);
                h[mask is null || mask[i] != 0 ? bin : Spare]++;
            }
        }
    }

    /// <summary>1 for a non-zero byte, 0 for zero, without a branch.</summary>
    private static int NonZero(byte value) => (int)((uint)-value >> 31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CountBelow(float value, float[] bounds)
    {
        int count = 0;
        foreach (float bound in bounds)
            count += value > bound ? 1 : 0;
        return count;
    }
}
