using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>Bad input is refused up front with a message naming the image and model (ensemble-boxes exits or resets weights).</summary>
public sealed class DetectionBatchTests
{
    private static readonly ModelPredictions Good = new([0.1, 0.1, 0.4, 0.4], [0.9], [0]);

    private static ArgumentException Refused(params ImagePredictions[] images) =>
        Assert.ThrowsAny<ArgumentException>(() => new DetectionBatch(images));

    [Fact]
    public void Unequal_lengths_name_the_image_and_model()
    {
        var e = Refused(new ImagePredictions([Good]), new ImagePredictions([Good, new ModelPredictions([0.1, 0.1, 0.4, 0.4], [0.9, 0.8], [0, 0])]));
        Assert.Contains("Image 1, model 1", e.Message);
        Assert.Contains("1 boxes, 2 scores and 2 labels", e.Message);
        Assert.Contains("not 4 per box", Refused(new ImagePredictions([new ModelPredictions([0.1, 0.1, 0.4], [0.9], [0])])).Message);
        Assert.Contains("labels", Refused(new ImagePredictions([new ModelPredictions([0.1, 0.1, 0.4, 0.4], [0.9], [])])).Message);
    }

    [Theory]
    [InlineData(double.NaN, 0.9, "x2 is NaN")]
    [InlineData(double.PositiveInfinity, 0.9, "x2 is Infinity")]
    [InlineData(0.4, double.NaN, "score is NaN")]
    [InlineData(0.4, double.NegativeInfinity, "score is -Infinity")]
    public void Non_finite_values_name_the_box(double x2, double score, string problem)
    {
        var bad = new ModelPredictions([0.1, 0.1, 0.4, 0.4, 0.2, 0.2, x2, 0.5], [0.5, score], [0, 1]);
        var e = Refused(new ImagePredictions([Good, bad]));
        Assert.Contains("Image 0, model 1, box 1", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Weights_must_be_one_positive_finite_number_per_model()
    {
        Assert.Contains("Image 0 has 3 weights for 2 models", Refused(new ImagePredictions([Good, Good], [1, 2, 3])).Message);
        Assert.Contains("Image 0, model 1: weight 0", Refused(new ImagePredictions([Good, Good], [1, 0])).Message);
        Assert.Contains("weight NaN", Refused(new ImagePredictions([Good, Good], [double.NaN, 1])).Message);
    }

    [Fact]
    public void Unknown_conf_type_and_bad_parameters_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => WbfConfTypeNames.Parse("mean"));
        Assert.Contains("'mean'", e.Message);
        Assert.Contains("box_and_model_avg", e.Message);
        Assert.Equal(WbfConfType.AbsentModelAwareAvg, WbfConfTypeNames.Parse("absent_model_aware_avg"));
        var batch = new DetectionBatch([new ImagePredictions([Good])]);
        Assert.Throws<ArgumentException>(() => WeightedBoxesFusion.Fuse(batch, confType: (WbfConfType)7));
        Assert.Throws<ArgumentException>(() => WeightedBoxesFusion.Fuse(batch, iouThreshold: double.NaN));
        Assert.Contains("sigma", Assert.Throws<ArgumentException>(() => SoftNms.Suppress(batch, sigma: 0)).Message);
    }

    [Fact]
    public void Flat_arrays_are_checked_too()
    {
        Assert.Contains("boxStarts", Assert.Throws<ArgumentException>(() =>
            new DetectionBatch([0.1, 0.1, 0.4, 0.4], [0.9], [0], [0, 2], [0, 1])).Message);
        Assert.Contains("weights has 2 entries for 1 models", Assert.Throws<ArgumentException>(() =>
            new DetectionBatch([0.1, 0.1, 0.4, 0.4], [0.9], [0], [0, 1], [0, 1], [1, 1])).Message);
        var batch = new DetectionBatch([0.1, 0.1, 0.4, 0.4, 0.1, 0.1, 0.4, 0.4], [0.9, 0.7], [0, 0], [0, 1, 2], [0, 2]);
        Assert.Equal((1, 2, 2), (batch.ImageCount, batch.ModelCount(0), batch.ImageBoxCount(0)));
        Assert.Equal(1, WeightedBoxesFusion.Fuse(batch).Count(0));
    }
}
