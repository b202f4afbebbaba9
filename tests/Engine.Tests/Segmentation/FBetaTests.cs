using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

public class FBetaTests
{
    [Fact]
    public void Scores_equal_scikit_learn_bit_for_bit()
    {
        var masked = InkMap.Sweep.GetProperty("masked").EnumerateArray().Single(r => r.GetProperty("q").GetDouble() == 0.93);
        InkMap.AssertScores(masked, FBeta.Score(InkMap.Ink93, InkMap.Truth, InkMap.Mask), "ink at 0.93");
    }

    [Fact]
    public void Degenerate_predictions_score_as_scikit_learn_with_zero_division_0()
    {
        var empty = new byte[InkMap.Truth.Length];
        InkMap.AssertScores(InkMap.Sweep.GetProperty("empty_prediction"), FBeta.Score(empty, InkMap.Truth), "empty prediction");
        InkMap.AssertScores(InkMap.Sweep.GetProperty("perfect_prediction"), FBeta.Score(InkMap.Truth, InkMap.Truth), "perfect prediction");
        var nothing = FBeta.Score(empty, empty);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (nothing.Precision, nothing.Recall, nothing.FBeta, nothing.Dice));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData((1 << 20) + 5)]
    public void Every_length_matches_a_scalar_count(int length)
    {
        var random = new Random(length);
        var predicted = Enumerable.Range(0, length).Select(_ => (byte)(random.Next(3) * 127)).ToArray();
        var truth = Enumerable.Range(0, length).Select(_ => (byte)random.Next(2)).ToArray();
        var mask = Enumerable.Range(0, length).Select(_ => (byte)random.Next(2)).ToArray();
        var scores = FBeta.Score(predicted, truth, mask, beta: 2);
        var inside = Enumerable.Range(0, length).Where(i => mask[i] != 0).ToArray();
        Assert.Equal(inside.LongCount(i => predicted[i] != 0 && truth[i] != 0), scores.TruePositives);
        Assert.Equal(inside.LongCount(i => predicted[i] != 0 && truth[i] == 0), scores.FalsePositives);
        Assert.Equal(inside.LongCount(i => predicted[i] == 0 && truth[i] != 0), scores.FalseNegatives);
        Assert.Equal(inside.LongCount(i => predicted[i] == 0 && truth[i] == 0), scores.TrueNegatives);
        Assert.Equal(2, scores.Beta);
    }

    [Fact]
    public void Bad_arguments_are_errors()
    {
        Assert.Contains("truth has 2 pixels but the prediction has 3", Assert.Throws<ArgumentException>(() => FBeta.Score(new byte[3], new byte[2])).Message);
        Assert.Contains("mask has 1 pixels", Assert.Throws<ArgumentException>(() => FBeta.Score(new byte[3], new byte[3], new byte[1])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FBeta.Score(new byte[3], new byte[3], beta: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FBeta.Score(new byte[3], new byte[3], beta: double.NaN));
    }
}
