using System.Text.Json;
using Engine.Cluster.Hosting;
using Engine.IO;

namespace Engine.Cluster.Knn;

/// <summary>Where a silo keeps a shard: <c>DATA/indexes/INDEX/shard-S.index</c> (a <c>CosineIndexFile</c>) and <c>shard-S.json</c> (its manifest, written last).</summary>
internal static class ShardFiles
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string IndexPath(SiloData data, string index, int shard) => Path.Combine(data.IndexDirectory(index), $"shard-{shard}.index");

    public static string ManifestPath(SiloData data, string index, int shard) => Path.Combine(data.IndexDirectory(index), $"shard-{shard}.json");

    public static void WriteManifest(string path, ShardManifest manifest) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, manifest, Json));

    /// <exception cref="InvalidDataException">The file is not a manifest.</exception>
    public static ShardManifest ReadManifest(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ShardManifest>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is not a shard manifest.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a shard manifest: {e.Message}", e);
        }
    }

    /// <summary>Every manifest under the silo's data directory.</summary>
    public static IEnumerable<string> Manifests(SiloData data)
    {
        string root = Path.Combine(data.Directory, "indexes");
        return Directory.Exists(root) ? Directory.EnumerateFiles(root, "shard-*.json", SearchOption.AllDirectories) : [];
    }
}
