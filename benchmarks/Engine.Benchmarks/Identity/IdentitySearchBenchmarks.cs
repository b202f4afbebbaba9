using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Engine.IO;
using Engine.Search;
using CosineTopKBenchmarks = Engine.Benchmarks.Search.CosineTopKBenchmarks;

namespace Engine.Benchmarks.Identity;

/// <summary>
/// Identity search and ranking at Happywhale's scale on the inputs benchmarks/peers/identity_faiss.py writes and
/// times with FAISS's IndexFlatIP + numpy: 50,000 gallery rows × 128 of 15,587 individuals, 30,000 queries.
/// <c>Search</c> is the five best rows; <c>SearchAndRank</c> the five best distinct individuals with
/// new_individual inserted at 0.5 (exact here, a 50-row search then grouping for the peer);
/// <c>InsertNewIndividual</c> that insertion alone. The index is built once (Add's packing, as FAISS's add).
/// </summary>
[Config(typeof(CosineTopKBenchmarks.Config))]
public class IdentitySearchBenchmarks
{
    /// <summary>Predictions per query (MAP@5).</summary>
    public const int K = 5;

    /// <summary>The new-individual threshold both sides insert at.</summary>
    public const double Threshold = 0.5;

    private CosineIndex? _index;
    private float[] _queries = [];
    private IdentitySearchResult? _ranked;

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
    /// <c>identity-stages</c>: times each stage once per run — the row search and the identity search, each by the
    /// exact scan alone and then by the int8 prefilter (what <see cref="CosineIndex"/> runs by default where the CPU
    /// has AVX-VNNI), checked equal bit for bit; the insertion; then <see cref="CosineTopKBenchmarks.FmaPeak"/> — and
    /// prints wall seconds and CPU seconds: on a shared machine the wall time is whatever share of the cores the
    /// process got, while the CPU seconds are the work itself, so CPU seconds ÷ cores is the wall time on an idle
    /// machine for a stage that keeps every core busy. GFLOP/s (the FP32 scan's FLOPs) are per CPU second, beside
    /// the FMA peak's, so the distance from the FLOP bound shows in one run.
    /// </summary>
    public static int Stages(int runs, int? dimension)
    {
        var wall = Stopwatch.StartNew();
        var (index, queries) = Build(dimension);
        int queryCount = queries.Length / index.Dimension;
        Console.WriteLine($"read + Add (with the int8 copy): {wall.Elapsed.TotalSeconds:F3} s ({index.Count:N0} rows × {index.Dimension}, {queryCount:N0} queries, {Environment.ProcessorCount} cores)");
        double gflop = 2.0 * index.Count * index.Dimension * queryCount / 1e9;
        double peakGflop = CosineTopKBenchmarks.PeakSteps * 384.0 * Environment.ProcessorCount / 1e9;
        using (index)
        {
            for (int run = 0; run < runs; run++)
            {
                SearchResult? rows = null, filteredRows = null;
                IdentitySearchResult? ranked = null, filtered = null;
                index.Prefilter = PrefilterPolicy.Never;
                var search = Time(() => rows = index.Search(queries, K));
                index.Prefilter = PrefilterPolicy.Auto;
                var filteredSearch = Time(() => filteredRows = index.Search(queries, K));
                index.Prefilter = PrefilterPolicy.Never;
                var identities = Time(() => ranked = index.SearchIdentities(queries, K));
                index.Prefilter = PrefilterPolicy.Auto;
                var filteredIdentities = Time(() => filtered = index.SearchIdentities(queries, K));
                bool identical = rows!.Ids.SequenceEqual(filteredRows!.Ids) && rows.Scores.SequenceEqual(filteredRows.Scores)
                    && ranked!.Ids.SequenceEqual(filtered!.Ids) && ranked.Identities.SequenceEqual(filtered.Identities)
                    && ranked.Scores.SequenceEqual(filtered.Scores);
                var insert = Time(() => Rank(filtered!));
                var peak = Time(() => new CosineTopKBenchmarks().FmaPeak());
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run + 1} (wall s / CPU s): Search (rows) exact {search.Wall:F3} / {search.Cpu:F3} = {gflop / search.Cpu:F1} GFLOP per CPU s, " +
                    $"prefilter {filteredSearch.Wall:F3} / {filteredSearch.Cpu:F3}; " +
                    $"SearchIdentities exact {identities.Wall:F3} / {identities.Cpu:F3} = {gflop / identities.Cpu:F1}, " +
                    $"prefilter {filteredIdentities.Wall:F3} / {filteredIdentities.Cpu:F3}; results {(identical ? "identical" : "DIFFERENT")}; " +
                    $"InsertNewIndividual {insert.Wall:F3} / {insert.Cpu:F3}; " +
                    $"FMA peak {peak.Wall:F3} / {peak.Cpu:F3} = {peakGflop / peak.Cpu:F1} GFLOP per CPU s"));
                if (!identical)
                    return 1;
            }
        }
        return 0;
    }

    private static (double Wall, double Cpu) Time(Action action)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        action();
        return (wall.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }
}
