namespace Engine.Detection;

/// <summary>
/// Weighted Boxes Fusion with the answers of ensemble-boxes' <c>weighted_boxes_fusion</c> (ZFTurbo), over one
/// image or a batch of thousands in parallel.
/// </summary>
/// <remarks>
/// <para>The peer's algorithm, step for step: boxes below <c>skipBoxThreshold</c> are dropped and the rest fixed
/// (corners swapped, clipped to [0, 1], zero-area boxes dropped; reported through <c>onWarning</c> instead of
/// printed). Per label, in descending order of score × weight, each box joins the current fused box it overlaps
/// most if that IoU is strictly greater than <c>iouThreshold</c>, else starts a cluster. A cluster's fused box is the
/// score-weighted mean of its members, and every conf type's rescaling is the peer's.</para>
/// <para>Where the peer rounds through float32, so does this: a cluster of two or more boxes keeps numpy's float32
/// running sums (each step <c>float32(sum + score·coordinate)</c> in float64), divides them by the float32 score sum
/// in float32, and stores its mean score and weight sum as float32; a single box keeps its float64 values. IoUs,
/// sums of weights (in numpy's pairwise order) and the final rescaling are float64, as there.</para>
/// <para>Ties in score (which numpy's unstable argsort leaves unspecified) are ordered with the later box first,
/// what numpy gives for up to 16 boxes a label.</para>
/// </remarks>
public static partial class WeightedBoxesFusion
{
    /// <summary>Fuses one image's predictions.</summary>
    /// <param name="models">One entry per model.</param>
    /// <param name="weights">One weight per model; null weighs every model 1.</param>
    /// <param name="options">The thresholds and conf type; null for ensemble-boxes' defaults.</param>
    /// <param name="onWarning">Receives each box the peer would fix or drop with a warning.</param>
    /// <returns>One image's fused boxes, by descending score.</returns>
    /// <exception cref="ArgumentException">Invalid input (see <see cref="DetectionBatch(IReadOnlyList{ImagePredictions})"/>) or invalid options.</exception>
    public static DetectionResult Fuse(IReadOnlyList<ModelPredictions> models, double[]? weights = null,
        WeightedBoxesFusionOptions? options = null, Action<DetectionWarning>? onWarning = null)
        => Fuse(new DetectionBatch([new ImagePredictions(models, weights)]), options ?? new(), onWarning);

