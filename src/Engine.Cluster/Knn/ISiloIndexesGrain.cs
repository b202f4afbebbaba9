namespace Engine.Cluster.Knn;

/// <summary>The shards saved on one silo (key <c>silo@HOST:PORT</c>): what it serves after a restart.</summary>
public interface ISiloIndexesGrain : IGrainWithStringKey
{
    /// <summary>Every committed shard replica under the silo's <c>--data</c>.</summary>
    Task<ShardManifest[]> List();

    /// <summary>Deletes index <paramref name="index"/>'s shards from the silo's <c>--data</c> and memory.</summary>
    /// <returns>The replicas removed; empty when the silo held none.</returns>
    Task<ShardManifest[]> Remove(string index);
}
