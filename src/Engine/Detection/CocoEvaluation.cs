namespace Engine.Detection;

/// <summary>
/// COCO box evaluation with the answers of pycocotools' <c>COCOeval</c> (iouType <c>bbox</c>, default parameters):
/// <c>evaluate()</c>, <c>accumulate()</c> and <c>summarize()</c>'s 12 numbers, plus per-category AP.
/// </summary>
/// <remarks>
/// The rules, read from cocodataset/cocoapi (PythonAPI/pycocotools/cocoeval.py, common/maskApi.c):
/// <list type="bullet">
/// <item>Images are the ground truth's, sorted by id; categories likewise. Detections of a category the ground truth
/// does not list are not evaluated; a detection of an image it does not list is an error (pycocotools asserts).</item>
/// <item>Per image and category, detections are ordered by score, descending, stably (numpy's mergesort on −score: ties
/// keep the file's order) and cut to the largest maxDets (100). Ground truths are ordered with the ignored ones
/// last (stably): a ground truth is ignored when it is a crowd or its <c>area</c> field is outside the area range
/// (both ends inclusive).</item>
/// <item>IoU is maskApi.c's <c>bbIou</c>: intersection <c>(min(x+w) − max(x))·(min(y+h) − max(y))</c>, 0 unless both
/// sides are positive, over <c>da + ga − i</c>, or over the detection's area <c>da</c> for a crowd.</item>
/// <item>Matching, per IoU threshold t: each detection in order takes, among ground truths not yet matched (crowds are
/// never used up), the last one whose IoU is at least the best so far (starting at min(t, 1 − 1e-10)), stopping at
/// the first ignored ground truth once it holds a non-ignored one. A detection matched to an ignored ground truth is
/// ignored; an unmatched one is ignored when its area (w·h) is outside the range. A match records the ground truth's
/// id, and a recorded id of 0 reads as "unmatched" in pycocotools, so a ground truth with id 0 uses itself up without
/// counting as a true positive; that is reproduced.</item>
/// <item>Accumulation per category, area range and maxDets m: every image's first m detections, concatenated in image
/// order and stably sorted by score; cumulative TP and FP (ignored detections count as neither); recall = TP/npig
/// (npig = non-ignored ground truths; none leaves −1); precision = TP/(TP + FP + 2⁻⁵²), made non-increasing from
/// the right, read at the first index whose recall reaches each of the 101 recall thresholds (0 past the end).</item>
/// <item>Summary numbers are numpy means (pairwise summation) of the values above −1, or −1 when there are none.</item>
/// </list>
/// Categories are evaluated in parallel; each writes only its own slots, so the result does not depend on the
/// thread count.
/// </remarks>
public static class CocoEvaluation
{
    /// <summary>The 10 IoU thresholds, <c>np.linspace(.5, .95, 10)</c> to the bit.</summary>
    public static readonly double[] IouThresholds = Linspace(0.5, 0.95, 10);

    /// <summary>The 101 recall thresholds, <c>np.linspace(0, 1, 101)</c> to the bit.</summary>
    public static readonly double[] RecallThresholds = Linspace(0.0, 1.0, 101);

    /// <summary>The maxDets values, ascending.</summary>
    public static readonly int[] MaxDetections = [1, 10, 100];

    /// <summary>The area ranges all, small, medium, large (inclusive bounds on the <c>area</c> field).</summary>
    public static readonly (double Min, double Max)[] AreaRanges = [(0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10)];

    /// <summary>The area ranges' names, as pycocotools prints them.</summary>
    public static readonly string[] AreaNames = ["all", "small", "medium", "large"];

    private const int T = 10, R = 101, A = 4, M = 3;

    // pycocotools' iou = min([t, 1 - 1e-10]): a threshold of 1 still accepts a perfect match.
    private const double MaxIouThreshold = 1 - 1e-10;

    // np.spacing(1), added to the precision's denominator.
    private const double Spacing1 = 2.220446049250313e-16;

