namespace Engine.Detection;

/// <summary>ensemble-boxes' two ways of fixing input boxes before fusing or suppressing them.</summary>
internal static class Prefilter
{
    /// <summary>
    /// <c>prefilter_boxes</c> of ensemble_boxes_wbf/nmw: drop scores below <paramref name="skip"/>; per box swap
    /// x2 &lt; x1 and y2 &lt; y1, clip each corner to [0, 1], drop zero-area boxes (each fix reported, as the peer
    /// warns); the score becomes score × weight. Sorted by label, then descending score, ties with the later box first. Returns the count.
    /// </summary>
    public static int ForFusion(DetectionBatch batch, int image, ReadOnlySpan<double> weights, double skip,
        DetectionScratch scratch, Action<DetectionWarning>? warn)
    {
        int firstModel = batch.ModelStarts[image], models = batch.ModelStarts[image + 1] - firstModel;
        scratch.EnsureBoxes(batch.ImageBoxCount(image));
        var candidates = scratch.Candidates;
        int n = 0, seq = 0;
        for (int t = 0; t < models; t++)
        {
            int start = batch.BoxStarts[firstModel + t], end = batch.BoxStarts[firstModel + t + 1];
            for (int b = start; b < end; b++)
            {
                double score = batch.Scores[b];
                if (score < skip)
                    continue;
                double x1 = batch.Boxes[4 * b], y1 = batch.Boxes[4 * b + 1], x2 = batch.Boxes[4 * b + 2], y2 = batch.Boxes[4 * b + 3];
                if (x2 < x1 || y2 < y1 || !InUnit(x1) || !InUnit(y1) || !InUnit(x2) || !InUnit(y2))
                    Fix(ref x1, ref y1, ref x2, ref y2, image, t, b - start, warn);
                if ((x2 - x1) * (y2 - y1) == 0.0)
                {
                    warn?.Invoke(new DetectionWarning(image, t, b - start, "zero area: skipped"));
                    continue;
                }
                candidates[n++] = new Candidate
                {
                    Score = score * weights[t], Weight = weights[t], X1 = x1, Y1 = y1, X2 = x2, Y2 = y2,
                    Label = batch.Labels[b], Model = t, Seq = seq++,
                };
            }
        }
        scratch.SortByLabelThenScore(n);
        return n;
    }

    private static bool InUnit(double v) => v >= 0 && v <= 1;

    // In ensemble-boxes' order: both swaps, then x1, x2, y1, y2 clipped.
    private static void Fix(ref double x1, ref double y1, ref double x2, ref double y2, int image, int model, int box, Action<DetectionWarning>? warn)
    {
        if (x2 < x1)
        {
            (x1, x2) = (x2, x1);
            warn?.Invoke(new DetectionWarning(image, model, box, "x2 < x1: swapped"));
        }
        if (y2 < y1)
        {
            (y1, y2) = (y2, y1);
            warn?.Invoke(new DetectionWarning(image, model, box, "y2 < y1: swapped"));
        }
        Clip(ref x1, "x1", image, model, box, warn);
        Clip(ref x2, "x2", image, model, box, warn);
        Clip(ref y1, "y1", image, model, box, warn);
        Clip(ref y2, "y2", image, model, box, warn);
    }

    private static void Clip(ref double v, string name, int image, int model, int box, Action<DetectionWarning>? warn)
    {
        if (v < 0)
        {
            v = 0;
            warn?.Invoke(new DetectionWarning(image, model, box, $"{name} < 0: set to 0"));
        }
        else if (v > 1)
        {
            v = 1;
            warn?.Invoke(new DetectionWarning(image, model, box, $"{name} > 1: set to 1 (are the boxes normalized to [0, 1]?)"));
        }
    }

    /// <summary>
    /// <c>prepare_boxes</c> of ensemble_boxes_nms: scores scaled by weight ÷ Σweights when the image has weights;
    /// every coordinate clipped to [0, 1], then corners ordered by min/max, zero-area boxes removed (each fix
    /// reported). Grouped by ascending label (numpy.unique), in input order within a label. Returns the count.
    /// </summary>
    public static int ForSuppression(DetectionBatch batch, int image, DetectionScratch scratch, Action<DetectionWarning>? warn)
    {
        int firstModel = batch.ModelStarts[image], models = batch.ModelStarts[image + 1] - firstModel;
        scratch.EnsureBoxes(batch.ImageBoxCount(image));
        var weights = batch.Weights.AsSpan(firstModel, models);
        double weightSum = NumpySum.Of(weights);
        bool weighted = batch.Weighted[image];
        var candidates = scratch.Candidates;
        int n = 0, seq = 0;
        for (int t = 0; t < models; t++)
        {
            int start = batch.BoxStarts[firstModel + t], end = batch.BoxStarts[firstModel + t + 1];
            for (int b = start; b < end; b++)
            {
                double x1 = batch.Boxes[4 * b], y1 = batch.Boxes[4 * b + 1], x2 = batch.Boxes[4 * b + 2], y2 = batch.Boxes[4 * b + 3];
                Clip(ref x1, "x1", image, t, b - start, warn);
                Clip(ref y1, "y1", image, t, b - start, warn);
                Clip(ref x2, "x2", image, t, b - start, warn);
                Clip(ref y2, "y2", image, t, b - start, warn);
                (x1, x2) = (Math.Min(x1, x2), Math.Max(x1, x2));
                (y1, y2) = (Math.Min(y1, y2), Math.Max(y1, y2));
                if ((x2 - x1) * (y2 - y1) == 0.0)
                {
                    warn?.Invoke(new DetectionWarning(image, t, b - start, "zero area: removed"));
                    seq++;
                    continue;
                }
                candidates[n++] = new Candidate
                {
                    Score = weighted ? batch.Scores[b] * weights[t] / weightSum : batch.Scores[b], Weight = weights[t],
                    X1 = x1, Y1 = y1, X2 = x2, Y2 = y2, Label = batch.Labels[b], Model = t, Seq = seq++,
                };
            }
        }
        scratch.SortByLabel(n);
        return n;
    }
}
