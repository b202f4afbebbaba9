namespace Engine.Kernels.Segmentation;

/// <summary>
/// <c>BestPercentile</c>'s counting pass on a GPU: for each selected pixel, c = how many of the ascending
/// threshold bounds lie below its value (so it is ink for exactly the c lowest thresholds), counted in a
/// histogram over c of all pixels and of the truly positive ones. Suffix sums of the two histograms give every
/// candidate's confusion counts from this one pass.
/// </summary>
public static class BestPercentileKernel
{
    /// <summary>The most candidate thresholds one pass scores; bounds the shared histograms to 2 KB.</summary>
    public const int MaxCandidates = 255;

    /// <summary>Bins per histogram: c runs from 0 to <see cref="MaxCandidates"/>.</summary>
    public const int Bins = MaxCandidates + 1;

    /// <summary>Grid-stride pass filling <c>histograms[c]</c> (all pixels) and <c>histograms[Bins + c]</c> (true pixels).</summary>
    /// <param name="values">The probability map.</param>
    /// <param name="truth">Ground truth (non-zero = positive).</param>
    /// <param name="mask">Per-pixel selection (non-zero = counted); ignored when <paramref name="hasMask"/> is 0.</param>
    /// <param name="hasMask">1 when <paramref name="mask"/> applies.</param>
    /// <param name="bounds">Float32 threshold bounds in ascending order.</param>
    /// <param name="boundCount">How many of <paramref name="bounds"/> are in use (at most <see cref="MaxCandidates"/>).</param>
    /// <param name="histograms">2 × <see cref="Bins"/> zeroed counters.</param>
    public static void Count(ArrayView<float> values, ArrayView<byte> truth, ArrayView<byte> mask, int hasMask,
        ArrayView<float> bounds, int boundCount, ArrayView<long> histograms)
    {
        var bins = SharedMemory.Allocate<int>(2 * Bins);
        GroupHistogram.Clear(bins);
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < values.Length; i += stride)
        {
            if (hasMask != 0 && mask[i] == 0)
                continue;
            float value = values[i];
            int below = 0;
            for (int c = 0; c < boundCount; c++)
                below += value > bounds[c] ? 1 : 0;
            Atomic.Add(ref bins[below], 1);
            if (truth[i] != 0)
                Atomic.Add(ref bins[Bins + below], 1);
        }
        GroupHistogram.AddTo(bins, histograms);
    }
}
