using ILGPU;
using ILGPU.Runtime;
using K = Engine.Kernels.Detection.WeightedBoxesFusionKernel;

namespace Engine.Detection;

public static partial class WeightedBoxesFusion
{
    /// <summary>
    /// The batch with the clustering on the accelerator: the host filters and sorts each image (as the CPU path),
    /// packs the candidates into (image, label) segments, the kernel clusters every segment in its own group, and
    /// the host rescales and sorts each image's clusters with the CPU path's code.
    /// </summary>
    private static DetectionResult FuseWithKernel(ComputeContext compute, DetectionBatch batch, WeightedBoxesFusionOptions options,
        Action<DetectionWarning>? warn, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        int images = batch.ImageCount;
        var slots = new Candidate[batch.BoxCount];
        var counts = new int[images];
        DetectionBatchRunner.ForEachImage(batch, (scratch, i) =>
        {
            var weights = batch.Weights.AsSpan(batch.ModelStarts[i], batch.ModelCount(i));
            counts[i] = Prefilter.ForFusion(batch, i, weights, options.SkipBoxThreshold, scratch, warn);
            scratch.Candidates.AsSpan(0, counts[i]).CopyTo(slots.AsSpan(SlotOf(batch, i)));
        }, progress: null, cancellationToken);

        // Pack: image i's candidates at packed[offsets[i]..], one segment per run of a label.
        var offsets = new int[images + 1];
        for (int i = 0; i < images; i++)
            offsets[i + 1] = offsets[i] + counts[i];
        int total = offsets[images];
        var packed = new double[Math.Max(total, 1) * K.CandidateStride];
        var segmentStarts = new List<int>();
        var imageSegments = new int[images + 1];
        for (int i = 0; i < images; i++)
        {
            imageSegments[i] = segmentStarts.Count;
            var candidates = slots.AsSpan(SlotOf(batch, i), counts[i]);
            for (int j = 0; j < candidates.Length; j++)
            {
                if (j == 0 || candidates[j].Label != candidates[j - 1].Label)
                    segmentStarts.Add(offsets[i] + j);
                ref var c = ref candidates[j];
                int p = (offsets[i] + j) * K.CandidateStride;
                (packed[p], packed[p + 1], packed[p + 2], packed[p + 3], packed[p + 4], packed[p + 5]) = (c.Score, c.Weight, c.X1, c.Y1, c.X2, c.Y2);
            }
        }
        imageSegments[images] = segmentStarts.Count;
        int segments = segmentStarts.Count;
        segmentStarts.Add(total);

        var clusters = new double[Math.Max(total, 1) * K.ClusterStride];
        var assignment = new int[Math.Max(total, 1)];
        var clusterCounts = new int[Math.Max(segments, 1)];
        if (segments > 0)
        {
            using var launch = compute.BeginLaunch();
            var startsBuffer = launch.Upload<int>(segmentStarts.ToArray());
            var candidatesBuffer = launch.Upload<double>(packed);
            var clustersBuffer = launch.Allocate<double>(clusters.Length);
            var sumsBuffer = launch.Allocate<float>(Math.Max(total, 1) * 4L);
            var assignmentBuffer = launch.Allocate<int>(assignment.Length);
            var countsBuffer = launch.Allocate<int>(clusterCounts.Length);
            var kernel = launch.Kernel(K.Cluster, a => a.LoadStreamKernel<ArrayView<int>, ArrayView<double>, double, int,
                ArrayView<double>, ArrayView<float>, ArrayView<int>, ArrayView<int>>(K.Cluster));
            kernel(new KernelConfig(segments, K.GroupSize), startsBuffer.View, candidatesBuffer.View, options.IouThreshold,
                options.ConfType == WbfConfType.Max ? 1 : 0, clustersBuffer.View, sumsBuffer.View, assignmentBuffer.View, countsBuffer.View);
            launch.Accelerator.Synchronize();
            launch.Download(clustersBuffer.View, clusters);
            launch.Download(assignmentBuffer.View, assignment);
            launch.Download(countsBuffer.View, clusterCounts);
        }

        // Per image: the kernel's clusters into a scratch, then the CPU path's rescaling and final sort.
        var output = DetectionBatchRunner.Slots.Rent(batch.BoxCount);
        try
        {
            var (boxes, scores, labels) = (output.Boxes, output.Scores, output.Labels);
            var written = new int[images];
            DetectionBatchRunner.ForEachImage(batch, (s, i) =>
            {
                int n = counts[i], slot = SlotOf(batch, i), k = 0;
                s.EnsureBoxes(n);
                slots.AsSpan(slot, n).CopyTo(s.Candidates);
                for (int g = imageSegments[i]; g < imageSegments[i + 1]; g++)
                {
                    int first = segmentStarts[g], kBase = k, next = k;
                    for (int p = first; p < segmentStarts[g + 1]; p++)
                    {
                        int cluster = k + assignment[p] - first;
                        if (cluster == next)
                            s.StartCluster(next++, p - offsets[i]);
                        else
                            s.Link(cluster, p - offsets[i]);
                    }
                    for (; k < next; k++)
                    {
                        int r = (first + k - kBase) * K.ClusterStride;
                        (s.X1[k], s.Y1[k], s.X2[k], s.Y2[k]) = (clusters[r], clusters[r + 1], clusters[r + 2], clusters[r + 3]);
                        s.Score[k] = clusters[r + K.Score];
                        s.Weight[k] = clusters[r + K.Weight];
                    }
                }
                var weights = batch.Weights.AsSpan(batch.ModelStarts[i], batch.ModelCount(i));
                Rescale(s, k, weights, options.ConfType, options.AllowsOverflow);
                int length = batch.ImageBoxCount(i);
                written[i] = Write(s, k, boxes.AsSpan(slot * 4, length * 4), scores.AsSpan(slot, length), labels.AsSpan(slot, length));
            }, progress, cancellationToken);
            return DetectionBatchRunner.Pack(batch, boxes, scores, labels, written);
        }
        finally
        {
            output.Return();
        }
    }

    private static int SlotOf(DetectionBatch batch, int image) => batch.BoxStarts[batch.ModelStarts[image]];
}
