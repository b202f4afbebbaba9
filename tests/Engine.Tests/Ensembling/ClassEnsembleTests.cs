using Engine.Ensembling;

namespace Engine.Tests.Ensembling;

/// <summary>Classification ensembling on hand-worked cases: blends, activations, metrics and the weight search.</summary>
public sealed class ClassEnsembleTests
{
    private static void Close(double[] expected, double[] actual, double tolerance = 1e-15)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"value {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void Weighted_mean_by_hand()
    {
        double[] a = [0.9, 0.1, 0.2, 0.8], b = [0.6, 0.4, 0.5, 0.5];
        // (2·a + 1·b) / 3
        Close([0.8, 0.2, 0.3, 0.7], ClassEnsemble.Combine([a, b], 2, [2, 1], EnsembleMethod.Mean));
        Close([0.75, 0.25, 0.35, 0.65], ClassEnsemble.Combine([a, b], 2, [], EnsembleMethod.Mean));
    }

    [Fact]
    public void Geometric_mean_by_hand_rescales_rows()
    {
        double[] a = [0.8, 0.2], b = [0.2, 0.8];
        // sqrt(0.16) = 0.4 in both columns, rescaled to 0.5 each; weights 3,1: 0.8^.75·0.2^.25 against 0.2^.75·0.8^.25.
        Close([0.5, 0.5], ClassEnsemble.Combine([a, b], 2, [], EnsembleMethod.Geometric), 1e-15);
        double x = Math.Pow(0.8, 0.75) * Math.Pow(0.2, 0.25), y = Math.Pow(0.2, 0.75) * Math.Pow(0.8, 0.25);
        Close([x / (x + y), y / (x + y)], ClassEnsemble.Combine([a, b], 2, [3, 1], EnsembleMethod.Geometric), 1e-15);
    }

