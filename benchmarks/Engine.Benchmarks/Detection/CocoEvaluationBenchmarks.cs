using BenchmarkDotNet.Attributes;
using Engine.Detection;

namespace Engine.Benchmarks.Detection;

/// <summary>
/// COCO box evaluation on the standard workload that benchmarks/peers/coco_eval.py writes and times with pycocotools:
/// 5,000 images × 80 categories, about 35,000 annotations and 500,000 detections. <c>Evaluate</c> is pycocotools'
/// evaluate() + accumulate() on files already read (our summary numbers come with it); <c>ReadAndEvaluate</c> adds
/// reading both JSON files.
/// </summary>
[Config(typeof(CoresConfig))]
public class CocoEvaluationBenchmarks
{
    private string _gtPath = null!, _dtPath = null!;
    private CocoDataset _gt = null!;
    private CocoDetections _dt = null!;

    [GlobalSetup]
    public void Load()
    {
        _gtPath = Path.Combine(BenchmarkData.For("coco"), "gt.json");
        _dtPath = Path.Combine(BenchmarkData.For("coco"), "dt.json");
        _gt = CocoJson.ReadGroundTruth(File.ReadAllBytes(_gtPath), _gtPath);
        _dt = CocoJson.ReadResults(File.ReadAllBytes(_dtPath), _dtPath);
    }

    [Benchmark]
    public double Evaluate() => CocoEvaluation.Evaluate(_gt, _dt).Stats[0];

    [Benchmark]
    public double ReadAndEvaluate()
    {
        var gt = CocoJson.ReadGroundTruth(File.ReadAllBytes(_gtPath), _gtPath);
        var dt = CocoJson.ReadResults(File.ReadAllBytes(_dtPath), _dtPath);
        return CocoEvaluation.Evaluate(gt, dt).Stats[0];
    }
}
