using BenchmarkDotNet.Attributes;
using Engine.Detection;

namespace Engine.Benchmarks.Detection;

/// <summary>
/// Reading and writing the detection JSON boxes format on the Weighted Boxes Fusion workload that
/// benchmarks/peers/wbf.py writes (preds.jsonl: 1,000 images × 5 models × 100 boxes). Both directions use every
/// core for an input this size; <c>--affinity 1</c> pins the run to one core. Throughput is the file's size over
/// the median; the written result is the input's own boxes (every model's boxes as one output per image), so both
/// directions move the same bytes. Those numbers have at most six decimals, as the input's; <see cref="WriteFusedBoxes"/>
/// writes Weighted Boxes Fusion's output instead, whose averaged numbers take all 16–17 digits.
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 8, launchCount: 1)]
public class DetectionJsonBenchmarks
{
    private byte[] _input = [];
    private DetectionResult _boxes = null!;
    private DetectionResult _fused = null!;
    private readonly MemoryStream _output = new();

    [GlobalSetup]
    public void Load()
    {
        string path = Path.Combine(BenchmarkData.For("wbf"), "preds.jsonl");
        _input = File.ReadAllBytes(path);
        var batch = new DetectionBatch(DetectionJson.Read(_input, path, out _));
        // Every box kept: NMS at IoU 1 suppresses nothing, so the output holds the input's 500,000 boxes.
        _boxes = Engine.Detection.Nms.Suppress(batch, 1.0);
        _fused = WeightedBoxesFusion.Fuse(batch, new WeightedBoxesFusionOptions());
        _output.Capacity = 2 * _input.Length;
        Console.WriteLine($"// input {_input.Length:N0} bytes; output {WriteBoxes():N0} bytes; fused output {WriteFusedBoxes():N0} bytes");
    }

    [Benchmark]
    public int ReadBoxes() => DetectionJson.Read(_input, "preds.jsonl", out _).Count;

    [Benchmark]
    public long WriteBoxes() => Write(_boxes);

    [Benchmark]
    public long WriteFusedBoxes() => Write(_fused);

    private long Write(DetectionResult result)
    {
        _output.Position = 0;
        _output.SetLength(0);
        DetectionJson.Write(_output, result, asArray: false);
        return _output.Length;
    }
}