    [Fact]
    public void Geometric_mean_of_softmaxes_is_the_softmax_of_mean_logits()
    {
        var rng = new Random(3);
        var l1 = Enumerable.Range(0, 5 * 4).Select(_ => rng.NextDouble() * 6 - 3).ToArray();
        var l2 = Enumerable.Range(0, 5 * 4).Select(_ => rng.NextDouble() * 6 - 3).ToArray();
        var geometric = ClassEnsemble.CombineLogits([l1, l2], 4, [1, 2], Activation.Softmax, averageLogits: false, EnsembleMethod.Geometric);
        var logitMean = ClassEnsemble.CombineLogits([l1, l2], 4, [1, 2], Activation.Softmax, averageLogits: true);
        Close(logitMean, geometric, 1e-14);
        // Averaging probabilities is a different blend.
        var probMean = ClassEnsemble.CombineLogits([l1, l2], 4, [1, 2], Activation.Softmax, averageLogits: false);
        Assert.True(probMean.Zip(logitMean).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void Softmax_and_sigmoid_by_hand()
    {
        double[] l = [0, Math.Log(3), 1000, 1000];
        ClassEnsemble.Activate(l, 2, Activation.Softmax);
        Close([0.25, 0.75, 0.5, 0.5], l); // max subtracted: no overflow at 1000
        double[] s = [0, Math.Log(3)];
        ClassEnsemble.Activate(s, 1, Activation.Sigmoid);
        Close([0.5, 0.75], s);
    }

    [Fact]
    public void Rank_average_ties_get_their_mean_rank()
    {
        // One class, 4 samples: ranks 1, 2.5, 2.5, 4 (scipy's rankdata 'average'), ÷ 4.
        double[] a = [0.1, 0.4, 0.4, 0.9], b = [0.4, 0.3, 0.2, 0.1];
        Close([0.25, 0.625, 0.625, 1.0], ClassEnsemble.Combine([a], 1, [], EnsembleMethod.Rank));
        // b ranks 4, 3, 2, 1 → /4; the mean with a's.
        Close([(0.25 + 1) / 2, (0.625 + 0.75) / 2, (0.625 + 0.5) / 2, (1 + 0.25) / 2], ClassEnsemble.Combine([a, b], 1, [], EnsembleMethod.Rank));
    }

    [Fact]
    public void Metrics_by_hand()
    {
        double[] p = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7];
        int[] y = [0, 1, 1, 1];
        Assert.Equal(0.75, ClassificationMetrics.Score(p, 2, y, ClassificationMetric.Accuracy));
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.8) + Math.Log(0.4) + Math.Log(0.7)) / 4, ClassificationMetrics.Score(p, 2, y, ClassificationMetric.LogLoss), 1e-15);
        // Labels 0, 0, 1, 2 predicted 0, 1, 1, 1: F1 per class 2/3, 1/2, 0 → mean 7/18.
        double[] q = [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0];
        Assert.Equal(7.0 / 18, ClassificationMetrics.Score(q, 3, [0, 0, 1, 2], ClassificationMetric.MacroF1), 1e-15);
        // A class neither labelled nor predicted is left out of the macro average (scikit-learn's default labels).
        double[] r = [1, 0, 0, 0, 1, 0];
        Assert.Equal(1.0, ClassificationMetrics.Score(r, 3, [0, 1], ClassificationMetric.MacroF1));
        // Log loss clips 0 to 1e-15.
        Assert.Equal(-Math.Log(1e-15) / 1, ClassificationMetrics.Score([1.0, 0.0], 2, [1], ClassificationMetric.LogLoss), 1e-9);
    }

    [Fact]
    public void Weight_search_finds_the_model_that_is_right()
    {
        // Model a is right on the first three samples, b on the last two, c never: with c at 0, any wa > wb/4 and
        // wb > wa/4 gets all five right (margins .8wa − .2wb and .8wb − .2wa).
        double[] a = [0.9, 0.1, 0.9, 0.1, 0.1, 0.9, 0.6, 0.4, 0.6, 0.4];
        double[] b = [0.4, 0.6, 0.4, 0.6, 0.6, 0.4, 0.1, 0.9, 0.1, 0.9];
        double[] c = [0.1, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1];
        int[] y = [0, 0, 1, 1, 1];
        var result = EnsembleWeightSearch.Grid([a, b, c], 2, y, EnsembleMethod.Mean, ClassificationMetric.Accuracy, 0.1);
        Assert.Equal(66, result.Candidates.Count); // C(12, 2)
        Assert.Equal(1.0, result.Best.Score);
        Assert.Equal(1.0, result.Best.Weights.Sum(), 1e-12);
        var blend = ClassEnsemble.Combine([a, b, c], 2, result.Best.Weights, EnsembleMethod.Mean);
        Assert.Equal(1.0, ClassificationMetrics.Score(blend, 2, y, ClassificationMetric.Accuracy));
        // The first candidate (all weight on a) scores 0.6; the search is deterministic.
        Assert.Equal([1.0, 0, 0], result.Candidates[0].Weights);
        Assert.Equal(0.6, result.Candidates[0].Score);
        var again = EnsembleWeightSearch.Grid([a, b, c], 2, y, EnsembleMethod.Mean, ClassificationMetric.Accuracy, 0.1);
        Assert.Equal(result.Best.Weights, again.Best.Weights);
        // Log loss is minimized, not maximized.
        var logLoss = EnsembleWeightSearch.Grid([a, b, c], 2, y, EnsembleMethod.Mean, ClassificationMetric.LogLoss, 0.1);
        Assert.Equal(logLoss.Candidates.Min(x => x.Score), logLoss.Best.Score);
    }

    [Fact]
    public void Geometric_weight_search_scores_each_candidate_as_Combine_blends_it()
    {
        // b has a zero probability: a candidate that gives b no weight leaves it out (0 · log 0 would be NaN).
        double[] a = [0.7, 0.3, 0.2, 0.8, 0.6, 0.4];
        double[] b = [1.0, 0.0, 0.5, 0.5, 0.1, 0.9];
        int[] y = [0, 1, 0];
        var result = EnsembleWeightSearch.Grid([a, b], 2, y, EnsembleMethod.Geometric, ClassificationMetric.LogLoss, 0.25);
        Assert.Equal(5, result.Candidates.Count);
        foreach (var candidate in result.Candidates)
        {
            var blend = ClassEnsemble.Combine([a, b], 2, candidate.Weights, EnsembleMethod.Geometric);
            Assert.Equal(ClassificationMetrics.Score(blend, 2, y, ClassificationMetric.LogLoss), candidate.Score);
        }
        Close(a, ClassEnsemble.Combine([a, b], 2, [1, 0], EnsembleMethod.Geometric), 1e-15);
    }

    [Fact]
    public void Metrics_and_ranks_equal_scikit_learn_and_scipy()
    {
        // tests/data/ensembling/cases.json, made by make_golden.py with scikit-learn 1.2.1 and scipy 1.10.1. Sums run in
        // another order than numpy's, so the log loss is compared to 1e-12; everything else is exact.
        var root = TestData.Json("ensembling", "cases.json");
        int count = 0;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            int classes = c.GetProperty("classes").GetInt32();
            var models = c.GetProperty("models").EnumerateArray().Select(m => m.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            var labels = c.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var mean = ClassEnsemble.Combine(models, classes, [], EnsembleMethod.Mean);
            Assert.Equal(c.GetProperty("accuracy").GetDouble(), ClassificationMetrics.Score(mean, classes, labels, ClassificationMetric.Accuracy));
            Assert.Equal(c.GetProperty("macroF1").GetDouble(), ClassificationMetrics.Score(mean, classes, labels, ClassificationMetric.MacroF1), 1e-15);
            Assert.Equal(c.GetProperty("logLoss").GetDouble(), ClassificationMetrics.Score(mean, classes, labels, ClassificationMetric.LogLoss), 1e-12);
            Assert.Equal(c.GetProperty("ranks").EnumerateArray().Select(v => v.GetDouble()).ToArray(), ClassEnsemble.Combine([models[0]], classes, [], EnsembleMethod.Rank));
            count++;
        }
        Assert.Equal(6, count);
    }

    [Fact]
    public void Bad_input_names_the_model_or_sample()
    {
        Assert.Contains("Model 1 has 3 values but model 0 has 4", Assert.Throws<ArgumentException>(() => ClassEnsemble.Combine([new double[4], new double[3]], 2, [], EnsembleMethod.Mean)).Message);
        Assert.Contains("Model 0, sample 1, class 0: NaN", Assert.Throws<ArgumentException>(() => ClassEnsemble.Combine([[0, 1, double.NaN, 1]], 2, [], EnsembleMethod.Mean)).Message);
        Assert.Contains("2 weights for 1 models", Assert.Throws<ArgumentException>(() => ClassEnsemble.Combine([new double[4]], 2, [1, 2], EnsembleMethod.Mean)).Message);
        Assert.Contains("all zero", Assert.Throws<ArgumentException>(() => ClassEnsemble.Combine([new double[4]], 2, [0], EnsembleMethod.Mean)).Message);
        Assert.Contains("is negative; the geometric mean needs probabilities", Assert.Throws<ArgumentException>(() => ClassEnsemble.Combine([[0.5, -0.5]], 2, [], EnsembleMethod.Geometric)).Message);
        Assert.Contains("Sample 1: label 2 is not a class 0 to 1", Assert.Throws<ArgumentException>(() => ClassificationMetrics.Score(new double[4], 2, [0, 2], ClassificationMetric.Accuracy)).Message);
        Assert.Contains("The step must be 1/S", Assert.Throws<ArgumentException>(() => EnsembleWeightSearch.Grid([new double[4]], 2, [0, 1], EnsembleMethod.Mean, ClassificationMetric.Accuracy, 0.3)).Message);
    }
}
