namespace Engine.Ensembling;

/// <summary>
/// Classification ensembling as image-classification write-ups do it: folds, architectures and TTA copies blended by
/// weighted mean, geometric mean or rank averaging of per-class probabilities, with logits averaged before the
/// activation or after it. Arrays are N samples × C classes, row by row, in float64.
/// </summary>
public static class ClassEnsemble
{
    /// <summary>Blends the models' N × C score arrays.</summary>
    /// <param name="models">One N × C array per model, all the same length.</param>
    /// <param name="classes">C, the number of columns.</param>
    /// <param name="weights">One non-negative weight per model, not all zero; empty for equal weights.</param>
    /// <param name="method">How to blend.</param>
    /// <returns>The N × C blend.</returns>
    /// <exception cref="ArgumentException">No models, lengths that disagree or are not a multiple of <paramref name="classes"/>, a wrong number of weights or a negative, non-finite or all-zero weight, a non-finite score, or (geometric) a negative probability; the message names the model.</exception>
    public static double[] Combine(IReadOnlyList<double[]> models, int classes, ReadOnlySpan<double> weights, EnsembleMethod method)
    {
        var w = CheckedWeights(models, classes, weights);
        if (method == EnsembleMethod.Geometric)
        {
            for (int m = 0; m < models.Count; m++)
            {
                int bad = Array.FindIndex(models[m], v => v < 0);
                if (bad >= 0)
                    throw new ArgumentException($"Model {m}, sample {bad / classes}, class {bad % classes}: {models[m][bad]} is negative; the geometric mean needs probabilities.", nameof(models));
            }
        }
        var output = new double[models[0].Length];
        CombinePrepared(Prepare(models, classes, method), classes, w, method, output);
        return output;
    }

    /// <summary>
    /// What <see cref="CombinePrepared"/> blends with weights: the ranks for <see cref="EnsembleMethod.Rank"/>, the
    /// logarithms for <see cref="EnsembleMethod.Geometric"/> (taken once, not once per candidate of a weight search),
    /// else the scores themselves.
    /// </summary>
    internal static double[][] Prepare(IReadOnlyList<double[]> models, int classes, EnsembleMethod method) => method switch
    {
        EnsembleMethod.Rank => models.Select(m => Ranks(m, classes)).ToArray(),
        EnsembleMethod.Geometric => models.Select(m => Array.ConvertAll(m, Math.Log)).ToArray(),
        _ => models.ToArray(),
    };

    /// <summary>
    /// The blend of models already checked and <see cref="Prepare"/>d: what a weight search calls once per candidate.
    /// </summary>
    internal static void CombinePrepared(double[][] prepared, int classes, ReadOnlySpan<double> weights, EnsembleMethod method, Span<double> output)
    {
        double total = 0;
        foreach (double x in weights)
            total += x;
        output.Clear();
        for (int m = 0; m < prepared.Length; m++)
        {
            // A zero weight leaves the model out: 0 · log 0 would be NaN.
            double wm = weights[m];
            if (wm == 0)
                continue;
            var p = prepared[m];
            for (int i = 0; i < output.Length; i++)
                output[i] += wm * p[i];
        }
        if (method != EnsembleMethod.Geometric)
        {
            for (int i = 0; i < output.Length; i++)
                output[i] /= total;
            return;
        }
        for (int i = 0; i < output.Length; i++)
            output[i] = Math.Exp(output[i] / total);
        for (int r = 0; r < output.Length; r += classes)
        {
            var row = output.Slice(r, classes);
            double sum = 0;
            foreach (double v in row)
                sum += v;
            if (sum > 0)
            {
                for (int c = 0; c < classes; c++)
                    row[c] /= sum;
            }
        }
    }

