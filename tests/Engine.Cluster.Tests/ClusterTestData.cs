using Engine.IO;

namespace Engine.Cluster.Tests;

/// <summary>The FAISS golden case the cluster tests search (2,000 rows × 64, 40 queries; tests/data/search).</summary>
internal static class ClusterTestData
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "data", "search", name + ".npy");

    public static EmbeddingMatrix Read(string name) => EmbeddingFile.Read(PathOf(name));
}

/// <summary>A scratch folder under the system temp folder, deleted with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "engine-cluster-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
