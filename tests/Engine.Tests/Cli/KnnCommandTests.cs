using Engine.IO;
using Engine.Search;
using Engine.Tests.Compute;
using Engine.Tests.Search;

namespace Engine.Tests.Cli;

/// <summary>engine knn on real files, checked against FAISS's golden answers.</summary>
public sealed class KnnCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Golden(string name) => TestData.PathOf("search", name + ".npy");

    [Fact]
    public void Writes_faiss_ids_and_scores_and_a_json_summary()
    {
        string ids = _folder.File("ids.npy"), scores = _folder.File("scores.npy");
        var result = CliRunner.Run("knn", "--database", Golden("random_db"), "--queries", Golden("random_queries"), "-k", "10",
            "--normalize", "--out-ids", ids, "--out-scores", scores, "--json");
        Assert.Equal(0, result.ExitCode);
        var json = result.Json;
        Assert.Equal(2000, json.GetProperty("rows").GetInt32());
        Assert.Equal(64, json.GetProperty("dims").GetInt32());
        Assert.Equal(10, json.GetProperty("k").GetInt32());
        Assert.True(json.GetProperty("seconds").GetDouble() > 0);
        Assert.True(json.GetProperty("queriesPerSecond").GetDouble() > 0);
        var written = new SearchResult(NpyFile.ReadFloat32(scores).Data, NpyFile.ReadInt64(ids).Data, 40, 10);
        Assert.Equal([40, 10], NpyFile.ReadHeader(ids).Shape);
        SearchGolden.AssertMatchesFaiss(SearchGolden.Floats("random_scores"), SearchGolden.Longs("random_ids"), written);
    }

    [Fact]
    public void Approximate_int8_writes_the_exact_searchs_ids_and_scores()
    {
        foreach (string mode in new[] { "exact", "int8" })
        {
            string[] extra = mode == "exact" ? [] : ["--approximate", "int8"];
            var result = CliRunner.Run(["knn", "--database", Golden("random_db"), "--queries", Golden("random_queries"), "-k", "10",
                "--normalize", "--out-ids", _folder.File($"{mode}.ids.npy"), "--out-scores", _folder.File($"{mode}.scores.npy"), "--json", .. extra]);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(mode == "exact" ? System.Text.Json.JsonValueKind.Null : System.Text.Json.JsonValueKind.String,
                result.Json.GetProperty("approximate").ValueKind);
        }
        Assert.Equal(NpyFile.ReadInt64(_folder.File("exact.ids.npy")).Data, NpyFile.ReadInt64(_folder.File("int8.ids.npy")).Data);
        Assert.Equal(NpyFile.ReadFloat32(_folder.File("exact.scores.npy")).Data, NpyFile.ReadFloat32(_folder.File("int8.scores.npy")).Data);
    }

    [Fact]
    public void Reads_fvecs_like_npy_and_prints_results_as_text()
    {
        string db = _folder.File("db.fvecs"), queries = _folder.File("q.fvecs");
        EmbeddingFile.WriteFvecs(db, SearchGolden.Floats("few_db"), 37);
        EmbeddingFile.WriteFvecs(queries, SearchGolden.Floats("few_queries"), 37);
        var result = CliRunner.Run("knn", "--database", db, "--queries", queries, "-k", "3");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("searched 5 queries against 700 rows × 37 dims, k = 3", result.Output);
        var faissIds = SearchGolden.Longs("few_ids");
        Assert.Contains($"0: {faissIds[0]} {faissIds[1]} {faissIds[2]}", result.Output);
        Assert.Contains($"4: {faissIds[200]} {faissIds[201]} {faissIds[202]}", result.Output);
    }

    [Fact]
    public void Labels_rank_identities_and_insert_new_individual_into_the_csv()
    {
        string db = _folder.File("db.npy"), queries = _folder.File("q.npy"), labels = _folder.File("labels.txt"), csv = _folder.File("pred.csv");
        // Identity scores (best row each): query (1, 0): whale_a 1, whale_b 0.8, whale_c 0; query (0, 1): whale_c 1, whale_b 0.8, whale_a 0.
        NpyFile.Write(db, [1f, 0f, 0.8f, 0.6f, 0.6f, 0.8f, 0f, 1f, 0.8f, 0f], [5, 2]);
        File.WriteAllLines(labels, ["whale_a", "whale_b", "whale_b", "whale_c", "whale_a"]);
        NpyFile.Write(queries, [1f, 0f, 0f, 1f], [2, 2]);
        var result = CliRunner.Run("knn", "--database", db, "--queries", queries, "-k", "3", "--labels", labels,
            "--new-individual-threshold", "0.7", "--out", csv);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["query,predictions", "0,whale_a whale_b new_individual", "1,whale_c whale_b new_individual"], File.ReadAllLines(csv));
    }

    [Fact]
    public void Bad_input_is_one_error_line_naming_it()
    {
        string db = _folder.File("db.npy"), queries = _folder.File("q.npy"), other = _folder.File("q3.npy");
        NpyFile.Write(db, [1f, 0f, 0f, 1f], [2, 2]);
        NpyFile.Write(queries, [1f, 0f], [1, 2]);
        NpyFile.Write(other, [1f, 0f, 0f], [1, 3]);
        AssertError("dimension 3 but", "--database", db, "--queries", other);
        AssertError("-k 0 is out of range", "--database", db, "--queries", queries, "-k", "0");
        AssertError("-k 2049 is out of range", "--database", db, "--queries", queries, "-k", "2049");

        string empty = _folder.File("empty.npy");
        NpyFile.Write(empty, Array.Empty<float>(), [0, 2]);
        AssertError("has no rows", "--database", empty, "--queries", queries);

        string truncated = _folder.File("truncated.npy");
        File.WriteAllBytes(truncated, File.ReadAllBytes(db)[..^3]);
        AssertError("truncated.npy", "--database", truncated, "--queries", queries);

        string nan = _folder.File("nan.npy");
        NpyFile.Write(nan, [1f, 0f, 0f, float.NaN], [2, 2]);
        AssertError("nan.npy: embeddings row 1 holds NaN at column 1", "--database", nan, "--queries", queries);

        string zero = _folder.File("zero.npy");
        NpyFile.Write(zero, [1f, 0f, 0f, 0f], [2, 2]);
        AssertError("zero.npy: embeddings row 1 is all zeros", "--database", zero, "--queries", queries, "--normalize");

        string labels = _folder.File("labels.txt");
        File.WriteAllLines(labels, ["a"]);
        AssertError("has 1 labels but the database has 2 rows", "--database", db, "--queries", queries, "--labels", labels);
        AssertError("needs --labels", "--database", db, "--queries", queries, "--new-individual-threshold", "0.5");
        AssertError("must be a .npy or .fvecs", "--database", labels, "--queries", queries);
        AssertError("--approximate f16 is not supported", "--database", db, "--queries", queries, "--approximate", "f16");
        AssertError("cannot be combined with --labels", "--database", db, "--queries", queries, "--approximate", "int8", "--labels", labels);
        AssertError("cannot be combined with --backend cuda", "--database", db, "--queries", queries, "--approximate", "int8", "--backend", "cuda");

        string fvecs = _folder.File("bad.fvecs");
        EmbeddingFile.WriteFvecs(fvecs, [1f, 2f, 3f, 4f], 2);
        File.WriteAllBytes(fvecs, File.ReadAllBytes(fvecs)[..^2]);
        AssertError("not a whole number of 2-dimensional vectors", "--database", fvecs, "--queries", queries);
    }

    private static void AssertError(string message, params string[] args)
    {
        var result = CliRunner.Run(["knn", .. args]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.Contains(message, result.Error);
    }
}

