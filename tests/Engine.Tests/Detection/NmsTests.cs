using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>NMS and soft-NMS (linear, Gaussian) against the real ensemble-boxes.</summary>
public sealed class NmsTests
{
    public static TheoryData<string> SuppressionCases => DetectionCase.Names(c => c.Method.Contains("nms"));

    [Theory]
    [MemberData(nameof(SuppressionCases))]
    public void Suppression_matches_ensemble_boxes(string name)
    {
        var c = DetectionCase.Named(name);
        var result = c.Run(new DetectionBatch([c.Image]));
        c.AssertMatches(result.ImageBoxes(0), result.ImageScores(0), result.ImageLabels(0), "single image");
    }

    [Fact]
    public void Soft_nms_keeps_undecayed_scores_and_drops_decayed_ones_below_thresh()
    {
        // Two near-identical boxes: Gaussian decay of the second by exp(-iou²/σ) with σ tiny sends it below thresh.
        var model = new ModelPredictions([0.1, 0.1, 0.5, 0.5, 0.1, 0.1, 0.5, 0.51], [0.9, 0.8], [1, 1]);
        var batch = new DetectionBatch([new ImagePredictions([model])]);
        var strict = SoftNms.Suppress(batch, SoftNmsMethod.Gaussian, sigma: 0.01, thresh: 0.001);
        Assert.Equal([0.9], strict.Scores);
        var loose = SoftNms.Suppress(batch, SoftNmsMethod.Gaussian, sigma: 10, thresh: 0.001);
        Assert.Equal([0.9, 0.8], loose.Scores);
    }

    [Fact]
    public void Nms_weights_scale_scores_by_weight_over_their_sum()
    {
        var a = new ModelPredictions([0.1, 0.1, 0.5, 0.5], [0.6], [0]);
        var b = new ModelPredictions([0.6, 0.6, 0.9, 0.9], [0.6], [0]);
        var result = Nms.Suppress(new DetectionBatch([new ImagePredictions([a, b], [3, 1])]));
        Assert.Equal([0.6 * 3 / 4, 0.6 * 1 / 4], result.Scores);
    }
}
