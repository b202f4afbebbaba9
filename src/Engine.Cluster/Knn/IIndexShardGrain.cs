namespace Engine.Cluster.Knn;

/// <summary>
/// One replica of one index shard, held in memory as a <c>CosineIndex</c> on the silo its key names
/// (<c>INDEX/SHARD@HOST:PORT</c>, see <see cref="Placement.SiloEndpointPlacement"/>) and saved under the silo's
/// <c>--data</c>. Loading: <see cref="Create"/>, <see cref="Append"/> until every row is in, <see cref="Commit"/>.
/// </summary>
public interface IIndexShardGrain : IGrainWithStringKey
{
    /// <summary>Starts an empty shard described by <paramref name="manifest"/>, dropping any unsaved rows.</summary>
    Task Create(ShardManifest manifest);

    /// <summary>Adds rows (row-major) with their ids (positions in the whole index).</summary>
    Task Append(float[] rows, long[] ids);

    /// <summary>Saves the shard (index file, then manifest) once it holds all its rows; from then on it searches.</summary>
    Task Commit();

    /// <summary>The shard's top k of each query, best first.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<ShardHits> Search(float[] queries, int k);
}

/// <summary>The shards saved on one silo (key <c>silo@HOST:PORT</c>): what it serves after a restart.</summary>
public interface ISiloIndexesGrain : IGrainWithStringKey
{
    /// <summary>Every committed shard replica under the silo's <c>--data</c>.</summary>
    Task<ShardManifest[]> List();
}

/// <summary>Searches one index (the grain's key): fans a batch out to one replica of each shard and merges the results exactly.</summary>
public interface ISearchCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>The whole index's top k of each query, equal to a single-machine search bit for bit.</summary>
    /// <exception cref="ClusterException">The index is not loaded, or a shard has no replica that answers.</exception>
    Task<ShardHits> Search(SearchRequest request);
}
