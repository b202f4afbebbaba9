using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Engine.IO;
using Engine.Search;

namespace Engine.Benchmarks.Search;

/// <summary>
/// Exact cosine top-k (<see cref="CosineIndex.Search"/>) on the two shapes benchmarks/peers/knn_faiss.py writes and
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
    private sealed class Config : ManualConfig
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
}
