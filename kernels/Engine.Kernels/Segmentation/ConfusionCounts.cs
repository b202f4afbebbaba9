namespace Engine.Kernels.Segmentation;

/// <summary>
/// The confusion counts of a binary prediction against the truth over the selected pixels, as <c>FBeta</c>'s CPU
/// path and <see cref="FBetaKernel"/> both count them.
/// </summary>
public struct ConfusionCounts
{
    /// <summary>Pixels positive in both.</summary>
    public long TruePositives;

    /// <summary>Pixels the prediction marks positive.</summary>
    public long PredictedPositives;

    /// <summary>Pixels the truth marks positive.</summary>
    public long ActualPositives;

    /// <summary>Pixels counted (inside the mask, or all).</summary>
    public long Selected;

    /// <summary>Counts one selected pixel.</summary>
    /// <param name="predicted">The prediction (non-zero = positive).</param>
    /// <param name="truth">The truth (non-zero = positive).</param>
    public void Add(byte predicted, byte truth)
    {
        int p = predicted != 0 ? 1 : 0;
        int t = truth != 0 ? 1 : 0;
        TruePositives += p & t;
        PredictedPositives += p;
        ActualPositives += t;
        Selected++;
    }

    /// <summary>Adds another part's counts.</summary>
    /// <param name="other">The counts of other pixels.</param>
    public void Add(in ConfusionCounts other)
    {
        TruePositives += other.TruePositives;
        PredictedPositives += other.PredictedPositives;
        ActualPositives += other.ActualPositives;
        Selected += other.Selected;
    }
}
