namespace Engine.Ensembling;

/// <summary>Computes a <see cref="ClassificationMetric"/>.</summary>
public static class ClassificationMetrics
{
    private const double LogLossEpsilon = 1e-15;

    /// <summary>True when a higher value of <paramref name="metric"/> is better.</summary>
    public static bool HigherIsBetter(ClassificationMetric metric) => metric != ClassificationMetric.LogLoss;

    /// <summary>Scores N × C probabilities against N labels.</summary>
    /// <exception cref="ArgumentException">The shapes disagree, there are no samples, or a label is outside 0 … C − 1; the message names the sample.</exception>
    public static double Score(ReadOnlySpan<double> probabilities, int classes, ReadOnlySpan<int> labels, ClassificationMetric metric)
    {
        if (classes <= 0 || probabilities.Length != (long)labels.Length * classes || labels.IsEmpty)
            throw new ArgumentException($"{probabilities.Length} scores and {labels.Length} labels are not N × {classes} scores for N > 0 labels.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"Sample {i}: label {labels[i]} is not a class 0 to {classes - 1}.", nameof(labels));
        }
        return metric switch
        {
            ClassificationMetric.Accuracy => Accuracy(probabilities, classes, labels),
            ClassificationMetric.LogLoss => LogLoss(probabilities, classes, labels),
            _ => MacroF1(probabilities, classes, labels),
        };
    }

    private static int ArgMax(ReadOnlySpan<double> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
                best = c;
        }
        return best;
    }

    private static double Accuracy(ReadOnlySpan<double> p, int classes, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (ArgMax(p.Slice(i * classes, classes)) == labels[i])
                correct++;
        }
        return (double)correct / labels.Length;
    }

    private static double LogLoss(ReadOnlySpan<double> p, int classes, ReadOnlySpan<int> labels)
    {
        double sum = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = p.Slice(i * classes, classes);
            double total = 0;
            foreach (double v in row)
                total += Math.Clamp(v, LogLossEpsilon, 1 - LogLossEpsilon);
            sum += Math.Log(Math.Clamp(row[labels[i]], LogLossEpsilon, 1 - LogLossEpsilon) / total);
        }
        return -sum / labels.Length;
    }

    private static double MacroF1(ReadOnlySpan<double> p, int classes, ReadOnlySpan<int> labels)
    {
        Span<int> tp = classes <= 1024 ? stackalloc int[classes] : new int[classes];
        Span<int> fp = classes <= 1024 ? stackalloc int[classes] : new int[classes];
        Span<int> fn = classes <= 1024 ? stackalloc int[classes] : new int[classes];
        tp.Clear();
        fp.Clear();
        fn.Clear();
        for (int i = 0; i < labels.Length; i++)
        {
            int predicted = ArgMax(p.Slice(i * classes, classes));
            if (predicted == labels[i])
                tp[predicted]++;
            else
            {
                fp[predicted]++;
                fn[labels[i]]++;
            }
        }
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++)
        {
            if (tp[c] + fp[c] + fn[c] == 0)
                continue;
            present++;
            sum += 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]);
        }
        return sum / present;
    }
}