    /// <summary>Runs evaluate + accumulate + summarize.</summary>
    /// <param name="groundTruth">The ground truth.</param>
    /// <param name="detections">The detections.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; -1 (default) for every core.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A detection's image is not an image of the ground truth; the message names both files, the detection and the image.</exception>
    public static CocoEvaluationResult Evaluate(CocoDataset groundTruth, CocoDetections detections, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        var index = new CocoIndex(groundTruth, detections);
        int K = index.CategoryIds.Length;
        var precision = new double[T * R * K * A * M];
        var recall = new double[T * K * A * M];
        Parallel.For(0, K, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new CategoryScratch(), (k, _, scratch) =>
            {
                EvaluateCategory(index, groundTruth, detections, k, scratch, precision, recall);
                return scratch;
            }, _ => { });
        return new CocoEvaluationResult(index.CategoryIds, index.CategoryNames, index.ImageIds.Length, precision, recall, index.UnknownCategoryDetections);
    }

    private static void EvaluateCategory(CocoIndex index, CocoDataset gt, CocoDetections dt, int k, CategoryScratch s,
        double[] precision, double[] recall)
    {
        int I = index.ImageIds.Length, K = index.CategoryIds.Length, maxDet = MaxDetections[M - 1];
        int first = k * I;
        // The category's detections after the per-image cut, in concatenation (image) order.
        int n = 0;
        for (int i = 0; i < I; i++)
            n += Math.Min(index.DtStart[first + i + 1] - index.DtStart[first + i], maxDet);
        s.Reserve(n);
        Span<long> npig = stackalloc long[A];
        int j0 = 0;
        for (int i = 0; i < I; i++)
        {
            int b = first + i;
            var gts = index.GtOrder.AsSpan(index.GtStart[b], index.GtStart[b + 1] - index.GtStart[b]);
            var dts = index.DtOrder.AsSpan(index.DtStart[b], index.DtStart[b + 1] - index.DtStart[b]);
            if (gts.IsEmpty && dts.IsEmpty)
                continue;
            SortByScore(dts, dt.Scores, s);
            int D = Math.Min(dts.Length, maxDet);
            dts = dts[..D];
            for (int d = 0; d < D; d++)
            {
                s.Scores[j0 + d] = dt.Scores[dts[d]];
                s.Rank[j0 + d] = d;
            }
            EvaluateImage(gt, dt, gts, dts, s, j0, n, npig);
            j0 += D;
        }

        // All detections of the category, stably by score: the order of every maxDets' concatenation, since a cut keeps
        // each image's first m and the stable sort keeps their relative order.
        var order = s.Order.AsSpan(0, n);
        for (int j = 0; j < n; j++)
        {
            order[j] = j;
            s.Keys[j] = -s.Scores[j];
        }
        StableSort(s.Keys.AsSpan(0, n), order);

        for (int m = 0; m < M; m++)
        {
            int cut = MaxDetections[m], nd = 0;
            var kept = s.Kept.AsSpan(0, n);
            foreach (int j in order)
            {
                if (s.Rank[j] < cut)
                    kept[nd++] = j;
            }
            kept = kept[..nd];
            for (int a = 0; a < A; a++)
            {
                if (npig[a] == 0)
                {
                    for (int t = 0; t < T; t++)
                    {
                        recall[((t * K + k) * A + a) * M + m] = -1;
                        for (int r = 0; r < R; r++)
                            precision[(((t * R + r) * K + k) * A + a) * M + m] = -1;
                    }
                    continue;
                }
                for (int t = 0; t < T; t++)
                    AccumulateOne(s, s.Status.AsSpan((a * T + t) * n, n), kept, npig[a], precision, recall, t, k, K, a, m);
            }
        }
    }

