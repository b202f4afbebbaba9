using Engine.Compute;
using Engine.Detection;
using Engine.Tests.Compute;

namespace Engine.Tests.Detection;

/// <summary>WeightedBoxesFusionKernel on ILGPU's CPU accelerator: the same answers as the SIMD path and ensemble-boxes.</summary>
[Collection(IlgpuCpuCollection.Name)]
public sealed class WeightedBoxesFusionKernelTests(IlgpuCpuFixture fixture)
{
    private readonly ComputeContext _compute = fixture.Compute;

    [Theory]
    [InlineData("avg")]
    [InlineData("max")]
    [InlineData("box_and_model_avg")]
    [InlineData("absent_model_aware_avg")]
    public void The_kernel_matches_ensemble_boxes_and_the_simd_path(string confType)
    {
        // The golden images of one conf type that ensemble-boxes fused with iou 0.55 or 0.4, as one batch per threshold.
        var cases = DetectionCase.Cases.Where(c => c.Method == "wbf" && c.Params.GetProperty("conf_type").GetString() == confType).ToArray();
        foreach (var group in cases.GroupBy(c => (c.Param("iou_thr"), c.Param("skip_box_thr"), c.Params.GetProperty("allows_overflow").GetBoolean())).Take(4))
        {
            var members = group.ToArray();
            var batch = new DetectionBatch(members.Select(c => c.Image).ToArray());
            var (iou, skip, overflow) = group.Key;
            var type = WbfConfTypeNames.Parse(confType);
            var kernel = WeightedBoxesFusion.Fuse(batch, iou, skip, type, overflow, compute: _compute);
            var simd = WeightedBoxesFusion.Fuse(batch, iou, skip, type, overflow);
            Assert.Equal(simd.ImageStarts, kernel.ImageStarts);
            Assert.Equal(simd.Boxes, kernel.Boxes);
            Assert.Equal(simd.Scores, kernel.Scores);
            Assert.Equal(simd.Labels, kernel.Labels);
            for (int i = 0; i < members.Length; i++)
                members[i].AssertMatches(kernel.ImageBoxes(i), kernel.ImageScores(i), kernel.ImageLabels(i), "ILGPU kernel", tolerance: 0);
        }
    }

    [Fact]
    public void Many_boxes_in_one_label_span_several_rounds_of_the_group()
    {
        // 60 scattered boxes of one label: more clusters than the group has threads, so each thread scans several.
        var random = new Random(7);
        var models = Enumerable.Range(0, 3).Select(_ =>
        {
            var boxes = new double[20 * 4];
            for (int b = 0; b < 20; b++)
            {
                double x = random.NextDouble() * 0.9, y = random.NextDouble() * 0.9;
                (boxes[4 * b], boxes[4 * b + 1], boxes[4 * b + 2], boxes[4 * b + 3]) = (x, y, x + 0.02 + random.NextDouble() * 0.08, y + 0.05);
            }
            return new ModelPredictions(boxes, Enumerable.Range(0, 20).Select(_ => random.NextDouble()).ToArray(), new int[20]);
        }).ToArray();
        var batch = new DetectionBatch([new ImagePredictions(models, [2, 1, 1]), new ImagePredictions([]), new ImagePredictions(models)]);
        var kernel = WeightedBoxesFusion.Fuse(batch, 0.3, compute: _compute);
        var simd = WeightedBoxesFusion.Fuse(batch, 0.3);
        Assert.True(simd.Count(0) > 32, $"{simd.Count(0)} clusters");
        Assert.Equal(0, kernel.Count(1));
        Assert.Equal(simd.Boxes, kernel.Boxes);
        Assert.Equal(simd.Scores, kernel.Scores);
        Assert.Equal(simd.Labels, kernel.Labels);
    }
}