/// <summary>
/// engine knn --backend ilgpu-cpu: in the ILGPU collection, so it runs after the other emulator tests rather than
/// beside them (the emulator already uses every core).
/// </summary>
[Collection(IlgpuCpuCollection.Name)]
public sealed class KnnCommandKernelTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_kernels_on_the_cpu_accelerator_write_the_simd_paths_answer()
    {
        string db = _folder.File("db.npy"), queries = _folder.File("q.npy");
        NpyFile.Write(db, CosineIndexTests.RandomRows(150, 9, seed: 31), [150, 9]);
        NpyFile.Write(queries, CosineIndexTests.RandomRows(4, 9, seed: 32), [4, 9]);
        foreach (string backend in new[] { "cpu", "ilgpu-cpu" })
        {
            var result = CliRunner.Run("knn", "--database", db, "--queries", queries, "-k", "6", "--normalize", "--backend", backend,
                "--out-ids", _folder.File($"{backend}.ids.npy"), "--out-scores", _folder.File($"{backend}.scores.npy"), "--json");
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(backend == "cpu" ? "Cpu" : "IlgpuCpu", result.Json.GetProperty("backend").GetString());
        }
        Assert.Equal(NpyFile.ReadInt64(_folder.File("cpu.ids.npy")).Data, NpyFile.ReadInt64(_folder.File("ilgpu-cpu.ids.npy")).Data);
        Assert.Equal(NpyFile.ReadFloat32(_folder.File("cpu.scores.npy")).Data, NpyFile.ReadFloat32(_folder.File("ilgpu-cpu.scores.npy")).Data);
    }
}
