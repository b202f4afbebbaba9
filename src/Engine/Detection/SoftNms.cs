namespace Engine.Detection;

/// <summary>Soft-NMS with the answers of ensemble-boxes' <c>soft_nms</c>, over a batch of images in parallel.</summary>
/// <remarks>
/// Input handling as <see cref="Nms"/>. Per label, the peer's <c>cpu_soft_nms_float</c>: repeatedly bring the
/// highest decayed score forward (the first of equal maxima, only when strictly higher than the current box),
/// then decay every later box's score by its IoU with it. Boxes whose decayed score ends strictly above
/// <c>thresh</c> are kept, in selection order, and — as the peer returns — with their undecayed (weighted) scores.
/// </remarks>
public static class SoftNms
{
    /// <summary>Soft-suppresses overlapping boxes in every image of a batch.</summary>
    /// <param name="batch">The images (all models' boxes of an image are pooled).</param>
    /// <param name="method">Linear or Gaussian decay; <see cref="SoftNmsMethod.Hard"/> runs plain NMS, as ensemble-boxes' method=3 does.</param>
    /// <param name="iouThreshold">Linear decay applies above this IoU.</param>
    /// <param name="sigma">The Gaussian's width; must be positive.</param>
    /// <param name="thresh">Boxes whose decayed score ends at or below this are dropped.</param>
    /// <param name="onWarning">Receives each coordinate clipped and each zero-area box removed; may be called from several threads at once.</param>
    /// <param name="progress">Receives the number of images done so far.</param>
    /// <returns>Each image's kept boxes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="batch"/> is null.</exception>
    /// <exception cref="ArgumentException">A threshold is NaN, <paramref name="sigma"/> is not positive and finite, or <paramref name="method"/> is undefined.</exception>
    public static DetectionResult Suppress(DetectionBatch batch, SoftNmsMethod method = SoftNmsMethod.Gaussian, double iouThreshold = 0.5,
        double sigma = 0.5, double thresh = 0.001, Action<DetectionWarning>? onWarning = null, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        WeightedBoxesFusion.CheckThreshold(iouThreshold, nameof(iouThreshold));
        WeightedBoxesFusion.CheckThreshold(thresh, nameof(thresh));
        if (!(sigma > 0) || double.IsInfinity(sigma))
            throw new ArgumentException($"sigma is {sigma}; it must be positive and finite.", nameof(sigma));
        if (!Enum.IsDefined(method))
            throw new ArgumentException($"Unknown soft-NMS method {(int)method}; it must be Linear, Gaussian or Hard.", nameof(method));
        return DetectionBatchRunner.Run(batch, new Nms.Operation(method, iouThreshold, sigma, thresh, onWarning), progress);
    }

    /// <summary>cpu_soft_nms_float on candidates [start, end); kept indices go to <c>s.Order[0..count)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Soft(DetectionScratch s, int start, int end, SoftNmsMethod method, double iou, double sigma, double thresh)
    {
        int n = end - start;
        var c = s.Candidates;
        // Working rows in the clusters' arrays: coordinates, decayed score (Score) and candidate index (Head).
        for (int i = 0; i < n; i++)
        {
            ref var b = ref c[start + i];
            (s.X1[i], s.Y1[i], s.X2[i], s.Y2[i]) = (b.X1, b.Y1, b.X2, b.Y2);
            s.Score[i] = b.Score;
            s.Head[i] = start + i;
        }
        for (int i = 0; i < n; i++)
        {
            int pos = i + 1;
            if (pos < n)
            {
                int max = pos + BoxIou.ArgMax(s.Score.AsSpan(pos, n - pos));
                if (s.Score[i] < s.Score[max])
                    Swap(s, i, max);
            }
            int rest = n - pos;
            if (rest <= 0)
                break;
            var ious = s.Ious.AsSpan(0, rest);
            BoxIou.OneToMany(s.X1[i], s.Y1[i], s.X2[i], s.Y2[i],
                s.X1.AsSpan(pos, rest), s.Y1.AsSpan(pos, rest), s.X2.AsSpan(pos, rest), s.Y2.AsSpan(pos, rest), ious);
            var scores = s.Score.AsSpan(pos, rest);
            for (int k = 0; k < rest; k++)
            {
                double weight = method switch
                {
                    SoftNmsMethod.Linear => ious[k] > iou ? 1.0 - ious[k] : 1.0,
                    SoftNmsMethod.Gaussian => Math.Exp(-(ious[k] * ious[k]) / sigma),
                    _ => ious[k] > iou ? 0.0 : 1.0,
                };
                scores[k] = weight * scores[k];
            }
        }
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (s.Score[i] > thresh)
                s.Order[kept++] = s.Head[i];
        }
        return kept;
    }

    private static void Swap(DetectionScratch s, int a, int b)
    {
        (s.X1[a], s.X1[b]) = (s.X1[b], s.X1[a]);
        (s.Y1[a], s.Y1[b]) = (s.Y1[b], s.Y1[a]);
        (s.X2[a], s.X2[b]) = (s.X2[b], s.X2[a]);
        (s.Y2[a], s.Y2[b]) = (s.Y2[b], s.Y2[a]);
        (s.Score[a], s.Score[b]) = (s.Score[b], s.Score[a]);
        (s.Head[a], s.Head[b]) = (s.Head[b], s.Head[a]);
    }
}