    /// <summary>Fuses every image of a batch, in parallel on every core.</summary>
    /// <param name="batch">The images.</param>
    /// <param name="options">The thresholds and conf type.</param>
    /// <param name="onWarning">Receives each box the peer would fix or drop with a warning; may be called from several threads at once.</param>
    /// <param name="progress">Receives the number of images done so far.</param>
    /// <param name="compute">Where to cluster: null or the CPU backend runs the SIMD path on every core; a kernel
    /// backend runs <c>WeightedBoxesFusionKernel</c> (one group per image and label) with the same answers.</param>
    /// <param name="cancellationToken">Stops the fusion between chunks of images.</param>
    /// <returns>Each image's fused boxes, by descending score.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="batch"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A threshold is NaN or the conf type is not defined.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static DetectionResult Fuse(DetectionBatch batch, WeightedBoxesFusionOptions options, Action<DetectionWarning>? onWarning = null,
        IProgress<long>? progress = null, Compute.ComputeContext? compute = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (compute is { UsesKernels: true })
            return FuseWithKernel(compute, batch, options, onWarning, progress, cancellationToken);
        return DetectionBatchRunner.Run(batch, new Operation(options, onWarning), progress, cancellationToken);
    }

    /// <summary>
    /// <see cref="Fuse(DetectionBatch, WeightedBoxesFusionOptions, Action{DetectionWarning}?, IProgress{long}?, Compute.ComputeContext?, CancellationToken)"/>
    /// with the options as positional parameters.
    /// </summary>
    public static DetectionResult Fuse(DetectionBatch batch, double iouThreshold = 0.55, double skipBoxThreshold = 0.0,
        WbfConfType confType = WbfConfType.Avg, bool allowsOverflow = false, Action<DetectionWarning>? onWarning = null,
        IProgress<long>? progress = null, Compute.ComputeContext? compute = null)
        => Fuse(batch, new WeightedBoxesFusionOptions
        {
            IouThreshold = iouThreshold,
            SkipBoxThreshold = skipBoxThreshold,
            ConfType = confType,
            AllowsOverflow = allowsOverflow,
        }, onWarning, progress, compute);

    internal static void CheckThreshold(double value, string name)
    {
        if (double.IsNaN(value))
            throw new ArgumentException($"{name} is NaN.", name);
    }

    private readonly struct Operation(WeightedBoxesFusionOptions options, Action<DetectionWarning>? warn) : IImageOperation
    {
        public int Run(DetectionBatch batch, int image, DetectionScratch scratch, Span<double> boxes, Span<double> scores, Span<int> labels)
        {
            var weights = batch.Weights.AsSpan(batch.ModelStarts[image], batch.ModelCount(image));
            int n = Prefilter.ForFusion(batch, image, weights, options.SkipBoxThreshold, scratch, warn);
            int clusters = Cluster(scratch, n, options.IouThreshold, new FusedBoxUpdate(options.ConfType));
            Rescale(scratch, clusters, weights, options.ConfType, options.AllowsOverflow);
            return Write(scratch, clusters, boxes, scores, labels);
        }
    }

    /// <summary>What a clustering does when a box starts a cluster or joins one.</summary>
    internal interface IClusterUpdate
    {
        void Start(DetectionScratch s, int cluster, int candidate);

        void Join(DetectionScratch s, int cluster, int candidate);
    }

    /// <summary>
    /// Clusters the sorted candidates label by label: each joins the cluster whose box (<c>s.X1</c>… — kept up to
    /// date by <typeparamref name="TUpdate"/>) it overlaps most, if strictly above the threshold (the first on
    /// equal IoUs), else starts one. Returns the number of clusters.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Cluster<TUpdate>(DetectionScratch s, int n, double iouThreshold, TUpdate update) where TUpdate : struct, IClusterUpdate
    {
        var c = s.Candidates;
        int clusters = 0;
        for (int j = 0; j < n;)
        {
            int label = c[j].Label, first = clusters;
            for (; j < n && c[j].Label == label; j++)
            {
                int open = clusters - first, best = -1;
                if (open > 0)
                {
                    var ious = s.Ious.AsSpan(0, open);
                    BoxIou.OneToMany(c[j].X1, c[j].Y1, c[j].X2, c[j].Y2,
                        s.X1.AsSpan(first, open), s.Y1.AsSpan(first, open), s.X2.AsSpan(first, open), s.Y2.AsSpan(first, open), ious);
                    best = BoxIou.ArgMax(ious);
                    best = ious[best] > iouThreshold ? first + best : -1;
                }
                if (best < 0)
                    update.Start(s, clusters++, j);
                else
                    update.Join(s, best, j);
            }
        }
        return clusters;
    }

    private readonly struct FusedBoxUpdate(WbfConfType confType) : IClusterUpdate
    {
        public void Start(DetectionScratch s, int cluster, int candidate) => WeightedBoxesFusion.Start(s, cluster, candidate);

        public void Join(DetectionScratch s, int cluster, int candidate) => WeightedBoxesFusion.Join(s, cluster, candidate, confType);
    }

    // ensemble-boxes' get_weighted_box over a cluster's members so far, kept as running sums (its list of members
    // is summed in the same order every time, so the prefix sums are the same numbers).
    private static void Start(DetectionScratch s, int k, int j)
    {
        ref var c = ref s.Candidates[j];
        s.StartCluster(k, j);
        s.Conf[k] = c.Score;
        s.MaxScore[k] = c.Score;
        s.WeightSum[k] = c.Weight;
        s.Sums[4 * k] = (float)(c.Score * c.X1);
        s.Sums[4 * k + 1] = (float)(c.Score * c.Y1);
        s.Sums[4 * k + 2] = (float)(c.Score * c.X2);
        s.Sums[4 * k + 3] = (float)(c.Score * c.Y2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Join(DetectionScratch s, int k, int j, WbfConfType confType)
    {
        ref var c = ref s.Candidates[j];
        s.Link(k, j);
        double conf = s.Conf[k] += c.Score;
        s.MaxScore[k] = Math.Max(s.MaxScore[k], c.Score);
        s.WeightSum[k] += c.Weight;
        var sums = s.Sums.AsSpan(4 * k, 4);
        // numpy: float32 array += float64 array computes in float64 and stores float32; float32 array /= float64
        // scalar computes in float32 (value-based casting of the scalar).
        sums[0] = (float)(sums[0] + c.Score * c.X1);
        sums[1] = (float)(sums[1] + c.Score * c.Y1);
        sums[2] = (float)(sums[2] + c.Score * c.X2);
        sums[3] = (float)(sums[3] + c.Score * c.Y2);
        float conf32 = (float)conf;
        s.X1[k] = sums[0] / conf32;
        s.Y1[k] = sums[1] / conf32;
        s.X2[k] = sums[2] / conf32;
        s.Y2[k] = sums[3] / conf32;
        s.Score[k] = confType == WbfConfType.Max ? (float)s.MaxScore[k] : (float)(conf / s.Count[k]);
        s.Weight[k] = (float)s.WeightSum[k];
    }

    /// <summary>The final rescaling of ensemble-boxes for each conf type, in float64.</summary>
    internal static void Rescale(DetectionScratch s, int clusters, ReadOnlySpan<double> weights, WbfConfType confType, bool allowsOverflow)
    {
        double weightSum = NumpySum.Of(weights), weightMax = 0;
        foreach (double w in weights)
            weightMax = Math.Max(weightMax, w);
        s.EnsureModels(weights.Length);
        for (int k = 0; k < clusters; k++)
        {
            int count = s.Count[k];
            double score = s.Score[k];
            switch (confType)
            {
                case WbfConfType.BoxAndModelAvg:
                    score = score * count / s.Weight[k];
                    score = score * PresentWeightSum(s, k, weights) / weightSum;
                    break;
                case WbfConfType.AbsentModelAwareAvg:
                    score = score * count / (s.Weight[k] + AbsentWeightSum(s, k, weights));
                    break;
                case WbfConfType.Max:
                    score /= weightMax;
                    break;
                default:
                    score = score * (allowsOverflow ? count : Math.Min(weights.Length, count)) / weightSum;
                    break;
            }
            s.Score[k] = score;
        }
    }

    private static int MarkModels(DetectionScratch s, int k)
    {
        int stamp = ++s.Stamp;
        for (int j = s.Head[k]; j >= 0; j = s.Next[j])
            s.ModelStamp[s.Candidates[j].Model] = stamp;
        return stamp;
    }

    // numpy.unique of the members' model indices (ascending), their weights summed.
    private static double PresentWeightSum(DetectionScratch s, int k, ReadOnlySpan<double> weights)
    {
        int stamp = MarkModels(s, k), n = 0;
        for (int m = 0; m < weights.Length; m++)
        {
            if (s.ModelStamp[m] == stamp)
                s.Gathered[n++] = weights[m];
        }
        return NumpySum.Of(s.Gathered.AsSpan(0, n));
    }

    // weights[mask].sum() over the models with no box in the cluster.
    private static double AbsentWeightSum(DetectionScratch s, int k, ReadOnlySpan<double> weights)
    {
        int stamp = MarkModels(s, k), n = 0;
        for (int m = 0; m < weights.Length; m++)
        {
            if (s.ModelStamp[m] != stamp)
                s.Gathered[n++] = weights[m];
        }
        return NumpySum.Of(s.Gathered.AsSpan(0, n));
    }

    /// <summary>Writes the clusters by descending score (ensemble-boxes' final sort); returns their count.</summary>
    internal static int Write(DetectionScratch s, int clusters, Span<double> boxes, Span<double> scores, Span<int> labels)
    {
        var keys = s.Keys.AsSpan(0, clusters);
        var order = s.Order.AsSpan(0, clusters);
        for (int k = 0; k < clusters; k++)
            keys[k] = SortKey.Descending(s.Score[k]);
        SortKey.SortLaterFirst(keys, s.Work, s.Temp, order);
        for (int i = 0; i < clusters; i++)
        {
            int k = order[i];
            boxes[4 * i] = s.X1[k];
            boxes[4 * i + 1] = s.Y1[k];
            boxes[4 * i + 2] = s.X2[k];
            boxes[4 * i + 3] = s.Y2[k];
            scores[i] = s.Score[k];
            labels[i] = s.Candidates[s.Head[k]].Label;
        }
        return clusters;
    }
}
