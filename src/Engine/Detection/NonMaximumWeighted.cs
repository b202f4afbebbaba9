namespace Engine.Detection;

/// <summary>
/// Non-maximum weighted fusion (Zhou et al., CAD) with the answers of ensemble-boxes' <c>non_maximum_weighted</c>.
/// </summary>
/// <remarks>
/// As the peer: weights are divided by the largest; input fixed and sorted as for <see cref="WeightedBoxesFusion"/>;
/// per label a box joins the cluster whose first (highest-scoring) box it overlaps most, if that IoU is strictly
/// greater than the threshold. A cluster's box is the mean of its members weighted by score × IoU with the first
/// box, accumulated and divided in float32 as numpy does there; its score is the first box's, as float32.
/// </remarks>
public static class NonMaximumWeighted
{
    /// <summary>Fuses every image of a batch, in parallel on every core.</summary>
    /// <param name="batch">The images.</param>
    /// <param name="iouThreshold">A box joins a cluster when its IoU with the cluster's first box is strictly greater than this.</param>
    /// <param name="skipBoxThreshold">Boxes scoring below this are ignored.</param>
    /// <param name="onWarning">Receives each box the peer would fix or drop with a warning; may be called from several threads at once.</param>
    /// <param name="progress">Receives the number of images done so far.</param>
    /// <returns>Each image's fused boxes, by descending score.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="batch"/> is null.</exception>
    /// <exception cref="ArgumentException">A threshold is NaN.</exception>
    public static DetectionResult Fuse(DetectionBatch batch, double iouThreshold = 0.55, double skipBoxThreshold = 0.0,
        Action<DetectionWarning>? onWarning = null, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        WeightedBoxesFusion.CheckThreshold(iouThreshold, nameof(iouThreshold));
        WeightedBoxesFusion.CheckThreshold(skipBoxThreshold, nameof(skipBoxThreshold));
        return DetectionBatchRunner.Run(batch, new Operation(iouThreshold, skipBoxThreshold, onWarning), progress);
    }

    private readonly struct Operation(double iou, double skip, Action<DetectionWarning>? warn) : IImageOperation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Run(DetectionBatch batch, int image, DetectionScratch s, Span<double> boxes, Span<double> scores, Span<int> labels)
        {
            int models = batch.ModelCount(image);
            var raw = batch.Weights.AsSpan(batch.ModelStarts[image], models);
            s.EnsureModels(models);
            double max = 0;
            foreach (double w in raw)
                max = Math.Max(max, w);
            var weights = s.ModelWeights.AsSpan(0, models);
            for (int m = 0; m < models; m++)
                weights[m] = raw[m] / max;
            int n = Prefilter.ForFusion(batch, image, weights, skip, s, warn);
            // The clusters' coordinates stay their first box's: find_matching_box compares with main_boxes.
            int clusters = WeightedBoxesFusion.Cluster(s, n, iou, new FirstBoxUpdate());
            for (int k = 0; k < clusters; k++)
                WeightedBox(s, k);
            return WeightedBoxesFusion.Write(s, clusters, boxes, scores, labels);
        }
    }

    private readonly struct FirstBoxUpdate : WeightedBoxesFusion.IClusterUpdate
    {
        public void Start(DetectionScratch s, int cluster, int candidate) => s.StartCluster(cluster, candidate);

        public void Join(DetectionScratch s, int cluster, int candidate) => s.Link(cluster, candidate);
    }

    // get_weighted_box of ensemble_boxes_nmw: members weighted by score × IoU with the first box.
    private static void WeightedBox(DetectionScratch s, int k)
    {
        ref var best = ref s.Candidates[s.Head[k]];
        double bestArea = (best.X2 - best.X1) * (best.Y2 - best.Y1);
        float sx1 = 0, sy1 = 0, sx2 = 0, sy2 = 0;
        double conf = 0;
        for (int j = s.Head[k]; j >= 0; j = s.Next[j])
        {
            ref var b = ref s.Candidates[j];
            double weight = b.Score * BoxIou.Scalar(b.X1, b.Y1, b.X2, b.Y2, best.X1, best.Y1, best.X2, best.Y2, bestArea);
            sx1 = (float)(sx1 + weight * b.X1);
            sy1 = (float)(sy1 + weight * b.Y1);
            sx2 = (float)(sx2 + weight * b.X2);
            sy2 = (float)(sy2 + weight * b.Y2);
            conf += weight;
        }
        float conf32 = (float)conf;
        (s.X1[k], s.Y1[k], s.X2[k], s.Y2[k]) = (sx1 / conf32, sy1 / conf32, sx2 / conf32, sy2 / conf32);
        s.Score[k] = (float)best.Score;
    }
}