    /// <summary>
    /// accumulate() for one category, area, maxDets and threshold. pycocotools computes recall and precision at every
    /// detection; only true positives change them upwards, so only those are evaluated (same operations, same bits):
    /// the first index whose recall reaches a threshold is a true positive (or index 0 for threshold 0), and the
    /// right-to-left envelope there is the largest precision at that or a later true positive, since precision only
    /// falls or stays between them.
    /// </summary>
    private static void AccumulateOne(CategoryScratch s, ReadOnlySpan<byte> status, ReadOnlySpan<int> kept, long npig,
        double[] precision, double[] recall, int t, int k, int K, int a, int m)
    {
        int nd = kept.Length, events = 0;
        var eventRecall = s.Recall;
        var eventPrecision = s.Precision;
        double tp = 0, fp = 0;
        for (int i = 0; i < nd; i++)
        {
            byte st = status[kept[i]];
            if (st == FalsePositive)
                fp++;
            else if (st == TruePositive)
            {
                tp++;
                eventRecall[events] = tp / npig;
                eventPrecision[events] = tp / (fp + tp + Spacing1);
                events++;
            }
        }
        recall[((t * K + k) * A + a) * M + m] = nd > 0 ? tp / npig : 0;
        for (int e = events - 1; e > 0; e--)
        {
            if (eventPrecision[e] > eventPrecision[e - 1])
                eventPrecision[e - 1] = eventPrecision[e];
        }
        // np.searchsorted(rc, recThrs, side='left'), on the true positives' recalls; none reached: 0 (also when nd = 0).
        int p = 0;
        for (int r = 0; r < R; r++)
        {
            double thr = RecallThresholds[r];
            while (p < events && eventRecall[p] < thr)
                p++;
            precision[(((t * R + r) * K + k) * A + a) * M + m] = p < events ? eventPrecision[p] : 0;
        }
    }

    private const byte FalsePositive = 0, TruePositive = 1, Ignored = 2;

    /// <summary>pycocotools' evaluateImg for one image and category, all area ranges and thresholds at once.</summary>
    private static void EvaluateImage(CocoDataset gt, CocoDetections dt, ReadOnlySpan<int> gts, ReadOnlySpan<int> dts,
        CategoryScratch s, int j0, int n, Span<long> npig)
    {
        int G = gts.Length, D = dts.Length;
        s.ReserveImage(G, D);
        var ious = s.Ious.AsSpan(0, D * G);
        // maskApi.c bbIou, in its operation order.
        for (int g = 0; g < G; g++)
        {
            int ga4 = 4 * gts[g];
            double gx = gt.Boxes[ga4], gy = gt.Boxes[ga4 + 1], gw = gt.Boxes[ga4 + 2], gh = gt.Boxes[ga4 + 3];
            double garea = gw * gh;
            bool crowd = gt.IsCrowd[gts[g]];
            for (int d = 0; d < D; d++)
            {
                int da4 = 4 * dts[d];
                double dx = dt.Boxes[da4], dy = dt.Boxes[da4 + 1], dw = dt.Boxes[da4 + 2], dh = dt.Boxes[da4 + 3];
                double darea = dw * dh;
                double o = 0;
                double w = Math.Min(dw + dx, gw + gx) - Math.Max(dx, gx);
                if (w > 0)
                {
                    double h = Math.Min(dh + dy, gh + gy) - Math.Max(dy, gy);
                    if (h > 0)
                    {
                        double i = w * h;
                        double u = crowd ? darea : darea + garea - i;
                        o = i / u;
                    }
                }
                ious[d * G + g] = o;
            }
        }

        var perm = s.GtPerm.AsSpan(0, G);
        var gtIgnored = s.GtIgnored.AsSpan(0, G);
        var matched = s.GtMatched.AsSpan(0, G);
        for (int a = 0; a < A; a++)
        {
            var (min, max) = AreaRanges[a];
            // Ground truths with the ignored ones last, each group in the file's order (mergesort on the flag).
            int p = 0;
            for (int pass = 0; pass < 2; pass++)
            {
                for (int g = 0; g < G; g++)
                {
                    int ann = gts[g];
                    bool ignored = gt.IsCrowd[ann] || gt.Areas[ann] < min || gt.Areas[ann] > max;
                    if (ignored == (pass == 1))
                    {
                        perm[p] = g;
                        gtIgnored[p] = ignored;
                        p++;
                        if (!ignored)
                            npig[a]++;
                    }
                }
            }
            for (int t = 0; t < T; t++)
            {
                var status = s.Status.AsSpan((a * T + t) * n + j0, D);
                matched.Clear();
                double threshold = Math.Min(IouThresholds[t], MaxIouThreshold);
                for (int d = 0; d < D; d++)
                {
                    int da4 = 4 * dts[d];
                    double darea = dt.Boxes[da4 + 2] * dt.Boxes[da4 + 3];
                    bool outside = darea < min || darea > max;
                    double iou = threshold;
                    int best = -1;
                    for (int q = 0; q < G; q++)
                    {
                        int g = perm[q];
                        if (matched[q] && !gt.IsCrowd[gts[g]])
                            continue;
                        if (best > -1 && !gtIgnored[best] && gtIgnored[q])
                            break;
                        double v = ious[d * G + g];
                        if (v < iou)
                            continue;
                        iou = v;
                        best = q;
                    }
                    if (best == -1)
                    {
                        status[d] = outside ? Ignored : FalsePositive;
                        continue;
                    }
                    matched[best] = true;
                    // pycocotools records the ground truth's id and reads 0 as unmatched.
                    bool recorded = gt.AnnotationIds[gts[perm[best]]] != 0;
                    status[d] = gtIgnored[best] ? Ignored : recorded ? TruePositive : outside ? Ignored : FalsePositive;
                }
            }
        }
    }

