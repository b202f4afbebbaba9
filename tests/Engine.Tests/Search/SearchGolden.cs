using Engine.IO;
using Engine.Search;

namespace Engine.Tests.Search;

/// <summary>The FAISS golden cases of tests/data/search and the tie-aware comparison with them.</summary>
internal static class SearchGolden
{
    /// <summary>
    /// Scores may differ from FAISS's in the last bits (FAISS sums through OpenBLAS's sgemm or its own SIMD loop in
    /// another order than our FMA chain); 1e-5 is ~100 float32 ulps at 1, far above that and far below a real gap.
    /// </summary>
    public const float ScoreTolerance = 1e-5f;

    public static float[] Floats(string name) => NpyFile.ReadFloat32(TestData.PathOf("search", name + ".npy")).Data;

    public static long[] Longs(string name) => NpyFile.ReadInt64(TestData.PathOf("search", name + ".npy")).Data;

    public static int Dim(string name) => NpyFile.ReadHeader(TestData.PathOf("search", name + ".npy")).Shape[1];

    /// <summary>
    /// Asserts that every score is within <see cref="ScoreTolerance"/> of FAISS's and that the ids are FAISS's,
    /// except that ids may trade places among results whose FAISS scores are within the tolerance of each other
    /// (where the order depends on the last bits). Returns the number of queries where that happened.
    /// </summary>
    public static int AssertMatchesFaiss(float[] faissScores, long[] faissIds, SearchResult ours)
    {
        int k = ours.K, nearTies = 0;
        Assert.Equal(faissIds.Length, ours.Ids.Length);
        for (int q = 0; q < ours.Queries; q++)
        {
            bool tie = false;
            for (int i = 0; i < k; i++)
            {
                int at = q * k + i;
                Assert.True(Math.Abs(ours.Scores[at] - faissScores[at]) <= ScoreTolerance,
                    $"query {q} rank {i}: score {ours.Scores[at]} vs FAISS {faissScores[at]}");
                if (ours.Ids[at] == faissIds[at])
                    continue;
                // The id must be one FAISS ranks within the tolerance of this rank's score.
                int other = Array.IndexOf(faissIds, ours.Ids[at], q * k, k);
                bool nearby = other >= 0 && Math.Abs(faissScores[other] - faissScores[at]) <= ScoreTolerance;
                bool pastK = other < 0 && Math.Abs(faissScores[q * k + k - 1] - ours.Scores[at]) <= ScoreTolerance;
                Assert.True(nearby || pastK, $"query {q} rank {i}: id {ours.Ids[at]} vs FAISS {faissIds[at]} with no near tie");
                tie = true;
            }
            nearTies += tie ? 1 : 0;
        }
        return nearTies;
    }
}
