namespace Engine.Kernels.Segmentation;

/// <summary><c>FBeta</c> on a GPU: the confusion counts of a binary prediction against the truth.</summary>
public static class FBetaKernel
{
    /// <summary>Grid-stride pass adding each thread's counts of the selected pixels to <paramref name="counts"/>[0].</summary>
    /// <param name="predicted">Prediction (non-zero = positive).</param>
    /// <param name="truth">Ground truth (non-zero = positive).</param>
    /// <param name="mask">Per-pixel selection (non-zero = counted); ignored when <paramref name="hasMask"/> is 0.</param>
    /// <param name="hasMask">1 when <paramref name="mask"/> applies.</param>
    /// <param name="counts">One zeroed <see cref="ConfusionCounts"/>.</param>
    public static void Count(ArrayView<byte> predicted, ArrayView<byte> truth, ArrayView<byte> mask, int hasMask,
        ArrayView<ConfusionCounts> counts)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        var local = default(ConfusionCounts);
        for (long i = Grid.GlobalIndex.X; i < predicted.Length; i += stride)
        {
            if (hasMask == 0 || mask[i] != 0)
                local.Add(predicted[i], truth[i]);
        }
        ref var total = ref counts[0];
        Atomic.Add(ref total.TruePositives, local.TruePositives);
        Atomic.Add(ref total.PredictedPositives, local.PredictedPositives);
        Atomic.Add(ref total.ActualPositives, local.ActualPositives);
        Atomic.Add(ref total.Selected, local.Selected);
    }
}
