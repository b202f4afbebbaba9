using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

public class BestPercentileTests
{
    [Theory]
    [InlineData("masked")]
    [InlineData("unmasked")]
    public void Every_candidate_equals_numpy_and_scikit_learn(string which)
    {
        var mask = which == "masked" ? InkMap.Mask : [];
        var sweep = BestPercentile.Find(InkMap.Probabilities, InkMap.Truth, InkMap.Candidates, mask);
        var rows = InkMap.Sweep.GetProperty(which).EnumerateArray().ToArray();
        Assert.Equal(rows.Length, sweep.Scores.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i].GetProperty("threshold").GetDouble(), sweep.Thresholds[i]);
            InkMap.AssertScores(rows[i], sweep.Scores[i], $"{which} q={sweep.Quantiles[i]}");
        }
        int best = Enumerable.Range(0, rows.Length).MaxBy(i => rows[i].GetProperty("fbeta").GetDouble());
        Assert.Equal(best, sweep.BestIndex);
        Assert.Equal(InkMap.Candidates[best], sweep.BestQuantile);
    }

    [Fact]
    public void Candidates_in_any_order_score_the_same()
    {
        var candidates = InkMap.Candidates;
        var reversed = candidates.Reverse().ToArray();
        var forward = BestPercentile.Find(InkMap.Probabilities, InkMap.Truth, candidates, InkMap.Mask);
        var backward = BestPercentile.Find(InkMap.Probabilities, InkMap.Truth, reversed, InkMap.Mask);
        Assert.Equal(forward.Scores, backward.Scores.Reverse());
        Assert.Equal(forward.BestQuantile, backward.BestQuantile);
    }

    [Fact]
    public void Bad_arguments_are_errors()
    {
        var values = new float[] { 0.1f, 0.9f };
        Assert.Contains("truth has 1 pixels", Assert.Throws<ArgumentException>(() => BestPercentile.Find(values, new byte[1], [0.5])).Message);
        Assert.Contains("0 candidates given", Assert.Throws<ArgumentException>(() => BestPercentile.Find(values, new byte[2], [])).Message);
        Assert.Contains("256 candidates given", Assert.Throws<ArgumentException>(() => BestPercentile.Find(values, new byte[2], new double[256])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BestPercentile.Find(values, new byte[2], [1.5]));
        Assert.Contains("values[0] is NaN", Assert.Throws<QuantileNaNException>(() => BestPercentile.Find([float.NaN, 1f], new byte[2], [0.5])).Message);
        Assert.Contains("mask has 3 elements but values has 2", Assert.Throws<ArgumentException>(() => BestPercentile.Find(values, new byte[2], [0.5], new byte[3])).Message);
        Assert.Contains("beta must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => BestPercentile.Find(values, new byte[2], [0.5], beta: -1)).Message);
    }
}
