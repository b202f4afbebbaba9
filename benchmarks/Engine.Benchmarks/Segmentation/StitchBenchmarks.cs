using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Benchmarks.Segmentation;

/// <summary>
/// SlidingWindowStitcher on the workload of benchmarks/peers/stitch.py: 62,001 windows of 256 × 256 at stride 32
/// over an 8,192 × 8,192 map, predicted at 8 × 8 and upsampled ×32 bilinearly (align_corners=True), count
/// weights. The baseline is a plain copy of the 256 MB output map, the memory floor.
/// </summary>
[Config(typeof(StitchConfig))]
public class StitchBenchmarks
{
    private const int Size = 8192;

    /// <summary>Windows per Add, as a caller streaming a model's batches would pass them.</summary>
    private const int Batch = 4096;

    private float[] _predictions = [];
    private int[] _origins = [];
    private float[] _map = [];
    private float[] _copy = [];

    /// <summary>Shorter than CoresConfig (the per-tile stitch takes seconds), with the same two jobs.</summary>
    private sealed class StitchConfig : ManualConfig
    {
        public StitchConfig()
        {
            var job = Job.Default.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1);
            AddJob(job.WithId("all cores"));
            AddJob(job.WithEnvironmentVariable("DOTNET_PROCESSOR_COUNT", "1").WithId("1 core"));
        }
    }

    [GlobalSetup]
    public void Load()
    {
        string folder = BenchmarkData.For("stitch");
        _predictions = NpyFile.ReadFloat32(Path.Combine(folder, "preds.npy")).Data;
        _origins = NpyFile.ReadInt32(Path.Combine(folder, "coords.npy")).Data;
        _map = new float[Size * Size];
        _copy = new float[Size * Size];
        // Touch every page of the source: BenchmarkDotNet runs CopyMap in its own process, where an array never
        // written reads the kernel's shared zero page, and the "copy" would only write 256 MB.
        _map.AsSpan().Fill(0.5f);
    }

    [Benchmark(Baseline = true)]
    public void CopyMap() => _map.AsSpan().CopyTo(_copy);

    [Benchmark]
    public float PerTileStitch() => Stitch(StitchUpsampleMode.PerTile);

    [Benchmark]
    public float FastStitch() => Stitch(StitchUpsampleMode.Fast);

    private float Stitch(StitchUpsampleMode mode)
    {
        var stitcher = new SlidingWindowStitcher(Size, Size, 8, 8, new StitchOptions { Factor = 32, AlignCorners = true, UpsampleMode = mode });
        for (int k = 0; k < _origins.Length / 2; k += Batch)
        {
            int count = Math.Min(Batch, _origins.Length / 2 - k);
            stitcher.Add(_predictions.AsSpan(k * 64, count * 64), _origins.AsSpan(2 * k, 2 * count));
        }
        stitcher.Finish(_map);
        return _map[Size / 2 * Size + Size / 2];
    }
}
