namespace Engine.Kernels.Detection;

/// <summary>
/// The clustering of <c>WeightedBoxesFusion</c> on a GPU: one group per (image, label) segment of boxes already
/// filtered and sorted by the host. For each box in turn, the group's threads compute its IoU with every current
/// fused box in parallel, reduce the first maximum in shared memory, and thread 0 joins the box to that cluster
/// (IoU strictly above the threshold) or starts a new one, with the same float32/float64 arithmetic as the CPU path.
/// The host then rescales scores and sorts, exactly as on the CPU.
/// </summary>
public static class WeightedBoxesFusionKernel
{
    /// <summary>Threads per group: segments hold tens of clusters, so a wide group would mostly idle.</summary>
    public const int GroupSize = 32;

    /// <summary>Doubles per candidate: score × weight, weight, x1, y1, x2, y2.</summary>
    public const int CandidateStride = 6;

    /// <summary>Doubles per cluster: x1, y1, x2, y2, score, weight, score sum, max score, weight sum, member count.</summary>
    public const int ClusterStride = 10;

    /// <summary>Offset of the fused score in a cluster's record.</summary>
    public const int Score = 4;

    /// <summary>Offset of the (float32-rounded) weight sum in a cluster's record.</summary>
    public const int Weight = 5;

    /// <summary>Offset of the member count in a cluster's record.</summary>
    public const int Count = 9;

    /// <summary>
    /// Clusters segment <c>Grid.IdxX</c>: candidates [<c>segmentStarts[s]</c>, <c>segmentStarts[s + 1]</c>); its
    /// clusters take the same slots (there are never more clusters than candidates).
    /// </summary>
    /// <param name="segmentStarts">Per segment its first candidate; one more entry holding the end.</param>
    /// <param name="candidates"><see cref="CandidateStride"/> doubles per candidate, sorted by descending score within a segment.</param>
    /// <param name="iouThreshold">A candidate joins the best cluster when their IoU is strictly greater.</param>
    /// <param name="maxConf">1 for conf type 'max' (the cluster's score is its highest), 0 for the mean.</param>
    /// <param name="clusters"><see cref="ClusterStride"/> doubles per slot; receives the clusters.</param>
    /// <param name="sums">4 floats per slot: numpy's float32 running sums of score × coordinate.</param>
    /// <param name="assignment">Per candidate, receives its cluster's slot.</param>
    /// <param name="clusterCounts">Per segment, receives its number of clusters.</param>
    public static void Cluster(ArrayView<int> segmentStarts, ArrayView<double> candidates, double iouThreshold, int maxConf,
        ArrayView<double> clusters, ArrayView<float> sums, ArrayView<int> assignment, ArrayView<int> clusterCounts)
    {
        var bestIou = SharedMemory.Allocate<double>(GroupSize);
        var bestSlot = SharedMemory.Allocate<int>(GroupSize);
        int segment = Grid.IdxX, tid = Group.IdxX;
        int start = segmentStarts[segment], end = segmentStarts[segment + 1];
        int open = 0; // every thread tracks the cluster count identically
        for (int j = start; j < end; j++)
        {
            long c = (long)j * CandidateStride;
            double x1 = candidates[c + 2], y1 = candidates[c + 3], x2 = candidates[c + 4], y2 = candidates[c + 5];
            double area = RoundedProduct.Of(x2 - x1, y2 - y1);
            double best = -1;
            int slot = int.MaxValue;
            for (int k = tid; k < open; k += GroupSize)
            {
                long r = (long)(start + k) * ClusterStride;
                double iou = Iou(clusters[r], clusters[r + 1], clusters[r + 2], clusters[r + 3], x1, y1, x2, y2, area);
                if (iou > best)
                {
                    best = iou;
                    slot = k;
                }
            }
            bestIou[tid] = best;
            bestSlot[tid] = slot;
            Group.Barrier();
            for (int half = GroupSize / 2; half > 0; half >>= 1)
            {
                if (tid < half)
                {
                    double other = bestIou[tid + half];
                    int otherSlot = bestSlot[tid + half];
                    // The first maximum, as numpy's argmax: a higher IoU, or the same from an earlier cluster.
                    if (other > bestIou[tid] || (other == bestIou[tid] && otherSlot < bestSlot[tid]))
                    {
                        bestIou[tid] = other;
                        bestSlot[tid] = otherSlot;
                    }
                }
                Group.Barrier();
            }
            bool join = open > 0 && bestIou[0] > iouThreshold;
            int target = join ? bestSlot[0] : open;
            Group.Barrier(); // every thread has read the winner before the next box overwrites it
            if (tid == 0)
            {
                if (join)
                    Join(clusters, sums, start + target, candidates, c, maxConf);
                else
                    Start(clusters, sums, start + target, candidates, c);
                assignment[j] = start + target;
            }
            if (!join)
                open++;
            Group.Barrier(); // the updated cluster is visible to the next box's scan
        }
        if (tid == 0)
            clusterCounts[segment] = open;
    }

    // The CPU path's BoxIou formula, lane for lane.
    private static double Iou(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2, double areaB)
    {
        double w = Math.Max(Math.Min(ax2, bx2) - Math.Max(ax1, bx1), 0.0);
        double h = Math.Max(Math.Min(ay2, by2) - Math.Max(ay1, by1), 0.0);
        double inter = RoundedProduct.Of(w, h);
        return inter / (RoundedProduct.Of(ax2 - ax1, ay2 - ay1) + areaB - inter);
    }

    private static void Start(ArrayView<double> clusters, ArrayView<float> sums, int slot, ArrayView<double> candidates, long c)
    {
        long r = (long)slot * ClusterStride;
        double score = candidates[c], weight = candidates[c + 1];
        for (int q = 0; q < 4; q++)
        {
            clusters[r + q] = candidates[c + 2 + q];
            sums[slot * 4L + q] = (float)RoundedProduct.Of(score, candidates[c + 2 + q]);
        }
        clusters[r + Score] = score;
        clusters[r + Weight] = weight;
        clusters[r + 6] = score;  // score sum
        clusters[r + 7] = score;  // max score
        clusters[r + 8] = weight; // weight sum
        clusters[r + Count] = 1;
    }

    private static void Join(ArrayView<double> clusters, ArrayView<float> sums, int slot, ArrayView<double> candidates, long c, int maxConf)
    {
        long r = (long)slot * ClusterStride;
        double score = candidates[c], weight = candidates[c + 1];
        double conf = clusters[r + 6] + score;
        double max = Math.Max(clusters[r + 7], score);
        double weightSum = clusters[r + 8] + weight;
        double count = clusters[r + Count] + 1;
        float conf32 = (float)conf;
        for (int q = 0; q < 4; q++)
        {
            float sum = (float)(sums[slot * 4L + q] + RoundedProduct.Of(score, candidates[c + 2 + q]));
            sums[slot * 4L + q] = sum;
            clusters[r + q] = sum / conf32;
        }
        clusters[r + Score] = maxConf != 0 ? (float)max : (float)(conf / count);
        clusters[r + Weight] = (float)weightSum;
        clusters[r + 6] = conf;
        clusters[r + 7] = max;
        clusters[r + 8] = weightSum;
        clusters[r + Count] = count;
    }
}
