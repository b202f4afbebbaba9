namespace Engine.Ensembling;

/// <summary>
/// A grid search of ensemble weights on the simplex, scored by a <see cref="ClassificationMetric"/> on held-out labels.
/// Every weight vector whose entries are multiples of the step and sum to 1 is tried (for M models and step 1/S,
/// C(S + M − 1, M − 1) candidates: 66 for 3 models at 0.1, 1,771 for 4 at 0.05); candidates run in parallel and the
/// best is the first in enumeration order among equals, so the answer does not depend on the thread count. Ranks
/// (for <see cref="EnsembleMethod.Rank"/>) and logarithms (for <see cref="EnsembleMethod.Geometric"/>) are computed
/// once, not per candidate.
/// </summary>
public static class EnsembleWeightSearch
{
    /// <summary>The most candidates a search may enumerate.</summary>
    public const int MaxCandidates = 1_000_000;

    /// <summary>Searches weights for models' N × C probabilities against N labels.</summary>
    /// <param name="models">One N × C array per model.</param>
    /// <param name="classes">C.</param>
    /// <param name="labels">N labels, 0 … C − 1.</param>
    /// <param name="method">How candidates blend the models.</param>
    /// <param name="metric">What to optimize (maximized, or minimized for log loss).</param>
    /// <param name="step">The grid's step, 1/S for a whole S (0.1, 0.05, 0.25 …).</param>
    /// <exception cref="ArgumentException">As <see cref="ClassEnsemble.Combine"/> and <see cref="ClassificationMetrics.Score"/>; a step that is not 1/S for a whole S, or a grid of more than <see cref="MaxCandidates"/> candidates.</exception>
    public static WeightSearchResult Grid(IReadOnlyList<double[]> models, int classes, ReadOnlySpan<int> labels, EnsembleMethod method,
        ClassificationMetric metric, double step = 0.1)
    {
        ClassEnsemble.CheckedWeights(models, classes, []);
        double parts = Math.Round(1 / step);
        if (!(step > 0) || !(step <= 1) || Math.Abs(parts * step - 1) > 1e-9)
            throw new ArgumentException($"The step must be 1/S for a whole number S (0.1, 0.05, 0.25 …); got {step}.", nameof(step));
        int s = (int)parts, mCount = models.Count;
        var grid = new List<int[]>();
        Enumerate(new int[mCount], 0, s, grid);
        // A first blend checks the labels and shapes once, with equal weights.
        double[] prepared0 = ClassEnsemble.Combine(models, classes, [], method);
        ClassificationMetrics.Score(prepared0, classes, labels, metric);

        var prepared = ClassEnsemble.Prepare(models, classes, method);
        var labelArray = labels.ToArray();
        var scores = new double[grid.Count];
        Parallel.For(0, grid.Count, () => new double[models[0].Length], (i, _, buffer) =>
        {
            var w = grid[i].Select(u => u / (double)s).ToArray();
            ClassEnsemble.CombinePrepared(prepared, classes, w, method, buffer);
            scores[i] = ClassificationMetrics.Score(buffer, classes, labelArray, metric);
            return buffer;
        }, _ => { });

        var candidates = new WeightCandidate[grid.Count];
        int best = 0;
        bool higher = ClassificationMetrics.HigherIsBetter(metric);
        for (int i = 0; i < grid.Count; i++)
        {
            candidates[i] = new WeightCandidate(grid[i].Select(u => u / (double)s).ToArray(), scores[i]);
            if (higher ? scores[i] > scores[best] : scores[i] < scores[best])
                best = i;
        }
        return new WeightSearchResult(candidates[best], candidates);

        void Enumerate(int[] current, int m, int left, List<int[]> into)
        {
            if (into.Count > MaxCandidates)
                throw new ArgumentException($"A step of {step} over {mCount} models makes more than {MaxCandidates:N0} candidates; take a coarser step.", nameof(step));
            if (m == mCount - 1)
            {
                current[m] = left;
                into.Add((int[])current.Clone());
                return;
            }
            for (int u = left; u >= 0; u--)
            {
                current[m] = u;
                Enumerate(current, m + 1, left - u, into);
            }
        }
    }
}
