using BenchmarkDotNet.Attributes;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Benchmarks.Segmentation;

/// <summary>
/// The percentile-thresholding hot path — Quantile, Threshold, FBeta, BestPercentile — on the 100,000,000-value
/// map that benchmarks/peers/quantile.py writes and times with numpy: the same files, the same operations, in one
/// suite because they share 600 MB of inputs. The baseline is a plain copy of the map, the memory floor.
/// </summary>
[Config(typeof(CoresConfig))]
public class QuantileBenchmarks
{
    private float[] _probabilities = [];
    private float[] _copy = [];
    private byte[] _truth = [];
    private byte[] _mask = [];
    private byte[] _ink = [];
    private double _threshold;

    /// <summary>The peer's candidates: 0.80, 0.81, …, 0.99.</summary>
    private static readonly double[] Candidates = Enumerable.Range(0, 20).Select(i => Math.Round(0.80 + 0.01 * i, 2)).ToArray();

    [GlobalSetup]
    public void Load()
    {
        string folder = BenchmarkData.For("quantile");
        _probabilities = NpyFile.ReadFloat32(Path.Combine(folder, "probs.npy")).Data;
        _truth = NpyFile.ReadBytes(Path.Combine(folder, "truth.npy")).Data;
        _mask = NpyFile.ReadBytes(Path.Combine(folder, "mask.npy")).Data;
        _copy = new float[_probabilities.Length];
        _ink = new byte[_probabilities.Length];
        _threshold = Engine.Segmentation.Quantile.Compute(_probabilities, 0.93, _mask);
        Engine.Segmentation.Threshold.Apply(_probabilities, _threshold, _mask, _ink);
    }

    [Benchmark(Baseline = true, Description = "CopyMap")]
    public void CopyMap() => _probabilities.AsSpan().CopyTo(_copy);

    [Benchmark]
    public double Quantile() => Engine.Segmentation.Quantile.Compute(_probabilities, 0.93);

    [Benchmark]
    public double MaskedQuantile() => Engine.Segmentation.Quantile.Compute(_probabilities, 0.93, _mask);

    [Benchmark]
    public long Threshold() => Engine.Segmentation.Threshold.Apply(_probabilities, _threshold, _mask, _ink);

    [Benchmark]
    public double FBeta() => Engine.Segmentation.FBeta.Score(_ink, _truth, _mask).FBeta;

    [Benchmark]
    public double BestPercentile() => Engine.Segmentation.BestPercentile.Find(_probabilities, _truth, Candidates, _mask).Best.FBeta;
}
