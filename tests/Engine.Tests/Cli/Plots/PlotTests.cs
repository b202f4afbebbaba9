using Engine.Cli.Plots;
using Engine.IO;
using Engine.Torch.Ink;

namespace Engine.Tests.Cli.Plots;

/// <summary>Each plot writes a whole PNG of its stated size, checked by Engine's own PNG reader (CRCs, inflate, Adler-32).</summary>
public sealed class PlotTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static void AssertPng(string path, int width, int height)
    {
        var header = PngIntegrity.Check(File.ReadAllBytes(path), path);
        Assert.Equal((width, height), (header.Width, header.Height));
    }

    [Fact]
    public void Training_curves_with_and_without_validation()
    {
        var validated = Enumerable.Range(1, 6).Select(e => new InkEpoch(e, 0.9 / e, 100, 2, 1e-3, 0,
            new InkValidationScore(0.3 + 0.05 * e, 0.5, 0.4, 0.93, 0.8))).ToArray();
        string path = _folder.File("validated.png");
        TrainingCurvesPlot.Write(validated, bestEpoch: 6, path);
        AssertPng(path, TrainingCurvesPlot.Width, TrainingCurvesPlot.Height);

        var lossOnly = validated.Select(e => e with { Validation = null }).ToArray();
        string plain = _folder.File("loss.png");
        TrainingCurvesPlot.Write(lossOnly, bestEpoch: 6, plain);
        AssertPng(plain, TrainingCurvesPlot.Width, TrainingCurvesPlot.Height);
    }

    [Fact]
    public void Probability_histogram_with_a_mask_and_without()
    {
        var random = new Random(5);
        var map = new float[20_000];
        for (int i = 0; i < map.Length; i++)
            map[i] = (float)Math.Pow(random.NextDouble(), 4);
        map[0] = 1f; // the top edge falls in the last bin
        var mask = new byte[map.Length];
        mask.AsSpan(0, mask.Length / 2).Fill(1);
        string path = _folder.File("histogram.png");
        ProbabilityHistogramPlot.Write(map, mask, threshold: 0.6, path);
        AssertPng(path, ProbabilityHistogramPlot.Width, ProbabilityHistogramPlot.Height);

        string unmasked = _folder.File("unmasked.png");
        ProbabilityHistogramPlot.Write(map, [], threshold: 0.6, unmasked);
        AssertPng(unmasked, ProbabilityHistogramPlot.Width, ProbabilityHistogramPlot.Height);
    }

    [Fact]
    public void Threshold_sweep()
    {
        double[] thresholds = Enumerable.Range(0, 61).Select(i => Math.Round(-0.2 + 0.02 * i, 2)).ToArray();
        double[] maps = thresholds.Select(t => 0.6 - (t - 0.5) * (t - 0.5)).ToArray();
        string path = _folder.File("sweep.png");
        ThresholdSweepPlot.Write(thresholds, maps, 0.5, "sweep", path);
        AssertPng(path, ThresholdSweepPlot.Width, ThresholdSweepPlot.Height);
    }
}
