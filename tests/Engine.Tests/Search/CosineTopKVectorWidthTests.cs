using Engine.IO;
using Engine.Search;
using Engine.Tests.Compute;

namespace Engine.Tests.Search;

/// <summary>The Vector256 and scalar micro-kernels, run in child processes, give this process's scores bit for bit.</summary>
public sealed class CosineTopKVectorWidthTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(VectorWidthTests.NarrowerMachines), MemberType = typeof(VectorWidthTests))]
    public void Narrower_vectors_give_the_same_scores_and_ids(string variable, string value)
    {
        // 700 rows (11 panels, the last partial), dimension 37, 5 queries (database split), 40 queries (query split).
        foreach (var (db, queries, k) in new[] { ("few_db", "few_queries", 50), ("random_db", "random_queries", 10) })
        {
            string ids = _folder.File($"{db}.ids.npy"), scores = _folder.File($"{db}.scores.npy");
            VectorWidthTests.Engine(variable, value, "knn", "--database", TestData.PathOf("search", db + ".npy"),
                "--queries", TestData.PathOf("search", queries + ".npy"), "-k", k.ToString(), "--normalize",
                "--out-ids", ids, "--out-scores", scores, "--json");
            int dim = SearchGolden.Dim(db);
            using var index = new CosineIndex(dim, normalize: true);
            index.Add(SearchGolden.Floats(db));
            var expected = index.Search(SearchGolden.Floats(queries), k);
            Assert.Equal(expected.Ids, NpyFile.ReadInt64(ids).Data);
            Assert.Equal(expected.Scores, NpyFile.ReadFloat32(scores).Data);
        }
    }
}
