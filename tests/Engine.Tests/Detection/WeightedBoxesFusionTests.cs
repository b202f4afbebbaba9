using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>WBF and NMW against the real ensemble-boxes, one image at a time and as one batch.</summary>
public sealed class WeightedBoxesFusionTests
{
    public static TheoryData<string> FusionCases => DetectionCase.Names(c => c.Method is "wbf" or "nmw");

    [Theory]
    [MemberData(nameof(FusionCases))]
    public void Fusion_matches_ensemble_boxes(string name)
    {
        var c = DetectionCase.Named(name);
        int warnings = 0;
        var result = c.Run(new DetectionBatch([c.Image]), _ => Interlocked.Increment(ref warnings));
        Assert.Equal(1, result.ImageCount);
        c.AssertMatches(result.ImageBoxes(0), result.ImageScores(0), result.ImageLabels(0), "single image");
        Assert.Equal(c.Warnings, warnings);
    }

    [Fact]
    public void Fusion_equals_ensemble_boxes_bit_for_bit()
    {
        // Beyond the 1e-6 bound: numpy's float32 sums, float32 division and pairwise weight sums are reproduced,
        // and WBF/NMW use only correctly rounded arithmetic, so every coordinate and score is the same double.
        foreach (var c in DetectionCase.Cases.Where(c => c.Method is "wbf" or "nmw"))
        {
            var result = c.Run(new DetectionBatch([c.Image]));
            c.AssertMatches(result.ImageBoxes(0), result.ImageScores(0), result.ImageLabels(0), "bit for bit", tolerance: 0);
        }
    }

    [Fact]
    public void A_batch_gives_each_image_its_own_answer()
    {
        // Every WBF case fused at once with one set of parameters equals fusing the images one by one.
        var cases = DetectionCase.Cases.Where(c => c.Method == "wbf").ToArray();
        var batch = new DetectionBatch(cases.Select(c => c.Image).ToArray());
        var options = new WeightedBoxesFusionOptions { IouThreshold = 0.4, SkipBoxThreshold = 0.01, ConfType = WbfConfType.BoxAndModelAvg };
        var all = WeightedBoxesFusion.Fuse(batch, options);
        Assert.Equal(all.Scores, WeightedBoxesFusion.Fuse(batch, 0.4, 0.01, WbfConfType.BoxAndModelAvg).Scores); // the positional form
        Assert.Equal(cases.Length, all.ImageCount);
        for (int i = 0; i < cases.Length; i++)
        {
            var one = WeightedBoxesFusion.Fuse(cases[i].Image.Models, cases[i].Image.Weights, options);
            Assert.Equal(one.ImageScores(0).ToArray(), all.ImageScores(i).ToArray());
            Assert.Equal(one.ImageBoxes(0).ToArray(), all.ImageBoxes(i).ToArray());
            Assert.Equal(one.ImageLabels(0).ToArray(), all.ImageLabels(i).ToArray());
        }
        Assert.True(all.Scores.Length > cases.Length, "the batch fused boxes");
    }

    [Fact]
    public void Labels_far_apart_group_like_small_ones()
    {
        // Labels spanning more than the counting sort's range take the key-sort path; the answer is the same.
        var c = DetectionCase.Named("wbf_large_3");
        int Map(int label) => label * 1_000_003 - 7;
        var far = c.Image with { Models = c.Image.Models.Select(m => m with { Labels = m.Labels.Select(Map).ToArray() }).ToArray() };
        var result = c.Run(new DetectionBatch([far]));
        c.AssertMatches(result.ImageBoxes(0), result.ImageScores(0), result.ImageLabels(0).ToArray().Select(l => (l + 7) / 1_000_003).ToArray(), "far labels", tolerance: 0);
        Assert.Contains(result.Labels, l => l > 1_000_000);
    }

    [Fact]
    public void Identical_boxes_from_every_model_fuse_into_one_with_the_full_score()
    {
        var model = new ModelPredictions([0.1, 0.2, 0.5, 0.6], [0.8], [3]);
        var result = WeightedBoxesFusion.Fuse([model, model, model]);
        Assert.Equal(1, result.Count(0));
        Assert.Equal(3, result.Labels[0]);
        Assert.Equal(0.8, result.Scores[0], 1e-7);
        Assert.Equal([0.1, 0.2, 0.5, 0.6], result.Boxes.Select(v => Math.Round(v, 6)));
    }

    [Fact]
    public void Warnings_name_the_image_model_and_box()
    {
        var warnings = new List<DetectionWarning>();
        var bad = new ModelPredictions([0.5, 0.2, 0.1, 0.6, 0.3, 0.3, 0.3, 0.9], [0.9, 0.7], [0, 0]);
        WeightedBoxesFusion.Fuse([ModelPredictions.Empty, bad], onWarning: warnings.Add);
        Assert.Equal(2, warnings.Count);
        Assert.Equal(new DetectionWarning(0, 1, 0, "x2 < x1: swapped"), warnings[0]);
        Assert.Equal((0, 1, 1), (warnings[1].Image, warnings[1].Model, warnings[1].Box));
        Assert.Contains("zero area", warnings[1].Message);
    }

    /// <summary>Reports synchronously on the fusing thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class CancelAfterFirstReport(CancellationTokenSource source) : IProgress<long>
    {
        public long Reports;

        public void Report(long imagesDone)
        {
            Interlocked.Increment(ref Reports);
            source.Cancel();
        }
    }

    [Fact]
    public void Batch_fusion_reports_progress_and_stops_when_cancelled()
    {
        var image = DetectionCase.Cases.First(c => c.Method == "wbf").Image;
        var batch = new DetectionBatch(Enumerable.Repeat(image, 4000).ToArray());
        var options = new WeightedBoxesFusionOptions();

        long last = 0;
        var gate = new Lock();
        var done = new SynchronousProgress(v =>
        {
            lock (gate)
                last = Math.Max(last, v);
        });
        WeightedBoxesFusion.Fuse(batch, options, progress: done);
        Assert.Equal(4000, last);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => WeightedBoxesFusion.Fuse(batch, options, cancellationToken: cancelled.Token));

        // Cancelled while running: the first chunk's report cancels, so at most one chunk per core reports.
        using var midway = new CancellationTokenSource();
        var progress = new CancelAfterFirstReport(midway);
        Assert.Throws<OperationCanceledException>(() => WeightedBoxesFusion.Fuse(batch, options, progress: progress, cancellationToken: midway.Token));
        Assert.InRange(progress.Reports, 1, Environment.ProcessorCount);
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