    /// <summary>Orders detection indices by score, descending, ties in their current (file) order.</summary>
    private static void SortByScore(Span<int> dts, double[] scores, CategoryScratch s)
    {
        if (dts.Length < 2)
            return;
        s.ReserveKeys(dts.Length);
        var keys = s.ImageKeys.AsSpan(0, dts.Length);
        for (int i = 0; i < dts.Length; i++)
            keys[i] = -scores[dts[i]];
        StableSort(keys, dts);
    }

    /// <summary>Sorts by key ascending, ties by item ascending (the items are positions in the original order).</summary>
    private static void StableSort(Span<double> keys, Span<int> items)
    {
        int n = keys.Length;
        if (n <= 24)
        {
            for (int i = 1; i < n; i++)
            {
                double key = keys[i];
                int item = items[i];
                int j = i - 1;
                while (j >= 0 && (keys[j] > key || (keys[j] == key && items[j] > item)))
                {
                    keys[j + 1] = keys[j];
                    items[j + 1] = items[j];
                    j--;
                }
                keys[j + 1] = key;
                items[j + 1] = item;
            }
            return;
        }
        keys.Sort(items);
        for (int i = 0; i < n;)
        {
            int e = i + 1;
            while (e < n && keys[e] == keys[i])
                e++;
            if (e - i > 1)
                items[i..e].Sort();
            i = e;
        }
    }

    private static double[] Linspace(double start, double stop, int num)
    {
        // numpy's linspace: i·step + start, the last value set to stop.
        var y = new double[num];
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++)
            y[i] = i * step + start;
        y[num - 1] = stop;
        return y;
    }

    /// <summary>Buffers of one worker, grown to the largest category and image it meets and reused.</summary>
    private sealed class CategoryScratch
    {
        public double[] Scores = [], Keys = [], Recall = [], Precision = [], Ious = [], ImageKeys = [];
        public int[] Rank = [], Order = [], Kept = [], GtPerm = [];
        public byte[] Status = [];
        public bool[] GtIgnored = [], GtMatched = [];

        public void Reserve(int n)
        {
            if (Scores.Length < n)
            {
                int size = Math.Max(n, 2 * Scores.Length);
                Scores = new double[size];
                Keys = new double[size];
                Recall = new double[size];
                Precision = new double[size];
                Rank = new int[size];
                Order = new int[size];
                Kept = new int[size];
            }
            if (Status.Length < A * T * n)
                Status = new byte[Math.Max(A * T * n, 2 * Status.Length)];
        }

        public void ReserveImage(int g, int d)
        {
            if (Ious.Length < g * d)
                Ious = new double[Math.Max(g * d, 2 * Ious.Length)];
            if (GtPerm.Length < g)
            {
                GtPerm = new int[Math.Max(g, 2 * GtPerm.Length)];
                GtIgnored = new bool[GtPerm.Length];
                GtMatched = new bool[GtPerm.Length];
            }
        }

        public void ReserveKeys(int n)
        {
            if (ImageKeys.Length < n)
                ImageKeys = new double[Math.Max(n, 2 * ImageKeys.Length)];
        }
    }
}
