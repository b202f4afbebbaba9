using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Engine.IO;
using Engine.Search;

namespace Engine.Benchmarks.Search;

/// <summary>
/// Exact cosine top-k (<see cref="CosineIndex.Search(ReadOnlySpan{float}, int, IProgress{long}?, Compute.ComputeContext?, CancellationToken)"/>) on the two shapes benchmarks/peers/knn_faiss.py writes and
/// times with FAISS's IndexFlatIP: A = 100,000 × 512 database, 10,000 queries, k = 5; B = 1,000,000 × 128,
/// 1,000 queries, k = 10. The indexes are built once (packing is Add's work, as FAISS's add copies); each
/// iteration is one full search. Rows are already unit vectors, so neither side normalizes in the timing.
/// </summary>
[Config(typeof(Config))]
public class CosineTopKBenchmarks
{
    private CosineIndex? _a, _b;
    private float[] _queriesA = [], _queriesB = [];

    /// <summary>All cores and one core as <see cref="CoresConfig"/>, but fewer iterations: one search takes seconds.</summary>
    internal sealed class Config : ManualConfig
    {
        public Config()
        {
            var job = Job.Default.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1).WithInvocationCount(1).WithUnrollFactor(1);
            AddJob(job.WithId("all cores"));
            AddJob(job.WithEnvironmentVariable("DOTNET_PROCESSOR_COUNT", "1").WithId("1 core"));
        }
    }

    [GlobalSetup]
    public void Load()
    {
        (_a, _queriesA) = Build("ShapeA");
        (_b, _queriesB) = Build("ShapeB");
        // The int8 copy is made at the first approximate search (a one-off, like Add's packing): not timed.
        _a.SearchApproximate(_queriesA.AsSpan(0, _a.Dimension), 1);
        _b.SearchApproximate(_queriesB.AsSpan(0, _b.Dimension), 1);
    }

    private static (CosineIndex, float[]) Build(string shape)
    {
        string folder = BenchmarkData.For("knn");
        var db = EmbeddingFile.Read(Path.Combine(folder, $"db_{shape}.npy"));
        var index = new CosineIndex(db.Dimension);
        index.Add(db.Data);
        return (index, EmbeddingFile.Read(Path.Combine(folder, $"queries_{shape}.npy")).Data);
    }

    [GlobalCleanup]
    public void Release()
    {
        _a?.Dispose();
        _b?.Dispose();
    }

    [Benchmark]
    public long ShapeA() => _a!.Search(_queriesA, 5).Ids[0];

    [Benchmark]
    public long ShapeB() => _b!.Search(_queriesB, 10).Ids[0];

    /// <summary>Shape A through the opt-in int8 scan + exact re-scoring (same results as <see cref="ShapeA"/>).</summary>
    [Benchmark]
    public long ShapeAInt8() => _a!.SearchApproximate(_queriesA, 5).Ids[0];

    /// <summary>Shape B through the opt-in int8 scan + exact re-scoring (same results as <see cref="ShapeB"/>).</summary>
    [Benchmark]
    public long ShapeBInt8() => _b!.SearchApproximate(_queriesB, 10).Ids[0];

    /// <summary>FMAs per worker in <see cref="FmaPeak"/>: 2^28 steps × 12 Vector512 FMAs × 32 flops ≈ 103 GFLOP.</summary>
    public const long PeakSteps = 1L << 28;

    /// <summary>
    /// The FP32 peak this machine gives now: one worker per core running 12 independent Vector512 FMA chains
    /// (more than latency × pipes), no loads. <c>PeakSteps · 384 · cores / time</c> is the GFLOP/s the search is
    /// measured against, in the same run, since on a shared machine the nominal peak is not what a thread gets.
    /// </summary>
    [Benchmark]
    public float FmaPeak()
    {
        float sum = 0;
        Parallel.For(0, Environment.ProcessorCount, _ => { float s = Chains(PeakSteps, 1.5f); lock (this) sum += s; });
        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(long steps, float x)
    {
        var m = Vector512.Create(x);
        var c = Vector512.Create(0.999f);
        Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (long i = 0; i < steps; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, c, m); a1 = Vector512.FusedMultiplyAdd(a1, c, m);
            a2 = Vector512.FusedMultiplyAdd(a2, c, m); a3 = Vector512.FusedMultiplyAdd(a3, c, m);
            a4 = Vector512.FusedMultiplyAdd(a4, c, m); a5 = Vector512.FusedMultiplyAdd(a5, c, m);
            a6 = Vector512.FusedMultiplyAdd(a6, c, m); a7 = Vector512.FusedMultiplyAdd(a7, c, m);
            a8 = Vector512.FusedMultiplyAdd(a8, c, m); a9 = Vector512.FusedMultiplyAdd(a9, c, m);
            a10 = Vector512.FusedMultiplyAdd(a10, c, m); a11 = Vector512.FusedMultiplyAdd(a11, c, m);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }
}
