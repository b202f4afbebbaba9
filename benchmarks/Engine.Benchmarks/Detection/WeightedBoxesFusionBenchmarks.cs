using BenchmarkDotNet.Attributes;
using Engine.Detection;

namespace Engine.Benchmarks.Detection;

/// <summary>
/// Weighted Boxes Fusion (and NMS) on the standard workload that benchmarks/peers/wbf.py writes and times with
/// ensemble-boxes: 1,000 images × 5 models × 100 boxes, 10 labels, iou 0.55, skip 0, avg. Parsing the JSON is
/// outside the clock on both sides.
/// </summary>
[Config(typeof(CoresConfig))]
public class WeightedBoxesFusionBenchmarks
{
    private DetectionBatch _batch = null!;

    [GlobalSetup]
    public void Load()
    {
        string path = Path.Combine(BenchmarkData.For("wbf"), "preds.jsonl");
        _batch = new DetectionBatch(DetectionJson.Read(File.ReadAllBytes(path), path, out _));
    }

    [Benchmark]
    public int WeightedBoxesFusion() => Engine.Detection.WeightedBoxesFusion.Fuse(_batch, new WeightedBoxesFusionOptions()).Scores.Length;

    [Benchmark]
    public int Nms() => Engine.Detection.Nms.Suppress(_batch, 0.5).Scores.Length;
}
