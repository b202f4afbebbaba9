namespace Engine.Cluster.Knn;

/// <summary>The shards saved on one silo (key <c>silo@HOST:PORT</c>): what it serves after a restart.</summary>
public interface ISiloIndexesGrain : IGrainWithStringKey
{
    /// <summary>Every committed shard replica under the silo's <c>--data</c>.</summary>
    Task<ShardManifest[]> List();
}