    /// <summary>Applies an activation to logits in place (softmax per row of <paramref name="classes"/>).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of <paramref name="classes"/>.</exception>
    public static void Activate(Span<double> logits, int classes, Activation activation)
    {
        CheckShape(logits.Length, classes, "logits");
        if (activation == Activation.Sigmoid)
        {
            for (int i = 0; i < logits.Length; i++)
                logits[i] = 1 / (1 + Math.Exp(-logits[i]));
            return;
        }
        for (int r = 0; r < logits.Length; r += classes)
        {
            var row = logits.Slice(r, classes);
            double max = double.NegativeInfinity;
            foreach (double v in row)
                max = Math.Max(max, v);
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                row[c] = Math.Exp(row[c] - max);
                sum += row[c];
            }
            for (int c = 0; c < classes; c++)
                row[c] /= sum;
        }
    }

    /// <summary>
    /// Blends logits: averaged first and then activated (<paramref name="averageLogits"/>), or activated per model and
    /// the probabilities blended with <paramref name="method"/>.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Combine"/>; averaging logits takes only <see cref="EnsembleMethod.Mean"/>.</exception>
    public static double[] CombineLogits(IReadOnlyList<double[]> logits, int classes, ReadOnlySpan<double> weights, Activation activation,
        bool averageLogits, EnsembleMethod method = EnsembleMethod.Mean)
    {
        if (averageLogits)
        {
            if (method != EnsembleMethod.Mean)
                throw new ArgumentException($"Averaging logits takes the weighted mean; {method} applies to probabilities.", nameof(method));
            var mean = Combine(logits, classes, weights, EnsembleMethod.Mean);
            Activate(mean, classes, activation);
            return mean;
        }
        CheckedWeights(logits, classes, weights);
        var probabilities = logits.Select(l =>
        {
            var p = (double[])l.Clone();
            Activate(p, classes, activation);
            return p;
        }).ToArray();
        return Combine(probabilities, classes, weights, method);
    }

    /// <summary>Per class column, each sample's average rank (1 to N, ties averaged) ÷ N.</summary>
    internal static double[] Ranks(double[] scores, int classes)
    {
        int n = scores.Length / classes;
        var ranks = new double[scores.Length];
        var order = new int[n];
        var keys = new double[n];
        for (int c = 0; c < classes; c++)
        {
            for (int i = 0; i < n; i++)
            {
                order[i] = i;
                keys[i] = scores[i * classes + c];
            }
            Array.Sort(keys, order);
            for (int i = 0; i < n;)
            {
                int e = i + 1;
                while (e < n && keys[e] == keys[i])
                    e++;
                // Positions i..e-1 hold ranks i+1..e; each gets their mean.
                double rank = (i + 1 + e) / 2.0 / n;
                for (int j = i; j < e; j++)
                    ranks[order[j] * classes + c] = rank;
                i = e;
            }
        }
        return ranks;
    }

    internal static double[] CheckedWeights(IReadOnlyList<double[]> models, int classes, ReadOnlySpan<double> weights)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
            throw new ArgumentException("An ensemble needs at least one model.", nameof(models));
        if (classes <= 0)
            throw new ArgumentException($"classes must be positive; got {classes}.", nameof(classes));
        for (int m = 0; m < models.Count; m++)
        {
            var p = models[m] ?? throw new ArgumentNullException(nameof(models), $"Model {m} is null.");
            if (p.Length != models[0].Length)
                throw new ArgumentException($"Model {m} has {p.Length} values but model 0 has {models[0].Length}; every model must score the same samples and classes.", nameof(models));
            CheckShape(p.Length, classes, $"model {m}");
            int bad = Array.FindIndex(p, v => !double.IsFinite(v));
            if (bad >= 0)
                throw new ArgumentException($"Model {m}, sample {bad / classes}, class {bad % classes}: {p[bad]} is not a finite number.", nameof(models));
        }
        if (weights.IsEmpty)
            return Enumerable.Repeat(1.0, models.Count).ToArray();
        if (weights.Length != models.Count)
            throw new ArgumentException($"{weights.Length} weights for {models.Count} models; give one per model.", nameof(weights));
        double total = 0;
        for (int m = 0; m < weights.Length; m++)
        {
            if (!(weights[m] >= 0) || !double.IsFinite(weights[m]))
                throw new ArgumentException($"Weight {m} is {weights[m]}; weights must be finite and non-negative.", nameof(weights));
            total += weights[m];
        }
        if (total == 0)
            throw new ArgumentException("The weights are all zero.", nameof(weights));
        return weights.ToArray();
    }

    private static void CheckShape(int length, int classes, string what)
    {
        if (classes <= 0 || length % classes != 0)
            throw new ArgumentException($"{what}: {length} values are not rows of {classes} classes.", nameof(classes));
    }
}
