namespace Engine.Detection;

/// <summary>Non-maximum suppression with the answers of ensemble-boxes' <c>nms</c>, over a batch of images in parallel.</summary>
/// <remarks>
/// As the peer's <c>nms_method</c>: when an image has weights, each model's scores become score × weight ÷ Σweights;
/// every coordinate is clipped to [0, 1], corners ordered, zero-area boxes removed; then per label (ascending)
/// the highest remaining box is kept and every box overlapping it by IoU strictly greater than the threshold is
/// removed. Output per label in order of selection, labels ascending; scores are the (weighted) input scores.
/// </remarks>
public static class Nms
{
    /// <summary>Suppresses overlapping boxes in every image of a batch.</summary>
    /// <param name="batch">The images (all models' boxes of an image are pooled).</param>
    /// <param name="iouThreshold">A box is removed when its IoU with a kept box is strictly greater than this.</param>
    /// <param name="onWarning">Receives each coordinate clipped and each zero-area box removed; may be called from several threads at once.</param>
    /// <param name="progress">Receives the number of images done so far.</param>
    /// <returns>Each image's kept boxes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="batch"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="iouThreshold"/> is NaN.</exception>
    public static DetectionResult Suppress(DetectionBatch batch, double iouThreshold = 0.5,
        Action<DetectionWarning>? onWarning = null, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        WeightedBoxesFusion.CheckThreshold(iouThreshold, nameof(iouThreshold));
        return DetectionBatchRunner.Run(batch, new Operation(SoftNmsMethod.Hard, iouThreshold, 0.5, 0.001, onWarning), progress);
    }

    /// <summary>The NMS family on one image: hard NMS, or soft-NMS's selection and decay.</summary>
    internal readonly struct Operation(SoftNmsMethod method, double iou, double sigma, double thresh, Action<DetectionWarning>? warn) : IImageOperation
    {
        public int Run(DetectionBatch batch, int image, DetectionScratch s, Span<double> boxes, Span<double> scores, Span<int> labels)
        {
            int n = Prefilter.ForSuppression(batch, image, s, warn);
            int written = 0;
            for (int start = 0; start < n;)
            {
                int end = start;
                while (end < n && s.Candidates[end].Label == s.Candidates[start].Label)
                    end++;
                int kept = method == SoftNmsMethod.Hard ? Hard(s, start, end, iou) : SoftNms.Soft(s, start, end, method, iou, sigma, thresh);
                for (int i = 0; i < kept; i++)
                {
                    ref var c = ref s.Candidates[s.Order[i]];
                    int o = written + i;
                    (boxes[4 * o], boxes[4 * o + 1], boxes[4 * o + 2], boxes[4 * o + 3]) = (c.X1, c.Y1, c.X2, c.Y2);
                    scores[o] = c.Score;
                    labels[o] = c.Label;
                }
                written += kept;
                start = end;
            }
            return written;
        }
    }

    /// <summary>
    /// nms_float_fast on candidates [start, end): by descending score (ties later first), keep the first
    /// remaining box and drop the rest above the threshold. The kept candidates' indices go to
    /// <c>s.Order[0..count)</c> in selection order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Hard(DetectionScratch s, int start, int end, double iou)
    {
        int n = end - start;
        var c = s.Candidates;
        // Next holds the candidates by score (nms_float_fast's argsort()[::-1], ties later first); the clusters'
        // coordinate arrays hold them in that order.
        var keys = s.Keys.AsSpan(0, n);
        var byScore = s.Next.AsSpan(0, n);
        for (int i = 0; i < n; i++)
            keys[i] = SortKey.Descending(c[start + i].Score);
        SortKey.SortLaterFirst(keys, s.Work, s.Temp, byScore);
        for (int i = 0; i < n; i++)
            byScore[i] += start;
        for (int i = 0; i < n; i++)
        {
            ref var b = ref c[byScore[i]];
            (s.X1[i], s.Y1[i], s.X2[i], s.Y2[i]) = (b.X1, b.Y1, b.X2, b.Y2);
            s.Count[i] = 1; // alive
        }
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (s.Count[i] == 0)
                continue;
            s.Order[kept++] = byScore[i];
            int rest = n - i - 1;
            if (rest == 0)
                break;
            var ious = s.Ious.AsSpan(0, rest);
            BoxIou.OneToMany(s.X1[i], s.Y1[i], s.X2[i], s.Y2[i],
                s.X1.AsSpan(i + 1, rest), s.Y1.AsSpan(i + 1, rest), s.X2.AsSpan(i + 1, rest), s.Y2.AsSpan(i + 1, rest), ious);
            for (int k = 0; k < rest; k++)
            {
                if (ious[k] > iou)
                    s.Count[i + 1 + k] = 0;
            }
        }
        return kept;
    }
}
