using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Engine.IO;
using Engine.Search;

namespace Engine.Benchmarks.Identity;

/// <summary>
/// Identity search and ranking at Happywhale's scale on the inputs benchmarks/peers/identity_faiss.py writes and
/// times with FAISS's IndexFlatIP + numpy: 50,000 gallery rows × 128 of 15,587 individuals, 30,000 queries.
/// <c>Search</c> is the five best rows; <c>SearchAndRank</c> the five best distinct individuals with
/// new_individual inserted at 0.5 (exact here, a 50-row search then grouping for the peer);
/// <c>InsertNewIndividual</c> that insertion alone. The index is built once (Add's packing, as FAISS's add).
/// </summary>
[Config(typeof(Config))]
public class IdentitySearchBenchmarks
{
    /// <summary>Predictions per query (MAP@5).</summary>
    public const int K = 5;

    /// <summary>The new-individual threshold both sides insert at.</summary>
    public const double Threshold = 0.5;

    private CosineIndex? _index;
    private float[] _queries = [];
    private IdentitySearchResult? _ranked;

    /// <summary>All cores and one core, as <see cref="CoresConfig"/>, with fewer iterations: a search takes seconds.</summary>
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
        (_index, _queries) = Build();
        _ranked = _index.SearchIdentities(_queries, K);
    }

    /// <summary>The gallery indexed with its individuals, and the queries; with <paramref name="dimension"/> below the
    /// files', each row's first that many values, L2-normalized again (what a smaller embedding costs).</summary>
    public static (CosineIndex Index, float[] Queries) Build(int? dimension = null)
    {
        string folder = BenchmarkData.For("identity");
        var db = EmbeddingFile.Read(Path.Combine(folder, "db.npy"));
        var queries = EmbeddingFile.Read(Path.Combine(folder, "queries.npy"));
        var labels = NpyFile.ReadInt32(Path.Combine(folder, "labels.npy")).Data;
        int d = dimension ?? db.Dimension;
        var index = new CosineIndex(d);
        index.Add(Truncate(db.Data, db.Dimension, d), identities: labels);
        return (index, Truncate(queries.Data, queries.Dimension, d));
    }

    private static float[] Truncate(float[] rows, int from, int to)
    {
        if (to == from)
            return rows;
        var result = new float[rows.Length / from * to];
        for (int r = 0; r < rows.Length / from; r++)
            rows.AsSpan(r * from, to).CopyTo(result.AsSpan(r * to, to));
        CosineIndex.NormalizeL2(result, to);
        return result;
    }

    [GlobalCleanup]
    public void Release() => _index?.Dispose();

    [Benchmark]
    public long Search() => _index!.Search(_queries, K).Ids[0];

    [Benchmark]
    public int SearchAndRank() => Rank(_index!.SearchIdentities(_queries, K)).Length;

    [Benchmark]
    public int InsertNewIndividual() => Rank(_ranked!).Length;

    /// <summary>Every query's five predictions, new_individual (−2) inserted before the first individual below <see cref="Threshold"/>.</summary>
    public static int[][] Rank(IdentitySearchResult result)
    {
        var predictions = new int[result.Queries][];
        for (int q = 0; q < result.Queries; q++)
        {
            int at = q * result.K, n = 0;
            while (n < result.K && result.Identities[at + n] >= 0)
                n++;
            predictions[q] = IdentityRanking.InsertNewIndividual<int>(result.Identities.AsSpan(at, n),
                result.Scores.AsSpan(at, n), Threshold, -2, K);
        }
        return predictions;
    }

    /// <summary>
    /// <c>identity-stages</c>: times each stage of the ranking once per run with a stopwatch (packing, the row
    /// search, the identity search, the insertion) and prints seconds and GFLOP/s beside the FP32 peak the machine
    /// gives right after (<see cref="Search.CosineTopKBenchmarks.FmaPeak"/>), so the split of the time and its
    /// distance from the FLOP bound are visible without BenchmarkDotNet's process per job.
    /// </summary>
    public static int Stages(int runs, int? dimension)
    {
        var clock = Stopwatch.StartNew();
        var (index, queries) = Build(dimension);
        Console.WriteLine($"read + Add: {clock.Elapsed.TotalSeconds:F3} s ({index.Count:N0} rows × {index.Dimension}, {queries.Length / index.Dimension:N0} queries, {Environment.ProcessorCount} cores)");
        double gflop = 2.0 * index.Count * index.Dimension * (queries.Length / index.Dimension) / 1e9;
        using (index)
        {
            for (int run = 0; run < runs; run++)
            {
                clock.Restart();
                index.Search(queries, K);
                double search = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var ranked = index.SearchIdentities(queries, K);
                double identities = clock.Elapsed.TotalSeconds;
                clock.Restart();
                Rank(ranked);
                double insert = clock.Elapsed.TotalSeconds;
                clock.Restart();
                new Search.CosineTopKBenchmarks().FmaPeak();
                double peak = Search.CosineTopKBenchmarks.PeakSteps * 384.0 * Environment.ProcessorCount / clock.Elapsed.TotalSeconds / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run + 1}: Search (rows) {search:F3} s = {gflop / search:F0} GFLOP/s; SearchIdentities {identities:F3} s = {gflop / identities:F0} GFLOP/s; InsertNewIndividual {insert:F3} s; FMA peak now {peak:F0} GFLOP/s"));
            }
        }
        return 0;
    }
}
