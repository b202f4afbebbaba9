namespace Engine.Kernels.Segmentation;

/// <summary><c>FBeta</c> on a GPU: the confusion counts of a binary prediction against the truth.</summary>
public static class FBetaKernel
{
    /// <summary>Index of the true-positive count in the counts buffer.</summary>
    public const int TruePositives = 0;

    /// <summary>Index of the predicted-positive count.</summary>
    public const int PredictedPositives = 1;

    /// <summary>Index of the actual-positive count.</summary>
    public const int ActualPositives = 2;

    /// <summary>Index of the count of pixels inside the mask.</summary>
    public const int Selected = 3;

    /// <summary>Length of the counts buffer.</summary>
    public const int CountsLength = 4;

    /// <summary>Grid-stride pass adding each thread's counts of the selected pixels to <paramref name="counts"/>.</summary>
    /// <param name="predicted">Prediction (non-zero = positive).</param>
    /// <param name="truth">Ground truth (non-zero = positive).</param>
    /// <param name="mask">Per-pixel selection (non-zero = counted); ignored when <paramref name="hasMask"/> is 0.</param>
    /// <param name="hasMask">1 when <paramref name="mask"/> applies.</param>
    /// <param name="counts"><see cref="CountsLength"/> zeroed counters.</param>
    public static void Count(ArrayView<byte> predicted, ArrayView<byte> truth, ArrayView<byte> mask, int hasMask,
        ArrayView<long> counts)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        int truePositives = 0, predictedPositives = 0, actualPositives = 0, selected = 0;
        for (long i = Grid.GlobalIndex.X; i < predicted.Length; i += stride)
        {
            if (hasMask != 0 && mask[i] == 0)
                continue;
            int p = predicted[i] != 0 ? 1 : 0;
            int t = truth[i] != 0 ? 1 : 0;
            truePositives += p & t;
            predictedPositives += p;
            actualPositives += t;
            selected++;
        }
        Atomic.Add(ref counts[TruePositives], truePositives);
        Atomic.Add(ref counts[PredictedPositives], predictedPositives);
        Atomic.Add(ref counts[ActualPositives], actualPositives);
        Atomic.Add(ref counts[Selected], selected);
    }
}
